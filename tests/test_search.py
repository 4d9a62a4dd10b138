"""Search: Chinese-aware matching, ranking, filters, facets, snippets, permissions, interfaces."""
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import APIToken

from portal.celery import app as celery_app
from search import index
from search.models import QueryLog, SearchEntry
from search.service import count, search, suggest

from . import files
from .factories import add_article, add_document
from .utils import drain_tasks


@pytest.fixture(autouse=True)
def each_engine(search_engine):
    """Every test here runs once per search engine (conftest.search_engine: "embedded", and
    "elasticsearch" when a cluster answers). Autouse, so the engine is in place before the
    portal and corpus fixtures clear and fill its index."""
    return search_engine


def body(text):
    return [("paragraph", f"<p>{text}</p>")]


@pytest.fixture
def corpus(portal):
    u = portal.users
    docs = {}
    docs["spec"] = add_document(portal.research, "试验规范附件", "试验规范.pdf", files.pdf())
    docs["spec"].extracted_text = "附件正文：缸盖垫片的最大扭矩 420 N.m，适用于 BJ1032-EN-0042。"
    docs["spec"].save()
    articles = {
        "kb": add_article(portal.research, "上海企业知识库建设", u.editor, body=body("研发部门的知识库建设经验与方法。"),
                          summary="知识管理的第一步"),
        "torque": add_article(portal.research, "发动机扭矩试验", u.editor,
                              body=body("BJ1032 发动机台架试验，测量扭矩曲线。"), documents=[docs["spec"]]),
        "safety": add_article(portal.research, "功能安全概述", u.editor,
                              body=body("ISO 26262 functional safety: testing engines and hazard analysis.")),
        "trad": add_article(portal.research, "知識地圖與崗位", u.editor, body=body("每個崗位都有自己的知識地圖。")),
        "body_only": add_article(portal.research, "会议纪要", u.editor, body=body("讨论了发动机的扭矩问题。")),
        "secret": add_article(portal.finance, "发动机项目成本核算", u.accountant, body=body("机密：发动机扭矩项目的成本。")),
    }
    for obj in [*docs.values(), *articles.values()]:
        index.update_object(obj)
    return articles, docs


def titles(response):
    return [h.title for h in response.hits]


@pytest.mark.parametrize("query, expected", [
    ("知", "上海企业知识库建设"),
    ("扭矩", "发动机扭矩试验"),
    ("BJ1032 发动机", "发动机扭矩试验"),
    ("ISO 26262 功能安全", "功能安全概述"),
    ("BJ1032-EN-0042", "发动机扭矩试验"),
    ("engine", "功能安全概述"),
    ("ＢＪ１０３２", "发动机扭矩试验"),
    ("知识地图", "知識地圖與崗位"),
    ("知識庫", "上海企业知识库建设"),
    ("识库", "上海企业知识库建设"),
])
def test_chinese_mixed_and_folded_queries_find_the_item(portal, corpus, query, expected):
    assert expected in titles(search(portal.users.reader, query))


def test_a_dictionary_word_is_not_found_across_two_words(portal, corpus):
    """知识 is a word: 认知|识别 does not hold it (no character-phrase false hit); 知 alone,
    not a word, still finds both."""
    index.update_object(add_article(portal.research, "图像认知识别报告", portal.users.editor,
                                    body=body("视觉系统的认知识别能力。")))
    assert "图像认知识别报告" not in titles(search(portal.users.reader, "知识"))
    found = titles(search(portal.users.reader, "知"))
    assert "图像认知识别报告" in found and "上海企业知识库建设" in found


def test_title_match_ranks_above_body_match(portal, corpus):
    found = titles(search(portal.users.reader, "扭矩"))
    assert found.index("发动机扭矩试验") < found.index("会议纪要")


def test_phrase_and_exclusion(portal, corpus):
    assert titles(search(portal.users.reader, '"台架试验"')) == ["发动机扭矩试验"]
    found = titles(search(portal.users.reader, "扭矩 -会议"))
    assert "会议纪要" not in found and "发动机扭矩试验" in found


def test_attachment_text_is_found_and_named(portal, corpus):
    response = search(portal.users.reader, "缸盖垫片")
    article = next(h for h in response.hits if h.title == "发动机扭矩试验")
    assert article.matched_attachment == "试验规范附件"
    assert "<mark>缸盖垫片</mark>" in article.snippet
    assert any(h.kind == "document" for h in response.hits)


def test_suggestions_come_from_titles_and_keywords(portal, corpus):
    article = add_article(portal.research, "季度评审纪要", portal.users.editor)
    article.keywords.add("缸体铸造", "casting")
    article.save_revision(user=portal.users.editor).publish()
    index.update_object(article)
    assert "季度评审纪要" in suggest(portal.users.reader, "缸体")  # a keyword's start, in Chinese
    assert "季度评审纪要" in suggest(portal.users.reader, "cast")
    assert "发动机扭矩试验" in suggest(portal.users.reader, "扭矩")  # inside a title


def test_hidden_items_leak_nowhere(portal, corpus):
    reader = search(portal.users.reader, "发动机")
    accountant = search(portal.users.accountant, "发动机")
    assert "发动机项目成本核算" not in titles(reader)
    assert "发动机项目成本核算" in titles(accountant)
    assert accountant.total == reader.total + 1
    reader_spaces = {label for _v, label, _c in reader.facets["space"]}
    assert "财务部" not in reader_spaces
    assert all("机密" not in h.snippet for h in reader.hits)
    assert "发动机项目成本核算" not in suggest(portal.users.reader, "发动机")
    assert "发动机项目成本核算" in suggest(portal.users.accountant, "发动机")


def test_filters_facets_pagination_and_sort(portal, corpus):
    user = portal.users.reader
    everything = search(user, "发动机 扭矩 知识", per_page=2)
    assert everything.total >= 4 and len(everything.hits) == 2 and everything.num_pages >= 2
    second = search(user, "发动机 扭矩 知识", page=2, per_page=2)
    assert not set(titles(everything)) & set(titles(second))
    kinds = dict((v, c) for v, _l, c in everything.facets["kind"])
    assert kinds["article"] >= 3 and kinds["document"] == 1
    only_docs = search(user, "扭矩", {"kind": ["document"]})
    assert {h.kind for h in only_docs.hits} == {"document"}
    # The kind facet still counts articles while documents are selected (disjunctive facets).
    assert dict((v, c) for v, _l, c in only_docs.facets["kind"]).get("article")
    by_date = search(user, "扭矩", sort="date")
    dates = [h.date for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)
    assert search(user, "扭矩", {"date_from": "2999-01-01"}).total == 0
    assert search(user, "扭矩", {"file_type": ["pdf"]}).total == 1


def test_exact_count_agrees_with_the_total(portal, corpus):
    for user in (portal.users.reader, portal.users.accountant):
        for q, filters in [("发动机", {}), ("扭矩", {"kind": ["document"]}), ("知识 -建设", {}), ("", {})]:
            assert count(user, q, filters) == search(user, q, filters).total


def test_queries_are_logged_and_zero_results_kept(portal, corpus, client_for):
    search(portal.users.reader, "扭矩")
    search(portal.users.reader, "量子纠缠")
    logged = {q.query: q.result_count for q in QueryLog.objects.all()}
    assert logged["扭矩"] > 0 and logged["量子纠缠"] == 0
    client = client_for(portal.users.reader)
    target = corpus[0]["torque"].url
    response = client.get(reverse("search:click"), {"q": "扭矩", "key": "knowledge.articlepage:1", "next": target})
    assert response.status_code == 302 and response.url == target
    assert QueryLog.objects.get(query="扭矩").clicked_key
    evil = client.get(reverse("search:click"), {"q": "x", "key": "k", "next": "https://evil.example/"})
    assert evil.url == "/"


@pytest.mark.parametrize("query", [
    "", "   ", "知" * 10_000, '" * ( ) : AND OR NEAR ^ ~ \\', "NOT", "a OR", "'; DROP TABLE zhiku_search_searchentry; --",
    "🚗🚀 发动机", "\x00\x01\x1b[31m扭矩", '"unclosed phrase', "---", "title:扭矩", "扭矩*", "{title}: x",
])
def test_hostile_queries_get_an_answer(portal, corpus, client_for, query):
    client = client_for(portal.users.reader)
    assert client.get(reverse("search:page"), {"q": query}).status_code == 200
    assert client.get(reverse("api:search_endpoint"), {"q": query}).status_code == 200
    assert client.get(reverse("api:suggest_endpoint"), {"q": query}).status_code == 200


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "1.5"])
def test_invalid_page_numbers(portal, corpus, client_for, page):
    client = client_for(portal.users.reader)
    assert client.get(reverse("search:page"), {"q": "扭矩", "page": page}).status_code == 200
    assert client.get(reverse("api:search_endpoint"), {"q": "扭矩", "page": page}).status_code == 200


def test_search_page_shows_hits_facets_and_box(portal, corpus, client_for):
    page = client_for(portal.users.reader).get(reverse("search:page"), {"q": "扭矩"}).content.decode()
    assert "发动机扭矩试验" in page and "<mark>扭矩</mark>" in page
    assert 'name="q"' in client_for(portal.users.reader).get("/").content.decode()


def test_api_with_session_token_and_anonymous(portal, corpus, client, client_for):
    url = reverse("api:search_endpoint")
    assert client.get(url, {"q": "扭矩"}).status_code == 401
    data = client_for(portal.users.reader).get(url, {"q": "扭矩", "type": "article"}).json()
    assert data["total"] >= 2 and all(h["type"] == "article" for h in data["hits"])
    client.logout()
    _token, plaintext = APIToken.create_token(user=portal.users.accountant, name="cli")
    data = client.get(url, {"q": "成本"}, HTTP_AUTHORIZATION=f"Bearer {plaintext}").json()
    assert [h["title"] for h in data["hits"]] == ["发动机项目成本核算"]
    assert client.get(url, {"q": "成本"}, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    schema = client_for(portal.users.reader).get("/api/openapi.json").json()
    assert "/api/search/" in schema["paths"]


def test_cli_prints_ranked_hits_as_json(portal, corpus, capsys):
    call_command("kb_search", "扭矩", user="reader", json=True, limit=3)
    data = json.loads(capsys.readouterr().out)
    assert data["hits"][0]["title"] == "发动机扭矩试验"
    assert {"id", "type", "title", "url", "score", "snippet"} <= set(data["hits"][0])
    assert len(data["hits"]) <= 3


def test_more_matches_than_the_window(portal, corpus, search_engine, settings, client_for):
    """Past ZHIKU_SEARCH_WINDOW matches the SQLite engine says "more than", ranks title matches
    first, and still counts nothing the user may not read."""
    if search_engine.name != "sqlite-fts5":
        pytest.skip(f"{search_engine.name} counts every match; only the SQLite engine has a window")
    reader = portal.users.reader
    assert (search(reader, "发动机").total, search(reader, "发动机").total_exact) == (2, True)
    settings.ZHIKU_SEARCH_WINDOW = 1
    response = search(reader, "发动机")
    assert (response.total, response.total_exact) == (1, False)
    assert titles(response) == ["发动机扭矩试验"]  # in its title: before 会议纪要, newer, in its body
    assert sum(count for _value, _label, count in response.facets["kind"]) == 1
    api = client_for(reader).get("/api/search/", {"q": "发动机"}).json()
    assert (api["total"], api["total_exact"]) == (1, False)
    page = client_for(reader).get(reverse("search:page"), {"q": "发动机"}).content.decode()
    assert "More than 1 results" in page or "超过 1 条结果" in page
    # The exact count, which the page asks for once it has shown the hits: still permission-aware.
    assert 'data-count-url="/api/search/count/?q=' in page
    assert count(reader, "发动机") == 2 and count(portal.users.accountant, "发动机") == 3
    assert client_for(reader).get("/api/search/count/", {"q": "发动机"}).json() == {"total": 2}
    assert count(reader, "发动机", {"kind": ["document"]}) == 0
    excluding = search(reader, "扭矩 -台架")  # exclusions may hit a body: ranked on the full index
    assert (excluding.total, excluding.total_exact) == (1, False)
    assert titles(excluding) and "发动机扭矩试验" not in titles(excluding)
    settings.ZHIKU_SEARCH_WINDOW = 2
    documents = search(reader, "扭矩", {"kind": ["document"]})  # 1 document; 3 items for the facets
    assert (documents.total, documents.total_exact, documents.facets_exact) == (1, True, False)
    assert "≥" in client_for(reader).get(reverse("search:page"), {"q": "扭矩", "type": "document"}).content.decode()
    settings.ZHIKU_SEARCH_WINDOW = 4  # a full window counts as "more"
    assert search(reader, "扭矩", {"kind": ["document"]}).facets_exact
    settings.ZHIKU_SEARCH_WINDOW = 2  # the reader's two matches fit; the hidden third never counts
    assert (search(reader, "发动机").total, search(reader, "发动机").total_exact) == (2, True)


def test_rebuild_and_check(portal, corpus, settings):
    from django.core.management import CommandError

    from search.models import SearchEntry

    settings.LANGUAGE_CODE = "en"
    call_command("search_check")
    SearchEntry.objects.filter(title="会议纪要").update(stamp="old")
    with pytest.raises(CommandError, match="0 missing, 1 stale, 0 extra"):
        call_command("search_check")
    call_command("search_rebuild", batch_size=2)
    call_command("search_check")
    assert "发动机扭矩试验" in titles(search(portal.users.reader, "扭矩"))
    # Resuming after an interruption indexes only what is missing.
    SearchEntry.objects.filter(title="会议纪要").delete()  # its row stays in the engine: an orphan
    with pytest.raises(CommandError, match="1 missing, 0 stale, 1 extra"):
        call_command("search_check")
    call_command("search_rebuild", resume=True)
    call_command("search_check")



def test_rebuild_in_worker_processes(transactional_db, portal, search_engine):
    """On committed data, as in production, worker processes read, segment and write the
    batches (inside a transaction they could not see the rows; the test above runs that way)."""
    for number in range(5):
        index.update_object(add_article(portal.research, f"传动系统标定规范第{number}版", portal.users.editor))
    drain_tasks(celery_app)  # publishing queued re-index tasks, which a running worker would do after the clear
    search_engine.clear()
    assert search(portal.users.reader, "传动系统").total == 0
    call_command("search_rebuild", batch_size=2, workers=2, verbosity=0)
    assert search(portal.users.reader, "传动系统").total == 5
    assert search_engine.indexed_ids() == set(SearchEntry.objects.values_list("pk", flat=True))


def test_dimension_nodes_are_facets_and_filters(portal, corpus):
    """An item counts in its nodes and their ancestors; a node filter takes its subtree; the
    node facet counts within the other filters and the others within the node filter."""
    from knowledge.models import Dimension

    articles, docs = corpus
    products = Dimension.objects.create(name="产品线", slug="products")
    engine, diesel = products.node_from_path(["发动机"]), products.node_from_path(["发动机", "柴油机"])
    stages = Dimension.objects.create(name="阶段", slug="stages").node_from_path(["试验"])
    for obj, nodes in [(articles["torque"], [diesel, stages]), (articles["body_only"], [engine]),
                       (articles["secret"], [diesel]), (docs["spec"], [engine])]:
        obj.nodes.set(nodes)
        if hasattr(obj, "save_revision"):
            obj.save_revision(user=portal.users.editor).publish()
        index.update_object(obj)
    reader = portal.users.reader
    everything = search(reader, "扭矩")
    node_counts = {label: count for _v, label, count in everything.facets["node"]}
    # The restricted 成本核算 article is in 柴油机 too, but the reader may not know it.
    assert node_counts["产品线 / 发动机"] == 3 and node_counts["产品线 / 发动机 / 柴油机"] == 1
    assert node_counts["阶段 / 试验"] == 1
    in_engine = search(reader, "扭矩", {"node": [engine.pk]})
    assert set(titles(in_engine)) == {"发动机扭矩试验", "会议纪要", "试验规范附件"}
    both = search(reader, "扭矩", {"node": [engine.pk], "kind": ["article"]})
    assert set(titles(both)) == {"发动机扭矩试验", "会议纪要"}
    kinds = dict((v, c) for v, _l, c in both.facets["kind"])
    assert kinds == {"article": 2, "document": 1}  # within the node filter, not the kind filter
    nodes = {label: count for _v, label, count in both.facets["node"]}
    assert nodes["产品线 / 发动机"] == 2 and "阶段 / 试验" in nodes  # within the kind filter only
    assert search(portal.users.accountant, "扭矩", {"node": [diesel.pk]}).total == 2
