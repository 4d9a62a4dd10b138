"""Document versions (every file kept, with its own text) and article revisions for readers."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import ArticlePage

from . import files
from .factories import add_article, add_document
from .utils import finished, wait_for


@pytest.mark.worker
def test_replacing_a_file_keeps_the_old_one_with_its_text(worker, portal, client_for):
    first = files.docx("第一版：扭矩上限 400 N·m")
    document = finished(add_document(portal.research, "试验规范", "试验规范.docx", first, portal.users.editor))
    client = client_for(portal.users.editor)
    response = client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "试验规范", "collection": document.collection_id,
         "file": SimpleUploadedFile("试验规范-修订.docx", files.docx("第二版：扭矩上限 420 N·m"))},
    )
    assert response.status_code == 302, response.content[:1500]

    wait_for(lambda: document.versions.count() == 2)
    document = finished(document)
    assert "第二版" in document.extracted_text and "第一版" not in document.extracted_text
    v1, v2 = document.versions.get(number=1), document.versions.get(number=2)
    assert "第一版" in v1.extracted_text and not v1.is_current
    assert v2.is_current and v2.uploaded_by == portal.users.editor

    reader = client_for(portal.users.reader)
    old = reader.get(v1.get_download_url())
    assert old.status_code == 200
    assert b"".join(old.streaming_content) == first
    assert "试验规范.docx" in old["Content-Disposition"] or "filename*=" in old["Content-Disposition"]


def test_versions_of_a_restricted_document_are_hidden_from_outsiders(portal, client_for):
    document = add_document(portal.finance, "账龄", "账龄.xlsx", files.xlsx())
    version = document.versions.get()
    assert client_for(portal.users.reader).get(version.get_download_url()).status_code == 404
    assert client_for(portal.users.accountant).get(version.get_download_url()).status_code == 200


@pytest.fixture
def article_with_history(portal):
    editor = portal.users.editor
    article = add_article(portal.research, "扭矩试验规范", editor, body=[("paragraph", "<p>最大扭矩 400 N·m</p>")])
    first_revision = article.live_revision
    article.body = [("paragraph", "<p>最大扭矩 420 N·m</p>")]
    # The second version, live as after its review (space editors no longer publish).
    article.save_revision(user=editor, log_action=True).publish(user=editor, skip_permission_checks=True)
    article = ArticlePage.objects.get(pk=article.pk)
    article.title = "草稿标题"
    draft = article.save_revision(user=editor)  # saved, never published
    return article, first_revision, ArticlePage.objects.get(pk=article.pk).live_revision, draft


def test_reader_sees_published_versions_and_compares_them(portal, client_for, article_with_history):
    article, first, second, draft = article_with_history
    reader = client_for(portal.users.reader)
    listing = reader.get(article.url + "versions/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert f"versions/{first.pk}/" in body and f"versions/{second.pk}/" in body
    assert f"versions/{draft.pk}/" not in body

    old = reader.get(article.url + f"versions/{first.pk}/").content.decode()
    assert "400 N·m" in old and "420 N·m" not in old

    compare = reader.get(article.url + f"versions/compare/{first.pk}/{second.pk}/").content.decode()
    assert "<del>最大扭矩 400 N·m</del>" in compare
    assert "<ins>最大扭矩 420 N·m</ins>" in compare


def test_drafts_are_not_readable_as_versions(portal, client_for, article_with_history):
    article, first, _second, draft = article_with_history
    reader = client_for(portal.users.reader)
    assert reader.get(article.url + f"versions/{draft.pk}/").status_code == 404
    assert reader.get(article.url + f"versions/compare/{first.pk}/{draft.pk}/").status_code == 404


def test_admin_history_compare_and_revert(portal, client_for, article_with_history):
    article, first, second, _draft = article_with_history
    editor = client_for(portal.users.editor)
    assert editor.get(reverse("wagtailadmin_pages:history", args=[article.pk])).status_code == 200
    compare = editor.get(reverse("wagtailadmin_pages:revisions_compare", args=[article.pk, first.pk, second.pk]))
    assert compare.status_code == 200
    revert = editor.get(reverse("wagtailadmin_pages:revisions_revert", args=[article.pk, first.pk]))
    assert revert.status_code == 200 and "400 N" in revert.content.decode()

    # What "publish" on the revert screen does, for those who may publish (an editor submits).
    first.publish(user=portal.users.manager)
    assert "400 N·m" in client_for(portal.users.reader).get(article.url).content.decode()


def test_history_of_a_restricted_article_is_hidden_from_outsiders(portal, client_for):
    article = add_article(portal.finance, "应收账款账龄", portal.users.accountant)
    reader = client_for(portal.users.reader)
    for url in (article.url, article.url + "versions/", article.url + f"versions/{article.live_revision_id}/"):
        response = reader.get(url)
        assert response.status_code != 200, url
        assert "应收账款账龄" not in response.content.decode()
    editor = client_for(portal.users.editor)
    for name, args in [
        ("wagtailadmin_pages:history", [article.pk]),
        ("wagtailadmin_pages:edit", [article.pk]),
        ("wagtailadmin_pages:revisions_revert", [article.pk, article.live_revision_id]),
    ]:
        response = editor.get(reverse(name, args=args))
        assert response.status_code in (302, 403), name
