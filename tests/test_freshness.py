"""Freshness (KB-03): every item has an owner and a review interval; publishing or a one-click
verification starts it again; items due are listed for their owners, flagged to readers and
reminded (then escalated) by the hourly job, never twice."""
import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry

from faq.services.entries import create_entry
from knowledge.models import ArticlePage, ReviewInterval, ReviewSchedule, add_months
from knowledge.services import freshness
from knowledge.services.spaces import REVIEWER_ROLE, space_group_name
from knowledge.tasks import send_review_reminders as reminders_task
from portal import roles
from portal.models import Department, Notification, UserProfile

from .factories import add_article, make_user


def schedule_of(page):
    return ReviewSchedule.objects.get(page_id=page.pk)


def set_due(page, due, verified_days_ago=365):
    ReviewSchedule.objects.filter(page_id=page.pk).update(
        review_due=due, last_verified_at=timezone.now() - datetime.timedelta(days=verified_days_ago))


@pytest.fixture
def today():
    return timezone.localdate()


# --- dates -------------------------------------------------------------------------------------

def test_publishing_verifies_and_sets_the_due_date_from_the_interval(portal, today):
    yearly = add_article(portal.research, "年度规程", portal.users.editor)
    quarterly = add_article(portal.research, "季度规程", portal.users.editor, review_interval=ReviewInterval.QUARTERLY)
    timeless = add_article(portal.research, "公司历史", portal.users.editor, review_interval=ReviewInterval.NEVER)
    assert schedule_of(yearly).review_due == add_months(today, 12)
    assert schedule_of(quarterly).review_due == add_months(today, 3)
    assert schedule_of(timeless).review_due is None
    schedule = schedule_of(yearly)
    assert schedule.last_verified_by == portal.users.editor
    assert schedule.last_verified_at == ArticlePage.objects.get(pk=yearly.pk).last_published_at

    set_due(yearly, today - datetime.timedelta(days=3))
    yearly.save_revision(user=portal.users.manager).publish(user=portal.users.manager)  # a new version
    assert schedule_of(yearly).review_due == add_months(today, 12)

    entry = create_entry(portal.research, portal.users.manager, "报销多久到账？", "<p>五个工作日</p>",
                         owner=portal.users.editor)
    assert entry.content_owner == portal.users.editor and schedule_of(entry).review_due == add_months(today, 12)


def test_interval_arithmetic_keeps_to_the_end_of_short_months():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)


def test_a_review_date_set_by_hand_is_kept_by_the_next_publication(portal):
    """Code written for the former ``next_review`` field still sets the date."""
    article = add_article(portal.research, "旧标定", portal.users.editor, next_review=datetime.date(2020, 1, 1))
    assert schedule_of(article).review_due == datetime.date(2020, 1, 1) == article.next_review
    article.save_revision(user=portal.users.manager).publish(user=portal.users.manager)
    assert schedule_of(article).review_due == add_months(timezone.localdate(), 12)  # used once


# --- verification ------------------------------------------------------------------------------

def test_owner_verifies_in_one_click_without_a_revision(portal, client_for, today):
    article = add_article(portal.research, "台架安全", portal.users.editor)
    set_due(article, today - datetime.timedelta(days=10))
    revisions = article.revisions.count()

    url = reverse("knowledge:verify", args=[article.pk])
    response = client_for(portal.users.editor).post(url, {"next": reverse("knowledge:reviews")})
    assert response.status_code == 302 and response.url == reverse("knowledge:reviews")
    schedule = schedule_of(article)
    assert schedule.review_due == add_months(today, 12) and schedule.last_verified_by == portal.users.editor
    assert article.revisions.count() == revisions
    entry = PageLogEntry.objects.get(page=article, action="zhiku.verify")
    assert entry.user == portal.users.editor

    # The page's history in the admin shows it.
    history = client_for(portal.users.manager).get(reverse("wagtailadmin_pages:history", args=[article.pk]))
    assert "Verified as still right" in history.content.decode() or "已核实" in history.content.decode()

    # The next edit (a draft) keeps the verification; its revision knows nothing of it.
    article = ArticlePage.objects.get(pk=article.pk)
    article.summary = "草稿修改"
    revision = article.save_revision(user=portal.users.editor)
    assert schedule_of(article).last_verified_at == schedule.last_verified_at
    assert "review_due" not in revision.content and "last_verified_at" not in revision.content


def test_who_may_verify(portal, client_for, today):
    article = add_article(portal.research, "试验规范", portal.users.editor)
    secret = add_article(portal.finance, "工资标准", portal.users.accountant)
    colleague = make_user("colleague", roles.EDITOR)
    colleague.groups.add(Group.objects.get(name=space_group_name(portal.research, "编辑")))
    url = reverse("knowledge:verify", args=[article.pk])

    assert client_for(portal.users.editor).get(url).status_code == 405  # never by GET
    assert client_for(portal.users.reader).post(url).status_code == 403  # reads it, does not own it
    assert client_for(portal.users.editor).post(reverse("knowledge:verify", args=[secret.pk])).status_code == 404
    assert not PageLogEntry.objects.filter(action="zhiku.verify").exists()
    assert client_for(colleague).post(url).status_code == 302  # may edit the page
    assert client_for(portal.users.manager).post(url).status_code == 302
    assert client_for(portal.users.accountant).post(reverse("knowledge:verify", args=[secret.pk])).status_code == 302
    assert client_for(portal.users.editor).post(reverse("knowledge:verify", args=[portal.research.pk])).status_code \
        == 404  # not an item with a review date


# --- lists -------------------------------------------------------------------------------------

@pytest.fixture
def due_items(portal, today):
    u = portal.users
    items = {
        "overdue": add_article(portal.research, "过期规程", u.editor),
        "soon": add_article(portal.research, "将到期规程", u.editor),
        "later": add_article(portal.research, "远期规程", u.editor),
        "others": add_article(portal.research, "别人的规程", u.manager),
        "finance": add_article(portal.finance, "财务制度", u.accountant),
        "ownerless": add_article(portal.research, "无人负责", None),
    }
    set_due(items["overdue"], today - datetime.timedelta(days=5))
    set_due(items["soon"], today + datetime.timedelta(days=10))
    set_due(items["others"], today - datetime.timedelta(days=1))
    set_due(items["finance"], today - datetime.timedelta(days=40))
    set_due(items["ownerless"], today + datetime.timedelta(days=2))
    return items


def titles(items):
    return [item.title for item in items]


def test_due_for_lists_the_users_own_items_due_soon_or_overdue(portal, due_items, today):
    mine = freshness.due_for(portal.users.editor)
    assert titles(mine) == ["过期规程", "将到期规程"]  # earliest first
    assert [item.overdue for item in mine] == [True, False]
    assert mine[0].review_due == today - datetime.timedelta(days=5)
    assert mine[0].url == ArticlePage.objects.get(pk=due_items["overdue"].pk).url
    assert titles(freshness.due_for(portal.users.editor, within_days=0)) == ["过期规程"]
    assert titles(freshness.due_for(portal.users.accountant)) == ["财务制度"]
    assert freshness.due_for(portal.users.reader) == []

    # Ownerless items are looked after by their space's reviewers.
    lina = make_user("lina", roles.REVIEWER)
    lina.groups.add(Group.objects.get(name=space_group_name(portal.research, REVIEWER_ROLE)))
    assert titles(freshness.due_for(lina)) == ["无人负责"]


def test_review_page_shows_only_the_right_items(portal, client_for, due_items):
    page = client_for(portal.users.editor).get(reverse("knowledge:reviews")).content.decode()
    assert "过期规程" in page and "将到期规程" in page
    assert "远期规程" not in page and "别人的规程" not in page and "财务制度" not in page
    assert f'id="verify-{due_items["overdue"].pk}"' in page and f'id="revise-{due_items["overdue"].pk}"' in page
    # An editor cannot look at everything by asking.
    page = client_for(portal.users.editor).get(reverse("knowledge:reviews") + "?scope=all").content.decode()
    assert "别人的规程" not in page and "财务制度" not in page

    page = client_for(portal.users.manager).get(reverse("knowledge:reviews") + "?scope=all").content.decode()
    for title in ("过期规程", "将到期规程", "别人的规程", "财务制度", "无人负责"):
        assert title in page
    assert "远期规程" not in page


def test_department_heads_see_their_departments_items(portal, client_for, due_items):
    head = make_user("head", roles.REVIEWER)
    finance = Department.objects.create(name="财务部", code="finance", head=head)
    type(portal.finance).objects.filter(pk=portal.finance.pk).update(department=finance)
    assert freshness.scopes_for(head) == ["mine", "department"]
    assert titles(freshness.review_list(head, "department")) == ["财务制度"]
    page = client_for(head).get(reverse("knowledge:reviews") + "?scope=department").content.decode()
    assert "财务制度" in page and "过期规程" not in page
    assert 'id="verify-' not in page  # may look, not verify what they cannot edit


def test_verifying_takes_the_item_off_the_list(portal, client_for, due_items):
    client_for(portal.users.editor).post(reverse("knowledge:verify", args=[due_items["overdue"].pk]))
    assert titles(freshness.due_for(portal.users.editor)) == ["将到期规程"]


# --- readers -----------------------------------------------------------------------------------

def test_readers_see_when_it_was_last_verified_and_a_warning_when_overdue(portal, client_for, today):
    portal.users.editor.first_name = "张伟"
    portal.users.editor.save()
    article = add_article(portal.research, "试验规范", portal.users.editor)
    ReviewSchedule.objects.filter(page_id=article.pk).update(
        last_verified_at=timezone.make_aware(datetime.datetime(2026, 5, 1, 10)), review_due=add_months(today, 6))
    reader = client_for(portal.users.reader)
    page = reader.get(article.url).content.decode()
    assert 'id="freshness-verified"' in page and "2026-05-01" in page and "张伟" in page
    assert 'id="freshness-overdue"' not in page
    assert 'id="freshness-verify"' not in page  # readers do not verify

    set_due(article, today - datetime.timedelta(days=1))
    page = reader.get(article.url).content.decode()
    assert 'id="freshness-overdue"' in page and (today - datetime.timedelta(days=1)).isoformat() in page

    owner_view = client_for(portal.users.editor).get(article.url).content.decode()
    assert 'id="freshness-verify"' in owner_view and 'id="freshness-revise"' in owner_view

    entry = create_entry(portal.research, portal.users.manager, "台架预约找谁？", "<p>找试验室</p>",
                         owner=portal.users.editor)
    set_due(entry, today - datetime.timedelta(days=30))
    page = client_for(portal.users.reader).get(entry.url).content.decode()
    assert 'id="freshness-verified"' in page and 'id="freshness-overdue"' in page


# --- reminders ---------------------------------------------------------------------------------

def notices(verb):
    return Notification.objects.filter(verb=verb).order_by("pk")


def test_reminders_are_sent_once_per_due_date(portal, due_items, today):
    outcome = freshness.send_review_reminders(today)
    # 过期规程, 将到期规程 (editor), 别人的规程 (manager), 财务制度 (accountant), 无人负责 (no reviewer:
    # nobody), not 远期规程; 财务制度 is 40 days overdue: escalated (its owner has neither manager
    # nor department, so to the knowledge managers).
    assert outcome == {"reminded": 4, "escalated": 1}
    assert notices("review_overdue").get().user == portal.users.manager
    assert sorted(re.split(r": |：", n.title, maxsplit=1)[-1]
                  for n in notices("review_due").filter(user=portal.users.editor)) == ["将到期规程", "过期规程"]
    assert freshness.send_review_reminders(today) == {"reminded": 0, "escalated": 0}
    assert reminders_task.apply().get() == {"reminded": 0, "escalated": 0}  # the hourly job, again
    assert notices("review_due").count() == 4

    # A new due date (verified, then due again a year later) is a new reminder.
    freshness.verify(due_items["soon"], portal.users.editor)
    next_year = add_months(today, 12)
    assert freshness.send_review_reminders(next_year)["reminded"] >= 1
    assert notices("review_due").filter(dedupe_key=f"review_due:{due_items['soon'].pk}:{next_year}").exists()


def test_ownerless_items_remind_the_spaces_reviewers(portal, due_items, today):
    lina = make_user("lina", roles.REVIEWER)
    lina.groups.add(Group.objects.get(name=space_group_name(portal.research, REVIEWER_ROLE)))
    freshness.send_review_reminders(today)
    assert [n.title for n in notices("review_due").filter(user=lina)] == [
        _("Due for review on %(date)s: %(title)s") % {"date": today + datetime.timedelta(days=2), "title": "无人负责"}]


def test_long_overdue_items_are_escalated_once_to_the_owners_manager(portal, due_items, today, settings):
    settings.ZHIKU_REVIEW_ESCALATE_DAYS = 30
    boss = make_user("boss")
    UserProfile.objects.create(user=portal.users.accountant, manager=boss)
    head = make_user("head")
    research = Department.objects.create(name="研究院", code="research", head=head)
    UserProfile.objects.create(user=portal.users.editor, department=research)

    outcome = freshness.send_review_reminders(today)
    assert outcome["escalated"] == 1  # 财务制度, 40 days overdue; 过期规程 is 5 days overdue
    escalation = notices("review_overdue").get()
    assert escalation.user == boss and "财务制度" in escalation.title
    assert escalation.url == ArticlePage.objects.get(pk=due_items["finance"].pk).url
    assert freshness.send_review_reminders(today)["escalated"] == 0
    assert freshness.send_review_reminders(today + datetime.timedelta(days=1))["escalated"] == 0

    # Twenty-six days later 过期规程 is 31 days overdue: its owner has no manager, so the head
    # of the owner's department is told.
    later = today + datetime.timedelta(days=26)
    assert freshness.send_review_reminders(later)["escalated"] == 1
    assert notices("review_overdue").last().user == head
    assert not notices("review_overdue").filter(user=portal.users.editor).exists()


def test_escalation_can_be_turned_off(portal, due_items, today, settings):
    settings.ZHIKU_REVIEW_ESCALATE_DAYS = 0
    assert freshness.send_review_reminders(today + datetime.timedelta(days=400))["escalated"] == 0


def test_review_remind_command(portal, due_items, today):
    out = StringIO()
    call_command("review_remind", "--date", today.isoformat(), stdout=out)
    assert "4" in out.getvalue()
    out = StringIO()
    call_command("review_remind", "--date", today.isoformat(), stdout=out)
    assert out.getvalue().startswith("0 ")
    assert notices("review_due").count() == 4


def test_unpublished_items_are_neither_listed_nor_reminded(portal, due_items, today):
    due_items["overdue"].unpublish()
    assert titles(freshness.due_for(portal.users.editor)) == ["将到期规程"]
    freshness.send_review_reminders(today)
    assert not notices("review_due").filter(dedupe_key__startswith=f"review_due:{due_items['overdue'].pk}:").exists()
