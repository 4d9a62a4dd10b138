"""Hand a leaver's pages, documents, anthologies, work log and subscriptions to a successor."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from personal.services import handover


class Command(BaseCommand):
    help = "Hand over everything a leaving employee owns to a successor, with a record."

    def add_arguments(self, parser):
        parser.add_argument("leaver", help="username of the leaving employee")
        parser.add_argument("successor", help="username of the successor")
        parser.add_argument("--by", required=True, help="username of the manager performing the handover")
        parser.add_argument("--dry-run", action="store_true", help="only print what would be handed over")

    def handle(self, leaver, successor, by, dry_run=False, **options):
        users = get_user_model().objects
        try:
            from_user, to_user, manager = (users.get(username=name) for name in (leaver, successor, by))
        except get_user_model().DoesNotExist as error:
            raise CommandError(str(error))
        if from_user == to_user:
            raise CommandError("The successor must be someone else.")
        if not manager.has_perm("personal.add_handover"):
            raise CommandError(f"{by} may not perform handovers (personal.add_handover).")
        if dry_run:
            for name, count in handover.counts(handover.preview(from_user)).items():
                self.stdout.write(f"{name}: {count}")
            return
        record = handover.perform(from_user, to_user, manager)
        for name, count in record.summary["counts"].items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Handover {record.pk}: {leaver} → {successor}"))
