from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("Knowledge maps")
    default_auto_field = "django.db.models.BigAutoField"
