from django import template

from ..services.scope import scope

register = template.Library()


@register.simple_tag
def can_see_stats(user):
    return scope(user).allowed


@register.filter
def change(ratio):
    """A change as "+12.5%" / "−3.0%" (None: nothing to compare with)."""
    if ratio is None:
        return "—"
    return f"{'+' if ratio >= 0 else '−'}{abs(ratio) * 100:.1f}%"


@register.filter
def cell(value, column):
    """A table value as the screen shows it (exports keep the raw value)."""
    if value is None:
        return ""
    if column.kind == "share":
        return f"{value * 100:.1f}%"
    if column.kind == "number" and isinstance(value, float):
        return f"{value:g}"
    return value
