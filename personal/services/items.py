"""Items by search key, as one viewer may see them."""
from dataclasses import dataclass

from search.models import SearchEntry


@dataclass
class ItemView:
    """An item as a viewer sees it: its entry when they may read it, else only that it exists
    (its title, kind and url stay hidden)."""

    key: str
    entry: SearchEntry | None

    @property
    def readable(self):
        return self.entry is not None

    @property
    def title(self):
        return self.entry.title if self.entry else ""

    @property
    def url(self):
        return self.entry.url if self.entry else ""


def readable_entries(user, keys):
    """{key: SearchEntry} of the items among ``keys`` that ``user`` may read."""
    keys = list(keys)
    if not keys:
        return {}
    return {e.key: e for e in SearchEntry.objects.readable_by(user).filter(key__in=keys)}


def readable_entry(user, key):
    return SearchEntry.objects.readable_by(user).filter(key=key).first()


def item_views(user, keys):
    """[ItemView] for ``keys``, in their order."""
    keys = list(keys)
    entries = readable_entries(user, keys)
    return [ItemView(key, entries.get(key)) for key in keys]


def key_of(obj):
    """The search key of ``obj`` (a page, a document...), or "" when it is not searchable."""
    from search import registry

    adapter = registry.adapter_for(obj)
    return adapter.key(obj) if adapter else ""
