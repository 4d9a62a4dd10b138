from datetime import date

from django.core.management.base import CommandError

from portal.commands import DatedJobCommand
from stats.services.rollup import catch_up


class Command(DatedJobCommand):
    help = "Roll up the usage events of every finished day not rolled up yet (the scheduler does it nightly)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--again-from", help="Roll up every day from this date (YYYY-MM-DD) again.")

    def run(self, *args, **options):
        self.again_from = None
        if options["again_from"]:
            try:
                self.again_from = date.fromisoformat(options["again_from"])
            except ValueError as error:
                raise CommandError(f"--again-from: {error}") from error
        return super().run(*args, **options)

    def run_job(self, today):
        days = catch_up(today, again_from=self.again_from)
        if days:
            self.stdout.write(f"rolled up {len(days)} day(s): {days[0]} – {days[-1]}")
        else:
            self.stdout.write("nothing to roll up")
