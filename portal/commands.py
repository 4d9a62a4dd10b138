from django.conf import settings
from django.core.management.base import BaseCommand
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
