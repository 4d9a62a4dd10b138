from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from portal.menu import PermissionMenuItem


@hooks.register("register_admin_menu_item")
def register_structured_forms_menu_item():
    # Forms are designed in the portal; the admin only points there.
    return PermissionMenuItem(
        _("Structured forms"), reverse("structured:list"), icon_name="form", order=850,
        permission="structured.add_structuredform",
    )
