"""How structured items appear in search (every field, as "label: value" lines), and when
they are re-indexed."""
import hashlib

from django.utils.translation import gettext_lazy as _

from knowledge.search_adapters import node_stamp, page_entry
from search import registry

from .models import StructuredItemPage
from .services.items import display_rows
from .services.values import Resolver


@registry.register
class StructuredItemAdapter(registry.SearchAdapter):
    model = StructuredItemPage
    kind = "structured"
    kind_label = _("Structured item")

    def queryset(self):
        return StructuredItemPage.objects.live().select_related("content_owner", "form").order_by("pk")

    def entry_data(self, page):
        space = page.space
        if not page.live or space is None:  # unpublished, or in the trash
            return None
        # Linked documents and items lend their titles only when every reader of this item may
        # see them; the entry is shared by all its readers.
        resolver = Resolver(viewer=None, space=space)
        lines = []
        for row in display_rows(page, None, resolver=resolver):
            text = "" if row.value.hidden else row.value.text
            if text:
                lines.append(f"{row.label}: {text}")
        return page_entry(page, keywords=page.form.name, body="\n".join(lines))

    def stamp(self, page):
        design = list(page.form.fields.values_list("key", "label", "field_type", "retired"))
        return hashlib.sha1("|".join(str(p) for p in (
            page.live_revision_id, page.url_path, page.form.name, design, node_stamp(page),
        )).encode()).hexdigest()[:16]
