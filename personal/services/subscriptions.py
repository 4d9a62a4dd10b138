"""Subscriptions: following a dimension node, a knowledge space or an item, and the notices
they produce when the search catalogue reports a change."""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from portal.models import Notification
from search.models import SearchEntry

from ..models import Subscription
from .items import readable_entries, readable_entry


class SubscriptionError(Exception):
    pass


def _readable_space(user, space_id):
    from knowledge.models import KnowledgeSpacePage

    return KnowledgeSpacePage.objects.live().readable_by(user).filter(pk=space_id).first()


def _node(node_id):
    from knowledge.models import DimensionNode

    return DimensionNode.objects.filter(pk=node_id).select_related("dimension").first()


def node_url(node_id):
    try:
        return reverse("maps:node", args=[node_id])
    except NoReverseMatch:  # the knowledge maps app is not installed
        return ""


def validate_target(user, target_type, target):
    """The normalised target, or SubscriptionError when it does not exist or cannot be read."""
    target = str(target).strip()
    if target_type == Subscription.ITEM:
        if readable_entry(user, target) is None:
            raise SubscriptionError(target)
        return target
    if not target.isdigit():
        raise SubscriptionError(target)
    if target_type == Subscription.SPACE and _readable_space(user, int(target)) is None:
        raise SubscriptionError(target)
    if target_type == Subscription.NODE and _node(int(target)) is None:
        raise SubscriptionError(target)
    if target_type not in {Subscription.SPACE, Subscription.NODE}:
        raise SubscriptionError(target)
    return target


def subscribe(user, target_type, target):
    """Returns (subscription, created); subscribing twice is harmless."""
    target = validate_target(user, target_type, target)
    return Subscription.objects.get_or_create(user=user, target_type=target_type, target=target)


def unsubscribe(user, target_type, target):
    return Subscription.objects.filter(user=user, target_type=target_type, target=str(target)).delete()[0] > 0


def is_subscribed(user, target_type, target):
    return Subscription.objects.filter(user=user, target_type=target_type, target=str(target)).exists()


@dataclass
class SubscriptionView:
    subscription: Subscription
    title: str
    url: str
    readable: bool


def describe(user, subscriptions):
    """What each subscription follows, as ``user`` may see it."""
    from knowledge.models import KnowledgeSpacePage

    subscriptions = list(subscriptions)
    entries = readable_entries(user, [s.target for s in subscriptions if s.target_type == Subscription.ITEM])
    space_ids = [s.target_id for s in subscriptions if s.target_type == Subscription.SPACE]
    spaces = {p.pk: p for p in KnowledgeSpacePage.objects.live().readable_by(user).filter(pk__in=space_ids)}
    views = []
    for s in subscriptions:
        if s.target_type == Subscription.ITEM:
            entry = entries.get(s.target)
            views.append(SubscriptionView(s, entry.title if entry else "", entry.url if entry else "", bool(entry)))
        elif s.target_type == Subscription.SPACE:
            space = spaces.get(s.target_id)
            views.append(SubscriptionView(s, space.title if space else "", space.url if space else "", bool(space)))
        else:
            node = _node(s.target_id)
            views.append(SubscriptionView(s, node.label if node else "", node_url(s.target_id) if node else "",
                                          bool(node)))
    return views


def subscribers_of(entry):
    """The users with a subscription matching ``entry``: the item itself, its space, or one of
    its dimension nodes (ancestors included, so following a node follows its subtree)."""
    match = Q(target_type=Subscription.ITEM, target=entry.key)
    if entry.space_id:
        match |= Q(target_type=Subscription.SPACE, target=str(entry.space_id))
    if entry.nodes:
        match |= Q(target_type=Subscription.NODE, target__in=[str(n) for n in entry.node_ids])
    user_ids = Subscription.objects.filter(match).values_list("user_id", flat=True).distinct()
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True)


def notify_subscribers(entry, created):
    """One notice per subscriber who may read ``entry``, once per change (its stamp)."""
    readers = [user for user in subscribers_of(entry)
               if SearchEntry.objects.readable_by(user).filter(pk=entry.pk).exists()]
    if readers:
        Notification.objects.notify(
            readers, "created" if created else "changed", entry.title, entry.url,
            dedupe_key=f"entry:{entry.key}@{entry.stamp}",
        )
    return readers
