"""Small rules shared by every kind of page created from the portal, not the admin."""
from django.utils.text import slugify


def unique_child_slug(parent, title, exclude=None, fallback="item"):
    """A slug for a new child of ``parent`` made from ``title``, free among its siblings."""
    base = slugify(title, allow_unicode=True)[:60] or fallback
    siblings = parent.get_children()
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
