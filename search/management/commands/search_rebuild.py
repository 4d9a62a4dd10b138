from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from portal.commands import PortalCommand
from search import matching, registry
from search.engines import get_engine
from search.index import entry_batches, id_batches, index_entries, refresh_entries
from search.models import SearchEntry


class Command(PortalCommand):
    help = ("Rebuild the search index: first every item's search entry, then the engine's index from the "
            "entries, in batches; --resume keeps what is done and continues.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--workers", type=int, default=2, help="processes that read, segment and write batches (0: none)")
        parser.add_argument("--resume", action="store_true", help="keep what is indexed; continue after it")

    def run(self, *args, batch_size=500, workers=2, resume=False, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        if workers < 0:
            raise CommandError(_("--workers must be 0 or more."))
        engine = get_engine()
        if not resume:
            engine.clear()
            SearchEntry.objects.all().delete()
        quiet = options.get("verbosity", 1) == 0
        for adapter in registry.adapters():
            queryset = adapter.queryset()
            if resume:
                done = SearchEntry.objects.filter(kind=adapter.kind).values_list("object_id", flat=True)
                queryset = queryset.exclude(pk__in=[int(pk) for pk in done if pk.isdigit()])
            with tqdm(total=queryset.count(), desc=str(adapter.kind_label), disable=quiet,
                      file=self.stderr._out) as bar:
                for batch in entry_batches(queryset, batch_size):
                    refresh_entries(adapter, batch)
                    bar.update(len(batch))
        matching.recount()  # entries deleted above took their phrases along, uncounted
        entries = SearchEntry.objects.all()
        if resume:
            indexed = engine.indexed_ids()
            engine.remove(indexed - set(entries.values_list("pk", flat=True)))  # entries deleted meanwhile
            entries = entries.exclude(pk__in=indexed)
        with tqdm(total=entries.count(), desc=_("Search index"), disable=quiet, file=self.stderr._out) as bar:
            total = index_entries(id_batches(entries, batch_size), workers=workers, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(_("Indexed %(count)d items.") % {"count": total}))
