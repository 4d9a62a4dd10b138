from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "zhiku_search"  # "search" would clash with nothing today, but wagtail.search is close
    verbose_name = _("Search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import page_signals, signals  # noqa: F401
