from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from faq.services.transfer import export_file
from portal.commands import PortalCommand

from .faq_import import find_space


class Command(PortalCommand):
    help = ("Export the published FAQ entries (of one space, or all) to an Excel (.xlsx) or CSV file, by the "
            "file's extension. The file can be imported again with faq_import.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--space", help="slug or id of a knowledge space (default: every space)")

    def run(self, file, space=None, **options):
        path = Path(file)
        file_format = path.suffix.lower().lstrip(".")
        if file_format not in ("xlsx", "csv"):
            raise CommandError(_("Name the file .xlsx or .csv."))
        target = find_space(space) if space else None
        exported = export_file(None, file_format, target)
        try:
            path.write_bytes(exported.content)
        except OSError as exc:
            raise CommandError(_("%(path)s cannot be written: %(error)s") % {"path": file, "error": exc}) from exc
        self.stdout.write(self.style.SUCCESS(
            ngettext("Exported %(count)d FAQ entry to %(path)s.", "Exported %(count)d FAQ entries to %(path)s.",
                     exported.count) % {"count": exported.count, "path": file}))
