"""Knowledge spaces, articles, documents with versions and extracted text, and the trash."""
import calendar
import hashlib
import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.models import AbstractDocument, Document
from wagtail.fields import StreamField
from wagtail.models import Collection, Orderable, Page, PageManager
from wagtail.search import index

from search.text import segmented

from .blocks import ArticleBodyBlock
from .query import ReadablePageQuerySet
from .widgets import NodePicker
from .storage import retaining_storage

ReadablePageManager = PageManager.from_queryset(ReadablePageQuerySet)


class Dimension(models.Model):
    """A classification tree of its own (KB-05): by product line, discipline, project, process
    stage... An item sits in any number of nodes of any number of dimensions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        "portal.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="dimensions", help_text=_("Users of this department with the right to manage their "
                                               "department's dimensions may edit it."),
    )
    sort_order = models.IntegerField(_("order"), default=0)
    CATEGORY_SLUG = "category"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["sort_order", "name"]
        permissions = [("manage_department_dimensions", _("Can manage the dimensions of their own department"))]

    def __str__(self):
        return self.name

    @classmethod
    def for_imports(cls):
        """The dimension imported folders are filed in when none is chosen (the foundation's
        categories became this dimension)."""
        return cls.objects.filter(slug=cls.CATEGORY_SLUG).first() or cls.objects.create(
            slug=cls.CATEGORY_SLUG, name=gettext("Category"))

    def roots(self):
        return DimensionNode.get_root_nodes().filter(dimension=self, merged_into__isnull=True)

    def node_from_path(self, parts):
        """Get or create the node for a sequence of names under this dimension."""
        node = None
        for name in parts:
            name = name.strip()[:100]
            if not name:
                continue
            siblings = node.get_children() if node else self.roots()
            found = siblings.filter(name=name).first()
            if found is None:
                found = (node.add_child(dimension=self, name=name) if node
                         else DimensionNode.add_root(dimension=self, name=name))
            node = found
        return node


class DimensionNodeQuerySet(MP_NodeQuerySet):
    def active(self):
        """Nodes not merged into another one."""
        return self.filter(merged_into__isnull=True)


class DimensionNodeManager(MP_NodeManager):
    def get_queryset(self):
        return DimensionNodeQuerySet(self.model).order_by("path")

    def active(self):
        return self.get_queryset().active()


class DimensionNode(MP_Node):
    """A node of a dimension's tree. A merged node stays as a pointer to the node it was merged
    into, so old revisions that name it still resolve."""

    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), on_delete=models.CASCADE,
                                  related_name="nodes")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )

    node_order_by = ["name"]
    objects = DimensionNodeManager()

    class Meta:
        verbose_name = _("dimension node")
        verbose_name_plural = _("dimension nodes")
        ordering = ["dimension_id", "path"]

    def __str__(self):
        return self.label

    @property
    def path_names(self):
        return [n.name for n in self.get_ancestors()] + [self.name]

    @property
    def label(self):
        """The dimension and the path, as facets and pickers show it: 产品线 / 发动机 / 柴油机."""
        return " / ".join([self.dimension.name, *self.path_names])

    @property
    def short_path(self):
        return " / ".join(self.path_names)

    def resolved(self):
        """This node, or the node it was (last) merged into."""
        node, seen = self, set()
        while node.merged_into_id and node.pk not in seen:
            seen.add(node.pk)
            node = node.merged_into
        return node


class Audience(models.TextChoices):
    """Who may read an item: staff only, or also customers on the public self-service site."""

    INTERNAL = "internal", _("Internal only")
    PUBLIC = "public", _("Public (self-service site)")


def audience_field():
    return models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL,
        help_text=_("Public items also appear on the self-service site for customers, unless the space or "
                    "page restricts who may read them."),
    )


def significant_change_field():
    """The editor's mark that a new version changes what people must know (training re-reads).
    Each page revision records its own; it never carries over to the next edit."""
    return models.BooleanField(
        _("Significant change"), default=False,
        help_text=_("Tick when this version changes what people must know: learners who completed it in a "
                    "training path are asked to re-read it."),
    )


def significant_change_panel():
    return FieldPanel("significant_change")


class SignificantChangePageForm(WagtailAdminPageForm):
    """Starts every edit unticked, whatever the revision being edited said."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "significant_change" in self.fields:
            self.fields["significant_change"].initial = False
            self.initial["significant_change"] = False


class SignificantChangeMixin:
    """For pages with a ``significant_change_field()``: the flag lives in its revision's content
    only. A page rebuilt from a revision (to edit, publish, revert, hand over) has it cleared, so
    no later revision inherits it by accident and the live row never holds it."""

    base_form_class = SignificantChangePageForm

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        obj.significant_change = False
        return obj


class ReviewInterval(models.IntegerChoices):
    """How often an item's owner confirms it is still right (freshness)."""

    QUARTERLY = 3, _("Every 3 months")
    HALF_YEARLY = 6, _("Every 6 months")
    YEARLY = 12, _("Every year")
    TWO_YEARS = 24, _("Every 2 years")
    NEVER = 0, _("Never")


def review_interval_field():
    return models.PositiveSmallIntegerField(
        _("review interval"), choices=ReviewInterval.choices, default=ReviewInterval.YEARLY,
        help_text=_("How often the owner confirms that the content is still right. Publishing or verifying "
                    "it starts the interval again."),
    )


def add_months(day, months):
    """``day`` plus ``months`` calendar months, on the month's last day when it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


_UNSET = object()


class FreshnessMixin:
    """For pages with a ``content_owner`` and a ``review_interval_field()``: the owner and the
    interval are page fields (edited, versioned, handed over with the page), while when it was
    last verified and when it is next due live in a :class:`ReviewSchedule` beside the page, so
    a one-click verification creates no revision and the next edit cannot overwrite it."""

    @property
    def freshness(self):
        """The page's ReviewSchedule, or None before its first publication."""
        if not self.pk:
            return None
        try:
            return self.review_schedule
        except ObjectDoesNotExist:
            return None

    @property
    def review_due(self):
        schedule = self.freshness
        return schedule.review_due if schedule else None

    # ``next_review`` was a page field (a date typed by the editor) before the schedule existed.
    # Kept as a property so code that still sets it (imports, demo data, older tests) keeps
    # working: a date set by hand is stored on the schedule and used by the next publication
    # instead of publish date + interval (signals.keep_review_date_set_by_hand).
    @property
    def next_review(self):
        by_hand = getattr(self, "_review_due_by_hand", _UNSET)
        return self.review_due if by_hand is _UNSET else by_hand

    @next_review.setter
    def next_review(self, value):
        self._review_due_by_hand = value


class ReviewSchedule(models.Model):
    """When a page was last verified (by publishing it or confirming it in one click) and when
    its owner should next look at it. One row per page, outside its revisions."""

    page = models.OneToOneField("wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE,
                                primary_key=True, related_name="review_schedule")
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last verified by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    review_due = models.DateField(_("review due"), null=True, blank=True, db_index=True,
                                  help_text=_("Empty when the item never needs a review."))
    # A date set by hand (``page.next_review = ...``), applied by the next publication instead
    # of publish date + interval, then cleared.
    due_by_hand = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")

    def __str__(self):
        return f"{self.page_id}: {self.review_due}"

    def is_overdue(self, today=None):
        return bool(self.review_due and self.review_due < (today or timezone.localdate()))


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    EMPTY = "empty", _("No text")
    FAILED = "failed", _("Failed")


class ExtractedContent(models.Model):
    """What text extraction found in one stored file."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True, editable=False)
    detected_type = models.CharField(_("detected content type"), max_length=255, blank=True, editable=False)
    page_count = models.PositiveIntegerField(_("page count"), null=True, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=16, blank=True, editable=False)
    extracted_text = models.TextField(_("extracted text"), blank=True, editable=False)
    extraction_status = models.CharField(
        _("extraction status"), max_length=16, choices=ExtractionStatus.choices,
        default=ExtractionStatus.PENDING, editable=False, db_index=True,
    )
    extraction_error = models.TextField(_("extraction error"), blank=True, editable=False)
    extraction_seconds = models.FloatField(_("extraction time (s)"), null=True, blank=True, editable=False)
    extracted_at = models.DateTimeField(_("extracted at"), null=True, blank=True, editable=False)

    EXTRACTION_FIELDS = [
        "detected_type", "page_count", "language", "extracted_text", "extraction_status",
        "extraction_error", "extraction_seconds", "extracted_at",
    ]

    class Meta:
        abstract = True

    @property
    def is_extraction_finished(self):
        return self.extraction_status in {ExtractionStatus.DONE, ExtractionStatus.EMPTY, ExtractionStatus.FAILED}

    @property
    def declared_type(self):
        return mimetypes.guess_type(self.file.name)[0] or ""

    @property
    def is_mislabelled(self):
        """True when the content is not what the file name's extension claims."""
        declared, detected = self.declared_type, self.detected_type.split(";")[0].strip()
        return bool(declared and detected and declared != detected and detected != "application/octet-stream")

    @property
    def text_preview(self):
        return self.extracted_text[:1500]


def file_sha256(field_file):
    digest = hashlib.sha256()
    field_file.open("rb")
    try:
        for chunk in field_file.chunks():
            digest.update(chunk)
    finally:
        field_file.close()
    return digest.hexdigest()


class KnowledgeDocument(ExtractedContent, AbstractDocument):
    """A stored file (KB-01). Its fields describe the current version; older ones live in
    :class:`DocumentVersion`."""

    file = models.FileField(upload_to="documents", verbose_name=_("file"), storage=retaining_storage)
    description = models.TextField(_("description"), blank=True)
    source_path = models.CharField(_("imported from"), max_length=1024, blank=True, editable=False)
    nodes = models.ManyToManyField(DimensionNode, verbose_name=_("dimensions"), blank=True, related_name="documents",
                                   limit_choices_to={"merged_into__isnull": True})
    # Read when a new file is recorded (services.documents.record_current_file), then cleared.
    significant_change = significant_change_field()

    admin_form_fields = Document.admin_form_fields + ("description", "nodes", "significant_change")
    search_fields = AbstractDocument.search_fields + [
        index.SearchField("description"),
        index.SearchField("extracted_text"),
        index.SearchField("segmented_text"),
        index.AutocompleteField("segmented_text"),  # the admin's search boxes autocomplete
        index.FilterField("extraction_status"),
    ]

    class Meta(AbstractDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    @property
    def current_version(self):
        return self.versions.filter(file=self.file.name).order_by("-number").first()

    def segmented_text(self):
        return segmented(self.title, self.description, self.extracted_text)

    @property
    def extension(self):
        return PurePosixPath(self.file.name).suffix.lstrip(".").lower()


class DocumentVersion(ExtractedContent):
    """One file a document has had; the newest is its current file (KB-08)."""

    document = models.ForeignKey(
        KnowledgeDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="documents", storage=retaining_storage, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size"), null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    significant = models.BooleanField(_("Significant change"), default=False)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="unique_document_version")]

    def __str__(self):
        return f"{self.document.title} v{self.number}"

    @property
    def is_current(self):
        return self.file.name == self.document.file.name

    def get_download_url(self):
        return reverse("knowledge:document_version_download", args=[self.document_id, self.number])


class KnowledgeSpacePage(Page):
    """A department's or area's knowledge space: its own subtree, permissions and collection."""

    intro = models.TextField(_("introduction"), blank=True)
    department = models.ForeignKey(
        "portal.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="spaces",
    )
    collection = models.ForeignKey(
        Collection, verbose_name=_("document collection"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Attachments of this space are stored in this collection."),
    )

    objects = ReadablePageManager()
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("department"), FieldPanel("collection")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["knowledge.ArticlePage", "structured.StructuredItemPage", "faq.FAQEntryPage"]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("knowledge space")
        verbose_name_plural = _("knowledge spaces")

    def get_context(self, request, *args, **kwargs):
        from .services.listing import space_article_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(space_article_listing(self, request))
        return context


class ArticleKeyword(TaggedItemBase):
    content_object = ParentalKey("knowledge.ArticlePage", on_delete=models.CASCADE, related_name="keyword_items")


class SpaceItemMixin:
    """A page published in a knowledge space (articles, FAQ entries, structured items)."""

    @property
    def space(self):
        """Its space, or None when it is in the trash."""
        return KnowledgeSpacePage.objects.ancestor_of(self).first()


class VersionedPageMixin(RoutablePageMixin):
    """Readers' routes to every published version of a page and a comparison of two (KB-08).
    Wagtail serves the routes only to those who may read the page. A page says what its
    versions look like as text in ``version_lines(user)``."""

    @path("versions/")
    def version_list(self, request):
        from .views import page_versions

        return page_versions(request, self)

    @path("versions/<int:revision_id>/")
    def version_detail(self, request, revision_id):
        from .views import page_version_detail

        return page_version_detail(request, self, revision_id)

    @path("versions/compare/<int:from_id>/<int:to_id>/")
    def version_compare(self, request, from_id, to_id):
        from .views import page_version_compare

        return page_version_compare(request, self, from_id, to_id)

    def version_lines(self, user):
        raise NotImplementedError


class ArticlePage(SpaceItemMixin, VersionedPageMixin, SignificantChangeMixin, FreshnessMixin, Page):
    """A knowledge article: body, keywords, dimension nodes, attachments and related articles."""

    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"), blank=True)
    keywords = ClusterTaggableManager(through=ArticleKeyword, blank=True, verbose_name=_("keywords"))
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_articles",
    )
    department = models.ForeignKey(
        "portal.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="articles",
    )
    review_interval = review_interval_field()
    nodes = ParentalManyToManyField(DimensionNode, verbose_name=_("dimensions"), blank=True, related_name="articles",
                                    limit_choices_to={"merged_into__isnull": True})
    audience = audience_field()
    significant_change = significant_change_field()

    objects = ReadablePageManager()
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("keywords"), FieldPanel("nodes", widget=NodePicker), FieldPanel("content_owner"),
             FieldPanel("department"), FieldPanel("review_interval"), FieldPanel("audience")],
            heading=_("Classification"),
        ),
        InlinePanel("attachments", label=_("Attachments")),
        InlinePanel("related_links", label=_("Related articles")),
        significant_change_panel(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("segmented_text"),
        index.AutocompleteField("segmented_text"),  # the admin's search boxes autocomplete
        index.RelatedFields("keywords", [index.SearchField("name")]),
        index.FilterField("department"),
    ]
    parent_page_types = ["knowledge.KnowledgeSpacePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")

    def segmented_text(self):
        keywords = " ".join(tag.name for tag in self.keywords.all())
        return segmented(self.title, self.summary, keywords, *self.body.stream_block.get_searchable_content(self.body))

    def get_context(self, request, *args, **kwargs):
        from .services.dimensions import labels

        context = super().get_context(request, *args, **kwargs)
        context["node_labels"] = sorted(labels(self.nodes.all()).items(), key=lambda item: item[1])
        context["attachments"] = [a for a in self.attachments.select_related("document") if a.document_id]
        context["related_articles"] = [
            link.target for link in self.related_links.select_related("target")
            if link.target_id and link.target.live
        ]
        return context

    def version_lines(self, user):
        from .services.versions import article_as_lines

        return article_as_lines(self)


class ArticleAttachment(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL, verbose_name=_("document"), on_delete=models.CASCADE,
        related_name="attachment_links",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class RelatedArticle(Orderable):
    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_links")
    target = models.ForeignKey(
        ArticlePage, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("target")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")


class TrashBinPage(Page):
    """Holds deleted pages, unpublished and out of every site, until restored (KB-14)."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("trash")
        verbose_name_plural = _("trash bins")


class TrashItem(models.Model):
    """A deleted page or document, restorable by a knowledge manager."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        DOCUMENT = "document", _("Document")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    original_parent = models.ForeignKey(Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    was_live = models.BooleanField(default=False)
    document_id = models.PositiveBigIntegerField(null=True, blank=True)
    revision = models.ForeignKey("reversion.Revision", null=True, blank=True, on_delete=models.SET_NULL)
    extra = models.JSONField(default=dict, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("restored by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("trash item")
        verbose_name_plural = _("trash")
        ordering = ["-deleted_at"]
        permissions = [("restore_trashitem", _("Can restore items from the trash"))]

    def __str__(self):
        return self.title


class ImportRun(models.Model):
    """One bulk import (KB-03), from the command line or an uploaded zip."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    source_name = models.CharField(_("source"), max_length=255)
    archive = models.FileField(_("archive"), upload_to="imports", blank=True, storage=retaining_storage)
    space = models.ForeignKey(KnowledgeSpacePage, verbose_name=_("space"), on_delete=models.CASCADE)
    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    node_path = models.CharField(_("node"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.source_name
