"""Knowledge Q&A (知识问答): asking with dimension nodes and similar suggestions, experts told,
answers, comments and acceptance, promotion to FAQ entries and articles, escalation of
unanswered questions, versions, the trash, and who may do what on every path."""
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from faq.models import FAQEntryPage
from faq.services.entries import create_entry
from knowledge.models import ArticlePage, Dimension
from maps import services as maps
from portal.models import Notification
from qa.models import Answer, Comment, PostVersion, Question
from qa.services import threads
from qa.services.threads import thread_for_key
from qa.tasks import escalate_unanswered
from search import index
from search.models import MatchPhrase, SearchEntry

from .factories import add_article


@pytest.fixture
def client_for(client):
    """Logged in as ``user``, reading the portal in English (the msgids), whatever the catalogue says."""
    def login(user):
        client.force_login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


@pytest.fixture
def world(portal):
    """A dimension node 打印机 whose expert is the editor (an article of theirs is in it)."""
    products = Dimension.objects.create(name="设备", slug="devices")
    printer = products.node_from_path(["办公设备", "打印机"])
    office = products.node_from_path(["办公设备"])
    article = add_article(portal.research, "打印机维护手册", portal.users.editor, nodes=[printer])
    index.update_object(article)
    return {"printer": printer, "office": office, "article": article}


def ask(client_for, user, title, body="", nodes=(), token="t-ask"):
    response = client_for(user).post(reverse("qa:ask"), {
        "title": title, "body": body, "nodes": [n.pk for n in nodes], "token": token})
    return response


def notices(user, verb):
    return list(Notification.objects.filter(user=user, verb=verb))


def reindex(question):
    """What the worker does once the transaction commits."""
    index.update_object(Question.objects.get(pk=question.pk))


# Asking ---------------------------------------------------------------------------------------

def test_asking_with_nodes_notifies_the_experts_but_not_the_asker(portal, world, client_for):
    u = portal.users
    assert [e.user for e in maps.experts(u.reader, world["printer"])] == [u.editor]
    response = ask(client_for, u.reader, "打印机卡纸怎么处理？", "三楼那台一直卡纸", [world["printer"]])
    question = Question.objects.get()
    assert response.status_code == 302 and response.url == question.get_absolute_url()
    assert question.asked_by == u.reader and list(question.nodes.all()) == [world["printer"]]
    assert question.status == Question.Status.OPEN

    told = notices(u.editor, "qa_question")
    assert len(told) == 1 and told[0].url == question.get_absolute_url() and told[0].title == question.title
    assert not Notification.objects.filter(user=u.reader).exists()
    # The expert asking in their own node is not told about their own question.
    ask(client_for, u.editor, "打印机的型号在哪里看？", nodes=[world["printer"]], token="t-2")
    assert len(notices(u.editor, "qa_question")) == 1

    page = client_for(u.editor).get(question.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "打印机卡纸怎么处理？" in html and "三楼那台一直卡纸" in html
    assert "打印机" in html  # its node


def test_questions_are_searchable_and_take_part_in_matching(portal, world):
    question, _ = threads.ask(portal.users.reader, "复印机怎么扫描到邮箱", "扫描按钮找不到", [world["printer"]])
    reindex(question)
    entry = SearchEntry.objects.get(key=f"qa.question:{question.pk}")
    assert entry.kind == "question" and entry.principals == "all" and entry.url == question.get_absolute_url()
    assert str(world["printer"].pk) in entry.nodes.split() and str(world["office"].pk) in entry.nodes.split()
    phrases = dict(MatchPhrase.objects.filter(entry=entry).values_list("role", "text"))
    assert phrases == {MatchPhrase.Role.QUESTION: "复印机怎么扫描到邮箱", MatchPhrase.Role.ANSWER: "扫描按钮找不到"}

    answer, _ = threads.answer(question, portal.users.editor, "在面板上选择“扫描到邮件”，输入邮箱地址。")
    threads.accept(answer, portal.users.reader)
    reindex(question)
    phrases = dict(MatchPhrase.objects.filter(entry__key=entry.key).values_list("role", "text"))
    assert phrases[MatchPhrase.Role.ANSWER] == "在面板上选择“扫描到邮件”，输入邮箱地址。"


def test_similar_questions_and_faq_entries_while_typing_in_traditional_chinese(portal, world, client_for):
    u = portal.users
    faq = create_entry(portal.research, u.editor, "如何申请差旅报销", "<p>在报销系统里填写差旅单。</p>")
    secret = create_entry(portal.finance, u.accountant, "差旅报销的审批权限", "<p>仅财务可见。</p>")
    question, _ = threads.ask(u.manager, "打印机卡纸怎么处理", "", [world["printer"]])
    for obj in (faq, secret):
        index.update_object(FAQEntryPage.objects.get(pk=obj.pk))
    reindex(question)

    response = client_for(u.reader).get(reverse("qa:similar"), {"q": "差旅報銷如何申請"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "如何申请差旅报销" in html and faq.url in html
    assert "差旅报销的审批权限" not in html  # a restricted space's entry stays hidden

    response = client_for(u.reader).get(reverse("qa:similar"), {"q": "打印機卡紙怎麼處理", "format": "json"})
    results = response.json()["results"]
    assert results[0]["kind"] == "question" and results[0]["url"] == question.get_absolute_url()
    assert results[0]["title"] == "打印机卡纸怎么处理"

    assert client_for(u.reader).get(reverse("qa:similar"), {"q": ""}).content.decode().strip() == ""
    form = client_for(u.reader).get(reverse("qa:ask"))
    assert 'data-similar-url="/qa/similar/"' in form.content.decode() and "qa/similar.js" in form.content.decode()


def test_bad_and_repeated_questions(portal, world, client_for):
    response = ask(client_for, portal.users.reader, "   ", "正文留着", token="t-empty")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please write your question." in html and "正文留着" in html  # the text typed is kept
    assert not Question.objects.exists()

    ask(client_for, portal.users.reader, "会议室怎么预订", token="t-same")
    ask(client_for, portal.users.reader, "会议室怎么预订", token="t-same")  # the form sent twice
    ask(client_for, portal.users.reader, "会议室怎么预订", token="t-other")  # a second tab, moments later
    assert Question.objects.count() == 1


# Answers, comments, acceptance -----------------------------------------------------------------

def test_answer_and_comment_notifications(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "打印机驱动在哪下载", "", [world["printer"]])
    response = client_for(u.editor).post(reverse("qa:answer", args=[question.pk]),
                                         {"body": "在内网软件中心搜索型号即可。", "token": "a1"})
    answer = Answer.objects.get()
    assert response.status_code == 302 and response.url == answer.get_absolute_url()
    assert [n.url for n in notices(u.reader, "qa_answer")] == [answer.get_absolute_url()]
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED

    client_for(u.manager).post(reverse("qa:comment", args=[question.pk]),
                               {"body": "软件中心地址：soft.intra", "answer": answer.pk, "token": "c1"})
    comment = Comment.objects.get()
    assert comment.answer == answer and comment.author == u.manager
    assert [n.url for n in notices(u.editor, "qa_comment")] == [comment.get_absolute_url()]

    client_for(u.editor).post(reverse("qa:comment", args=[question.pk]), {"body": "是哪台打印机？", "token": "c2"})
    assert len(notices(u.reader, "qa_comment")) == 1  # a comment on the question tells its asker

    # Nobody is told about their own posts.
    client_for(u.reader).post(reverse("qa:answer", args=[question.pk]), {"body": "我自己找到了。", "token": "a2"})
    client_for(u.reader).post(reverse("qa:comment", args=[question.pk]), {"body": "补充一下。", "token": "c3"})
    assert len(notices(u.reader, "qa_answer")) == 1 and len(notices(u.reader, "qa_comment")) == 1

    html = client_for(u.accountant).get(question.get_absolute_url()).content.decode()
    assert "在内网软件中心搜索型号即可。" in html and "软件中心地址：soft.intra" in html and "是哪台打印机？" in html
    assert "2 answers" in html


def test_empty_posts_are_refused_with_a_message(portal, world, client_for):
    question, _ = threads.ask(portal.users.reader, "投影仪怎么连", "", [])
    response = client_for(portal.users.editor).post(reverse("qa:answer", args=[question.pk]),
                                                    {"body": "   ", "token": "e1"})
    assert response.status_code == 400 and "Please write your answer." in response.content.decode()
    response = client_for(portal.users.editor).post(reverse("qa:comment", args=[question.pk]),
                                                    {"body": "", "token": "e2"})
    assert response.status_code == 400 and "Please write your comment." in response.content.decode()
    assert not Answer.objects.exists() and not Comment.objects.exists()


def test_a_repeated_answer_post_creates_one_answer(portal, world, client_for):
    question, _ = threads.ask(portal.users.reader, "VPN 连不上怎么办", "", [])
    data = {"body": "先重启客户端，再检查证书是否过期。", "token": "dup-1"}
    first = client_for(portal.users.editor).post(reverse("qa:answer", args=[question.pk]), data)
    second = client_for(portal.users.editor).post(reverse("qa:answer", args=[question.pk]), data)
    assert Answer.objects.count() == 1
    assert first.url == second.url == Answer.objects.get().get_absolute_url()
    page = client_for(portal.users.editor).get(second.url)
    assert "This answer was already posted; it was not added twice." in page.content.decode()
    # The same text again without the form's token (a second tab), seconds later: still one.
    client_for(portal.users.editor).post(reverse("qa:answer", args=[question.pk]), {**data, "token": "dup-2"})
    assert Answer.objects.count() == 1
    assert len(notices(portal.users.reader, "qa_answer")) == 1


def test_only_the_asker_accepts_and_may_change_the_accepted_answer(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "报销单打印不出来", "", [world["printer"]])
    first, _ = threads.answer(question, u.editor, "换一台打印机试试。")
    second, _ = threads.answer(question, u.manager, "报销系统要用 Edge 浏览器打印。")

    for intruder in (u.editor, u.accountant, u.manager):
        response = client_for(intruder).post(reverse("qa:accept", args=[second.pk]))
        assert response.status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer is None

    assert client_for(u.reader).post(reverse("qa:accept", args=[first.pk])).status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer == first and question.status == Question.Status.RESOLVED
    assert len(notices(u.editor, "qa_accepted")) == 1

    client_for(u.reader).post(reverse("qa:accept", args=[second.pk]))
    question.refresh_from_db()
    assert question.accepted_answer == second
    assert len(notices(u.manager, "qa_accepted")) == 1
    html = client_for(u.accountant).get(question.get_absolute_url()).content.decode()
    assert "Accepted answer" in html and "Accept this answer" not in html  # only the asker sees the button
    assert html.index("报销系统要用 Edge 浏览器打印。") < html.index("换一台打印机试试。")  # accepted first


# Promotion ------------------------------------------------------------------------------------

def test_promoting_an_answer_to_faq_once_with_links_both_ways(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "打印机显示脱机怎么办", "", [world["printer"]])
    answer, _ = threads.answer(question, u.manager, "在打印机设置里取消“脱机使用打印机”。")
    data = {"answer": answer.pk, "target": "faq", "space": portal.research.pk}

    assert client_for(u.reader).post(reverse("qa:promote", args=[question.pk]), data).status_code == 403
    assert client_for(u.editor).post(reverse("qa:promote", args=[question.pk]),
                                     {**data, "space": portal.finance.pk}).status_code in (302, 403)
    assert not FAQEntryPage.objects.exists()

    response = client_for(u.editor).post(reverse("qa:promote", args=[question.pk]), data)
    assert response.status_code == 302
    entry = FAQEntryPage.objects.get()
    assert entry.live and entry.title == "打印机显示脱机怎么办"
    assert entry.source_key == f"qa.question:{question.pk}"
    assert "取消“脱机使用打印机”" in entry.answer_text
    assert list(entry.nodes.all()) == [world["printer"]]
    assert entry.get_parent().pk == portal.research.pk

    question.refresh_from_db()
    assert question.promoted_kind == "faq" and question.promoted_key == f"faq.faqentrypage:{entry.pk}"
    assert question.promoted_answer == answer and question.promoted_by == u.editor
    assert thread_for_key(entry.source_key) == question  # the FAQ page's way back to the thread
    assert thread_for_key(question.promoted_key) == question
    assert thread_for_key("qa.question:999999") is None and thread_for_key("") is None

    html = client_for(u.reader).get(question.get_absolute_url()).content.decode()
    assert "Promoted to FAQ:" in html and f'href="{entry.url}"' in html
    entry_html = client_for(u.reader).get(entry.url).content.decode()  # and the way back
    assert f'<a href="{question.get_absolute_url()}" id="faq-thread">' in entry_html

    again = client_for(u.manager).post(reverse("qa:promote", args=[question.pk]), data)
    assert again.status_code == 302 and FAQEntryPage.objects.count() == 1
    assert "This thread was already promoted" in client_for(u.manager).get(again.url).content.decode()
    threads.trash(question, u.manager)
    assert thread_for_key(entry.source_key) is None  # a thread in the trash is not linked


def test_promoting_an_answer_to_an_article(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "彩色打印怎么设置默认黑白", "", [world["printer"]])
    answer, _ = threads.answer(question, u.accountant, "打印首选项里把颜色改成灰度。")
    response = client_for(u.editor).post(reverse("qa:promote", args=[question.pk]),
                                         {"answer": answer.pk, "target": "article", "space": portal.research.pk})
    assert response.status_code == 302
    article = ArticlePage.objects.get(title="彩色打印怎么设置默认黑白")
    assert article.live and list(article.nodes.all()) == [world["printer"]]
    body = str(article.body[0].value)
    assert "打印首选项里把颜色改成灰度。" in body and f'href="{question.get_absolute_url()}"' in body
    question.refresh_from_db()
    assert question.promoted_kind == "article" and question.promoted_key == f"knowledge.articlepage:{article.pk}"
    assert thread_for_key(question.promoted_key) == question
    html = client_for(u.reader).get(question.get_absolute_url()).content.decode()
    assert "Promoted to an article:" in html and article.url in html
    client_for(u.editor).post(reverse("qa:promote", args=[question.pk]),
                              {"answer": answer.pk, "target": "faq", "space": portal.research.pk})
    assert not FAQEntryPage.objects.exists() and ArticlePage.objects.filter(title=article.title).count() == 1


# Escalation -----------------------------------------------------------------------------------

def test_unanswered_questions_escalate_once_after_the_configured_hours(portal, world, settings):
    u = portal.users
    settings.ZHIKU_QA_ESCALATE_HOURS = 5
    assert django_settings.CELERY_BEAT_SCHEDULE["qa-escalate-unanswered"]["task"] == "qa.tasks.escalate_unanswered"
    old, _ = threads.ask(u.reader, "打印机耗材找谁申领", "", [world["printer"]])
    answered, _ = threads.ask(u.reader, "打印机在哪一层", "", [world["printer"]])
    threads.answer(answered, u.accountant, "三楼。")
    recent, _ = threads.ask(u.reader, "打印机能双面吗", "", [world["printer"]])
    long_ago = timezone.now() - timedelta(hours=6)
    Question.objects.filter(pk__in=[old.pk, answered.pk]).update(created_at=long_ago)
    Question.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(hours=4))

    assert escalate_unanswered() == 1
    assert escalate_unanswered() == 0  # the hourly task ran twice
    escalated = Notification.objects.filter(verb="qa_escalated")
    assert sorted(n.user.username for n in escalated) == ["editor", "manager"]  # managers and experts
    assert {n.url for n in escalated} == {old.get_absolute_url()}
    assert Question.objects.get(pk=old.pk).escalated_at is not None
    assert Question.objects.get(pk=answered.pk).escalated_at is None
    assert Question.objects.get(pk=recent.pk).escalated_at is None

    settings.ZHIKU_QA_ESCALATE_HOURS = 3
    assert escalate_unanswered() == 1 and escalate_unanswered() == 0
    assert Notification.objects.filter(verb="qa_escalated").count() == 4
    out = StringIO()
    call_command("qa_escalate", stdout=out)  # the same, by hand or from cron
    assert out.getvalue().startswith("0 question(s) escalated")
    assert Notification.objects.filter(verb="qa_escalated").count() == 4


# The expert map -------------------------------------------------------------------------------

def test_the_expert_map_counts_answers_and_accepted_ones_more(portal, world):
    u = portal.users
    questions = [threads.ask(u.reader, title, "", [world["printer"]])[0]
                 for title in ("打印机怎么加纸", "打印机怎么换墨盒", "打印机怎么共享")]
    threads.answer(questions[0], u.accountant, "打开下面的纸盒。")
    accepted, _ = threads.answer(questions[1], u.accountant, "拉开前盖换墨盒。")
    threads.accept(accepted, u.reader)
    gone, _ = threads.answer(questions[2], u.accountant, "在系统设置里共享。")
    threads.trash(gone, u.accountant)
    for question in questions:
        reindex(question)

    found = {e.user.username: e for e in maps.experts(u.reader, world["printer"])}
    assert found["accountant"].counts == {"answered": 2, "accepted": 1}
    assert found["accountant"].score == 2 * 2 + 3
    assert "reader" not in found  # asking is not expertise
    assert found["editor"].counts["authored"] == 1
    # The node above counts them as well.
    assert "accountant" in {e.user.username for e in maps.experts(u.reader, world["office"])}


# Versions, the trash, permissions -------------------------------------------------------------

def test_edits_keep_versions_and_crossing_edits_lose_nothing(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "打印机IP是多少", "", [])
    answer, _ = threads.answer(question, u.editor, "10.0.0.5")
    url = reverse("qa:edit", args=["answer", answer.pk])
    assert client_for(u.editor).post(url, {"body": "10.0.0.6（已更换）", "version": 1}).status_code == 302
    answer.refresh_from_db()
    assert answer.body == "10.0.0.6（已更换）" and answer.version == 2
    old = PostVersion.objects.get(kind="answer", post_id=answer.pk)
    assert old.body == "10.0.0.5" and old.number == 1 and old.written_by == u.editor

    # A manager saves over a form the editor opened before: refused, the text kept, nothing lost.
    response = client_for(u.manager).post(url, {"body": "10.0.0.7", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved a new version while you were editing." in html
    assert "10.0.0.7" in html and "10.0.0.6（已更换）" in html
    assert 'name="version" value="2"' in html  # saving again is based on what the manager has now seen
    answer.refresh_from_db()
    assert answer.body == "10.0.0.6（已更换）"
    assert client_for(u.manager).post(url, {"body": "10.0.0.7", "version": 2}).status_code == 302
    history = client_for(u.reader).get(reverse("qa:history", args=["answer", answer.pk])).content.decode()
    assert "10.0.0.5" in history and "10.0.0.6（已更换）" in history and "10.0.0.7" in history

    edit_question = reverse("qa:edit", args=["question", question.pk])
    response = client_for(u.reader).post(edit_question, {"title": "", "body": "", "version": 1})
    assert response.status_code == 200 and "Please write your question." in response.content.decode()
    client_for(u.reader).post(edit_question, {"title": "三楼打印机IP是多少", "body": "", "version": 1,
                                              "nodes": [world["printer"].pk]})
    question.refresh_from_db()
    assert question.title == "三楼打印机IP是多少" and list(question.nodes.all()) == [world["printer"]]
    assert len(notices(u.editor, "qa_question")) == 1  # the expert of the node added is asked
    assert PostVersion.objects.get(kind="question", post_id=question.pk).title == "打印机IP是多少"


def test_deleted_posts_go_to_the_trash_and_managers_restore_them(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "传真机还能用吗", "", [world["printer"]])
    answer, _ = threads.answer(question, u.editor, "已经停用了。")
    reindex(question)

    assert client_for(u.editor).post(reverse("qa:delete", args=["answer", answer.pk])).status_code == 302
    assert Answer.objects.filter(pk=answer.pk).exists()  # kept, only hidden
    assert "已经停用了。" not in client_for(u.reader).get(question.get_absolute_url()).content.decode()
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN

    # The asker may not delete a question others answered; a manager may.
    threads.answer(question, u.accountant, "还能用，在二楼。")
    assert client_for(u.reader).post(reverse("qa:delete", args=["question", question.pk])).status_code == 403
    assert client_for(u.manager).post(reverse("qa:delete", args=["question", question.pk])).status_code == 302
    reindex(question)
    assert not SearchEntry.objects.filter(key=f"qa.question:{question.pk}").exists()
    assert client_for(u.reader).get(question.get_absolute_url()).status_code == 404
    assert "传真机还能用吗" not in client_for(u.reader).get(reverse("qa:list")).content.decode()

    restore_question = reverse("qa:restore", args=["question", question.pk])
    for outsider in (u.reader, u.editor, u.accountant):
        assert client_for(outsider).get(reverse("qa:trash")).status_code == 403
        assert client_for(outsider).post(restore_question).status_code == 403
    assert Question.objects.get(pk=question.pk).is_deleted

    listing = client_for(u.manager).get(reverse("qa:trash")).content.decode()
    assert "传真机还能用吗" in listing and "已经停用了。" in listing
    assert client_for(u.manager).post(restore_question).status_code == 302
    assert client_for(u.manager).post(reverse("qa:restore", args=["answer", answer.pk])).status_code == 302
    reindex(question)
    assert SearchEntry.objects.filter(key=f"qa.question:{question.pk}").exists()
    html = client_for(u.reader).get(question.get_absolute_url()).content.decode()
    assert "已经停用了。" in html and "还能用，在二楼。" in html


def test_wrong_users_are_refused_on_direct_urls(portal, world, client_for):
    u = portal.users
    question, _ = threads.ask(u.reader, "扫描件存在哪里", "", [])
    answer, _ = threads.answer(question, u.editor, "共享盘的 scan 目录。")
    comment, _ = threads.comment(question, u.editor, "按日期分文件夹。", answer=answer)
    for kind, post in (("answer", answer), ("comment", comment), ("question", question)):
        for action in ("edit", "delete"):
            url = reverse(f"qa:{action}", args=[kind, post.pk])
            assert client_for(u.accountant).get(url).status_code == 403, (kind, action)
            assert client_for(u.accountant).post(url, {"body": "改掉", "title": "改掉", "version": 1}).status_code == 403
    answer.refresh_from_db()
    comment.refresh_from_db()
    question.refresh_from_db()
    assert answer.body == "共享盘的 scan 目录。" and not answer.is_deleted
    assert comment.body == "按日期分文件夹。" and question.title == "扫描件存在哪里" and not question.is_deleted

    # Knowledge managers may change anyone's post; the version before stays.
    response = client_for(u.manager).post(reverse("qa:edit", args=["answer", answer.pk]),
                                          {"body": "共享盘 \\\\files\\scan 目录。", "version": 1})
    assert response.status_code == 302
    assert PostVersion.objects.filter(kind="answer", post_id=answer.pk).count() == 1

    assert client_for(u.reader).get(reverse("qa:history", args=["answer", 999999])).status_code == 404
    assert client_for(u.reader).get(reverse("qa:detail", args=[999999])).status_code == 404
    assert client_for(u.reader).get(reverse("qa:answer", args=[question.pk])).status_code == 405


def test_anonymous_visitors_are_sent_to_login(portal, client):
    for url in (reverse("qa:list"), reverse("qa:ask"), reverse("qa:similar") + "?q=打印"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_list_filters_questions(portal, world, client_for):
    u = portal.users
    mine, _ = threads.ask(u.reader, "打印机问题一", "", [world["printer"]])
    other, _ = threads.ask(u.editor, "会议室问题二", "", [])
    threads.answer(other, u.reader, "前台登记。")
    reader = client_for(u.reader)
    page = lambda **params: reader.get(reverse("qa:list"), params).content.decode()  # noqa: E731
    assert "打印机问题一" in page() and "会议室问题二" in page()
    assert "打印机问题一" in page(show="unanswered") and "会议室问题二" not in page(show="unanswered")
    assert "打印机问题一" in page(show="mine") and "会议室问题二" not in page(show="mine")
    by_node = page(node=world["office"].pk)  # the node above 打印机 includes it
    assert "打印机问题一" in by_node and "会议室问题二" not in by_node
