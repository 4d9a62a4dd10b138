from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Knowledge Q&A")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import search_adapters  # noqa: F401
        from .services.experts import register_expert_sources

        register_expert_sources()
