"""The FAQ for service agents (KB-13): entries with phrasings, the answer finder (portal, API,
command) matching paraphrases in simplified and traditional Chinese, feedback on answers and
the questions nobody could answer, collected for the knowledge team."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from faq.models import AnswerVote, FAQEntryPage, OutdatedFlag, UnansweredQuestion
from faq.services.entries import create_entry, update_entry
from faq.services.finder import find_answers
from portal.models import Notification
from search import index
from search.models import MatchPhrase, SearchEntry

ENTRIES = [
    # question, phrasings, answer, audience
    ("车辆保修期是多久？", ["新车质保几年", "保修期限怎么算"],
     "<p>整车保修 3 年或 10 万公里，以先到者为准；发动机等核心部件 5 年或 20 万公里。</p>", "public"),
    ("如何申请退货退款？", ["东西不想要了怎么退", "退货流程是什么"],
     "<p>在订单页面点击<b>申请退货</b>，审核通过后 7 个工作日内退款。</p>", "public"),
    ("忘记登录密码怎么办？", ["密码找不回来了", "账号登录不上"],
     "<p>在登录页点击“忘记密码”，用手机验证码重置。</p>", "internal"),
    ("发票多久能开出来？", ["什么时候能拿到发票"], "<p>付款后三个工作日内开具电子发票。</p>", "public"),
    ("维修网点在哪里？", ["附近有没有服务站", "去哪里修车"], "<p>拨打服务热线或在官网查询最近的服务站。</p>", "public"),
    ("出险后如何报案理赔？", ["车撞了保险怎么赔", "理赔需要什么材料"],
     "<p>出险后 48 小时内拨打保险公司电话报案，准备行驶证、驾驶证和事故证明。</p>", "public"),
    ("远程办公如何连接 VPN？", ["在家怎么连公司网络"], "<p>安装 VPN 客户端，用域账号登录。</p>", "internal"),
]

PARAPHRASES = [
    ("我的車還在質保期嗎？保修幾年", "车辆保修期是多久？"),  # traditional
    ("买的配件不想要了，钱能退吗", "如何申请退货退款？"),
    ("密碼忘了登不上去", "忘记登录密码怎么办？"),  # traditional
    ("開票要幾天", "发票多久能开出来？"),  # traditional
    ("车坏了去哪修", "维修网点在哪里？"),
    ("撞车了保险怎么赔钱", "出险后如何报案理赔？"),
    ("在家里连不上公司内网", "远程办公如何连接 VPN？"),
    ("ＶＰＮ怎么连", "远程办公如何连接 VPN？"),  # full width
]


@pytest.fixture
def faq(portal):
    entries = {}
    for question, phrasings, answer, audience in ENTRIES:
        entry = create_entry(portal.research, portal.users.editor, question, answer, phrasings=phrasings,
                             audience=audience)
        index.update_object(entry)
        entries[question] = entry
    secret = create_entry(portal.finance, portal.users.accountant, "差旅报销标准是多少？", "<p>住宿每晚 500 元。</p>",
                          phrasings=["出差住宿能报多少钱"])
    index.update_object(secret)
    entries["secret"] = secret
    return entries


def titles(answers):
    return [a.entry.title for a in answers]


@pytest.mark.parametrize("question,expected", PARAPHRASES)
def test_paraphrases_find_their_entry_first(portal, faq, question, expected):
    answers = find_answers(portal.users.reader, question)
    assert answers, question
    assert titles(answers)[0] == expected


def test_the_matching_phrasing_is_highlighted_and_the_answer_is_ready_to_copy(portal, faq):
    best = find_answers(portal.users.reader, "車撞了，保險怎麼賠？")[0]
    assert best.entry.title == "出险后如何报案理赔？"
    assert best.matched_in == MatchPhrase.Role.PHRASING
    assert best.matched_phrase == "车撞了保险怎么赔"
    assert "<mark>车撞</mark>" in best.matched_html or "<mark>撞</mark>" in best.matched_html
    assert "<mark>保险</mark>" in best.matched_html
    assert best.answer_text.startswith("出险后 48 小时内拨打保险公司电话报案")
    assert "<p>" not in best.answer_text


def test_unrelated_or_empty_questions_find_nothing(portal, faq):
    assert find_answers(portal.users.reader, "今天食堂吃什么") == []
    assert find_answers(portal.users.reader, "") == []
    assert find_answers(portal.users.reader, "吗？呢！" * 50) == []
    assert find_answers(portal.users.reader, '"* ( ) NEAR OR -') == []
    assert find_answers(portal.users.reader, "\x00\x1f") == []
    # A whole pasted e-mail: the question at its start is still found, the rest is cut.
    assert titles(find_answers(portal.users.reader, "開票要幾天？" + "谢谢" * 100_000))[0] == "发票多久能开出来？"


def test_restricted_entries_are_matched_only_for_their_readers(portal, faq):
    assert "差旅报销标准是多少？" not in titles(find_answers(portal.users.reader, "出差住宿报多少钱"))
    assert titles(find_answers(portal.users.accountant, "出差住宿报多少钱"))[0] == "差旅报销标准是多少？"


def test_a_new_phrasing_is_matched_once_published_and_old_versions_stay(portal, faq):
    entry = faq["发票多久能开出来？"]
    assert "发票多久能开出来？" not in titles(find_answers(portal.users.reader, "专票邮寄到哪里"))
    update_entry(entry, portal.users.editor, phrasings=["什么时候能拿到发票", "专票寄到哪里"])
    index.update_object(FAQEntryPage.objects.get(pk=entry.pk))
    assert titles(find_answers(portal.users.reader, "专票邮寄到哪里"))[0] == "发票多久能开出来？"
    assert entry.revisions.count() == 2
    first = entry.revisions.order_by("created_at").first().as_object()
    assert first.phrasings == "什么时候能拿到发票"


def test_unpublished_entries_are_not_matched(portal, faq):
    entry = faq["维修网点在哪里？"]
    entry.unpublish()
    index.update_object(FAQEntryPage.objects.get(pk=entry.pk))
    assert "维修网点在哪里？" not in titles(find_answers(portal.users.reader, "车坏了去哪修"))
    assert not MatchPhrase.objects.filter(entry__key=f"faq.faqentrypage:{entry.pk}").exists()


def test_public_entries_carry_the_public_token_and_internal_ones_do_not(portal, faq):
    def principals(key):
        return SearchEntry.objects.get(key=f"faq.faqentrypage:{faq[key].pk}").principals.split()

    assert "public" in principals("车辆保修期是多久？")
    assert "public" not in principals("忘记登录密码怎么办？")
    assert "public" not in principals("secret")


def test_the_api_answers_with_ranked_matches(portal, faq, client_for):
    url = reverse("api:match_endpoint")
    assert client_for(portal.users.reader).get(url, {"q": "開票要幾天"}).status_code == 200
    data = client_for(portal.users.reader).get(url, {"q": "開票要幾天", "limit": 2}).json()
    assert data["results"][0]["question"] == "发票多久能开出来？"
    assert data["results"][0]["answer_text"] == "付款后三个工作日内开具电子发票。"
    assert len(data["results"]) <= 2
    assert all(r["question"] != "差旅报销标准是多少？"
               for r in client_for(portal.users.reader).get(url, {"q": "出差住宿报多少钱"}).json()["results"])


def test_the_api_refuses_anonymous_callers(portal, faq, client):
    assert client.get(reverse("api:match_endpoint"), {"q": "發票"}).status_code == 401


def test_the_command_prints_json(portal, faq):
    out = StringIO()
    call_command("faq_match", "密碼忘了登不上去", "--json", "--limit", "3", stdout=out)
    data = json.loads(out.getvalue())
    assert data["results"][0]["question"] == "忘记登录密码怎么办？"
    assert len(data["results"]) <= 3
    out = StringIO()
    call_command("faq_match", "密碼忘了登不上去", "--json", "--public", stdout=out)
    assert all(r["audience"] == "public" for r in json.loads(out.getvalue())["results"])
    out = StringIO()
    call_command("faq_match", "出差住宿报多少钱", "--json", "--user", "reader", stdout=out)
    assert "差旅报销标准是多少？" not in [r["question"] for r in json.loads(out.getvalue())["results"]]


def test_the_finder_page_shows_answers_with_copy_and_feedback(portal, faq, client_for):
    response = client_for(portal.users.reader).get(reverse("faq:finder"), {"q": "車子壞了去哪裡修"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "维修网点在哪里？" in html
    assert 'class="button faq-copy"' in html
    assert reverse("faq:vote", args=[faq["维修网点在哪里？"].pk]) in html
    assert UnansweredQuestion.objects.count() == 0


def test_a_question_without_answer_is_collected_once_with_a_count(portal, faq, client_for):
    client = client_for(portal.users.reader)
    client.get(reverse("faq:finder"), {"q": "货车能不能加装冷藏箱？"})
    client.get(reverse("faq:finder"), {"q": "貨車能不能加裝冷藏箱？"})  # the same, in traditional
    client.get(reverse("faq:finder"), {"q": "货车能不能加装冷藏", "live": "1"})  # still typing: not collected
    question = UnansweredQuestion.objects.get()
    assert question.text == "货车能不能加装冷藏箱？"
    assert question.ask_count == 2
    assert question.asked_by == portal.users.reader
    # Answers that do not fit can be sent on too.
    client.post(reverse("faq:report_unanswered"), {"q": "发票可以开给个人吗"})
    assert UnansweredQuestion.objects.filter(text="发票可以开给个人吗").exists()


def test_votes_count_once_per_person_and_can_change(portal, faq, client_for):
    entry = faq["发票多久能开出来？"]
    client = client_for(portal.users.reader)
    url = reverse("faq:vote", args=[entry.pk])
    client.post(url, {"helpful": "1"}, HTTP_ACCEPT="application/json")
    response = client.post(url, {"helpful": "1"}, HTTP_ACCEPT="application/json")  # a double click
    assert response.json() == {"helpful": 1, "not_helpful": 0}
    assert client.post(url, {"helpful": "0"}, HTTP_ACCEPT="application/json").json() == {"helpful": 0, "not_helpful": 1}
    client_for(portal.users.editor).post(url, {"helpful": "1"})
    assert AnswerVote.objects.filter(page=entry).count() == 2
    assert client.post(url, {"helpful": "maybe"}).status_code == 400


def test_feedback_on_an_entry_one_may_not_read_is_refused(portal, faq, client_for):
    secret = faq["secret"]
    client = client_for(portal.users.reader)
    assert client.post(reverse("faq:vote", args=[secret.pk]), {"helpful": "1"}).status_code == 404
    assert client.post(reverse("faq:flag_outdated", args=[secret.pk]), {"comment": "x"}).status_code == 404
    assert not AnswerVote.objects.exists() and not OutdatedFlag.objects.exists()


def test_an_outdated_flag_tells_the_owner_once_and_the_owner_resolves_it(portal, faq, client_for):
    entry = faq["车辆保修期是多久？"]
    client = client_for(portal.users.reader)
    client.post(reverse("faq:flag_outdated", args=[entry.pk]), {"comment": "新车已改为 4 年质保"})
    client.post(reverse("faq:flag_outdated", args=[entry.pk]), {"comment": "新车已改为 4 年质保"})
    assert OutdatedFlag.objects.filter(entry=entry, resolved_at__isnull=True).count() == 1
    notices = Notification.objects.filter(user=portal.users.editor, verb="outdated")
    assert notices.count() == 1 and entry.title in notices.get().title

    # Someone else may not resolve the owner's flags; the owner sees and resolves them.
    assert client.post(reverse("faq:resolve_flags", args=[entry.pk])).status_code == 403
    assert client.get(reverse("faq:review")).status_code == 403
    owner = client_for(portal.users.editor)
    page = owner.get(reverse("faq:review")).content.decode()
    assert "新车已改为 4 年质保" in page
    owner.post(reverse("faq:resolve_flags", args=[entry.pk]))
    assert not OutdatedFlag.objects.filter(resolved_at__isnull=True).exists()


def test_the_knowledge_team_turns_an_unanswered_question_into_a_draft(portal, faq, client_for):
    client_for(portal.users.reader).get(reverse("faq:finder"), {"q": "货车能不能加装冷藏箱？"})
    question = UnansweredQuestion.objects.get()
    # Only the knowledge team acts on unanswered questions.
    assert client_for(portal.users.editor).post(
        reverse("faq:unanswered_action", args=[question.pk]), {"action": "dismiss"}).status_code == 403
    manager = client_for(portal.users.manager)
    assert "货车能不能加装冷藏箱？" in manager.get(reverse("faq:review")).content.decode()
    response = manager.post(reverse("faq:unanswered_action", args=[question.pk]),
                            {"action": "draft", "space": portal.research.pk})
    draft = FAQEntryPage.objects.get(title="货车能不能加装冷藏箱？")
    assert response.url == reverse("wagtailadmin_pages:edit", args=[draft.pk])
    assert not draft.live
    question.refresh_from_db()
    assert question.status == UnansweredQuestion.Status.ANSWERED
    assert question.answer_key == f"faq.faqentrypage:{draft.pk}"


def test_the_entry_page_shows_phrasings_answer_and_versions(portal, faq, client_for):
    entry = faq["如何申请退货退款？"]
    html = client_for(portal.users.reader).get(entry.url).content.decode()
    assert "东西不想要了怎么退" in html
    assert "<b>申请退货</b>" in html
    assert "versions/" in html
    assert f'href="/help/faq/{entry.pk}/" id="faq-public-url"' in html  # public, and readable there
    assert 'id="faq-public-url"' not in client_for(portal.users.reader).get(faq["忘记登录密码怎么办？"].url).content.decode()
    assert client_for(portal.users.reader).get(faq["secret"].url).status_code in (302, 403, 404)


def test_the_space_lists_its_faq_entries_for_those_who_may_read_them(portal, faq, client_for):
    html = client_for(portal.users.reader).get(portal.research.url).content.decode()
    assert "忘记登录密码怎么办？" in html and "FAQ" in html
    assert "差旅报销标准是多少？" not in html


def test_term_counts_follow_the_index_as_entries_change_and_go(portal, faq):
    from search import matching
    from search.models import MatchTermCount

    def counts():
        return {(c.kind, c.term): c.phrases for c in MatchTermCount.objects.all() if c.phrases}

    update_entry(faq["发票多久能开出来？"], portal.users.editor, phrasings=["专票寄到哪里"])
    index.update_object(FAQEntryPage.objects.get(pk=faq["发票多久能开出来？"].pk))
    gone = faq["维修网点在哪里？"]
    gone.unpublish()
    index.update_object(FAQEntryPage.objects.get(pk=gone.pk))
    kept = counts()
    assert kept[("faq", "")] == MatchPhrase.objects.filter(kind="faq").count()
    assert ("faq", "网点") not in kept and kept[("faq", "专票")] == 1
    matching.recount()
    assert counts() == kept
