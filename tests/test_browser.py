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


def log_in(page, live_server, path="/", username="reader"):
    """Open ``path`` as ``username``: the login page first, then back to ``path``."""
    page.goto(live_server.url + path)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
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


def test_an_agent_finds_an_answer_while_typing_and_copies_it(live_server, portal, browser_page):
    from faq.models import AnswerVote
    from faq.services.entries import create_entry
    from search import index

    for question, phrasings, answer in [
        ("维修网点在哪里？", ["附近有没有服务站", "去哪里修车"], "<p>拨打服务热线 400-800-1234，或在官网查询最近的服务站。</p>"),
        ("发票多久能开出来？", ["什么时候能拿到发票"], "<p>付款后三个工作日内开具电子发票。</p>"),
    ]:
        index.update_object(create_entry(portal.research, portal.users.editor, question, answer, phrasings=phrasings))
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server, "/faq/")

    # The customer's words, in traditional Chinese: the answers appear while typing.
    page.fill("#faq-question", "車子壞了去哪裡修")
    first = page.locator(".faq-answer").first
    first.wait_for()
    assert first.locator(".faq-question").inner_text() == "维修网点在哪里？"
    assert "修车" in first.locator(".faq-matched").inner_text()
    first.locator(".faq-copy").click()
    page.wait_for_function("document.querySelector('.faq-copy').classList.contains('copied')")
    assert page.evaluate("navigator.clipboard.readText()") == "拨打服务热线 400-800-1234，或在官网查询最近的服务站。"

    first.locator(".faq-vote button[value='1']").click()
    first.locator(".faq-vote .faq-feedback-done").wait_for()
    vote = AnswerVote.objects.get()
    assert vote.user == portal.users.reader and vote.helpful


def test_a_new_hire_follows_a_path_passes_the_quiz_and_completes_it(live_server, portal, browser_page):
    from portal.models import Position, UserProfile
    from search import index

    from .factories import add_path, make_user, question

    tester = Position.objects.create(name="试验工程师", code="tester")
    rules = add_article(portal.research, "试验室安全守则", portal.users.editor,
                        body=[("paragraph", "<p>进入试验室必须佩戴护目镜。</p>")])
    data = add_article(portal.research, "试验数据归档规范", portal.users.editor)
    for article in (rules, data):
        index.update_object(article)
    add_path("试验工程师入职培训", [
        {"kind": "article", "page": rules, "estimated_minutes": 10},
        {"kind": "article", "page": data, "estimated_minutes": 20, "pass_mark": 100, "max_attempts": 2, "quiz": [
            question("试验数据应当何时归档？", [("试验结束后及时归档", True), ("项目结束后再说", False)]),
            question("试验数据可以只保存在试验台电脑上", False, kind="true_false"),
        ]},
    ], assignments=[{"target_type": "position", "position": tester, "due_days": 30}])
    newbie = make_user("newbie")
    UserProfile.objects.create(user=newbie, position=tester)  # hired: the position's path comes with it

    page = browser_page
    log_in(page, live_server, "/training/", username="newbie")
    card = page.locator(".training-card", has_text="试验工程师入职培训")
    assert "0%" in card.inner_text()
    card.locator(".next-step a").click()
    assert page.locator("h1").inner_text() == "试验室安全守则"
    assert page.locator("#confirm-step").is_disabled()  # read first
    step_url = page.url
    page.click("#open-item")
    assert page.locator(".body").inner_text().strip() == "进入试验室必须佩戴护目镜。"
    page.goto(step_url)
    page.click("#confirm-step")

    assert page.locator("h1").inner_text() == "试验数据归档规范"  # on to the next step
    page.click("#open-item")
    page.go_back()
    page.reload()
    page.click("#start-quiz")
    page.locator(".quiz-choice", has_text="试验结束后及时归档").locator("input").check()
    page.locator(".quiz-question", has_text="试验台电脑").locator("input[value=f]").check()
    page.click("#submit-quiz")
    assert "100%" in page.locator("#quiz-score").inner_text()
    assert page.locator("#path-complete").is_visible()

    page.goto(live_server.url + "/training/")
    assert "100%" in page.locator("#training-completed .training-card").inner_text()


def test_an_editor_submits_an_article_and_the_reviewer_approves_it_from_the_workbench(
        live_server, portal, browser_page):
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from knowledge.models import ArticlePage
    from workflows.models import SpaceReviewTask

    from .factories import make_user

    reviewer = make_user("reviewer")
    reviewer.groups.add(Group.objects.get(name="研究院审核人"))
    workflow = Workflow.objects.create(name="部门审核")
    WorkflowTask.objects.create(workflow=workflow, task=SpaceReviewTask.objects.create(name="空间审核人审核"),
                                sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=portal.research)
    article = add_article(portal.research, "台架试验规程", portal.users.editor)
    page = browser_page

    # The editor changes the title in the Wagtail editor and submits it for review.
    log_in(page, live_server, f"/admin/pages/{article.pk}/edit/", username="editor")
    page.fill("#id_title", "台架试验规程（第二版）")
    page.click("footer [data-w-dropdown-target='toggle']")
    page.click("button[name=action-submit]")
    page.wait_for_url(f"**/admin/pages/{portal.research.pk}/**")
    assert ArticlePage.objects.get(pk=article.pk).title == "台架试验规程"  # not published yet
    page.context.clear_cookies()

    # The reviewer finds it on the workbench and approves it there.
    log_in(page, live_server, "/", username="reviewer")
    page.click("#wb-approvals >> text=台架试验规程（第二版）")
    page.click("#action-approve")
    page.wait_for_selector("#approval-status.state-approved")
    assert ArticlePage.objects.get(pk=article.pk).title == "台架试验规程（第二版）"
    page.goto(live_server.url + "/")
    assert "台架试验规程（第二版）" not in page.locator("#wb-approvals").inner_text()


def test_a_knowledge_manager_opens_the_statistics_and_sees_the_charts(live_server, portal, browser_page):
    """Yesterday's reading, rolled up, shows on the usage dashboard in every chart; the tabs
    and the period filter keep working in the browser."""
    from datetime import timedelta

    from django.utils import timezone

    from search import index
    from stats.models import Event, Verb
    from stats.services.rollup import catch_up

    article = add_article(portal.research, "涡轮增压器维护手册", user=portal.users.editor)
    index.update_object(article)
    yesterday = timezone.now() - timedelta(days=1)
    Event.objects.bulk_create([Event(at=yesterday, verb=Verb.VIEW, user_id=portal.users.reader.pk,
                                     key=f"knowledge.articlepage:{article.pk}")] * 3)
    catch_up()

    page = browser_page
    log_in(page, live_server, "/stats/usage/", username="manager")
    page.wait_for_selector("#chart-heatmap[data-rendered=true] canvas")
    charts = page.eval_on_selector_all(
        "[data-chart]", "boxes => boxes.map(b => [b.id, b.dataset.rendered, b.querySelectorAll('canvas').length])")
    assert {c[0] for c in charts} == {"chart-views", "chart-heatmap"}
    assert all(rendered == "true" and canvases >= 1 for _id, rendered, canvases in charts)
    assert "涡轮增压器维护手册" in page.inner_text("#table-top")

    page.select_option("#stats-filters select[name=period]", "90")
    page.click("#stats-filters button[type=submit]")
    page.wait_for_url("**period=90**")
    page.click("#stats-tabs a[href*='/stats/stock/']")
    page.wait_for_selector("#chart-types[data-rendered=true] canvas")
    assert "period=90" in page.url
    page.click("#stats-tabs a[href*='/stats/contribution/']")
    page.wait_for_selector("#chart-ranking[data-rendered=true] canvas")
    page.click("#stats-tabs a[href*='/stats/training/']")
    page.wait_for_selector("#chart-training[data-rendered=true] canvas")
    page.wait_for_selector("#chart-questions[data-rendered=true] canvas")
    assert "period=90" in page.url
