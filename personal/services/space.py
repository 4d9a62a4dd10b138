"""What the personal space home shows: contributions, drafts, reading, link choices."""
from django.db.models import Q
from wagtail.models import Page

from .handover import content_owner_models
from .items import item_views


def contributions(user, limit=20):
    """Pages and documents ``user`` owns: live ones as contributions, unpublished ones or ones
    with unpublished changes as drafts (trashed pages are neither)."""
    from knowledge.models import TrashBinPage
    from wagtail.documents import get_document_model

    owned = Q(owner=user)
    for model in content_owner_models():
        owned |= Q(pk__in=model.objects.filter(content_owner=user).values("pk"))
    pages = Page.objects.filter(owned).exclude(depth__lte=1).order_by("-latest_revision_created_at")
    trash = TrashBinPage.objects.first()
    if trash is not None:
        pages = pages.not_descendant_of(trash, inclusive=True)
    pages = pages.filter(content_type__in=_content_types())
    return {
        "contributions": pages.live()[:limit],
        "drafts": pages.filter(Q(live=False) | Q(has_unpublished_changes=True))[:limit],
        "documents": get_document_model().objects.filter(uploaded_by_user=user).order_by("-created_at")[:limit],
    }


def _content_types():
    """Content page types (not the home page or spaces someone happens to have created)."""
    from django.contrib.contenttypes.models import ContentType

    return [ContentType.objects.get_for_model(m) for m in content_owner_models()]


def recent_items(user, limit=20):
    """[(ReadRecord, ItemView)] of what ``user`` read lately and may still read."""
    records = list(user.read_records.order_by("-last_read_at")[:limit])
    views = {v.key: v for v in item_views(user, [r.key for r in records])}
    return [(r, views[r.key]) for r in records if views[r.key].readable]


def link_choices(user, extra=()):
    """(key, title) of items a work log entry may link: recently read, favourites, and any
    already linked, that ``user`` may read."""
    keys = [k for k in extra if k]
    keys += list(user.read_records.order_by("-last_read_at").values_list("key", flat=True)[:30])
    keys += list(user.favourites.values_list("key", flat=True)[:50])
    seen, choices = set(), []
    for view in item_views(user, list(dict.fromkeys(keys))):
        if view.readable and view.key not in seen:
            seen.add(view.key)
            choices.append((view.key, view.title))
    return choices


def subscribable_spaces(user):
    from knowledge.models import KnowledgeSpacePage

    return KnowledgeSpacePage.objects.live().readable_by(user).order_by("title")


def subscribable_nodes():
    from knowledge.models import DimensionNode

    return (DimensionNode.objects.active().select_related("dimension")
            .order_by("dimension__sort_order", "dimension__name", "path"))
