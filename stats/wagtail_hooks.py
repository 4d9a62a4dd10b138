from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from portal.menu import PermissionMenuItem

from .services.scope import VIEW_ALL


@hooks.register("register_admin_menu_item")
def register_statistics_menu_item():
    # Department heads reach the dashboards from the portal's navigation; the admin menu is
    # for the knowledge team.
    return PermissionMenuItem(_("Knowledge statistics"), reverse("stats:stock"), icon_name="table", order=860,
                              permission=VIEW_ALL)
