from django import template

from ..models import Subscription
from ..services.items import key_of

register = template.Library()


@register.simple_tag(takes_context=True)
def item_actions_state(context, key="", item=None):
    """What the item actions show for the request's user: the item's key, their folders and
    anthologies, and whether the item is already a favourite, collected or followed."""
    request = context.get("request")
    user = getattr(request, "user", None)
    key = key or (key_of(item) if item is not None else "")
    if not key or user is None or not user.is_authenticated:
        return None
    anthologies = list(user.anthologies.order_by("title"))
    return {
        "key": key,
        "folders": list(user.favourite_folders.all()),
        "favourite": user.favourites.filter(key=key).select_related("folder").first(),
        "anthologies": anthologies,
        "in_anthologies": set(user.anthologies.filter(items__key=key).values_list("pk", flat=True)),
        "subscribed": user.subscriptions.filter(target_type=Subscription.ITEM, target=key).exists(),
        "next": request.get_full_path(),
    }


@register.simple_tag(takes_context=True)
def subscription_state(context, target_type, target):
    """For personal/_subscribe_button.html: is the request's user following this target?"""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return {
        "target_type": target_type, "target": str(target), "next": request.get_full_path(),
        "subscribed": user.subscriptions.filter(target_type=target_type, target=str(target)).exists(),
    }
