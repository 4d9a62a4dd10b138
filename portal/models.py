"""The organisation (departments, positions, people) and the portal's home page."""
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class Department(models.Model):
    """A node of the organisation chart; knowledge spaces and people belong to one."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=50, unique=True, allow_unicode=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("parent"), FieldPanel("head")]

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Position(models.Model):
    """A job (岗位); later issues hang position knowledge maps and training plans on it."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True, allow_unicode=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("department"), FieldPanel("description")]

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]

    def __str__(self):
        return self.name


mobile_validator = RegexValidator(r"^\+?\d{6,15}$", _("Enter a mobile number of 6 to 15 digits."))


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="holders",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="reports",
    )
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, validators=[mobile_validator])

    panels = [
        FieldPanel("user"),
        FieldPanel("department"),
        FieldPanel("position"),
        FieldPanel("manager"),
        FieldPanel("mobile"),
    ]

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class HomePage(Page):
    """The intranet's front page: spaces and what changed lately."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["knowledge.KnowledgeSpacePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        from knowledge.models import ArticlePage, KnowledgeSpacePage

        context = super().get_context(request, *args, **kwargs)
        context["spaces"] = KnowledgeSpacePage.objects.child_of(self).live().readable_by(request.user)
        context["recent_articles"] = (
            ArticlePage.objects.descendant_of(self).live().readable_by(request.user)
            .order_by("-last_published_at")[:10]
        )
        return context


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def notify(self, users, verb, title, url="", dedupe_key=""):
        """Notify each of ``users`` once: a second notice with the same ``dedupe_key`` for the
        same user is dropped, so a change reported twice never notifies twice."""
        self.bulk_create(
            [Notification(user=user, verb=verb, title=title[:255], url=url[:1024], dedupe_key=dedupe_key[:200])
             for user in users],
            ignore_conflicts=True,
        )


class Notification(models.Model):
    """A notice for one user (a subscribed item changed, ...); the message centre builds on it."""

    VERBS = {
        "created": _("New"), "changed": _("Updated"),
        "qa_question": _("Question for you"), "qa_answer": _("New answer"), "qa_comment": _("New comment"),
        "qa_accepted": _("Answer accepted"), "qa_escalated": _("Unanswered question"),
        "training_assigned": _("Training assigned"), "training_due": _("Training due soon"),
        "training_overdue": _("Training overdue"), "training_refresh": _("Please re-read"),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    verb = models.CharField(_("what happened"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(_("link"), max_length=1024, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                               name="portal_notification_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="portal_notification_unread")]

    def __str__(self):
        return f"{self.verb_label}: {self.title}"

    @property
    def verb_label(self):
        return self.VERBS.get(self.verb, self.verb)
