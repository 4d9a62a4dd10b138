from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from portal.commands import PortalCommand
from search import registry
from search.engines import get_engine
from search.models import SearchEntry


class Command(PortalCommand):
    help = "Report items missing from, stale in, or left over in the search index."

    def run(self, *args, **options):
        entries = {e.key: e for e in SearchEntry.objects.only("key", "stamp", "pk")}
        engine_ids = get_engine().indexed_ids()
        missing, stale, expected = [], [], set()
        for adapter in registry.adapters():
            for obj in adapter.queryset().iterator():
                if adapter.entry_data(obj) is None:
                    continue
                key = adapter.key(obj)
                expected.add(key)
                entry = entries.get(key)
                if entry is None or entry.pk not in engine_ids:
                    missing.append(key)
                elif entry.stamp != adapter.stamp(obj):
                    stale.append(key)
        extra = sorted(set(entries) - expected)
        # Rows the engine holds for no entry at all (an entry deleted while the engine was down).
        extra += [f"#{pk}" for pk in sorted(engine_ids - {entry.pk for entry in entries.values()})]
        for label, keys in ((_("missing"), missing), (_("stale"), stale), (_("should not be indexed"), extra)):
            for key in keys:
                self.stdout.write(f"{label}: {key}")
        summary = _("%(missing)d missing, %(stale)d stale, %(extra)d extra.") % {
            "missing": len(missing), "stale": len(stale), "extra": len(extra)}
        if missing or stale or extra:
            raise CommandError(summary + " " + _("Run search_rebuild (or search_rebuild --resume)."))
        self.stdout.write(self.style.SUCCESS(summary))
