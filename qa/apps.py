from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Knowledge Q&A")
    default_auto_field = "django.db.models.BigAutoField"
