from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Not limited to this app's signal: the permissions roles need are created by the
        # post_migrate of later apps, so the last call sees them all.
        post_migrate.connect(_create_roles, dispatch_uid="zhiku_roles")


def _create_roles(sender, using="default", **kwargs):
    from .roles import ensure_roles

    ensure_roles()
