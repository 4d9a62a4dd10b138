from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from knowledge.models import Dimension, ImportRun, KnowledgeSpacePage
from knowledge.services.importer import count_source, run_import_run
from portal.commands import PortalCommand


class Command(PortalCommand):
    help = "Import legacy documents from a folder or a zip; folders become dimension nodes (KB-03)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--space", help="slug of the target knowledge space (default: the first)")
        parser.add_argument("--dimension", help="slug of the dimension the folders are filed in (default: category)")
        parser.add_argument("--node", default="", help="parent node path, e.g. 研发管理/历史资料")
        parser.add_argument("--owner", help="user name recorded as uploader and article owner")

    def run(self, path, space=None, node="", owner=None, dimension=None, **options):
        spaces = KnowledgeSpacePage.objects.order_by("path")
        target = spaces.filter(slug=space).first() if space else spaces.first()
        if target is None:
            if space:
                raise CommandError(_("There is no knowledge space with the slug %(slug)s.") % {"slug": space})
            raise CommandError(_("There is no knowledge space yet; create one first."))
        chosen = Dimension.for_imports()
        if dimension:
            chosen = Dimension.objects.filter(slug=dimension).first()
            if chosen is None:
                raise CommandError(_("There is no dimension with the slug %(slug)s.") % {"slug": dimension})
        user = None
        if owner:
            user = get_user_model().objects.filter(username=owner).first()
            if user is None:
                raise CommandError(_("No user %(name)s.") % {"name": owner})
        try:
            total = count_source(path)
        except Exception:
            total = None  # iter_source reports the precise problem below
        run = ImportRun.objects.create(source_name=str(path)[:255], space=target, dimension=chosen, node_path=node,
                                 owner=user)
        bar = tqdm(total=total, unit=_("file"), disable=options.get("verbosity", 1) == 0, file=self.stderr._out)
        try:
            summary = run_import_run(run, path=path, progress=lambda s: bar.update(1))
        except KeyboardInterrupt:
            bar.close()
            raise CommandError(_("Interrupted. Files imported so far are kept; run the same command again to continue."))
        bar.close()
        if summary is None:
            raise CommandError(run.error)
        for row in summary.report:
            if row["outcome"] == "failed":
                self.stdout.write(self.style.ERROR(f"  ✗ {row['path']}: {row['message']}"))
        self.stdout.write(self.style.SUCCESS(
            _("Imported %(imported)d, duplicates %(duplicates)d, failed %(failed)d.")
            % {"imported": summary.imported, "duplicates": summary.duplicates, "failed": summary.failed}
        ))
