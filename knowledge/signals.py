import reversion
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published

from .current_user import get_current_user
from .models import ArticleAttachment, DocumentVersion, FreshnessMixin, KnowledgeDocument

# Wagtail does not version documents; django-reversion keeps a deleted one restorable.
reversion.register(DocumentVersion)
reversion.register(ArticleAttachment)
reversion.register(KnowledgeDocument, follow=["versions", "attachment_links"])


@receiver(post_save, sender=KnowledgeDocument)
def record_document_file(sender, instance, raw=False, **kwargs):
    if raw:  # fixtures and trash restores bring their own versions
        return
    from .services.documents import record_current_file

    record_current_file(instance, user=get_current_user())


@receiver(pre_delete, sender=KnowledgeDocument)
def move_document_to_trash(sender, instance, **kwargs):
    from .services.trash import snapshot_document

    snapshot_document(instance, user=get_current_user())


@receiver(page_published)
def announce_significant_page_change(sender, instance, revision=None, **kwargs):
    from .changes import page_revision_published

    page_revision_published(instance, revision)


@receiver(page_published)
def record_verification(sender, instance, revision=None, **kwargs):
    """Publishing an item verifies it: its next review is due one interval later."""
    if isinstance(instance, FreshnessMixin):
        from .services.freshness import record_publication

        record_publication(instance, revision)


@receiver(post_save)
def keep_review_date_set_by_hand(sender, instance, raw=False, **kwargs):
    """``page.next_review = date`` (the field this replaced) still sets the review date."""
    if raw or not isinstance(instance, FreshnessMixin):
        return
    day = instance.__dict__.pop("_review_due_by_hand", None)
    if day is not None:
        from .services.freshness import keep_date_set_by_hand

        keep_date_set_by_hand(instance, day)
