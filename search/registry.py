"""Content types join search through adapters registered here, never by editing an engine."""
from wagtail.models import BaseViewRestriction

_adapters = {}


class SearchAdapter:
    """Describes one searchable model. ``entry_data`` returns the SearchEntry fields of an
    object, or None when it must not be found (unpublished, in the trash); its ``nodes`` are
    [(dimension node id, label)], ancestors included."""

    model = None
    kind = ""
    kind_label = ""

    def queryset(self):
        return self.model._default_manager.all()

    def key(self, obj):
        return f"{self.model._meta.label_lower}:{obj.pk}"

    def entry_data(self, obj):
        raise NotImplementedError

    def stamp(self, obj):
        """A value that changes whenever the indexed content does (for search_check)."""
        raise NotImplementedError

    def match_phrases(self, obj):
        """[(MatchPhrase.Role, text)]: how the item states its question and answer, for
        question matching (search.matching); None for kinds that are not questions."""
        return None


def register(adapter_class):
    adapter = adapter_class()
    _adapters[adapter.model._meta.label_lower] = adapter
    return adapter_class


def adapters():
    return list(_adapters.values())


def adapter_for(obj_or_model):
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    for klass in model.__mro__:
        meta = getattr(klass, "_meta", None)
        if meta is not None and not meta.abstract and meta.label_lower in _adapters:
            return _adapters[meta.label_lower]
    return None


def kind_labels():
    return {a.kind: a.kind_label for a in _adapters.values()}


def principals_for_restrictions(restrictions):
    """'all' when anyone logged in may read; the group tokens when view restrictions apply
    (all of them must be passed, so nested restrictions intersect); 'none' for passwords."""
    groups = None
    for restriction in restrictions:
        if restriction.restriction_type == BaseViewRestriction.PASSWORD:
            return "none"
        if restriction.restriction_type == BaseViewRestriction.GROUPS:
            ids = {g.pk for g in restriction.groups.all()}
            groups = ids if groups is None else groups & ids
    if groups is None:
        return "all"
    return " ".join(f"g{i}" for i in sorted(groups)) or "none"


PUBLIC = "public"  # the token of items anonymous customers may read on the self-service site


def principals_for_page(page, audience="internal"):
    """The tokens of a page: its view restrictions', plus 'public' for a public page that no
    restriction covers at all (not even "logged in"), so nothing internal can leak."""
    restrictions = page.get_view_restrictions()
    principals = principals_for_restrictions(restrictions)
    return f"{principals} {PUBLIC}" if audience == "public" and not restrictions else principals


def principals_for_user(user):
    """Tokens a user's search may match, or None for a superuser (reads everything); an
    anonymous visitor (the public site) reads public items only."""
    if not user.is_authenticated:
        return [PUBLIC]
    if user.is_superuser:
        return None
    return ["all", f"u{user.pk}"] + [f"g{pk}" for pk in user.groups.values_list("pk", flat=True)]


def principals_for_sharing(owner, group_ids=(), everyone=False):
    """Tokens of something private to ``owner``, shared with some groups, or with everyone."""
    if everyone:
        return "all"
    return " ".join([f"u{owner.pk}", *(f"g{pk}" for pk in sorted(group_ids))])
