"""Knowledge statistics (KB-07): events recorded in the request path, the daily roll-up, the
four dashboards' figures against hand-computed values, who sees which departments, the Excel
and CSV exports, and the period filters.

Most tests share one known world (``world``), built once for the module inside a transaction
that is rolled back at its end; each test runs in a savepoint of it, so what a test changes is
undone before the next. Dates are counted back from today (``D(n)`` = n days ago), as the
dashboards read periods ending yesterday.
"""
import csv
import io
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from wagtail.models import Page, Revision

from faq.models import AnswerVote
from faq.services.entries import create_entry
from knowledge.models import ArticlePage, Dimension, KnowledgeDocument, KnowledgeSpacePage, RelatedArticle
from knowledge.services.spaces import provision_space, space_group_name
from personal.models import Favourite
from personal.services.items import key_of
from portal.models import Department, UserProfile
from qa.models import Answer, Question
from qa.services import threads
from search import index, registry
from search.models import QueryLog
from stats import tasks
from stats.models import (Event, Item, ItemDay, ItemMonth, PersonDay, ReaderDay, RolledUpDay, SearchDay, SearcherDay,
                          SearcherMonth, SearchMonth, Verb)
from stats.services import figures, scope
from stats.services.rollup import catch_up, roll_up_day

from .factories import add_article, add_document, add_path, build_portal, make_user

pytestmark = pytest.mark.django_db

BACKFILL_DAYS = 45  # the world's first roll-up goes back this far (ZHIKU_STATS_BACKFILL_DAYS)

# The tables of each dashboard, by the slug their export URLs use.
TABLES = {
    "stock": ["departments", "spaces", "types", "dimensions", "growth"],
    "usage": ["departments", "dimensions", "top", "unopened"],
    "contribution": ["people", "departments"],
    "search": ["queries", "gaps", "departments"],
    "training": ["training", "questions"],
}


# --- the known world ----------------------------------------------------------------------------

def _build_world(today):
    def D(n):
        return today - timedelta(days=n)

    def at(n, hour=12):
        return timezone.make_aware(datetime.combine(D(n), time(hour)))

    portal = build_portal()
    rd = Department.objects.create(name="研发部", code="rd")
    engine = Department.objects.create(name="发动机科", code="engine", parent=rd)
    fin = Department.objects.create(name="财务部", code="fin")
    people = {}
    for name, department in [("zhang", rd), ("zhao", rd), ("li", engine), ("r1", rd), ("r2", rd), ("r3", engine),
                             ("r4", fin), ("head_rd", rd), ("head_fin", fin)]:
        people[name] = make_user(name)
        UserProfile.objects.create(user=people[name], department=department)
    qian = portal.users.accountant  # an editor of the restricted finance space
    UserProfile.objects.create(user=qian, department=fin)
    rd.head, fin.head = people["head_rd"], people["head_fin"]
    rd.save()
    fin.save()
    # zhang publishes FAQ entries in the research space as its editor.
    people["zhang"].groups.add(Group.objects.get(name=space_group_name(portal.research, "编辑")))

    KnowledgeSpacePage.objects.filter(pk=portal.research.pk).update(department=rd)
    KnowledgeSpacePage.objects.filter(pk=portal.finance.pk).update(department=fin)
    engine_space = portal.home.add_child(instance=KnowledgeSpacePage(title="发动机科知识库", slug="engine",
                                                                     department=engine))
    provision_space(engine_space)
    engine_space = KnowledgeSpacePage.objects.get(pk=engine_space.pk)

    products = Dimension.objects.create(name="产品线", slug="products")
    crank = products.node_from_path(["发动机", "曲轴"])
    engine_node = products.node_from_path(["发动机"])
    gearbox = products.node_from_path(["变速箱"])

    def backdate_page(page, n):
        Page.objects.filter(pk=page.pk).update(first_published_at=at(n, 10))
        page.revisions.update(created_at=at(n, 10))
        page = type(page).objects.get(pk=page.pk)
        index.update_object(page)
        return page

    def backdate_document(document, n):
        KnowledgeDocument.objects.filter(pk=document.pk).update(created_at=at(n, 10))
        document = KnowledgeDocument.objects.get(pk=document.pk)
        index.update_object(document)
        return document

    zhang, zhao, li = people["zhang"], people["zhao"], people["li"]
    d1 = backdate_document(add_document(portal.research, "装配图纸", "assembly.pdf", b"%PDF-1.4 assembly", zhang), 12)
    a1 = backdate_page(add_article(portal.research, "装配规范", zhang, documents=[d1]), 200)
    a2 = backdate_page(add_article(portal.research, "扭矩试验方法", zhang, nodes=[engine_node]), 60)
    f1 = backdate_page(create_entry(portal.research, zhang, "试验台怎么预约？", "<p>在试验管理系统里预约。</p>"), 15)
    zs = [backdate_page(add_article(portal.research, f"台架记录{n}", zhao), days)
          for n, days in zip("一二三四", (20, 18, 16, 14))]
    e1 = add_article(engine_space, "曲轴故障分析", li, nodes=[crank])
    RelatedArticle.objects.create(page=a2, target=e1, sort_order=0)  # one link to li's article
    e1 = backdate_page(e1, 25)
    b1 = backdate_page(add_article(portal.finance, "报销制度", qian), 400)
    bd1 = backdate_document(add_document(portal.finance, "预算表", "budget.xlsx", b"budget", qian), 3)
    q1, _created = threads.ask(people["r1"], "试验台噪声大怎么办？", "噪声超过 85 分贝。")
    Question.objects.filter(pk=q1.pk).update(created_at=at(40, 10))
    q1 = Question.objects.get(pk=q1.pk)
    index.update_object(q1)
    # zhang revises his torque article the day before yesterday (a draft: the catalogue keeps the live one).
    revision = ArticlePage.objects.get(pk=a2.pk).save_revision(user=zhang)
    Revision.objects.filter(pk=revision.pk).update(created_at=at(2, 15))

    def event(n, verb, user, obj, hour=12):
        Event.objects.create(at=at(n, hour), verb=verb, user_id=user.pk if user else None,
                             key=obj.search_key if isinstance(obj, Question) else key_of(obj))

    r1, r2, r3, r4 = (people[n] for n in ("r1", "r2", "r3", "r4"))
    V, DL, FAV = Verb.VIEW, Verb.DOWNLOAD, Verb.FAVOURITE
    # li's crank article is read by everybody; r1 reads it on two days.
    for user in (r1, r1, r2, r4):
        event(10, V, user, e1)
    for user in (r1, r3, li):
        event(9, V, user, e1)
    event(9, FAV, r2, e1)
    event(9, FAV, r3, e1)
    event(40, V, r1, a1)  # in the last 90 days, not in the last 30
    event(5, V, r2, a2)
    event(5, V, None, a2)  # an anonymous view: a view, but no reader
    event(8, V, r2, f1)
    event(4, DL, r1, d1)
    event(4, DL, r3, d1)
    event(3, V, r4, b1)
    event(3, V, qian, b1)
    event(8, V, r1, q1)
    event(7, Verb.ANSWER, r3, q1)
    event(6, Verb.ACCEPTED, r3, q1)
    vote = AnswerVote.objects.create(page=f1, user=r2, helpful=True)
    AnswerVote.objects.filter(pk=vote.pk).update(created_at=at(8))

    def searched(n, user, query, results, clicked=None):
        log = QueryLog.objects.create(user=user, query=query, result_count=results,
                                      clicked_key=key_of(clicked) if clicked else "")
        QueryLog.objects.filter(pk=log.pk).update(created_at=at(n))

    searched(5, r2, "扭矩", 3, clicked=a2)
    searched(5, r2, "扭矩", 3)
    searched(4, r1, "曲轴", 2, clicked=e1)
    searched(4, r1, "变速箱异响", 0)
    searched(3, r3, "变速箱异响", 0)
    searched(2, r4, "出口认证", 0)
    searched(2, None, "保修", 0)  # a visitor of the public site
    searched(40, r1, "扭矩", 3)

    done = catch_up(today=today)
    return SimpleNamespace(
        today=today, D=D, at=at, portal=portal, rd=rd, engine=engine, fin=fin, people=people, qian=qian,
        engine_space=engine_space, products=products, crank=crank, engine_node=engine_node, gearbox=gearbox,
        a1=a1, a2=a2, f1=f1, zs=zs, e1=e1, b1=b1, d1=d1, bd1=bd1, q1=q1, first_roll_up=done,
        created={a1: 200, a2: 60, f1: 15, d1: 12, e1: 25, b1: 400, bd1: 3, q1: 40, **dict(zip(zs, (20, 18, 16, 14)))},
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Three departments (研发部 with 发动机科 below it, and 财务部), a knowledge space each (the
    finance one restricted), and a month of known reading and searching, rolled up:

    研发部 (research space): zhang's 装配规范 (D200), 扭矩试验方法 (D60, revised D2), FAQ
        试验台怎么预约？ (D15), document 装配图纸 (D12, attached to 装配规范); zhao's 台架记录一..四
        (D20, D18, D16, D14, never opened); r1's question 试验台噪声大怎么办？ (D40, outside spaces)
    发动机科 (engine space): li's 曲轴故障分析 (D25), linked from 扭矩试验方法, read by everyone
    财务部 (restricted finance space): qian's 报销制度 (D400) and document 预算表 (D3)
    """
    media = tmp_path_factory.mktemp("stats-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media),
                                                        ZHIKU_STATS_BACKFILL_DAYS=BACKFILL_DAYS):
        with transaction.atomic():
            built = _build_world(timezone.localdate())
            built.media = media
            yield built
            transaction.set_rollback(True)


def zh(msgid):
    with translation.override("zh-hans"):
        return gettext(msgid)


def kind(name):
    with translation.override("zh-hans"):
        return str(registry.kind_labels()[name])


def filters_for(world, viewer, **params):
    query = {"period": "30", "dimension": world.products.pk, **params}
    return scope.read_filters({k: str(v) for k, v in query.items()}, scope.scope(viewer), today=world.today)


def dashboard(world, name, viewer, **params):
    """A dashboard as the service builds it for ``viewer`` (in Chinese, as the portal shows it)."""
    with translation.override("zh-hans"):
        return figures.DASHBOARDS[name][1](filters_for(world, viewer, **params), viewer)


def values(board):
    """[(value, previous, last year)] of the headline figures."""
    return [(f.value, f.previous, f.last_year) for f in board.figures]


def by_label(table):
    return {row[0]: row[1:] for row in table.rows}


def page(client, name, **params):
    response = client.get(reverse("stats:dashboard", args=[name]), params)
    assert response.status_code == 200
    return response


# --- recording in the request path --------------------------------------------------------------

def new_events(since):
    return [(e.verb, e.user_id, e.key) for e in Event.objects.filter(pk__gt=since).order_by("pk")]


def last_event():
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_reading_a_page_or_a_question_records_a_view_and_refused_reads_record_nothing(world, client, client_for):
    r1, r3 = world.people["r1"], world.people["r3"]
    since = last_event()
    response = client_for(r1).get(world.a2.url)
    assert response.status_code == 200
    assert new_events(since) == [(Verb.VIEW, r1.pk, f"knowledge.articlepage:{world.a2.pk}")]

    # A page of a restricted space the reader may not see, a page that does not exist, a
    # question that does not exist: nothing is counted.
    since = last_event()
    assert client.get(world.b1.url).status_code == 302  # to the login page
    assert client.get("/research/no-such-article/").status_code == 404
    assert client.get(reverse("qa:detail", args=[world.q1.pk + 1000])).status_code == 404
    assert new_events(since) == []

    client_for(r3).get(world.q1.get_absolute_url())
    assert new_events(since) == [(Verb.VIEW, r3.pk, world.q1.search_key)]

    client.logout()
    since = last_event()
    assert client.get(world.a2.url).status_code == 302  # anonymous: the login page, no view
    assert new_events(since) == []


def test_downloads_are_recorded_through_the_document_and_version_urls(world, client_for):
    r1 = world.people["r1"]
    document = add_document(world.portal.research, "试验规程", "procedure.txt", b"procedure", world.people["zhang"])
    client = client_for(r1)
    since = last_event()
    response = client.get(document.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"procedure"
    version = document.versions.get()
    response = client.get(reverse("knowledge:document_version_download", args=[document.pk, version.number]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"procedure"
    key = f"knowledge.knowledgedocument:{document.pk}"
    assert new_events(since) == [(Verb.DOWNLOAD, r1.pk, key), (Verb.DOWNLOAD, r1.pk, key)]

    since = last_event()  # a document of the restricted finance space: refused, not counted
    assert client.get(world.bd1.url).status_code in (302, 403, 404)
    assert client.get(reverse("knowledge:document_version_download", args=[world.bd1.pk, 1])).status_code == 404
    assert new_events(since) == []


def test_a_favourite_added_through_the_portal_is_recorded_once(world, client_for):
    r3 = world.people["r3"]
    client = client_for(r3)
    since = last_event()
    url = reverse("personal:favourite_add")
    assert client.post(url, {"key": key_of(world.a2)}).status_code == 302
    assert client.post(url, {"key": key_of(world.a2)}).status_code == 302  # already a favourite
    # Filed into a new folder: the same favourite, moved, not a second one.
    assert client.post(url, {"key": key_of(world.a2), "new_folder": "试验"}).status_code == 302
    assert Favourite.objects.get(user=r3, key=key_of(world.a2)).folder.name == "试验"
    assert client.post(url, {"key": key_of(world.b1)}).status_code == 404  # may not read it
    assert new_events(since) == [(Verb.FAVOURITE, r3.pk, key_of(world.a2))]


def test_answers_and_accepted_answers_are_recorded_for_the_answer_author(world):
    r1, r3 = world.people["r1"], world.people["r3"]
    question, _created = threads.ask(r1, "曲轴异响怎么排查？", "")
    since = last_event()
    answer, created = threads.answer(question, r3, "先检查主轴承间隙。")
    assert created
    threads.accept(answer, r1)
    threads.accept(answer, r1)  # accepted already: nothing new
    assert new_events(since) == [(Verb.ANSWER, r3.pk, question.search_key), (Verb.ACCEPTED, r3.pk, question.search_key)]


def test_events_recorded_by_the_portal_reach_the_dashboards_after_the_roll_up(world, client_for, settings):
    settings.MEDIA_ROOT = str(world.media)  # where the world's files are
    manager, r3 = world.portal.users.manager, world.people["r3"]
    before = values(dashboard(world, "usage", manager))
    client = client_for(r3)
    since = last_event()
    assert client.get(world.zs[0].url).status_code == 200
    response = client.get(world.bd1.url)  # r3 may not: refused, not counted
    assert response.status_code != 200
    response = client.get(world.d1.url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    client.post(reverse("personal:favourite_add"), {"key": key_of(world.zs[1])})
    assert len(new_events(since)) == 3
    Event.objects.filter(pk__gt=since).update(at=world.at(1))  # as if it had happened yesterday
    catch_up(today=world.today, again_from=world.D(1))

    after = values(dashboard(world, "usage", manager))
    views, readers, downloads, favourites, clicks, rate30, rate90 = (a[0] for a in after)
    # r3 read in the period already, so the unique readers stay; 台架记录一 and 二 are now used.
    assert (views, readers, downloads, favourites, clicks) == (before[0][0] + 1, before[1][0], before[2][0] + 1,
                                                               before[3][0] + 1, before[4][0])
    assert (rate30, rate90) == (round(8 / 12, 4), round(9 / 12, 4))


def test_a_failed_event_write_never_costs_the_user_their_answer(world):
    """Statistics must never break what the user was doing, even inside a transaction."""
    r1, r3 = world.people["r1"], world.people["r3"]
    question, _created = threads.ask(r1, "变速箱漏油怎么办？", "")
    with connection.cursor() as cursor:  # the events table is unavailable (undone with the test)
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(Event._meta.db_table)}")
    answer, created = threads.answer(question, r3, "更换油封。")
    assert created and Answer.objects.filter(pk=answer.pk, body="更换油封。").exists()
    threads.accept(answer, r1)
    assert Question.objects.get(pk=question.pk).accepted_answer_id == answer.pk


# --- figures on known data ----------------------------------------------------------------------

def test_stock_by_department_space_type_and_dimension(world):
    manager = world.portal.users.manager
    board = dashboard(world, "stock", manager)
    # (now, at the end of the period before, a year earlier): knowledge items (articles and
    # FAQ), structured items, attachments, questions, all.
    assert values(board) == [(9, 3, 1), (0, 0, 0), (2, 0, 0), (1, 1, 0), (12, 4, 1)]

    # Columns: article, FAQ, structured, document, question, total.
    departments = board.table("departments")
    assert departments.rows == [["研发部", 6, 1, 0, 1, 1, 9], ["财务部", 1, 0, 0, 1, 0, 2],
                                ["发动机科", 1, 0, 0, 0, 0, 1]]
    spaces = board.table("spaces")
    assert by_label(spaces) == {"研究院": [6, 1, 0, 1, 0, 8], "财务部": [1, 0, 0, 1, 0, 2],
                                "发动机科知识库": [1, 0, 0, 0, 0, 1],
                                zh("Outside knowledge spaces"): [0, 0, 0, 0, 1, 1]}
    assert [row[-1] for row in spaces.rows] == [8, 2, 1, 1]
    assert board.table("types").rows == [[kind("article"), 8, 0.6667], [kind("faq"), 1, 0.0833],
                                         [kind("structured"), 0, 0], [kind("document"), 2, 0.1667],
                                         [kind("question"), 1, 0.0833]]
    dimensions = board.table("dimensions")
    assert dimensions.rows == [["发动机", 2, 0, 0, 0, 0, 2], ["变速箱", 0, 0, 0, 0, 0, 0]]
    assert f"node={world.engine_node.pk}" in dimensions.links[0] and dimensions.links[1] == ""  # 发动机 has 曲轴
    drilled = dashboard(world, "stock", manager, node=world.engine_node.pk).table("dimensions")
    assert drilled.rows == [["曲轴", 1, 0, 0, 0, 0, 1]]

    # Month by month: added, removed, stock at the month end, over the twelve months to the period's end.
    end = world.D(1)
    created = [world.D(n) for n in world.created.values()]
    months, month = [], end.replace(day=1)
    for _i in range(12):
        months.insert(0, month)
        month = (month - timedelta(days=1)).replace(day=1)
    expected = []
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        expected.append([month.strftime("%Y-%m"), sum(month <= d < following for d in created), 0,
                         sum(d < following for d in created)])
    assert board.table("growth").rows == expected
    assert expected[-1][-1] == 12 and expected[0][-1] - expected[0][1] == 1  # 报销制度 is older than a year

    # A department head counts their department and the ones below it.
    head = dashboard(world, "stock", world.people["head_rd"])
    assert head.table("departments").rows == [["研发部", 6, 1, 0, 1, 1, 9], ["发动机科", 1, 0, 0, 0, 0, 1]]
    assert head.figures[-1].value == 10


def test_usage_figures_usage_rates_and_tables(world):
    manager = world.portal.users.manager
    board = dashboard(world, "usage", manager)
    # Views, unique readers, downloads, favourites, search click-throughs: this period, the
    # period before (D60-D31: r1 read 装配规范 on D40), a year earlier (nothing rolled up).
    assert values(board)[:5] == [(13, 1, 0), (6, 1, 0), (2, 0, 0), (2, 0, 0), (2, 0, 0)]
    # Used in the last 30 days: 曲轴故障分析, 扭矩试验方法, the FAQ, 装配图纸, 报销制度, the
    # question (6 of 12); in the last 90 days 装配规范 too.
    assert [f.value for f in board.figures[5:]] == [0.5, round(7 / 12, 4)]
    filters = filters_for(world, manager)
    assert figures.usage_rate(filters, 30) == (6, 12) and figures.usage_rate(filters, 90) == (7, 12)

    # Items, views, unique readers, downloads, favourites, click-throughs, usage rate (30 days).
    assert board.table("departments").rows == [
        ["发动机科", 1, 7, 5, 0, 2, 1, 1.0],
        ["研发部", 9, 4, 3, 2, 0, 1, round(4 / 9, 4)],
        ["财务部", 2, 2, 2, 0, 0, 0, 0.5],
    ]
    # 发动机 holds 曲轴故障分析 (read by all five readers) and 扭矩试验方法 (read by r2, one of
    # them): five unique readers, not six.
    assert board.table("dimensions").rows == [["发动机", 2, 9, 5, 0, 2, 2], ["变速箱", 0, 0, 0, 0, 0, 0]]

    # Most used: by views, then downloads, then the order the items were counted in.
    rows = {
        world.e1: ["曲轴故障分析", kind("article"), "发动机科", 7, 5, 0, 2, 1],
        world.b1: ["报销制度", kind("article"), "财务部", 2, 2, 0, 0, 0],
        world.a2: ["扭矩试验方法", kind("article"), "研发部", 2, 1, 0, 0, 1],
        world.f1: ["试验台怎么预约？", kind("faq"), "研发部", 1, 1, 0, 0, 0],
        world.q1: ["试验台噪声大怎么办？", kind("question"), "研发部", 1, 1, 0, 0, 0],
        world.d1: ["装配图纸", kind("document"), "研发部", 0, 2, 2, 0, 0],
    }
    item_pk = dict(Item.objects.values_list("key", "pk"))
    order = sorted(rows, key=lambda obj: (-rows[obj][3], -rows[obj][5], item_pk[key_of(obj)]))
    top = board.table("top")
    assert top.rows == [rows[obj] for obj in order]
    assert top.links[0] == world.e1.url

    unopened = board.table("unopened")
    assert unopened.title == zh("Items nobody has opened (%(count)s)") % {"count": 5}
    assert unopened.rows == [[f"台架记录{n}", kind("article"), "研发部", world.D(days)]
                             for n, days in zip("一二三四", (20, 18, 16, 14))] + [
        ["预算表", kind("document"), "财务部", world.D(3)]]

    # The edges of the windows: a view on D31 is not in the last 30 days, one on D30 is; a
    # view on D90 is in the last 90 days, one on D91 is not.
    for n, article in ((31, world.zs[0]), (30, world.zs[1]), (90, world.zs[2]), (91, world.zs[3])):
        Event.objects.create(at=world.at(n, 23), verb=Verb.VIEW, user_id=world.people["r1"].pk, key=key_of(article))
        roll_up_day(world.D(n))
    assert figures.usage_rate(filters, 30) == (7, 12) and figures.usage_rate(filters, 90) == (10, 12)


def test_unique_readers_count_a_person_once_across_days(world):
    manager = world.portal.users.manager
    e1 = Item.objects.get(key=key_of(world.e1))
    # r1 read it on both days: three readers each day, five people in all (li, its owner, too).
    assert dict(ItemDay.objects.filter(item=e1, views__gt=0).values_list("day", "readers")) == {
        world.D(10): 3, world.D(9): 3}
    two_days = {"period": "custom", "from": world.D(10).isoformat(), "to": world.D(9).isoformat()}
    board = dashboard(world, "usage", manager, **two_days)
    assert board.figures[1].value == 5
    assert board.table("top").rows[0][:5] == ["曲轴故障分析", kind("article"), "发动机科", 7, 5]
    assert by_label(board.table("departments"))["发动机科"][2] == 5
    one_day = dashboard(world, "usage", manager, period="custom", **{"from": world.D(10).isoformat(),
                                                                      "to": world.D(10).isoformat()})
    assert one_day.figures[1].value == 3 and one_day.figures[0].value == 4


def test_contribution_weighs_reuse_so_that_volume_alone_does_not_win(world):
    w = django_settings.ZHIKU_CONTRIBUTION_WEIGHTS
    # By hand, for the last 30 days:
    # li: 曲轴故障分析 (1 item, 1 revision), read by r1, r2, r3, r4 (not counting li), favourited
    #     twice, linked from 扭矩试验方法 once.
    li = 1 * w["items"] + 1 * w["revisions"] + 4 * w["readers"] + 2 * w["favourites"] + 1 * w["links"]
    # zhang: the FAQ (1 item, of which FAQ 1, 1 revision), 装配图纸 (1 attachment), a revision of
    #     扭矩试验方法; readers: r2 (扭矩试验方法), r2 (the FAQ), r1 and r3 (装配图纸); the FAQ helped
    #     once; 装配图纸 is attached to 装配规范.
    zhang = (1 * w["items"] + 1 * w["attachments"] + 2 * w["revisions"] + 4 * w["readers"] + 1 * w["helpful"]
             + 1 * w["links"])
    # zhao: four articles nobody opened (4 items, 4 revisions).
    zhao = 4 * w["items"] + 4 * w["revisions"]
    # r3: one answer, accepted.
    r3 = 1 * w["answers"] + 1 * w["accepted"]
    # qian: 预算表 (1 attachment); 报销制度 (older) read by r4.
    qian = 1 * w["attachments"] + 1 * w["readers"]
    assert li > zhao  # one much-reused article beats four unread ones

    # Columns: items, of which FAQ, attachments, revisions, answers, accepted, readers,
    # favourites, links, used to answer; score.
    people = {
        "li": (li, ["li", "发动机科", 1, 0, 0, 1, 0, 0, 4, 2, 1, 0, li]),
        "zhang": (zhang, ["zhang", "研发部", 1, 1, 1, 2, 0, 0, 4, 0, 1, 1, zhang]),
        "zhao": (zhao, ["zhao", "研发部", 4, 0, 0, 4, 0, 0, 0, 0, 0, 0, zhao]),
        "r3": (r3, ["r3", "发动机科", 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, r3]),
        "accountant": (qian, ["accountant", "财务部", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, qian]),
    }

    def ranking(names):
        ordered = sorted(names, key=lambda n: (-people[n][0], n))
        return [[rank, *people[n][1]] for rank, n in enumerate(ordered, start=1)]

    board = dashboard(world, "contribution", world.portal.users.manager)
    table = board.table("people")
    assert table.rows == ranking(people)
    assert [row[1] for row in table.rows[:3]] == ["li", "zhang", "zhao"]  # with the portal's weights
    assert table.rows[0][3] < table.rows[2][3]  # li created fewer items than zhao, and ranks above him
    # Contributors, items, attachments, revisions, answers, accepted; score; score per contributor.
    assert by_label(board.table("departments")) == {
        "研发部": [2, 5, 1, 6, 0, 0, zhang + zhao, round((zhang + zhao) / 2, 1)],
        "发动机科": [2, 1, 0, 1, 1, 1, li + r3, round((li + r3) / 2, 1)],
        "财务部": [1, 0, 1, 0, 0, 0, qian, float(qian)],
    }
    assert [f.value for f in board.figures] == [5, 6, 7, 1, 1]

    head = dashboard(world, "contribution", world.people["head_rd"])
    assert head.table("people").rows == ranking(["li", "zhang", "zhao", "r3"])


def test_search_figures_zero_result_queries_and_click_through(world):
    board = dashboard(world, "search", world.portal.users.manager)
    # Searches, people searching, searches per person, zero-result rate, click-through rate;
    # the period before had r1's one search for 扭矩 (D40).
    assert values(board) == [(7, 1, 0), (4, 1, 0), (1.5, 1.0, 0), (round(4 / 7, 4), 0, 0), (round(2 / 7, 4), 0, 0)]
    # Query, searches, without results, clicks, click-through rate.
    assert board.table("queries").rows == [
        ["变速箱异响", 2, 2, 0, 0], ["扭矩", 2, 0, 1, 0.5], ["保修", 1, 1, 0, 0], ["出口认证", 1, 1, 0, 0],
        ["曲轴", 1, 0, 1, 1.0],
    ]
    # Query, searches without results, departments of the people who searched it, last searched.
    assert board.table("gaps").rows == [["变速箱异响", 2, 2, world.D(3)], ["保修", 1, 0, world.D(2)],
                                        ["出口认证", 1, 1, world.D(2)]]
    # Searches, people, per person, zero-result rate, click-through rate.
    assert by_label(board.table("departments")) == {
        "研发部": [4, 2, 2.0, 0.25, 0.5], "发动机科": [1, 1, 1.0, 1.0, 0], "财务部": [1, 1, 1.0, 1.0, 0],
        zh("Public site visitors"): [1, 0, 0, 1.0, 0],
    }

    head = dashboard(world, "search", world.people["head_rd"])
    assert [f.value for f in head.figures] == [5, 3, round(5 / 3, 2), 0.4, 0.4]
    assert head.table("queries").rows == [["变速箱异响", 2, 2, 0, 0], ["扭矩", 2, 0, 1, 0.5], ["曲轴", 1, 0, 1, 1.0]]
    assert head.table("gaps").rows == [["变速箱异响", 2, 2, world.D(3)]]
    assert by_label(head.table("departments")) == {"研发部": [4, 2, 2.0, 0.25, 0.5], "发动机科": [1, 1, 1.0, 1.0, 0]}


def test_training_and_questions_by_the_department_of_the_learner_asker_and_answerer(world):
    from training.models import Enrollment
    from training.services.assignments import sync_user

    D, at, people = world.D, world.at, world.people
    zhang, zhao, li, r2, r3, r4 = (people[n] for n in ("zhang", "zhao", "li", "r2", "r3", "r4"))
    path = add_path("新员工培训", [{"kind": "article", "page": world.a2}], assignments=[
        {"target_type": "user", "user": user, "due_date": D(3)} for user in (zhang, zhao, li, r3)])
    for user in (zhang, zhao, li, r3):
        sync_user(user)
    enrollment = {e.user_id: e for e in Enrollment.objects.filter(path=path)}
    assert set(enrollment) == {zhang.pk, zhao.pk, li.pk, r3.pk}
    # zhang finished on D5 (this period), li on D40 (the period before); r3 started; zhao did nothing.
    Enrollment.objects.filter(pk=enrollment[zhang.pk].pk).update(started_at=at(6), completed_at=at(5))
    Enrollment.objects.filter(pk=enrollment[li.pk].pk).update(started_at=at(41), completed_at=at(40))
    Enrollment.objects.filter(pk=enrollment[r3.pk].pk).update(started_at=at(4))

    # r2 (研发部) asks on D5, r3 (发动机科) answers on D4 and it is accepted; r4 (财务部) asks on D3,
    # nobody answers; li answers r1's older question (D40) on D6.
    q2, _created = threads.ask(r2, "扭矩扳手怎么校准？", "")
    a2, _created = threads.answer(q2, r3, "送计量室。")
    threads.accept(a2, r2)
    q3, _created = threads.ask(r4, "差旅标准在哪里？", "")
    a1, _created = threads.answer(world.q1, li, "加装隔音罩。")
    for model, pk, n in ((Question, q2.pk, 5), (Answer, a2.pk, 4), (Question, q3.pk, 3), (Answer, a1.pk, 6)):
        model.objects.filter(pk=pk).update(created_at=at(n))

    board = dashboard(world, "training", world.portal.users.manager)
    # Completed in the period (before, a year earlier); completion rate and overdue now;
    # questions asked (before: r1's question on D40), answered, accepted; answers given.
    assert values(board) == [(1, 1, 0), (0.5, None, None), (2, None, None), (2, 1, 0), (0.5, None, None),
                             (0.5, None, None), (2, 0, 0)]
    # Enrolled, completed, in progress, not started, overdue, completion rate, completed in the period.
    assert by_label(board.table("training")) == {"研发部": [2, 1, 0, 1, 1, 0.5, 1], "发动机科": [2, 1, 1, 0, 1, 0.5, 0]}
    # Questions asked, answered, with an accepted answer, answers given.
    assert board.table("questions").rows == [["研发部", 1, 1, 1, 0], ["财务部", 1, 0, 0, 0], ["发动机科", 0, 0, 0, 2]]

    head = dashboard(world, "training", people["head_fin"])
    assert head.table("training").rows == [] and head.table("questions").rows == [["财务部", 1, 0, 0, 0]]
    assert [f.value for f in head.figures] == [0, 0, 0, 1, 0, 0, 0]
    # The question r2 moved to the trash no longer counts.
    Question.objects.filter(pk=q2.pk).update(deleted_at=at(1))
    assert dashboard(world, "training", world.portal.users.manager).figures[3].value == 1


@pytest.mark.parametrize("start, end, months, ranges", [
    (date(2024, 1, 10), date(2024, 1, 20), [], [(date(2024, 1, 10), date(2024, 1, 20))]),
    (date(2024, 1, 1), date(2024, 1, 30), [], [(date(2024, 1, 1), date(2024, 1, 30))]),  # a day short
    (date(2024, 2, 1), date(2024, 2, 29), [date(2024, 2, 1)], []),  # all of February of a leap year
    (date(2024, 1, 31), date(2024, 3, 1), [date(2024, 2, 1)],
     [(date(2024, 1, 31), date(2024, 1, 31)), (date(2024, 3, 1), date(2024, 3, 1))]),
    (date(2023, 3, 16), date(2024, 3, 14), [date(2023, m, 1) for m in range(4, 13)] + [date(2024, 1, 1), date(2024, 2, 1)],
     [(date(2023, 3, 16), date(2023, 3, 31)), (date(2024, 3, 1), date(2024, 3, 14))]),
    (date(2024, 1, 1), date(2024, 12, 31), [date(2024, n, 1) for n in range(1, 13)], []),
])
def test_a_period_splits_into_its_whole_months_and_the_days_around_them(start, end, months, ranges):
    assert figures.split_period(start, end) == (months, ranges)


def test_a_long_period_reads_its_whole_months_and_counts_the_same_as_by_the_day(world):
    """From the first of the month of D40 to yesterday: every event of the world, one whole
    month (at least) read from the month rows, the rest from the day rows."""
    manager, r1 = world.portal.users.manager, world.people["r1"]
    start = world.D(40).replace(day=1)
    months, _ranges = figures.split_period(start, world.D(1))
    assert start in months
    # r1 read 装配规范 on D40, and searched 扭矩 (found, not clicked).
    a1 = ItemMonth.objects.get(month=start, item__key=key_of(world.a1))
    assert (a1.views, int.from_bytes(a1.readers, "little")) == (1, 1 << r1.pk)
    gap = {"period": "custom", "from": start.isoformat(), "to": world.D(1).isoformat()}

    usage = dashboard(world, "usage", manager, **gap)
    # The 30 days' figures and r1's view of 装配规范: views, readers (r1 among them already),
    # downloads, favourites, click-throughs.
    assert [f.value for f in usage.figures[:5]] == [14, 6, 2, 2, 2]
    assert by_label(usage.table("top"))["装配规范"] == [kind("article"), "研发部", 1, 1, 0, 0, 0]
    assert by_label(usage.table("top"))["曲轴故障分析"] == [kind("article"), "发动机科", 7, 5, 0, 2, 1]
    assert usage.table("dimensions").rows == [["发动机", 2, 9, 5, 0, 2, 2], ["变速箱", 0, 0, 0, 0, 0, 0]]

    people = {row[1]: row[2:] for row in dashboard(world, "contribution", manager, **gap).table("people").rows}
    readers, favourites = 7, 8  # the columns after person and department
    assert (people["li"][readers], people["li"][favourites]) == (4, 2)
    assert people["zhang"][readers] == 5  # r2 twice, r1 and r3, and now r1 on 装配规范

    search = dashboard(world, "search", manager, **gap)
    assert [f.value for f in search.figures] == [8, 4, 1.75, 0.5, 0.25]
    assert search.table("queries").rows[0] == ["扭矩", 3, 0, 1, round(1 / 3, 4)]
    assert search.table("gaps").rows == [["变速箱异响", 2, 2, world.D(3)], ["保修", 1, 0, world.D(2)],
                                         ["出口认证", 1, 1, world.D(2)]]
    assert by_label(search.table("departments"))["研发部"] == [5, 2, 2.5, 0.2, 0.4]


# --- the roll-up --------------------------------------------------------------------------------

def aggregates():
    """Every aggregate row, without its id, in a stable order."""
    return {
        "items": sorted(ItemDay.objects.values_list("day", "item__key", "views", "readers", "downloads", "favourites",
                                                    "clicks", "helpful"), key=repr),
        "readers": sorted(ReaderDay.objects.values_list("day", "item__key", "user_id"), key=repr),
        "people": sorted(PersonDay.objects.values_list("day", "user_id", "department_id", "items", "faq",
                                                       "attachments", "revisions", "answers", "accepted"), key=repr),
        "searches": sorted(SearchDay.objects.values_list("day", "query", "department_id", "searches", "zero",
                                                         "clicks"), key=repr),
        "searchers": sorted(SearcherDay.objects.values_list("day", "user_id", "department_id", "searches"), key=repr),
        "days": sorted(RolledUpDay.objects.values_list("day", "events", "searches")),
        "item months": sorted(ItemMonth.objects.values_list("month", "item__key", "views", "downloads", "favourites",
                                                            "clicks", "helpful", "readers"), key=repr),
        "search months": sorted(SearchMonth.objects.values_list("month", "query", "department_id", "searches", "zero",
                                                                "clicks", "last_zero"), key=repr),
        "searcher months": sorted(SearcherMonth.objects.values_list("month", "user_id", "department_id", "searches"),
                                  key=repr),
    }


def test_rolling_up_again_writes_the_same_rows(world):
    first_day = world.today - timedelta(days=BACKFILL_DAYS)
    # The first run went back as far as the backfill allows, up to yesterday.
    assert world.first_roll_up == [first_day + timedelta(days=n) for n in range(BACKFILL_DAYS)]
    before = aggregates()
    e1 = key_of(world.e1)
    assert (world.D(10), e1, 4, 3, 0, 0, 0, 0) in before["items"]
    assert (world.D(9), e1, 3, 3, 0, 2, 0, 0) in before["items"]
    assert (world.D(7), world.people["r3"].pk, world.engine.pk, 0, 0, 0, 0, 1, 0) in before["people"]
    assert len(before["days"]) == BACKFILL_DAYS and (world.D(10), 4, 0) in before["days"]
    assert (world.D(4), 2, 2) in before["days"]  # two downloads; two searches

    assert catch_up(today=world.today) == []  # nothing left to do
    roll_up_day(world.D(10))
    roll_up_day(world.D(10))
    assert aggregates() == before
    again = catch_up(today=world.today, again_from=first_day)
    assert len(again) == BACKFILL_DAYS and aggregates() == before

    # From scratch (no day rolled up yet), the same again.
    for model in (ItemDay, ReaderDay, PersonDay, SearchDay, SearcherDay, RolledUpDay, ItemMonth, SearchMonth,
                  SearcherMonth):
        model.objects.all().delete()
    assert catch_up(today=world.today) == world.first_roll_up
    assert aggregates() == before


def test_a_missed_day_is_rolled_up_by_the_next_run_of_the_task(world):
    D = world.D
    # The scheduler last ran for D3; D2 and D1 were never rolled up.
    for model in (ItemDay, ReaderDay, PersonDay, SearchDay, SearcherDay, RolledUpDay):
        model.objects.filter(day__gt=D(3)).delete()
    r3 = world.people["r3"]
    Event.objects.create(at=world.at(2, 9), verb=Verb.VIEW, user_id=r3.pk, key=key_of(world.zs[0]))
    Event.objects.create(at=world.at(1, 16), verb=Verb.DOWNLOAD, user_id=r3.pk, key=key_of(world.d1))

    assert tasks.roll_up.apply().get() == 2  # the task the scheduler calls: catch_up() for today
    assert list(RolledUpDay.objects.filter(day__gt=D(3)).values_list("day", flat=True)) == [D(1), D(2)]
    assert sorted(ItemDay.objects.filter(day__gt=D(3)).values_list("day", "item__key", "views", "downloads")) == [
        (D(2), key_of(world.zs[0]), 1, 0), (D(1), key_of(world.d1), 0, 1)]
    assert sorted(SearchDay.objects.filter(day=D(2)).values_list("query", "searches", "zero"), key=repr) == [
        ("保修", 1, 1), ("出口认证", 1, 1)]
    assert PersonDay.objects.get(day=D(2), user=world.people["zhang"]).revisions == 1
    assert tasks.roll_up() == 0  # called plainly: nothing left to do


def test_items_leaving_the_catalogue_stop_counting_in_stock_but_keep_their_usage(world):
    manager = world.portal.users.manager
    a2 = ArticlePage.objects.get(pk=world.a2.pk)
    a2.unpublish()
    index.update_object(a2)  # what the worker does after the unpublication
    catch_up(today=world.today)
    item = Item.objects.get(key=key_of(a2))
    assert item.removed_at is not None and timezone.localdate(item.removed_at) == world.today

    # Until yesterday it was in stock; from today on it is not.
    assert dashboard(world, "stock", manager).figures[-1].value == 12
    to_today = {"period": "custom", "from": world.D(30).isoformat(), "to": world.today.isoformat()}
    stock = dashboard(world, "stock", manager, **to_today)
    assert stock.figures[-1].value == 11
    assert by_label(stock.table("departments"))["研发部"] == [5, 1, 0, 1, 1, 8]
    assert stock.table("growth").rows[-1][2:] == [1, 11]  # removed this month; stock at its end

    # Its past usage stays, under a neutral label now that nobody can open it.
    usage = dashboard(world, "usage", manager)
    assert [f.value for f in usage.figures[:5]] == [13, 6, 2, 2, 2]
    assert by_label(usage.table("departments"))["研发部"][1] == 4
    row = next(r for r in usage.table("top").rows if r[3:] == [2, 1, 0, 0, 1])
    assert row[0] == zh("(deleted item)")
    assert "扭矩试验方法" not in str(usage.table("top").rows)

    # Published again, it is back in stock.
    a2.save_revision().publish()
    index.update_object(ArticlePage.objects.get(pk=a2.pk))
    catch_up(today=world.today)
    assert Item.objects.get(key=key_of(a2)).removed_at is None
    assert dashboard(world, "stock", manager, **to_today).figures[-1].value == 12


# --- who sees what -------------------------------------------------------------------------------

def export_urls():
    return [reverse("stats:export", args=[name, slug, fmt]) for name, slugs in TABLES.items() for slug in slugs
            for fmt in ("csv", "xlsx")]


def test_the_dashboards_are_for_department_heads_and_knowledge_managers_only(world, client, client_for):
    dashboards = [reverse("stats:stock")] + [reverse("stats:dashboard", args=[name]) for name in TABLES]
    for url in dashboards + export_urls()[:2]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    client = client_for(world.people["r1"])  # an ordinary employee
    for url in dashboards + export_urls():
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("stats:dashboard", args=["usage"]), {"department": world.rd.pk}).status_code == 403
    for viewer in (world.people["head_fin"], world.portal.users.manager, world.portal.users.admin):
        client = client_for(viewer)
        for url in dashboards:
            assert client.get(url).status_code == 200, (viewer, url)
    response = client.get(reverse("stats:export", args=["usage", "nosuchtable", "csv"]))
    assert response.status_code == 404


def table_labels(response, slug):
    return [row[0] for row in response.context["board"].table(slug).rows]


def test_a_department_head_sees_their_departments_and_those_below_only(world, client_for):
    client = client_for(world.people["head_rd"])
    for params in ({}, {"department": world.fin.pk}, {"department": "junk"}):
        usage = page(client, "usage", period="30", **params)
        assert usage.context["filters"].department is None  # another department: their own scope instead
        assert table_labels(usage, "departments") == ["发动机科", "研发部"]
        assert "报销制度" not in usage.content.decode()
        assert "财务部" not in table_labels(usage, "top") + [r[2] for r in usage.context["board"].table("top").rows]
        contribution = page(client, "contribution", **params)
        assert table_labels(contribution, "departments") == ["研发部", "发动机科"]
        assert [row[1] for row in contribution.context["board"].table("people").rows] == ["li", "zhang", "zhao", "r3"]
        search = page(client, "search", **params)
        assert sorted(table_labels(search, "departments")) == sorted(["研发部", "发动机科"])
        assert "出口认证" not in search.content.decode()  # r4 of 财务部 searched it
        assert [d.name for d in usage.context["departments"]] == ["发动机科", "研发部"]

    # The department below theirs, on its own.
    engine = {"department": world.engine.pk}
    assert table_labels(page(client, "usage", **engine), "departments") == ["发动机科"]
    assert [r[1] for r in page(client, "contribution", **engine).context["board"].table("people").rows] == ["li", "r3"]
    assert table_labels(page(client, "search", **engine), "queries") == ["变速箱异响"]
    assert table_labels(page(client, "stock", **engine), "departments") == ["发动机科"]

    # The head of 发动机科's parent exports only what they see.
    response = client.get(reverse("stats:export", args=["usage", "departments", "csv"]),
                          {"department": world.fin.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["发动机科", "研发部"]


def test_knowledge_managers_and_administrators_see_every_department(world, client_for):
    for viewer in (world.portal.users.manager, world.portal.users.admin):
        client = client_for(viewer)
        assert table_labels(page(client, "usage"), "departments") == ["发动机科", "研发部", "财务部"]
        assert table_labels(page(client, "stock"), "departments") == ["研发部", "财务部", "发动机科"]
        people = page(client, "contribution").context["board"].table("people").rows
        assert [row[1] for row in people] == ["li", "zhang", "zhao", "r3", "accountant"]
        assert {d.name for d in page(client, "search").context["departments"]} == {"研发部", "发动机科", "财务部"}
        finance = page(client, "usage", department=world.fin.pk)
        assert table_labels(finance, "departments") == ["财务部"]
        assert table_labels(finance, "top") == ["报销制度"]


def test_titles_the_viewer_may_not_read_are_shown_as_a_neutral_label(world, client_for):
    hidden = zh("(item you may not read)")
    # The head of 财务部 is not a member of its restricted space.
    client = client_for(world.people["head_fin"])
    usage = page(client, "usage")
    board = usage.context["board"]
    assert board.table("top").rows == [[hidden, kind("article"), "财务部", 2, 2, 0, 0, 0]]
    assert board.table("top").links == [""]
    assert board.table("unopened").rows == [[hidden, kind("document"), "财务部", world.D(3)]]
    html = usage.content.decode()
    assert "报销制度" not in html and "预算表" not in html and escape(hidden) in html
    for slug in ("top", "unopened"):
        exported = client.get(reverse("stats:export", args=["usage", slug, "csv"])).content.decode("utf-8-sig")
        assert "报销制度" not in exported and "预算表" not in exported and hidden in exported
    # A knowledge manager may read the space: the titles show.
    manager = page(client_for(world.portal.users.manager), "usage", department=world.fin.pk).context["board"]
    assert [row[0] for row in manager.table("top").rows] == ["报销制度"]
    assert [row[0] for row in manager.table("unopened").rows] == ["预算表"]


# --- exports ------------------------------------------------------------------------------------

def csv_text(value):
    """A value as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def xlsx_value(value):
    """A value as openpyxl reads it back."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return None if value == "" else value


def read_csv(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel opens the Chinese text as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_export_holds_exactly_the_table_on_the_page(world, client_for, language):
    client = client_for(world.portal.users.manager)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    params = {"period": "custom", "from": world.D(30).isoformat(), "to": world.D(1).isoformat(),
              "department": world.rd.pk, "dimension": world.products.pk}
    exported = 0
    for name, slugs in TABLES.items():
        response = page(client, name, **params)
        board, filters = response.context["board"], response.context["filters"]
        assert (filters.start, filters.end, filters.department_ids) == (world.D(30), world.D(1),
                                                                       {world.rd.pk, world.engine.pk})
        assert [table.slug for table in board.tables] == slugs
        html = response.content.decode()
        for table in board.tables:
            export_url = reverse("stats:export", args=[name, table.slug, "csv"])
            assert escape(f"{export_url}?{filters.query()}") in html  # the page links the export with its filters
            for row in table.rows:
                assert escape(str(row[0])) in html
            rows = read_csv(client.get(export_url, params))
            assert rows == [table.header] + [[csv_text(v) for v in row] for row in table.rows]
            sheet = read_xlsx(client.get(reverse("stats:export", args=[name, table.slug, "xlsx"]), params))
            assert [list(r) for r in sheet.iter_rows(values_only=True)] == (
                [table.header] + [[xlsx_value(v) for v in row] for row in table.rows])
            exported += len(table.rows)
    assert exported > 30  # the tables hold the world's figures, not nothing

    # The same filters, as the service builds the table: the usage of 研发部 and 发动机科.
    with translation.override(language):
        usage = figures.usage(filters_for(world, world.portal.users.manager, **params), world.portal.users.manager)
    rows = read_csv(client.get(reverse("stats:export", args=["usage", "departments", "csv"]), params))
    assert rows[1:] == [[csv_text(v) for v in row] for row in usage.table("departments").rows]
    assert [r[0] for r in rows[1:]] == ["发动机科", "研发部"]


def test_formula_like_queries_are_exported_as_text(world, client_for):
    formula = '=HYPERLINK("http://evil.example/","点我")'
    log = QueryLog.objects.create(user=world.people["r4"], query=formula, result_count=0)
    QueryLog.objects.filter(pk=log.pk).update(created_at=world.at(2))
    roll_up_day(world.D(2))
    client = client_for(world.portal.users.manager)
    for slug, column in (("queries", 0), ("gaps", 0)):
        table = page(client, "search").context["board"].table(slug)
        [row] = [r for r in table.rows if r[0] == formula]
        rows = read_csv(client.get(reverse("stats:export", args=["search", slug, "csv"])))
        assert ["'" + formula] + [csv_text(v) for v in row[1:]] in rows
        sheet = read_xlsx(client.get(reverse("stats:export", args=["search", slug, "xlsx"])))
        [cell] = [c for c in sheet["A"] if c.value == formula]
        assert cell.data_type == "s"  # text, never a formula


# --- filters ------------------------------------------------------------------------------------

EVERYONE = scope.Scope(everyone=True)
MARCH_15 = date(2024, 3, 15)  # 2024 is a leap year


@pytest.mark.parametrize("params, expected", [
    ({}, ("30", date(2024, 2, 14), date(2024, 3, 14))),
    ({"period": "30"}, ("30", date(2024, 2, 14), date(2024, 3, 14))),
    ({"period": "90"}, ("90", date(2023, 12, 16), date(2024, 3, 14))),
    ({"period": "month"}, ("month", date(2024, 3, 1), date(2024, 3, 14))),
    ({"period": "last-month"}, ("last-month", date(2024, 2, 1), date(2024, 2, 29))),
    ({"period": "year"}, ("year", date(2024, 1, 1), date(2024, 3, 14))),
    ({"period": "365"}, ("365", date(2023, 3, 16), date(2024, 3, 14))),
    ({"period": "custom", "from": "2024-01-10", "to": "2024-01-20"}, ("custom", date(2024, 1, 10), date(2024, 1, 20))),
    ({"period": "custom", "from": "2024-01-20", "to": "2024-01-10"}, ("custom", date(2024, 1, 10), date(2024, 1, 20))),
    ({"period": "custom", "from": "1990-01-01", "to": "2024-03-01"}, ("custom", date(2014, 2, 22), date(2024, 3, 1))),
    # Malformed: the default period.
    ({"period": "week"}, ("30", date(2024, 2, 14), date(2024, 3, 14))),
    ({"period": "custom", "from": "2024-02-30", "to": "2024-03-01"}, ("30", date(2024, 2, 14), date(2024, 3, 14))),
    ({"period": "custom", "from": "2024-03-01"}, ("30", date(2024, 2, 14), date(2024, 3, 14))),
])
def test_period_presets_and_malformed_values(params, expected):
    filters = scope.read_filters(params, EVERYONE, today=MARCH_15)
    assert (filters.period, filters.start, filters.end) == expected
    assert filters.days == (expected[2] - expected[1]).days + 1


@pytest.mark.parametrize("today, period, expected", [
    # On the first of a month, "this month" and "this year" are yesterday, the last finished day.
    (date(2024, 3, 1), "month", (date(2024, 2, 29), date(2024, 2, 29))),
    (date(2024, 1, 1), "year", (date(2023, 12, 31), date(2023, 12, 31))),
    (date(2024, 1, 1), "last-month", (date(2023, 12, 1), date(2023, 12, 31))),
])
def test_periods_at_the_turn_of_a_month_or_year(today, period, expected):
    filters = scope.read_filters({"period": period}, EVERYONE, today=today)
    assert (filters.start, filters.end) == expected


def test_malformed_departments_dimensions_and_nodes_fall_back(world):
    manager, head = world.portal.users.manager, world.people["head_rd"]
    default_dimension = Dimension.objects.order_by("sort_order", "name").first()
    for junk in ("", "x", "-1", "99999999999999999999999", "1.5"):
        filters = scope.read_filters({"department": junk, "dimension": junk, "node": junk}, scope.scope(manager))
        assert (filters.department, filters.department_ids) == (None, None)
        assert (filters.dimension, filters.node) == (default_dimension, None)
    # A node of another dimension is ignored.
    other = Dimension.objects.create(name="区域", slug="regions")
    filters = scope.read_filters({"dimension": world.products.pk, "node": other.node_from_path(["华东"]).pk},
                                 scope.scope(manager))
    assert (filters.dimension, filters.node) == (world.products, None)
    # Out of a head's scope: their own departments.
    filters = scope.read_filters({"department": world.fin.pk}, scope.scope(head))
    assert filters.department is None and filters.department_ids == {world.rd.pk, world.engine.pk}
    filters = scope.read_filters({"department": world.rd.pk}, scope.scope(manager))
    assert filters.department == world.rd and filters.department_ids == {world.rd.pk, world.engine.pk}
    assert scope.scope(world.people["r1"]).allowed is False


def F(period, start, end):
    return scope.Filters(period, start, end, None, None)


@pytest.mark.parametrize("filters, previous, last_year", [
    (F("30", date(2024, 2, 14), date(2024, 3, 14)), (date(2024, 1, 15), date(2024, 2, 13)),
     (date(2023, 2, 14), date(2023, 3, 14))),
    # This month so far: the same days of the month before.
    (F("month", date(2024, 3, 1), date(2024, 3, 14)), (date(2024, 2, 1), date(2024, 2, 14)),
     (date(2023, 3, 1), date(2023, 3, 14))),
    # ... never past that month's end.
    (F("month", date(2024, 3, 1), date(2024, 3, 30)), (date(2024, 2, 1), date(2024, 2, 29)),
     (date(2023, 3, 1), date(2023, 3, 30))),
    # Last month, a whole month: the whole month before, and the whole month a year earlier.
    (F("last-month", date(2024, 2, 1), date(2024, 2, 29)), (date(2024, 1, 1), date(2024, 1, 31)),
     (date(2023, 2, 1), date(2023, 2, 28))),
    (F("last-month", date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 2, 1), date(2024, 2, 29)),
     (date(2023, 3, 1), date(2023, 3, 31))),
    (F("last-month", date(2025, 2, 1), date(2025, 2, 28)), (date(2025, 1, 1), date(2025, 1, 31)),
     (date(2024, 2, 1), date(2024, 2, 29))),
    (F("year", date(2024, 1, 1), date(2024, 3, 14)), (date(2023, 10, 19), date(2023, 12, 31)),
     (date(2023, 1, 1), date(2023, 3, 14))),
    # 29 February a year earlier is 28 February.
    (F("custom", date(2024, 2, 29), date(2024, 2, 29)), (date(2024, 2, 28), date(2024, 2, 28)),
     (date(2023, 2, 28), date(2023, 2, 28))),
    (F("custom", date(2023, 3, 1), date(2024, 2, 29)), (date(2022, 2, 28), date(2023, 2, 28)),
     (date(2022, 3, 1), date(2023, 2, 28))),
])
def test_previous_period_and_the_same_period_a_year_earlier(filters, previous, last_year):
    assert filters.previous() == previous
    assert filters.last_year() == last_year


def test_asking_is_not_contributing_and_an_answer_alone_is_not_a_use(world):
    """r2 asks on D5 and r3 answers: r3 gets the answer, r2 no item created, and the question
    is not "used" (nobody opened it)."""
    from stats.services.rollup import refresh_items

    r2, r3 = world.people["r2"], world.people["r3"]
    question, _created = threads.ask(r2, "缸盖螺栓扭矩是多少？", "")
    Question.objects.filter(pk=question.pk).update(created_at=world.at(5, 9))
    index.update_object(Question.objects.get(pk=question.pk))
    Event.objects.create(at=world.at(5, 11), verb=Verb.ANSWER, user_id=r3.pk, key=question.search_key)
    refresh_items()
    roll_up_day(world.D(5))
    assert Item.objects.filter(key=question.search_key).exists()  # it is stock
    assert not ItemDay.objects.filter(item__key=question.search_key).exists()
    assert PersonDay.objects.get(day=world.D(5), user=r3).answers == 1
    assert not PersonDay.objects.filter(day=world.D(5), user=r2, items__gt=0).exists()
