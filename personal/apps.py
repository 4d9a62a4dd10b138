from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalConfig(AppConfig):
    """Each employee's own space (KB-09, KB-15): favourites, anthologies, reading, subscriptions,
    work log, and handing it all over when someone leaves."""

    name = "personal"
    verbose_name = _("Personal space")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import search_adapters, signals  # noqa: F401
