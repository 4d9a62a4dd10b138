from django import template
from wagtail.models import PageLogEntry

register = template.Library()


@register.simple_tag
def last_change(page):
    """The latest publish or edit of ``page`` by someone, for "changed by … on …"."""
    return (
        PageLogEntry.objects.filter(page=page, action__in=["wagtail.publish", "wagtail.edit", "wagtail.revert"])
        .select_related("user").order_by("-timestamp").first()
    )


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (labels by primary key)."""
    return mapping.get(key, "") if mapping else ""
