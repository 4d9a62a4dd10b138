from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.models import Page

from portal.menu import PermissionMenuItem

from . import admin_views
from .services.trash import trash_page


@hooks.register("register_admin_urls")
def register_knowledge_admin_urls():
    urls = [
        path("trash/", admin_views.trash_index, name="trash"),
        path("trash/<int:item_id>/restore/", admin_views.trash_restore, name="trash_restore"),
        path("documents/<int:document_id>/", admin_views.document_detail, name="document_detail"),
        path("documents/<int:document_id>/retry/", admin_views.document_retry, name="document_retry"),
        path("imports/", admin_views.import_index, name="imports"),
        path("imports/<int:run_id>/", admin_views.import_detail, name="import_detail"),
    ]
    return [path("knowledge/", include((urls, "knowledge_admin"), namespace="knowledge_admin"))]


@hooks.register("register_admin_menu_item")
def register_trash_menu_item():
    return PermissionMenuItem(
        _("Trash"), reverse("knowledge_admin:trash"), icon_name="bin", order=900,
        permission="knowledge.restore_trashitem",
    )


@hooks.register("register_admin_menu_item")
def register_dimensions_menu_item():
    return PermissionMenuItem(
        _("Dimensions"), reverse("maps:dimensions"), icon_name="folder-open-inverse", order=840,
        permission="knowledge.change_dimension",
    )


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return PermissionMenuItem(
        _("Bulk import"), reverse("knowledge_admin:imports"), icon_name="upload", order=850,
        permission="knowledge.add_importrun",
    )


@hooks.register("before_delete_page")
def move_page_to_trash(request, page):
    if request.method != "POST":
        return None
    parent = page.get_parent()
    trash_page(page, request.user)
    messages.success(request, _("“%(title)s” has been moved to the trash.") % {"title": page.get_admin_display_title()})
    return redirect("wagtailadmin_explore", parent.pk)


@hooks.register("before_bulk_action")
def move_pages_to_trash_in_bulk(request, action_type, objects, action_class_instance):
    if action_type != "delete" or not issubclass(action_class_instance.model, Page):
        return None
    parent = objects[0].get_parent() if objects else None
    for page in objects:
        trash_page(page, request.user)
    messages.success(
        request,
        ngettext("%(count)d page has been moved to the trash.", "%(count)d pages have been moved to the trash.",
                 len(objects)) % {"count": len(objects)},
    )
    return redirect("wagtailadmin_explore", parent.pk) if parent else redirect("wagtailadmin_home")


@hooks.register("register_log_actions")
def register_trash_log_actions(actions):
    actions.register_action("zhiku.trash", _("Move to trash"), _("Moved to trash"))
    actions.register_action("zhiku.restore", _("Restore from trash"), _("Restored from trash"))


@hooks.register("register_log_actions")
def register_freshness_log_actions(actions):
    # Shown in the page's history: a one-click "still right" leaves no revision, only this.
    actions.register_action("zhiku.verify", _("Verify content"), _("Verified as still right"))
