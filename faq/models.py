"""FAQ entries for service agents and customers (KB-13), and what agents and customers tell
the knowledge team about them: votes, outdated flags and questions nobody could answer."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from knowledge.models import (
    Audience,
    FreshnessMixin,
    ReadablePageManager,
    SignificantChangeMixin,
    SpaceItemMixin,
    VersionedPageMixin,
    audience_field,
    review_interval_field,
    significant_change_field,
    significant_change_panel,
)
from knowledge.widgets import NodePicker

ANSWER_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link", "h3", "h4"]


class FAQEntryPage(SpaceItemMixin, VersionedPageMixin, SignificantChangeMixin, FreshnessMixin, Page):
    """One question (the title), the other ways people ask it, and the answer. A page of its
    knowledge space, so revisions, view restrictions, the trash and search come with it."""

    phrasings = models.TextField(
        _("alternative phrasings"), blank=True,
        help_text=_("Other ways customers and colleagues ask this question, one per line."),
    )
    answer = RichTextField(_("answer"), features=ANSWER_FEATURES)
    audience = audience_field()
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_faq_entries",
    )
    review_interval = review_interval_field()
    nodes = ParentalManyToManyField(
        "knowledge.DimensionNode", verbose_name=_("product and category"), blank=True, related_name="faq_entries",
        limit_choices_to={"merged_into__isnull": True},
    )
    source_key = models.CharField(
        _("promoted from"), max_length=100, blank=True, editable=False,
        help_text=_("The Q&A thread this entry was made from."),
    )
    significant_change = significant_change_field()

    objects = ReadablePageManager()
    content_panels = [
        FieldPanel("title", heading=_("Question")),
        FieldPanel("phrasings"),
        FieldPanel("answer"),
        MultiFieldPanel(
            [FieldPanel("nodes", widget=NodePicker), FieldPanel("audience"), FieldPanel("content_owner"),
             FieldPanel("review_interval")],
            heading=_("Classification"),
        ),
        significant_change_panel(),
    ]
    parent_page_types = ["knowledge.KnowledgeSpacePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    @property
    def is_public(self):
        return self.audience == Audience.PUBLIC

    def phrasing_list(self):
        """The alternative phrasings, each once, without blank lines or the question itself."""
        seen = {self.title.strip()}
        out = []
        for line in self.phrasings.splitlines():
            line = line.strip()
            if line and line not in seen:
                seen.add(line)
                out.append(line)
        return out

    @property
    def answer_text(self):
        """The answer as plain text, as an agent pastes it into a chat or an email."""
        from faq.services.entries import rich_text_as_plain

        return rich_text_as_plain(self.answer)

    def get_context(self, request, *args, **kwargs):
        from knowledge.services.dimensions import labels
        from qa.services.threads import thread_for_key
        from selfservice.services import is_public, public_url

        from .services.feedback import vote_summary

        context = super().get_context(request, *args, **kwargs)
        context["node_labels"] = sorted(labels(self.nodes.all()).items(), key=lambda item: item[1])
        context["votes"] = vote_summary(self)
        context["thread"] = thread_for_key(self.source_key) if self.source_key else None
        context["public_url"] = public_url(self) if is_public(self) else ""
        return context

    def version_lines(self, user):
        lines = [f"# {self.title}", ""]
        lines += [f"- {p}" for p in self.phrasing_list()]
        return lines + ["", *self.answer_text.splitlines()]


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    PUBLIC = "public", _("Self-service site")
    API = "api", _("API")


class AnswerVote(models.Model):
    """Whether an FAQ entry or an article helped: one vote per person (or, on the public site,
    per browser session) and page; voting again changes the vote."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="answer_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer vote")
        verbose_name_plural = _("answer votes")
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], condition=models.Q(user__isnull=False),
                                    name="faq_vote_once_per_user"),
            models.UniqueConstraint(fields=["page", "session_key"], condition=models.Q(user__isnull=True),
                                    name="faq_vote_once_per_session"),
        ]


class OutdatedFlag(models.Model):
    """An agent's report that an answer is no longer right; open until its owner deals with it."""

    entry = models.ForeignKey(FAQEntryPage, on_delete=models.CASCADE, related_name="outdated_flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.TextField(_("what is wrong"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("outdated flag")
        verbose_name_plural = _("outdated flags")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["entry", "user"], condition=models.Q(resolved_at__isnull=True),
                                               name="faq_one_open_flag_per_user")]


class UnansweredQuestion(models.Model):
    """A question the answer finder (or the public site) had no answer for, once per wording:
    asking it again counts, so the knowledge team sees what is asked most."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        DISMISSED = "dismissed", _("Dismissed")

    text = models.CharField(_("question"), max_length=500)
    normalised = models.CharField(max_length=500, unique=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("first asked by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    ask_count = models.PositiveIntegerField(_("times asked"), default=1)
    first_asked_at = models.DateTimeField(_("first asked"), auto_now_add=True)
    last_asked_at = models.DateTimeField(_("last asked"), auto_now=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    answer_key = models.CharField(_("answered by"), max_length=100, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("unanswered question")
        verbose_name_plural = _("unanswered questions")
        ordering = ["-ask_count", "-last_asked_at"]
        permissions = [("manage_faq", _("Can manage FAQ feedback and unanswered questions"))]

    def __str__(self):
        return self.text


def _import_file_name(instance, filename):
    """Uploaded FAQ files keep their extension under a random name (the original name is in
    the record): nothing guessable in MEDIA, and any file name of the user's is fine."""
    import os
    import uuid

    extension = os.path.splitext(filename)[1][:10].lower()
    return f"faq-imports/{uuid.uuid4().hex}{extension}"


class FAQImport(models.Model):
    """An FAQ file uploaded in the admin (KB-13), between its preview and its import: the file
    stays on the server, so what is imported is exactly what was previewed, and only once."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    space = models.ForeignKey("knowledge.KnowledgeSpacePage", verbose_name=_("space"), on_delete=models.CASCADE,
                              related_name="+")
    file = models.FileField(_("file"), upload_to=_import_file_name, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, editable=False)
    audience = models.CharField(_("default audience"), max_length=10, choices=Audience.choices,
                                default=Audience.INTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("FAQ import")
        verbose_name_plural = _("FAQ imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name
