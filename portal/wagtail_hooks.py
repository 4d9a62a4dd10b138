from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Department, Position, UserProfile


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    list_display = ["name", "code", "parent", "head"]
    search_fields = ["name", "code"]


class PositionViewSet(SnippetViewSet):
    model = Position
    icon = "user"
    list_display = ["name", "code", "department"]
    search_fields = ["name", "code"]


class UserProfileViewSet(SnippetViewSet):
    model = UserProfile
    icon = "user"
    list_display = ["user", "department", "position", "manager"]
    list_filter = ["department", "position"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


class OrganisationGroup(SnippetViewSetGroup):
    items = (DepartmentViewSet, PositionViewSet, UserProfileViewSet)
    menu_icon = "group"
    menu_label = _("Organisation")
    menu_name = "organisation"
    menu_order = 800


register_snippet(OrganisationGroup)
