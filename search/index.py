"""Keeping the index up to date: one object, a batch, everything (rebuild) and a check."""
import logging

from django.db import transaction

from . import registry
from .engines import get_engine
from .models import SearchEntry

logger = logging.getLogger("zhiku.search")


def _key_of(obj):
    return registry.adapter_for(obj).key(obj)


@transaction.atomic
def update_object(obj):
    """Index ``obj`` as it is now, or remove it when it must not be found."""
    adapter = registry.adapter_for(obj)
    if adapter is None:
        return None
    key = adapter.key(obj)
    data = adapter.entry_data(obj)
    if data is None:
        remove_keys([key])
        return None
    entry, _created = SearchEntry.objects.update_or_create(
        key=key, defaults={**data, "kind": adapter.kind, "object_id": str(obj.pk), "stamp": adapter.stamp(obj)}
    )
    get_engine().index([entry])
    return entry


@transaction.atomic
def remove_keys(keys):
    ids = list(SearchEntry.objects.filter(key__in=keys).values_list("pk", flat=True))
    if ids:
        get_engine().remove(ids)
        SearchEntry.objects.filter(pk__in=ids).delete()


def update_batch(adapter, objects):
    """Index many objects of one adapter in one transaction (rebuild)."""
    entries, gone = [], []
    with transaction.atomic():
        for obj in objects:
            data = adapter.entry_data(obj)
            key = adapter.key(obj)
            if data is None:
                gone.append(key)
                continue
            entry, _created = SearchEntry.objects.update_or_create(
                key=key, defaults={**data, "kind": adapter.kind, "object_id": str(obj.pk), "stamp": adapter.stamp(obj)}
            )
            entries.append(entry)
        get_engine().index(entries)
        remove_keys(gone)
    return len(entries)


def resolve_key(key):
    """The object a key names, or None when it is gone."""
    label, _sep, pk = key.partition(":")
    for adapter in registry.adapters():
        if adapter.model._meta.label_lower == label:
            return adapter.queryset().filter(pk=pk).first()
    return None


def queue_update(obj):
    """Re-index ``obj`` through the worker once the current transaction commits."""
    adapter = registry.adapter_for(obj)
    if adapter is not None:
        queue_key(adapter.key(obj))


def queue_key(key):
    from .tasks import update_key

    transaction.on_commit(lambda: update_key.delay(key))
