from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from portal.menu import PermissionMenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_search_admin_urls():
    urls = [path("gaps/", admin_views.knowledge_gaps, name="gaps")]
    return [path("search-stats/", include((urls, "search_admin"), namespace="search_admin"))]


@hooks.register("register_admin_menu_item")
def register_gaps_menu_item():
    return PermissionMenuItem(
        _("Knowledge gaps"), reverse("search_admin:gaps"), icon_name="search", order=860,
        permission="zhiku_search.view_querylog",
    )
