from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from portal.commands import PortalCommand
from search import registry
from search.engines import get_engine
from search.index import update_batch
from search.models import SearchEntry


class Command(PortalCommand):
    help = "Rebuild the search index in batches; --resume continues after the last indexed item."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--resume", action="store_true", help="keep what is indexed; continue after it")

    def run(self, *args, batch_size=500, resume=False, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        engine = get_engine()
        if not resume:
            engine.clear()
            SearchEntry.objects.all().delete()
        total = 0
        for adapter in registry.adapters():
            queryset = adapter.queryset()
            if resume:
                done = SearchEntry.objects.filter(kind=adapter.kind).values_list("object_id", flat=True)
                queryset = queryset.exclude(pk__in=[int(pk) for pk in done if pk.isdigit()])
            count = queryset.count()
            bar = tqdm(total=count, desc=str(adapter.kind_label), disable=options.get("verbosity", 1) == 0,
                       file=self.stderr._out)
            last_pk = 0
            while True:
                batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
                if not batch:
                    break
                total += update_batch(adapter, batch)
                last_pk = batch[-1].pk
                bar.update(len(batch))
            bar.close()
        self.stdout.write(self.style.SUCCESS(_("Indexed %(count)d items.") % {"count": total}))
