from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import TrainingPath


class TrainingPathViewSet(SnippetViewSet):
    model = TrainingPath
    icon = "list-ol"
    menu_label = _("Training paths")
    menu_order = 880
    add_to_admin_menu = True
    list_display = ["title", "department", "content_owner", "archived", "updated_at"]
    list_filter = ["department", "archived", "live"]
    search_fields = ["title", "summary"]


register_snippet(TrainingPathViewSet)
