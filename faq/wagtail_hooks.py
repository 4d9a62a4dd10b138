from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_faq_admin_urls():
    urls = [
        path("", admin_views.transfer_index, name="transfer"),
        path("imports/<int:import_id>/", admin_views.import_detail, name="import_detail"),
        path("imports/<int:import_id>/confirm/", admin_views.import_confirm, name="import_confirm"),
        path("export/", admin_views.export, name="export"),
    ]
    return [path("faq/", include((urls, "faq_admin"), namespace="faq_admin"))]


# Other FAQ admin pages add themselves to the submenu with this hook.
faq_menu = Menu(register_hook_name="register_faq_menu_item", construct_hook_name="construct_faq_menu")


@hooks.register("register_faq_menu_item")
def register_transfer_menu_item():
    return MenuItem(_("Import and export"), reverse("faq_admin:transfer"), icon_name="upload", order=100)


@hooks.register("register_admin_menu_item")
def register_faq_menu():
    return SubmenuMenuItem(_("FAQ"), faq_menu, icon_name="help", order=870)
