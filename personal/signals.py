"""Following the search catalogue: notices for subscribers, anthologies that name a changed item."""
from django.dispatch import receiver
from wagtail.documents.models import document_served

from search.index import queue_key
from search.models import SearchEntry
from search.signals import entry_changed

from .models import Anthology, AnthologyItem
from .services.items import key_of
from .services.reading import record_read
from .services.subscriptions import notify_subscribers


@receiver(entry_changed, sender=SearchEntry)
def notify_on_change(sender, entry, created, **kwargs):
    notify_subscribers(entry, created)


@receiver(entry_changed, sender=SearchEntry)
def refresh_anthologies_naming(sender, entry, created, **kwargs):
    """An item's new title or permissions change what the anthologies holding it index."""
    if entry.kind == "anthology":
        return  # its stamp covers its items' titles; an anthology inside another is rare
    label = Anthology._meta.label_lower
    for anthology_id in AnthologyItem.objects.filter(key=entry.key).values_list("anthology_id", flat=True).distinct():
        queue_key(f"{label}:{anthology_id}")


@receiver(document_served)
def count_document_read(sender, instance, request, **kwargs):
    """Sent once the document's view restrictions let the request through."""
    record_read(request.user, key_of(instance))
