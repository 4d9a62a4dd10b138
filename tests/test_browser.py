"""A person in Debian's chromium logs in, opens an article and downloads its attachment."""
import os
import shutil

import pytest

from . import files
from .factories import add_article, add_document

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told the caller knows it is synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        yield context.new_page()
        browser.close()


def log_in(page, live_server, path="/"):
    """Open ``path`` as the reader: the login page first, then back to ``path``."""
    page.goto(live_server.url + path)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "reader")
    page.fill("#id_password", "pw-12345678")
    page.click(".login-box button[type=submit]")
    page.wait_for_url(live_server.url + path)


def test_login_open_article_and_download_attachment(live_server, portal, browser_page, tmp_path):
    content = files.pdf("发动机扭矩试验规范正文")
    document = add_document(portal.research, "扭矩试验规范", "扭矩试验规范.pdf", content, portal.users.editor)
    add_article(portal.research, "发动机台架试验", portal.users.editor,
                body=[("paragraph", "<p>台架试验数据归档要求。</p>")], documents=[document])
    page = browser_page
    log_in(page, live_server)

    page.click("text=研究院")
    page.click("text=发动机台架试验")
    assert page.locator("h1").inner_text() == "发动机台架试验"
    assert page.locator(".body").inner_text().strip() == "台架试验数据归档要求。"

    with page.expect_download() as download_info:
        page.click("a.download")
    download = download_info.value
    assert download.suggested_filename == "扭矩试验规范.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == content


def test_walk_the_knowledge_map_to_an_item_and_add_it_to_an_anthology(live_server, portal, browser_page):
    from knowledge.models import Dimension
    from personal.models import Anthology
    from search import index

    products = Dimension.objects.create(name="产品线", slug="products")
    diesel = products.node_from_path(["发动机", "柴油机"])
    article = add_article(portal.research, "柴油机标定规范", portal.users.editor, nodes=[diesel])
    index.update_object(article)
    page = browser_page
    log_in(page, live_server, "/maps/")
    # The vendored ECharts draws the map (no internet needed); the outline beside it is the
    # same map as links.
    page.wait_for_selector("#knowledge-map canvas")
    page.click(".map-outline >> text=发动机")
    assert page.locator("h1").inner_text() == "发动机"
    page.click("text=柴油机")
    page.click("text=柴油机标定规范")
    assert page.locator("h1").inner_text() == "柴油机标定规范"
    page.select_option("#anthology-choice", "new")
    page.fill("#anthology-new-title", "我的柴油机资料")
    page.click("#anthology-add")
    page.wait_for_selector(".messages")
    anthology = Anthology.objects.get(owner=portal.users.reader)
    assert anthology.title == "我的柴油机资料"
    assert [item.key for item in anthology.items.all()] == [f"knowledge.articlepage:{article.pk}"]
