"""Deleting moves to the trash; a knowledge manager restores (KB-14)."""
import os

from django.urls import reverse

from knowledge.models import ArticlePage, KnowledgeDocument, TrashItem

from . import files
from .factories import add_article, add_document
from .utils import assert_refused


def test_deleted_article_goes_to_trash_and_is_restored_in_place(portal, client_for):
    article = add_article(portal.research, "待删除的文章", portal.users.editor)
    url = article.url
    # Deleting a live article unpublishes it: those who may publish do it (not space editors).
    response = client_for(portal.users.manager).post(reverse("wagtailadmin_pages:delete", args=[article.pk]))
    assert response.status_code == 302

    article = ArticlePage.objects.get(pk=article.pk)  # still exists, with its revisions
    assert not article.live
    assert article.revisions.count() >= 1
    item = TrashItem.objects.get(page=article)
    assert item.deleted_by == portal.users.manager and item.original_parent.pk == portal.research.pk
    reader = client_for(portal.users.reader)
    assert reader.get(url).status_code == 404

    editor = client_for(portal.users.editor)
    assert_refused(editor.get(reverse("knowledge_admin:trash")))
    assert_refused(editor.post(reverse("knowledge_admin:trash_restore", args=[item.pk])))
    manager = client_for(portal.users.manager)
    listing = manager.get(reverse("knowledge_admin:trash"))
    assert "待删除的文章" in listing.content.decode()
    assert manager.post(reverse("knowledge_admin:trash_restore", args=[item.pk])).status_code == 302

    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live and article.get_parent().pk == portal.research.pk
    assert client_for(portal.users.reader).get(url).status_code == 200
    item.refresh_from_db()
    assert item.restored_by == portal.users.manager


def test_bulk_delete_also_goes_to_trash(portal, client_for):
    a = add_article(portal.research, "批量一", portal.users.editor)
    b = add_article(portal.research, "批量二", portal.users.editor)
    manager = client_for(portal.users.manager)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"]) + f"?id={a.pk}&id={b.pk}"
    response = manager.post(url, {})
    assert response.status_code == 302
    assert ArticlePage.objects.filter(pk__in=[a.pk, b.pk], live=False).count() == 2
    assert TrashItem.objects.filter(page__in=[a, b]).count() == 2


def test_deleted_document_keeps_file_versions_and_links(portal, client_for):
    document = add_document(portal.research, "旧手册", "旧手册.docx", files.docx(), portal.users.editor)
    document.tags.add("手册")
    article = add_article(portal.research, "手册说明", portal.users.editor, documents=[document])
    path = document.file.path
    editor = client_for(portal.users.editor)

    response = editor.post(reverse("wagtaildocs:delete", args=[document.pk]))
    assert response.status_code == 302
    assert not KnowledgeDocument.objects.filter(pk=document.pk).exists()
    assert os.path.exists(path)  # the file stays on disk
    item = TrashItem.objects.get(kind=TrashItem.Kind.DOCUMENT, document_id=document.pk)

    manager = client_for(portal.users.manager)
    manager.post(reverse("knowledge_admin:trash_restore", args=[item.pk]))
    restored = KnowledgeDocument.objects.get(pk=document.pk)
    assert restored.file.path == path and restored.versions.count() == 1
    assert list(restored.tags.names()) == ["手册"]
    assert article.attachments.filter(document=restored).exists()
    assert client_for(portal.users.reader).get(restored.url).status_code == 200


def test_restoring_twice_is_refused_with_a_message(portal, client_for):
    article = add_article(portal.research, "重复恢复", portal.users.editor)
    client_for(portal.users.manager).post(reverse("wagtailadmin_pages:delete", args=[article.pk]))
    item = TrashItem.objects.get(page=article)
    manager = client_for(portal.users.manager)
    manager.post(reverse("knowledge_admin:trash_restore", args=[item.pk]))
    response = manager.post(reverse("knowledge_admin:trash_restore", args=[item.pk]), follow=True)
    assert response.status_code == 200
    assert ArticlePage.objects.filter(title="重复恢复").count() == 1
