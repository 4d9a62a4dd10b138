"""Business rules of structured items: who may see and publish them, saving a new version,
and the rows of a form's table (filtered and sorted by any field)."""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from knowledge.models import KnowledgeSpacePage
from knowledge.query import user_can_read_page
from knowledge.services.pages import unique_child_slug

from ..models import FieldType, StructuredForm, StructuredItemPage
from .values import Resolver, show, to_storage

DESIGN_PERMISSION = "structured.add_structuredform"
CHANGE_PERMISSION = "structured.change_structuredform"


# Who may do what ------------------------------------------------------------------------------

def readable_spaces(user):
    return KnowledgeSpacePage.objects.live().readable_by(user)


def usable_forms(user):
    """Forms whose space ``user`` may read: their items are the ones the user may see."""
    return StructuredForm.objects.filter(space__in=readable_spaces(user)).select_related("space")


def can_design(user, form=None):
    if form is None:
        return user.has_perm(DESIGN_PERMISSION)
    return user.has_perm(CHANGE_PERMISSION) and can_read_form(user, form)


def can_read_form(user, form):
    return usable_forms(user).filter(pk=form.pk).exists()


def can_add_items(form, user):
    """Adding an item publishes it at once, so the user needs add and publish in the space."""
    rights = form.space.permissions_for_user(user)
    return can_read_form(user, form) and rights.can_add_subpage() and rights.can_publish_subpage()


def can_edit_item(page, user):
    if not user.is_authenticated or not page.live or not user_can_read_page(page, user):
        return False
    rights = page.permissions_for_user(user)
    return rights.can_edit() and rights.can_publish()


def items_of(form, user):
    """The published items of ``form`` that ``user`` may read."""
    return (StructuredItemPage.objects.filter(form=form).live().readable_by(user)
            .select_related("content_owner"))


# Saving ---------------------------------------------------------------------------------------

def data_from(form, cleaned, previous=None):
    """Item data from a cleaned item form: active fields from the form, everything else (the
    values of retired fields, keys no field knows) kept as it was."""
    data = dict(previous or {})
    for field in form.active_fields:
        value = to_storage(field, cleaned.get(field.key))
        if value is None:
            data.pop(field.key, None)
        else:
            data[field.key] = value
    return data


@transaction.atomic
def create_item(form, user, title, cleaned, nodes=()):
    space = KnowledgeSpacePage.objects.get(pk=form.space_id)
    page = StructuredItemPage(
        title=title, slug=unique_child_slug(space, title), form=form, data=data_from(form, cleaned),
        owner=user, content_owner=user,
    )
    space.add_child(instance=page)
    page.nodes.set(nodes)
    page.save_revision(user=user, log_action=True).publish(user=user)
    return StructuredItemPage.objects.get(pk=page.pk)


@transaction.atomic
def update_item(page, user, title, cleaned, nodes=()):
    """Save the change as a new revision and publish it; earlier versions stay readable."""
    page = StructuredItemPage.objects.get(pk=page.pk)
    page.title = title
    page.data = data_from(page.form, cleaned, previous=page.data)
    page.nodes.set(nodes)
    page.save_revision(user=user, log_action=True).publish(user=user)
    return StructuredItemPage.objects.get(pk=page.pk)


# Reading --------------------------------------------------------------------------------------

@dataclass
class Row:
    label: str
    value: object  # values.Shown
    retired: bool = False
    unknown: bool = False  # a stored key that no field of the form has any more


def display_rows(page, user, resolver=None):
    """Every value of an item, in form order: active fields, then retired ones, then stored
    keys that no field has any more (so nothing ever stored goes unseen)."""
    fields = list(page.form.fields.all())
    resolver = resolver or Resolver(viewer=user)
    resolver.prefetch(fields, [page.data])
    data = page.data if isinstance(page.data, dict) else {"": page.data}
    rows = [Row(f.label, show(f, data.get(f.key), resolver)) for f in fields if not f.retired]
    rows += [Row(f.label, show(f, data[f.key], resolver), retired=True)
             for f in fields if f.retired and f.key in data]
    known = {f.key for f in fields}
    rows += [Row(key, show(None, value, resolver), unknown=True) for key, value in data.items() if key not in known]
    return rows


# The table ------------------------------------------------------------------------------------

# Types compared in the database; the others (names, titles, lists) are sorted as shown text.
DB_SORTED = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.NUMBER, FieldType.DATE, FieldType.CHOICE}
PAGE_COLUMNS = {"title": "title", "updated": "last_published_at"}


def apply_filters(items, form, filters):
    """``filters``: cleaned values of a filter form, as ``(field, lookup, value)``."""
    for n, (field, lookup, value) in enumerate(filters):
        alias = f"_value{n}"
        if field.field_type == FieldType.MULTI_CHOICE:
            # Stored as a JSON list; "contains" on lists is not portable, so test in Python.
            matching = [pk for pk, data in items.values_list("pk", "data")
                        if isinstance(data, dict) and value in (data.get(field.key) or [])]
            items = items.filter(pk__in=matching)
        elif lookup == "contains":
            items = items.alias(**{alias: KeyTextTransform(field.key, "data")}).filter(**{f"{alias}__icontains": value})
        else:
            items = items.alias(**{alias: KeyTransform(field.key, "data")}).filter(**{f"{alias}__{lookup}": value})
    return items


def sort_items(items, form, sort, resolver):
    """``sort``: "title", "updated" or "f_<key>", "-" first for descending. Returns a list or
    a queryset, and the sort actually applied."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name in PAGE_COLUMNS:
        expression = F(PAGE_COLUMNS[name])
    else:
        field = next((f for f in form.active_fields if f"f_{f.key}" == name), None)
        if field is None:
            return items.order_by("-last_published_at", "-pk"), "-updated"
        if field.field_type not in DB_SORTED:
            rows = list(items)
            resolver.prefetch([field], [row.data for row in rows])
            rows.sort(key=lambda row: (show(field, row.data.get(field.key), resolver).text, row.pk),
                      reverse=descending)
            return rows, sort
        expression = KeyTransform(field.key, "data")
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return items.order_by(ordered, "-pk" if descending else "pk"), sort


def table_rows(items, fields, user, resolver=None):
    """[(item, [Shown per field])] for a page of the table or the export."""
    items = list(items)
    resolver = resolver or Resolver(viewer=user)
    resolver.prefetch(fields, [item.data for item in items])
    return [(item, [show(f, (item.data or {}).get(f.key), resolver) for f in fields]) for item in items]
