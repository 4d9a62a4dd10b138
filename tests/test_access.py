"""Anonymous visitors see only the login page; readers see only what they may read."""
import pytest
from django.urls import reverse

from . import files
from .factories import add_article, add_document


@pytest.fixture
def content(portal):
    document = add_document(portal.research, "附件", "附件.pdf", files.pdf())
    article = add_article(portal.research, "公开文章", portal.users.editor, documents=[document])
    secret_doc = add_document(portal.finance, "工资表", "工资表.xlsx", files.xlsx())
    secret = add_article(portal.finance, "财务机密", portal.users.accountant, documents=[secret_doc])
    return article, document, secret, secret_doc


def test_anonymous_visitors_are_sent_to_login(client, portal, content):
    article, document, secret, secret_doc = content
    urls = [
        "/", article.url, article.url + "versions/", document.url,
        document.versions.get().get_download_url(), portal.research.url,
        reverse("wagtailadmin_home"), reverse("knowledge_admin:trash"), "/media/original_images/x.png",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url
    assert client.get("/accounts/login/").status_code == 200


def test_login_page_logs_in(client, portal):
    response = client.post("/accounts/login/", {"username": "reader", "password": "pw-12345678"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_restricted_space_is_invisible_to_other_departments(portal, client_for, content):
    article, document, secret, secret_doc = content
    reader = client_for(portal.users.reader)
    home = reader.get("/").content.decode()
    assert "研究院" in home and "财务部" not in home and "财务机密" not in home
    assert "财务机密" not in reader.get(secret.url).content.decode()
    assert reader.get(secret.url).status_code != 200
    assert reader.get(secret_doc.url).status_code != 200
    assert reader.get(document.url).status_code == 200

    accountant = client_for(portal.users.accountant)
    assert accountant.get(secret.url).status_code == 200
    assert accountant.get(secret_doc.url).status_code == 200


def test_editors_cannot_edit_other_spaces(portal, client_for, content):
    article, document, secret, secret_doc = content
    accountant = client_for(portal.users.accountant)
    assert accountant.get(reverse("wagtailadmin_pages:edit", args=[secret.pk])).status_code == 200
    response = accountant.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code in (302, 403)
    response = accountant.get(reverse("wagtaildocs:edit", args=[document.pk]))
    assert response.status_code in (302, 403)


def test_rich_text_is_sanitised_on_the_way_in_and_out(portal, client_for):
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield, inline_formset

    # A knowledge manager publishes directly (space editors submit for review: test_review.py).
    editor = client_for(portal.users.manager)
    data = nested_form_data({
        "title": "富文本",
        "slug": "rich",
        "summary": "",
        "body": streamfield([("paragraph", rich_text('<p>安全<script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">链接</a></p>'))]),
        "keywords": "",
        "audience": "internal",
        "review_interval": "12",
        "attachments": inline_formset([]),
        "related_links": inline_formset([]),
        "action-publish": "publish",
    })
    response = editor.post(reverse("wagtailadmin_pages:add", args=["knowledge", "articlepage", portal.research.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client_for(portal.users.reader).get(portal.research.url + "rich/").content.decode()
    assert "安全" in page
    assert "<script>alert(1)" not in page and "javascript:alert" not in page and "onclick" not in page


def test_chinese_is_the_default_whatever_the_browser_asks(client, portal):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page and 'lang="en"' in page


def test_document_admin_views_refuse_other_departments(portal, client_for):
    secret = add_document(portal.finance, "工资表", "工资表.xlsx", files.xlsx())
    editor = client_for(portal.users.editor)  # a research editor
    for name in ("wagtaildocs:edit", "wagtaildocs:delete", "wagtaildocs:document_usage"):
        response = editor.get(reverse(name, args=[secret.pk]))
        assert response.status_code in (302, 403), name
        assert "工资表" not in response.content.decode()
    chooser = editor.get(reverse("wagtaildocs_chooser:choose")).content.decode()
    assert "工资表" not in chooser
    listing = editor.get(reverse("wagtaildocs:index")).content.decode()
    assert "工资表" not in listing
