from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def query_toggle(context, name, value):
    """The current query string with ``name=value`` added or, if present, removed; back to page 1."""
    params = context["request"].GET.copy()
    values = params.getlist(name)
    params.setlist(name, [v for v in values if v != value] if value in values else values + [value])
    params.pop("page", None)
    return "?" + params.urlencode()


FACET_PARAMS = {"kind": "type"}


@register.simple_tag(takes_context=True)
def query_toggle_facet(context, facet, value):
    """query_toggle for a facet, whose URL parameter may be named differently (kind → type)."""
    return query_toggle(context, FACET_PARAMS.get(facet, facet), value)
