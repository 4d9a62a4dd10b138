"""How knowledge articles and documents appear in search, and when they are re-indexed."""
import hashlib

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from wagtail.models import CollectionViewRestriction

from search import registry
from search.index import queue_key, queue_update

from .models import ArticlePage, KnowledgeDocument, KnowledgeSpacePage
from .services import dimensions


def short_hash(*parts):
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


def user_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def node_entries(obj):
    """[(node id, label)] of an item's dimension nodes and their ancestors, for its entry."""
    return list(dimensions.labels(dimensions.with_ancestors(obj.nodes.all())).items())


def page_entry(page, **fields):
    """The entry of a page of a knowledge space: what every such page kind has, then its own
    ``fields``; None when it must not be found (unpublished, or in the trash)."""
    space = page.space
    if not page.live or space is None:
        return None
    return {
        "title": page.title[:255], "url": page.url or "", "keywords": "", "summary": "", "body": "",
        "attachments": [], "space_id": space.pk, "space_title": space.title, "nodes": node_entries(page),
        "owner_id": page.content_owner_id, "owner_name": user_name(page.content_owner), "file_type": "",
        "date": page.last_published_at, "created": page.first_published_at,
        "principals": registry.principals_for_page(page, getattr(page, "audience", "internal")),
        **fields,
    }


def node_stamp(obj):
    return sorted(obj.nodes.values_list("id", "name", "path"))


@registry.register
class ArticleAdapter(registry.SearchAdapter):
    model = ArticlePage
    kind = "article"
    kind_label = _("Article")

    def queryset(self):
        return ArticlePage.objects.live().select_related("content_owner").order_by("pk")

    def _documents(self, page):
        return [a.document for a in page.attachments.select_related("document") if a.document_id]

    def entry_data(self, page):
        return page_entry(
            page,
            keywords=" ".join(tag.name for tag in page.keywords.all()),
            summary=page.summary,
            body="\n".join(page.body.stream_block.get_searchable_content(page.body)),
            attachments=[{"name": d.title, "text": d.extracted_text} for d in self._documents(page)],
            review_due=page.next_review,
        )

    def stamp(self, page):
        return short_hash(page.live_revision_id, page.url_path, node_stamp(page), page.next_review, page.audience,
                           *[(d.pk, d.extracted_at) for d in self._documents(page)])


@registry.register
class DocumentAdapter(registry.SearchAdapter):
    model = KnowledgeDocument
    kind = "document"
    kind_label = _("Document")

    def queryset(self):
        return KnowledgeDocument.objects.select_related("collection", "uploaded_by_user").order_by("pk")

    def entry_data(self, document):
        space = KnowledgeSpacePage.objects.filter(collection_id=document.collection_id).first()
        return {
            "title": document.title[:255],
            "url": document.url,
            "keywords": " ".join(document.tags.names()),
            "summary": document.description,
            "body": "",
            "attachments": [{"name": document.filename, "text": document.extracted_text}],
            "space_id": space.pk if space else None,
            "space_title": space.title if space else "",
            "nodes": node_entries(document),
            "owner_id": document.uploaded_by_user_id,
            "owner_name": user_name(document.uploaded_by_user),
            "file_type": document.extension[:20],
            "date": document.created_at,
            "created": document.created_at,
            "principals": registry.principals_for_restrictions(document.collection.get_view_restrictions()),
        }

    def stamp(self, document):
        return short_hash(document.file.name, document.extracted_at, document.collection_id, document.title,
                           node_stamp(document))


def queue_document_and_articles(document):
    queue_update(document)
    for page in ArticlePage.objects.filter(attachments__document=document).distinct():
        queue_update(page)


@receiver(post_save, sender=KnowledgeDocument)
def reindex_document(sender, instance, raw=False, **kwargs):
    queue_document_and_articles(instance)


@receiver(m2m_changed, sender=KnowledgeDocument.nodes.through)
def reindex_document_nodes(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, KnowledgeDocument):
        queue_update(instance)


@receiver(post_delete, sender=KnowledgeDocument)
def unindex_deleted_document(sender, instance, **kwargs):
    queue_key(DocumentAdapter().key(instance))


# Pages are re-indexed by search.page_signals; documents follow their collection's restrictions.

def _collection_restriction_changed(restriction):
    for document in KnowledgeDocument.objects.filter(collection__in=restriction.collection.get_descendants(inclusive=True)):
        queue_update(document)


@receiver(post_save, sender=CollectionViewRestriction)
@receiver(post_delete, sender=CollectionViewRestriction)
def reindex_after_restriction_change(sender, instance, **kwargs):
    _collection_restriction_changed(instance)


@receiver(m2m_changed, sender=CollectionViewRestriction.groups.through)
def reindex_after_restriction_groups_change(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _collection_restriction_changed(instance)
