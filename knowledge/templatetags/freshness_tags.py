from django import template

from ..services.freshness import can_verify

register = template.Library()


@register.inclusion_tag("knowledge/_freshness.html", takes_context=True)
def freshness_line(context, page):
    """"Last verified on … (who)" for readers, a warning when the item is past its review date,
    and "still right" / "revise" for those who look after it."""
    schedule = getattr(page, "freshness", None)
    request = context.get("request")
    user = getattr(request, "user", None)
    who = schedule.last_verified_by if schedule else None
    return {
        "page": page,
        "schedule": schedule,
        "overdue": bool(schedule and schedule.is_overdue()),
        "verified_by": (who.get_full_name() or who.get_username()) if who else "",
        "can_verify": bool(user is not None and can_verify(page, user)),
        "can_edit": bool(user is not None and user.is_authenticated and page.permissions_for_user(user).can_edit()),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
