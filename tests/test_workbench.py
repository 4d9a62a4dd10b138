"""The workbench (工作台) on the home page: each person sees what waits for them and nothing of
anyone else's; approval steps left waiting are escalated once."""
import datetime

import pytest
from django.utils import timezone
from wagtail.models import TaskState, Workflow, WorkflowPage, WorkflowTask

from portal import roles
from portal.models import Notification, UserProfile
from training.models import Enrollment
from workflows.models import SpaceReviewTask
from workflows.services.escalation import escalate_approvals

from .factories import add_article, add_path, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(portal):
    """The research space reviewed by its reviewer; ``editor`` writes there."""
    reviewer = make_user("reviewer", roles.EDITOR, "研究院审核人")
    workflow = Workflow.objects.create(name="部门审核")
    WorkflowTask.objects.create(workflow=workflow, task=SpaceReviewTask.objects.create(name="空间审核人审核"),
                                sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=portal.research)
    return workflow, reviewer


def submit(portal, title, user, workflow):
    article = add_article(portal.research, title, user)
    article.title = f"{title}（修订）"
    article.save_revision(user=user)
    return workflow.start(article, user)


def section(response, element_id):
    """The HTML of one workbench card."""
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def test_each_person_sees_their_own_approvals_and_requests(portal, review, client_for):
    workflow, reviewer = review
    state = submit(portal, "扭矩试验规范", portal.users.editor, workflow)

    page = client_for(reviewer).get("/")
    assert "扭矩试验规范（修订）" in section(page, "wb-approvals")
    assert f"/approvals/{state.pk}/" in section(page, "wb-approvals")
    assert "扭矩试验规范" not in section(page, "wb-requests")

    page = client_for(portal.users.editor).get("/")
    assert "扭矩试验规范" not in section(page, "wb-approvals")
    requests = section(page, "wb-requests")
    assert "扭矩试验规范（修订）" in requests and "reviewer" in requests  # who holds it

    page = client_for(portal.users.reader).get("/")
    assert "扭矩试验规范" not in section(page, "wb-approvals") + section(page, "wb-requests")


def test_the_approval_page_is_for_the_requester_and_the_approvers_only(portal, review, client_for):
    workflow, reviewer = review
    state = submit(portal, "扭矩试验规范", portal.users.editor, workflow)
    url = f"/approvals/{state.pk}/"

    assert client_for(portal.users.reader).get(url).status_code == 404
    assert client_for(portal.users.accountant).post(url, {"action": "approve"}).status_code == 404
    state.refresh_from_db()
    assert state.status == "in_progress"

    mine = client_for(portal.users.editor).get(url)
    assert mine.status_code == 200 and 'id="approval-form"' not in mine.content.decode()  # no self-approval
    page = client_for(reviewer).get(url)
    assert 'id="action-approve"' in page.content.decode()
    client_for(reviewer).post(url, {"action": "approve"})
    state.refresh_from_db()
    assert state.status == "approved"
    assert state.content_object.specific.live and state.content_object.title == "扭矩试验规范（修订）"
    # A second click on a decided request changes nothing and says so.
    again = client_for(reviewer).post(url, {"action": "reject", "comment": "晚了"}, follow=True)
    assert "已经处理" in again.content.decode() or "already been decided" in again.content.decode()
    assert TaskState.objects.filter(workflow_state=state, status="rejected").count() == 0


def test_notifications_training_and_reminders_are_the_readers_own(portal, client_for):
    reader, other = portal.users.reader, portal.users.editor
    Notification.objects.notify([reader], "changed", "订阅的《质量手册》已更新", url="/")
    Notification.objects.notify([reader], "training_due", "培训即将到期：入职培训", url="/")
    Notification.objects.notify([reader], "qa_answer", "你的问题有了新回答", url="/")
    Notification.objects.notify([other], "qa_answer", "别人的通知", url="/")
    path = add_path("研发入职培训", steps=[])
    Enrollment.objects.create(user=reader, path=path, assigned_at=timezone.now(),
                              due_date=timezone.localdate() - datetime.timedelta(days=2))

    page = client_for(reader).get("/")
    assert "质量手册" in section(page, "wb-subscriptions")
    assert "入职培训" in section(page, "wb-reminders")
    assert "新回答" in section(page, "wb-notifications")
    assert "3" in section(page, "wb-notifications").split("</h2>")[0]  # unread count
    training = section(page, "wb-training")
    assert "研发入职培训" in training and 'class="overdue"' in training
    assert "别人的通知" not in page.content.decode()

    Notification.objects.filter(user=reader).update(read_at=timezone.now())
    page = client_for(reader).get("/")
    assert "新回答" not in page.content.decode()


def test_a_step_left_waiting_is_escalated_once_to_the_approver_and_their_manager(portal, review, settings):
    workflow, reviewer = review
    boss = make_user("boss")
    UserProfile.objects.create(user=reviewer, manager=boss)
    state = submit(portal, "扭矩试验规范", portal.users.editor, workflow)
    settings.ZHIKU_APPROVAL_ESCALATE_HOURS = 48

    assert escalate_approvals() == 0  # not late yet
    later = timezone.now() + datetime.timedelta(hours=49)
    assert escalate_approvals(now=later) == 1
    assert escalate_approvals(now=later) == 0  # twice sends nothing twice
    notices = Notification.objects.filter(verb="approval_escalated")
    assert sorted(n.user.username for n in notices) == ["boss", "reviewer"]
    assert all(n.url == f"/approvals/{state.pk}/" for n in notices)

    state.current_task_state.specific.task.specific.on_action(state.current_task_state.specific, reviewer, "approve")
    assert escalate_approvals(now=later + datetime.timedelta(days=3)) == 0  # decided: nothing more


def test_an_administrator_cannot_approve_their_own_request(portal, review, client_for):
    workflow, _reviewer = review
    admin = portal.users.admin
    state = submit(portal, "管理员的文章", admin, workflow)
    response = client_for(admin).post(f"/approvals/{state.pk}/", {"action": "approve"})
    assert response.status_code == 302
    state.refresh_from_db()
    assert state.status == "in_progress"
