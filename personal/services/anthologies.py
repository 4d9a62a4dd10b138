"""Anthologies: adding, ordering and removing items; what of them may be shown or indexed."""
from django.db import transaction

from search.registry import principals_for_sharing, principals_for_user

from ..models import Anthology, AnthologyItem, Visibility
from .items import readable_entry


class AnthologyError(Exception):
    """A change that is not allowed (message for the user)."""


def principals(anthology):
    return principals_for_sharing(anthology.owner, anthology.shared_group_ids(),
                                  anthology.visibility == Visibility.EVERYONE)


def add_item(anthology, key, user, note=""):
    """Append an item the user may read; adding it again changes nothing. Returns
    (item, created)."""
    if readable_entry(user, key) is None:
        raise AnthologyError("unreadable")
    item = anthology.items.filter(key=key).first()
    if item is not None:
        return item, False
    item = AnthologyItem.objects.create(anthology=anthology, key=key, note=note[:500],
                                        sort_order=anthology.next_sort_order())
    Anthology.objects.filter(pk=anthology.pk).update(updated_at=item.added_at)
    return item, True


@transaction.atomic
def move_item(item, direction):
    """Swap ``item`` with its neighbour above ("up") or below ("down")."""
    items = list(item.anthology.items.select_for_update().order_by("sort_order", "pk"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    # Renumber all: older rows may share a sort_order.
    for position, it in enumerate(items):
        if it.sort_order != position:
            AnthologyItem.objects.filter(pk=it.pk).update(sort_order=position)
    return True


def title_is_shareable(entry_principals, anthology):
    """May everyone who can read the anthology also read an item with these principals?
    Only then may the item's title be part of the anthology's searchable text."""
    tokens = set(entry_principals.split())
    if "all" in tokens:
        return True
    if anthology.visibility == Visibility.EVERYONE:
        return False
    owner_tokens = principals_for_user(anthology.owner)
    if owner_tokens is not None and not tokens & set(owner_tokens):
        return False
    if anthology.visibility == Visibility.PRIVATE:
        return True
    groups = {f"g{pk}" for pk in anthology.shared_group_ids()}
    return groups <= tokens


def reindex(anthology):
    """After changes made with update() (ordering), which send no post_save."""
    from search.index import queue_update

    queue_update(anthology)
