"""Page querysets that know what a user may read (page view restrictions)."""
from wagtail.models import PageViewRestriction
from wagtail.query import PageQuerySet


def restriction_allows(restriction, user):
    if restriction.restriction_type == PageViewRestriction.LOGIN:
        return user.is_authenticated
    if restriction.restriction_type == PageViewRestriction.GROUPS:
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        allowed = {g.pk for g in restriction.groups.all()}
        return bool(allowed & set(user.groups.values_list("pk", flat=True)))
    # Password-protected pages are never listed; the password form guards the page itself.
    return False


def hidden_restrictions(user):
    return [
        r
        for r in PageViewRestriction.objects.select_related("page").prefetch_related("groups")
        if not restriction_allows(r, user)
    ]


def user_can_read_page(page, user):
    return all(restriction_allows(r, user) for r in page.get_view_restrictions())


class ReadablePageQuerySet(PageQuerySet):
    def readable_by(self, user):
        qs = self
        for restriction in hidden_restrictions(user):
            qs = qs.not_descendant_of(restriction.page, inclusive=True)
        return qs
