"""Re-indexing of every page type that has a search adapter, on the Wagtail events that
change what search shows of it: publish, unpublish, move, delete and view restrictions."""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import registry
from .index import queue_key, queue_update


def _page_models():
    return [a.model for a in registry.adapters() if issubclass(a.model, Page)]


def _reindex_subtree(page):
    models = _page_models()
    if models:
        for descendant in Page.objects.descendant_of(page, inclusive=True).type(*models).specific():
            queue_update(descendant)


@receiver(page_published)
@receiver(page_unpublished)
def reindex_page(sender, instance, **kwargs):
    queue_update(instance)  # a no-op for pages no adapter describes


@receiver(post_page_move)
def reindex_moved_subtree(sender, instance, **kwargs):
    _reindex_subtree(instance)


@receiver(post_delete)
def unindex_deleted_page(sender, instance, **kwargs):
    adapter = registry.adapter_for(instance) if isinstance(instance, Page) else None
    if adapter is not None:
        queue_key(adapter.key(instance))


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def reindex_after_restriction_change(sender, instance, **kwargs):
    _reindex_subtree(instance.page)


@receiver(m2m_changed, sender=PageViewRestriction.groups.through)
def reindex_after_restriction_groups_change(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, PageViewRestriction):
        _reindex_subtree(instance.page)
