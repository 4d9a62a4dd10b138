from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from faq.services.transfer import ERROR, ImportRefused, check_size, import_table, read_table, row_line
from knowledge.models import Audience, KnowledgeSpacePage
from portal.commands import PortalCommand


def find_space(slug_or_id):
    """The knowledge space with this slug or id."""
    spaces = KnowledgeSpacePage.objects.all()
    space = spaces.filter(slug=slug_or_id).first()
    if space is None and str(slug_or_id).isdigit():
        space = spaces.filter(pk=int(slug_or_id)).first()
    if space is None:
        raise CommandError(_("There is no knowledge space “%(space)s” (give its slug or id).") % {"space": slug_or_id})
    return space


class Command(PortalCommand):
    help = ("Import FAQ entries from an Excel (.xlsx) or CSV file with the columns question, alternative "
            "phrasings, answer, category, audience (or 问题, 相似问法, 答案, 分类, 受众). Entries whose question "
            "is already in the space are updated, never added twice. Use --dry-run to see what would happen.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--space", required=True, help="slug or id of the target knowledge space")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, save nothing")
        parser.add_argument("--user", help="user name the entries are saved as; their rights in the space apply")
        parser.add_argument("--audience", choices=[a.value for a in Audience],
                            default=Audience.INTERNAL, help="audience of rows without one (default: internal)")

    def run(self, file, space, dry_run=False, user=None, audience=Audience.INTERNAL, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": file})
        try:
            check_size(path.stat().st_size)
            table = read_table(path.read_bytes(), path.name)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(_("%(path)s cannot be read: %(error)s") % {"path": file, "error": exc}) from exc
        target = find_space(space)
        who = None
        if user:
            who = get_user_model().objects.filter(username=user, is_active=True).first()
            if who is None:
                raise CommandError(_("There is no active user “%(name)s”.") % {"name": user})
        try:
            report = import_table(table, target, who, audience, dry_run=dry_run, file_name=path.name)
        except PermissionDenied as exc:
            raise CommandError(_("%(user)s may not add and publish FAQ entries in “%(space)s”.")
                               % {"user": user, "space": target.title}) from exc
        for note in report.notes:
            self.stdout.write(note)
        quiet = options.get("verbosity", 1) == 0  # -v 0: errors and the summary only
        for row in report.rows:
            if row.action == ERROR:
                self.stdout.write(self.style.ERROR(row_line(row)))
            elif not quiet:
                self.stdout.write(row_line(row))
        style = self.style.WARNING if report.count(ERROR) else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
