from datetime import date

from django.core.management.base import CommandError

from portal.commands import PortalCommand
from training.services.reminders import remind_days, send_reminders


class Command(PortalCommand):
    help = ("Send training reminders: due within ZHIKU_TRAINING_REMIND_DAYS days, and weekly while overdue "
            "(safe to run again: nothing is sent twice; failed emails are retried).")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def run(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        outcome = send_reminders(today)
        self.stdout.write(f"{outcome} (due-soon reminders {remind_days()} day(s) ahead).")
