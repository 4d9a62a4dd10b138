from datetime import date

from django.core.management.base import CommandError

from knowledge.services.freshness import send_review_reminders
from portal.commands import PortalCommand


class Command(PortalCommand):
    help = ("Remind owners of knowledge items due for review and tell managers about items overdue for more than "
            "ZHIKU_REVIEW_ESCALATE_DAYS days (safe to run again: nothing is sent twice).")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def run(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        outcome = send_review_reminders(today)
        self.stdout.write(f"{outcome['reminded']} reminder(s), {outcome['escalated']} escalation(s) sent.")
