"""Anthologies in search: found by their owner, their groups or everyone, as shared."""
import hashlib

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from search import registry
from search.index import queue_key, queue_update
from search.models import SearchEntry

from .models import Anthology, AnthologyItem
from .services import anthologies


@registry.register
class AnthologyAdapter(registry.SearchAdapter):
    model = Anthology
    kind = "anthology"
    kind_label = _("Anthology")

    def queryset(self):
        return Anthology.objects.select_related("owner").order_by("pk")

    def _items(self, anthology):
        """(item, entry) in order; entry None when the item is gone from the catalogue."""
        items = list(anthology.items.all())
        entries = SearchEntry.objects.in_bulk([i.key for i in items], field_name="key")
        return [(item, entries.get(item.key)) for item in items]

    def _shareable(self, anthology):
        """The items whose title every reader of the anthology may see: only these are indexed,
        so a restricted item's title is never found through someone's shared anthology."""
        return [(item, entry) for item, entry in self._items(anthology)
                if entry is not None and anthologies.title_is_shareable(entry.principals, anthology)]

    def entry_data(self, anthology):
        owner = anthology.owner
        shown = self._shareable(anthology)
        return {
            "title": anthology.title[:255],
            "url": anthology.get_absolute_url(),
            "keywords": "",
            "summary": anthology.description,
            "body": "\n".join(f"{entry.title} {item.note}".strip() for item, entry in shown),
            "attachments": [],
            "space_id": None,
            "space_title": "",
            "nodes": [],
            "owner_id": owner.pk,
            "owner_name": owner.get_full_name() or owner.get_username(),
            "file_type": "",
            "date": anthology.updated_at,
            "created": anthology.created_at,
            "principals": anthologies.principals(anthology),
        }

    def stamp(self, anthology):
        parts = [anthology.title, anthology.description, anthology.visibility, anthology.owner_id,
                 anthology.shared_group_ids(),
                 *[(item.key, item.note, entry.title if entry else "", entry.principals if entry else "")
                   for item, entry in self._items(anthology)]]
        return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


@receiver(post_save, sender=Anthology)
def reindex_anthology(sender, instance, raw=False, **kwargs):
    if not raw:
        queue_update(instance)


@receiver(post_delete, sender=Anthology)
def unindex_anthology(sender, instance, **kwargs):
    queue_key(AnthologyAdapter().key(instance))


@receiver(m2m_changed, sender=Anthology.groups.through)
def reindex_anthology_groups(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Anthology):
        queue_update(instance)


@receiver(post_save, sender=AnthologyItem)
@receiver(post_delete, sender=AnthologyItem)
def reindex_after_item_change(sender, instance, **kwargs):
    if not kwargs.get("raw"):
        queue_key(f"{Anthology._meta.label_lower}:{instance.anthology_id}")
