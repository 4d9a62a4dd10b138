from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


class PortalCommand(BaseCommand):
    """A management command that speaks the portal's language (Django's default is to run
    commands untranslated). Subclasses implement ``run`` instead of ``handle``."""

    leave_locale_alone = True

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self.run(*args, **options)

    def run(self, *args, **options):
        raise NotImplementedError


class DatedJobCommand(PortalCommand):
    """A scheduled job run by hand, optionally as if today were ``--date``; ``run_job(today)``
    gets a ``date`` or None (today)."""

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def run(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        return self.run_job(today)

    def run_job(self, today):
        raise NotImplementedError
