"""Structured knowledge (KB-02): forms designed by authorised users, and the items published
through them, each a versioned page of a knowledge space whose values sit in one JSON object."""
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page

from knowledge.models import (
    ReadablePageManager,
    SignificantChangeMixin,
    SpaceItemMixin,
    VersionedPageMixin,
    significant_change_field,
    significant_change_panel,
)
from knowledge.widgets import NodePicker

key_validator = RegexValidator(
    r"^[\w-]+\Z", _("A key has only letters, digits, underscores and hyphens."),
)


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    PERSON = "person", _("Person")
    DOCUMENT = "document", _("Document")
    ITEM = "item", _("Link to an item")


CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}


class StructuredForm(models.Model):
    """A form definition: the fields its items have, and the space they are published in."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    space = models.ForeignKey(
        "knowledge.KnowledgeSpacePage", verbose_name=_("knowledge space"), on_delete=models.PROTECT,
        related_name="structured_forms", help_text=_("Items of this form are published in this space."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("structured form")
        verbose_name_plural = _("structured forms")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("structured:table", args=[self.pk])

    @property
    def active_fields(self):
        return [f for f in self.fields.all() if not f.retired]

    def has_items(self):
        return StructuredItemPage.objects.filter(form=self).exists()


class FormField(models.Model):
    """One field of a form. Its key names the value in every item's data, so it never changes
    once items exist; a field removed from such a form is retired, not deleted."""

    form = models.ForeignKey(StructuredForm, on_delete=models.CASCADE, related_name="fields")
    sort_order = models.IntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=100)
    key = models.CharField(
        _("key"), max_length=50, blank=True, validators=[key_validator],
        help_text=_("Names the value in stored items; made from the label when empty."),
    )
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(_("choices"), blank=True, help_text=_("For choice fields: one choice per line."))
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    retired = models.BooleanField(
        _("retired"), default=False,
        help_text=_("Retired fields are no longer filled in; values stored earlier stay readable."),
    )

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["form_id", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["form", "key"], name="unique_structured_field_key")]

    def __str__(self):
        return self.label

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class StructuredItemPage(SpaceItemMixin, VersionedPageMixin, SignificantChangeMixin, Page):
    """A knowledge item published through a structured form; values by field key in ``data``.
    Each publication is a Wagtail revision, so every version stays readable."""

    form = models.ForeignKey(StructuredForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="items")
    data = models.JSONField(_("values"), default=dict, blank=True)
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_structured_items",
    )
    nodes = ParentalManyToManyField(
        "knowledge.DimensionNode", verbose_name=_("dimensions"), blank=True, related_name="structured_items",
        limit_choices_to={"merged_into__isnull": True},
    )
    significant_change = significant_change_field()

    objects = ReadablePageManager()
    # Items are created through their form in the portal, which validates every value.
    is_creatable = False
    content_panels = Page.content_panels + [
        FieldPanel("form", read_only=True),
        FieldPanel("data", read_only=True),
        MultiFieldPanel(
            [FieldPanel("nodes", widget=NodePicker), FieldPanel("content_owner")], heading=_("Classification"),
        ),
        significant_change_panel(),
    ]
    parent_page_types = ["knowledge.KnowledgeSpacePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("structured item")
        verbose_name_plural = _("structured items")

    def get_context(self, request, *args, **kwargs):
        from knowledge.services.dimensions import labels

        from .services.items import can_edit_item, display_rows

        context = super().get_context(request, *args, **kwargs)
        context["rows"] = display_rows(self, request.user)
        context["node_labels"] = sorted(labels(self.nodes.all()).items(), key=lambda item: item[1])
        context["can_edit"] = can_edit_item(self, request.user)
        return context

    def version_lines(self, user):
        """An item version as text, field by field, for comparison."""
        from .services.items import display_rows

        return [f"# {self.title}", ""] + [f"{row.label}: {row.value}" for row in display_rows(self, user)]
