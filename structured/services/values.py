"""What each field type means: its input field, how a value is stored, shown, searched and
exported. A stored value that no longer fits its field (the field's type or choices changed)
is shown as the text it was stored as, never an error."""
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import CollectionViewRestriction, Page

from knowledge.models import ArticlePage, KnowledgeDocument
from knowledge.query import ReadablePageQuerySet, restriction_allows, user_can_read_page

from ..models import FieldType

LINKABLE_ITEM_MODELS = ("knowledge.ArticlePage", "structured.StructuredItemPage")


def hidden_collection_filter(user):
    """A Q matching documents in collections ``user`` may not read."""
    query = Q(pk__in=[])
    for restriction in CollectionViewRestriction.objects.select_related("collection").prefetch_related("groups"):
        if not restriction_allows(restriction, user):
            query |= Q(collection__path__startswith=restriction.collection.path)
    return query


def readable_documents(user):
    return KnowledgeDocument.objects.exclude(hidden_collection_filter(user)).order_by("title")


def linkable_items(user):
    """Published articles and structured items ``user`` may read."""
    from ..models import StructuredItemPage

    return (ReadablePageQuerySet(Page).live().type(ArticlePage, StructuredItemPage)
            .readable_by(user).order_by("title"))


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


def user_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = user_name(obj)
        return name if name == obj.get_username() else f"{name} ({obj.get_username()})"


def stored_text(raw):
    """A stored value as plain text, whatever its type."""
    if raw is None:
        return ""
    if isinstance(raw, list):
        return "、".join(stored_text(v) for v in raw)
    if isinstance(raw, dict):
        return json.dumps(raw, ensure_ascii=False)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def is_empty(raw):
    return raw is None or raw == "" or raw == []


# Input ----------------------------------------------------------------------------------------

def input_field(field, user):
    """The Django form field that fills in ``field`` for ``user``."""
    options = {"label": field.label, "required": field.required, "help_text": field.help_text}
    kind = field.field_type
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), **options)
    if kind == FieldType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **options)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **options)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "---------")] + [(c, c) for c in field.choice_list], **options)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=[(c, c) for c in field.choice_list],
                                         widget=forms.CheckboxSelectMultiple, **options)
    if kind == FieldType.PERSON:
        return PersonChoiceField(active_users(), error_messages={"invalid_choice": gettext_lazy(
            "Choose an active user.")}, **options)
    if kind == FieldType.DOCUMENT:
        return forms.ModelChoiceField(readable_documents(user), error_messages={"invalid_choice": gettext_lazy(
            "Choose a document you may read.")}, **options)
    if kind == FieldType.ITEM:
        return forms.ModelChoiceField(linkable_items(user), error_messages={"invalid_choice": gettext_lazy(
            "Choose a published item you may read.")}, **options)
    return forms.CharField(max_length=255, **options)


def to_storage(field, value):
    """A cleaned form value as it is kept in an item's data (JSON)."""
    if value is None or value == "" or value == []:
        return None
    kind = field.field_type
    if kind == FieldType.NUMBER:
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if kind == FieldType.DATE:
        return value.isoformat()
    if kind == FieldType.MULTI_CHOICE:
        return list(value)
    if kind in (FieldType.PERSON, FieldType.DOCUMENT, FieldType.ITEM):
        return value.pk
    return value


def initial_value(field, raw):
    """(value for the input, or None; True when the stored value does not fit the field)."""
    if is_empty(raw):
        return None, False
    kind = field.field_type
    try:
        if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
            return (raw, False) if isinstance(raw, str) else (stored_text(raw), False)
        if kind == FieldType.NUMBER:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise ValueError
            return raw, False
        if kind == FieldType.DATE:
            return datetime.date.fromisoformat(raw), False
        if kind == FieldType.CHOICE:
            if raw not in field.choice_list:
                raise ValueError
            return raw, False
        if kind == FieldType.MULTI_CHOICE:
            values = raw if isinstance(raw, list) else [raw]
            kept = [v for v in values if v in field.choice_list]
            return kept, len(kept) != len(values)
        if kind in (FieldType.PERSON, FieldType.DOCUMENT, FieldType.ITEM):
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ValueError
            return raw, False
    except (TypeError, ValueError):
        pass
    return None, True


# Output ---------------------------------------------------------------------------------------

@dataclass
class Shown:
    """A value as a reader sees it: text, maybe a link; ``hidden``: the target exists but the
    reader may not see it; ``stale``: stored under another type or choice list."""

    text: str
    url: str = ""
    hidden: bool = False
    stale: bool = False
    raw: object = None

    def __str__(self):
        return self.text


class Resolver:
    """Looks up the people, documents and items that values point at, once each, and says
    which of them a viewer may see. ``viewer=None`` with ``space``: for the search index,
    where only targets as public as the item itself (unrestricted, or in the same space) may
    lend their titles."""

    def __init__(self, viewer=None, space=None):
        self.viewer, self.space = viewer, space
        self._users, self._documents, self._pages = {}, {}, {}

    def prefetch(self, fields, datas):
        wanted = {FieldType.PERSON: set(), FieldType.DOCUMENT: set(), FieldType.ITEM: set()}
        for data in datas:
            for field in fields:
                raw = (data or {}).get(field.key)
                if field.field_type in wanted and isinstance(raw, int) and not isinstance(raw, bool):
                    wanted[field.field_type].add(raw)
        self._users.update(get_user_model().objects.in_bulk(wanted[FieldType.PERSON] - set(self._users)))
        documents = KnowledgeDocument.objects.select_related("collection").in_bulk(
            wanted[FieldType.DOCUMENT] - set(self._documents))
        self._documents.update(documents)
        pages = Page.objects.filter(pk__in=wanted[FieldType.ITEM] - set(self._pages)).specific()
        self._pages.update({p.pk: p for p in pages})

    def user(self, pk):
        if pk not in self._users:
            self._users[pk] = get_user_model().objects.filter(pk=pk).first()
        return self._users[pk]

    def document(self, pk):
        if pk not in self._documents:
            self._documents[pk] = KnowledgeDocument.objects.select_related("collection").filter(pk=pk).first()
        return self._documents[pk]

    def page(self, pk):
        if pk not in self._pages:
            page = Page.objects.filter(pk=pk).first()
            self._pages[pk] = page.specific if page else None
        return self._pages[pk]

    def may_see_document(self, document):
        restrictions = document.collection.get_view_restrictions()
        if self.viewer is not None:
            return all(restriction_allows(r, self.viewer) for r in restrictions)
        return not restrictions.exists() or (self.space is not None and document.collection_id ==
                                               self.space.collection_id)

    def may_see_page(self, page):
        if not page.live:
            return False
        if self.viewer is not None:
            return user_can_read_page(page, self.viewer)
        return not page.get_view_restrictions().exists() or (
            self.space is not None and page.path.startswith(self.space.path))


def show(field, raw, resolver):
    """``raw`` as ``resolver``'s viewer sees it under ``field`` (None: a key no field knows)."""
    if is_empty(raw):
        return Shown("", raw=raw)
    if field is None:
        return Shown(stored_text(raw), raw=raw)
    value, stale = initial_value(field, raw)
    if stale and field.field_type != FieldType.MULTI_CHOICE:
        return Shown(stored_text(raw), stale=True, raw=raw)
    kind = field.field_type
    if kind == FieldType.NUMBER:
        return Shown(stored_text(raw), raw=raw)
    if kind == FieldType.DATE:
        return Shown(value.isoformat(), raw=raw)
    if kind == FieldType.MULTI_CHOICE:
        return Shown(stored_text(raw), stale=stale, raw=raw)
    if kind == FieldType.PERSON:
        user = resolver.user(raw)
        return Shown(user_name(user), raw=raw) if user else Shown(stored_text(raw), stale=True, raw=raw)
    if kind == FieldType.DOCUMENT:
        document = resolver.document(raw)
        if document is None:
            return Shown(_("(deleted)"), stale=True, raw=raw)
        if not resolver.may_see_document(document):
            return Shown(_("(not visible to you)"), hidden=True, raw=raw)
        return Shown(document.title, url=document.url, raw=raw)
    if kind == FieldType.ITEM:
        page = resolver.page(raw)
        if page is None:
            return Shown(_("(deleted)"), stale=True, raw=raw)
        if not resolver.may_see_page(page):
            return Shown(_("(not visible to you)"), hidden=True, raw=raw)
        return Shown(page.title, url=page.url or "", raw=raw)
    return Shown(stored_text(raw), raw=raw)


def excel_value(field, raw, resolver):
    """A cell value: numbers as numbers, dates as dates, everything else as shown text."""
    shown = show(field, raw, resolver)
    if field is not None and not shown.stale and not is_empty(raw):
        if field.field_type == FieldType.NUMBER:
            return raw
        if field.field_type == FieldType.DATE:
            return datetime.date.fromisoformat(raw)
    return shown.text
