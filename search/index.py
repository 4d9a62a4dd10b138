"""Keeping the index up to date: one object, a batch, everything (rebuild) and a check."""
import contextlib
import logging
import multiprocessing

from django.db import connection, transaction

from . import matching, registry
from .engines import get_engine
from .models import SearchEntry
from .signals import entry_changed
from .workers import start_worker

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
    entry = _save_entry(adapter, obj, data)
    get_engine().index([entry])
    return entry


def _save_entry(adapter, obj, data, notify=True):
    """Create or update the entry of ``obj``; ``notify``: send ``entry_changed`` when its
    content changed (not during a rebuild, which changes no content)."""
    nodes = data.pop("nodes", [])
    data["attachment_count"] = len(data.get("attachments", []))
    key, stamp = adapter.key(obj), adapter.stamp(obj)
    previous = SearchEntry.objects.filter(key=key).values_list("stamp", flat=True).first()
    entry, created = SearchEntry.objects.update_or_create(
        key=key, defaults={**data, "kind": adapter.kind, "object_id": str(obj.pk), "stamp": stamp},
    )
    entry.set_nodes(nodes)
    phrases = adapter.match_phrases(obj)
    if phrases is not None:
        matching.store(entry, phrases)
    if notify and previous != stamp:
        transaction.on_commit(lambda: entry_changed.send(sender=SearchEntry, entry=entry, created=created))
    return entry


@transaction.atomic
def remove_keys(keys):
    ids = list(SearchEntry.objects.filter(key__in=keys).values_list("pk", flat=True))
    if ids:
        get_engine().remove(ids)
        matching.forget(ids)
        SearchEntry.objects.filter(pk__in=ids).delete()


def refresh_entries(adapter, objects):
    """Bring the SearchEntry rows of many objects of one adapter up to date, without touching
    the engine (the first half of a rebuild); returns how many objects are searchable."""
    gone, count = [], 0
    with transaction.atomic():
        for obj in objects:
            data = adapter.entry_data(obj)
            if data is None:
                gone.append(adapter.key(obj))
                continue
            _save_entry(adapter, obj, data, notify=False)
            count += 1
        remove_keys(gone)
    return count


def _index_batch(entry_ids):
    """Read, segment and write one batch; returns its size. In a worker process, this is the
    whole job: shipping rows or segmented text between processes cost as much as writing
    them, and the database (or cluster) serialises the writes itself."""
    engine = get_engine()
    prepared = [engine.prepare(entry) for entry in SearchEntry.objects.filter(pk__in=entry_ids).order_by("pk")]
    with transaction.atomic():
        engine.write(prepared)
    return len(entry_ids)


def index_entries(batches, workers=2, progress=None):
    """Write batches of SearchEntry rows (lists of their ids, see ``id_batches``) to the engine
    (the second half of a rebuild), each batch read, segmented and written by one of
    ``workers`` processes (``workers=0``: here, one after the other).

    Workers are spawned, not forked: a fork could copy a lock some thread holds (a Celery or
    server thread), and the workers need only Django's settings, not the parent's state. A
    spawned worker imports the caller's main module, so that must guard its work with
    ``if __name__ == "__main__"`` (manage.py and bench/search.py do). Workers see committed
    rows only, so inside a transaction the batches are indexed here."""
    engine, count = get_engine(), 0
    if connection.in_atomic_block:
        workers = 0
    engine.begin_bulk()
    with contextlib.ExitStack() as stack:
        if workers:
            pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(
                workers, initializer=start_worker, initargs=(connection.settings_dict["NAME"],)))
            done = pool.imap_unordered(_index_batch, batches)
        else:
            done = map(_index_batch, batches)
        for size in done:
            count += size
            if progress is not None:
                progress(size)
    engine.end_bulk()
    return count


def id_batches(queryset, size=500):
    """The primary keys of ``queryset`` in order, a list of ``size`` at a time."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def entry_batches(queryset, size=500):
    """``queryset`` in primary key order, a list of ``size`` at a time."""
    last = 0
    while batch := list(queryset.filter(pk__gt=last).order_by("pk")[:size]):
        yield batch
        last = batch[-1].pk


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
