"""Knowledge review (KB-03): an editor submits in the Wagtail admin, the reviewer of that space
(or dimension) approves, asks for changes with a comment, or rejects, in the portal; a space may
add the knowledge managers as a second step."""
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, Workflow, WorkflowPage, WorkflowState, WorkflowTask
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from knowledge.models import ArticlePage, Dimension
from knowledge.services.review import (
    BUILTIN_WORKFLOW, FINAL_REVIEW_TASK, ONE_STEP, SPACE_REVIEW_TASK, TWO_STEP, assign_review_workflow,
    ensure_review_workflows,
)
from knowledge.services.spaces import REVIEWER_ROLE, space_group_name
from portal import roles
from portal.models import Department, Notification
from workflows.models import RoutedTaskState, SpaceReviewTask
from workflows.services.approvals import waiting_for

from .factories import add_article, make_user


def reviewer_of(space, username):
    user = make_user(username, roles.REVIEWER)
    user.groups.add(Group.objects.get(name=space_group_name(space, REVIEWER_ROLE)))
    return user


@pytest.fixture
def review(portal):
    one_step, two_step = ensure_review_workflows()
    assign_review_workflow(portal.research, one_step)
    assign_review_workflow(portal.finance, one_step)
    return SimpleNamespace(
        one_step=one_step, two_step=two_step,
        lina=reviewer_of(portal.research, "lina"),  # reviews the research space
        cfo=reviewer_of(portal.finance, "cfo"),  # reviews the finance space
        article=add_article(portal.research, "试验规范", portal.users.editor, summary="第一版"),
    )


def form_data(article, action="action-submit", **fields):
    """The admin edit form of ``article`` as the editor sends it."""
    return nested_form_data({
        "title": article.title, "slug": article.slug, "summary": article.summary, "keywords": "",
        "audience": "internal", "review_interval": "12", "content_owner": article.content_owner_id or "",
        "body": streamfield([("paragraph", rich_text("<p>正文</p>"))]),
        "attachments": inline_formset([]), "related_links": inline_formset([]), action: "submit",
        **fields,
    })


# client_for() logs the one test client in as someone else: call it again before each use.
def submit(client, article, **fields):
    """Submit for moderation through the Wagtail admin's edit view, as Wagtail 8's action menu
    does (the "action-submit" button); returns the workflow state it started or resumed."""
    response = client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), form_data(article, **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    state = ArticlePage.objects.get(pk=article.pk).current_workflow_state
    assert state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS
    return state


def act(client, state, action, comment=""):
    return client.post(reverse("workflows:approval", args=[state.pk]), {"action": action, "comment": comment})


def live(article):
    return ArticlePage.objects.get(pk=article.pk)


def test_editor_submits_and_the_space_reviewer_approves(portal, client_for, review):
    state = submit(client_for(portal.users.editor), review.article, summary="第二版：补充适用范围")
    assert state.workflow.name == ONE_STEP
    assert live(review.article).summary == "第一版"  # submitted, not published
    step = state.current_task_state.specific
    assert isinstance(step, RoutedTaskState) and list(step.assignees.all()) == [review.lina]
    assert Notification.objects.filter(user=review.lina, verb="approval_requested").exists()

    # The reviewer's queue, in the portal: the approvals page and the workbench.
    assert [s.workflow_state_id for s in waiting_for(review.lina)] == [state.pk]
    lina = client_for(review.lina)
    assert "试验规范" in lina.get(reverse("workflows:index")).content.decode()
    assert "试验规范" in lina.get("/").content.decode()
    page = lina.get(reverse("workflows:approval", args=[state.pk])).content.decode()
    assert 'id="action-approve"' in page and 'id="action-reject"' in page and 'id="action-decline"' in page

    response = act(lina, state, "approve")
    assert response.status_code == 302
    article = live(review.article)
    assert article.live and article.summary == "第二版：补充适用范围"
    assert article.live_revision_id == step.revision_id  # the submitted version
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED and not list(waiting_for(review.lina))
    assert Notification.objects.filter(user=portal.users.editor, verb="approval_approved").exists()


def test_request_changes_comment_and_resubmit(portal, client_for, review):
    state = submit(client_for(portal.users.editor), review.article, summary="第二版")
    act(client_for(review.lina), state, "reject")  # no reason given: refused
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    act(client_for(review.lina), state, "reject", "请补充适用的车型范围")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert live(review.article).summary == "第一版"
    notice = Notification.objects.get(user=portal.users.editor, verb="approval_changes")
    assert notice.url == reverse("workflows:approval", args=[state.pk])
    assert "请补充适用的车型范围" in client_for(portal.users.editor).get(notice.url).content.decode()

    # The editor revises and resubmits: the same request goes back to the reviewer.
    again = submit(client_for(portal.users.editor), review.article, summary="第二版：适用于 BJ1032 全系")
    assert again.pk == state.pk
    assert list(again.current_task_state.specific.assignees.all()) == [review.lina]
    act(client_for(review.lina), again, "approve")
    assert live(review.article).summary == "第二版：适用于 BJ1032 全系"


def test_reject_outright_publishes_nothing(portal, client_for, review):
    draft = ArticlePage(title="新规程草稿", slug="draft", live=False, owner=portal.users.editor,
                        content_owner=portal.users.editor, body=[("paragraph", "<p>草稿</p>")])
    portal.research.add_child(instance=draft)
    draft.save_revision(user=portal.users.editor)
    state = submit(client_for(portal.users.editor), draft)

    act(client_for(review.lina), state, "decline", "与现行规程重复，不予发布")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_CANCELLED
    assert not live(draft).live and live(draft).current_workflow_state is None
    assert Notification.objects.filter(user=portal.users.editor, verb="approval_rejected").exists()
    assert "与现行规程重复" in client_for(portal.users.editor).get(
        reverse("workflows:approval", args=[state.pk])).content.decode()
    assert not list(waiting_for(review.lina))


def test_two_steps_publish_only_after_the_knowledge_manager(portal, client_for, review):
    assign_review_workflow(portal.research, review.two_step)
    state = submit(client_for(portal.users.editor), review.article, summary="第二版")
    assert state.workflow.name == TWO_STEP

    act(client_for(review.lina), state, "approve")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == FINAL_REVIEW_TASK
    assert live(review.article).summary == "第一版"  # not yet
    assert [s.workflow_state_id for s in waiting_for(portal.users.manager)] == [state.pk]
    assert not list(waiting_for(review.lina))

    manager = client_for(portal.users.manager)
    assert "试验规范" in manager.get(reverse("workflows:index")).content.decode()
    act(manager, state, "approve", "同意发布")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert live(review.article).summary == "第二版"


def test_reviewers_of_another_space_neither_see_nor_act(portal, client_for, review):
    state = submit(client_for(portal.users.editor), review.article, summary="第二版")
    assert not list(waiting_for(review.cfo))
    cfo = client_for(review.cfo)
    url = reverse("workflows:approval", args=[state.pk])
    assert cfo.get(url).status_code == 404
    index = cfo.get(reverse("workflows:index")).content.decode()
    assert "试验规范" not in index[index.index('id="approvals-waiting"'):]
    assert act(cfo, state, "approve").status_code == 404
    assert act(client_for(portal.users.accountant), state, "approve").status_code == 404
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS and live(review.article).summary == "第一版"


def test_nobody_approves_their_own_submission(portal, client_for, review):
    """A reviewer who writes in their own space is reviewed by the others (or the fallback)."""
    state = submit(client_for(review.lina), review.article, summary="审核人自己改的")
    assignees = set(state.current_task_state.specific.assignees.all())
    assert review.lina not in assignees and assignees == {portal.users.manager}  # 知识管理员: the fallback group
    assert act(client_for(review.lina), state, "approve").status_code == 302
    assert live(review.article).summary == "第一版"


def test_dimension_review_routes_to_the_head_of_the_owning_department(portal, client_for, review, monkeypatch):
    head = make_user("head", roles.REVIEWER)
    rd = Department.objects.create(name="研发部", code="rd", head=head)
    products = Dimension.objects.create(name="产品线", slug="products", department=rd)
    engine = products.node_from_path(["发动机"])
    article = add_article(portal.research, "发动机标定", portal.users.editor, nodes=[engine])
    task = SpaceReviewTask.objects.create(name="维度负责人审核", reviewers_from=SpaceReviewTask.Source.DIMENSION)
    by_dimension = Workflow.objects.create(name="按维度审核")
    WorkflowTask.objects.create(workflow=by_dimension, task=task, sort_order=0)
    assign_review_workflow(portal.research, by_dimension)

    state = submit(client_for(portal.users.editor), article, summary="新标定流程", nodes=[engine.pk])
    assert list(state.current_task_state.specific.assignees.all()) == [head]
    assert [s.workflow_state_id for s in waiting_for(head)] == [state.pk]
    assert not list(waiting_for(review.lina))  # the space's reviewer is not asked here
    assert client_for(review.lina).get(reverse("workflows:approval", args=[state.pk])).status_code == 404

    # The head holds no publish right in the space: the workflow's choice of approver is
    # enough (WAGTAIL_FINISH_WORKFLOW_ACTION = workflows.finish.publish_approved).
    assert not article.permissions_for_user(head).can_publish()
    act(client_for(head), state, "approve")
    assert live(article).summary == "新标定流程" and live(article).live


def test_editors_cannot_publish_directly(portal, client_for, review):
    article = review.article
    assert not article.permissions_for_user(portal.users.editor).can_publish()
    assert article.permissions_for_user(portal.users.editor).can_edit()
    assert not article.permissions_for_user(portal.users.editor).can_delete()  # that would unpublish it
    editor = client_for(portal.users.editor)
    html = editor.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert 'name="action-submit"' in html and 'name="action-publish"' not in html
    assert ONE_STEP in html  # "Submit to 部门审核"

    # Asking to publish anyway saves a draft, nothing more.
    response = editor.post(reverse("wagtailadmin_pages:edit", args=[article.pk]),
                           form_data(article, action="action-publish", summary="偷偷发布"))
    assert response.status_code == 302
    article = live(article)
    assert article.summary == "第一版" and article.get_latest_revision_as_object().summary == "偷偷发布"
    assert article.current_workflow_state is None
    # Reviewers and knowledge managers still publish.
    assert article.permissions_for_user(review.lina).can_publish()
    assert article.permissions_for_user(portal.users.manager).can_publish()


def test_the_workflow_configured_on_a_space_governs_its_articles(portal, client_for, review):
    """Per-space configuration with Wagtail's own Settings → Workflows: the administrator creates
    a workflow for the finance space there; research keeps its own."""
    secret = add_article(portal.finance, "报销标准", portal.users.accountant)
    space_review = SpaceReviewTask.objects.get(name=SPACE_REVIEW_TASK)
    final = review.two_step.workflow_tasks.get(sort_order=1).task
    WorkflowPage.objects.filter(page=portal.finance).delete()  # assigned again below, in the admin
    response = client_for(portal.users.admin).post(reverse("wagtailadmin_workflows:add"), {
        "name": "财务两级审核", "active": "on",
        "workflow_tasks-TOTAL_FORMS": "2", "workflow_tasks-INITIAL_FORMS": "0",
        "workflow_tasks-MIN_NUM_FORMS": "0", "workflow_tasks-MAX_NUM_FORMS": "1000",
        "workflow_tasks-0-task": str(space_review.pk), "workflow_tasks-0-id": "", "workflow_tasks-0-ORDER": "1",
        "workflow_tasks-0-DELETE": "",
        "workflow_tasks-1-task": str(final.pk), "workflow_tasks-1-id": "", "workflow_tasks-1-ORDER": "2",
        "workflow_tasks-1-DELETE": "",
        "pages-TOTAL_FORMS": "1", "pages-INITIAL_FORMS": "0", "pages-MIN_NUM_FORMS": "0",
        "pages-MAX_NUM_FORMS": "1000", "pages-0-page": str(portal.finance.pk), "pages-0-DELETE": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert secret.get_workflow().name == "财务两级审核"
    assert review.article.get_workflow().name == ONE_STEP

    finance_state = submit(client_for(portal.users.accountant), secret, summary="2027 版")
    research_state = submit(client_for(portal.users.editor), review.article, summary="第二版")
    assert finance_state.workflow.name == "财务两级审核" and research_state.workflow.name == ONE_STEP
    assert list(finance_state.current_task_state.specific.assignees.all()) == [review.cfo]
    act(client_for(review.cfo), finance_state, "approve")
    finance_state.refresh_from_db()
    assert finance_state.current_task_state.task.name == FINAL_REVIEW_TASK  # the second step
    act(client_for(review.lina), research_state, "approve")
    assert live(review.article).summary == "第二版"  # one step was enough in research


def test_ensure_review_workflows_is_idempotent_and_retires_the_builtin_workflow(portal):
    root = Page.get_first_root_node()
    builtin = Workflow.objects.filter(name=BUILTIN_WORKFLOW).first()
    if builtin is None:  # a flushed database (transactional tests) has lost Wagtail's migration data
        builtin = Workflow.objects.create(name=BUILTIN_WORKFLOW)
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": builtin})

    first = ensure_review_workflows()
    second = ensure_review_workflows()
    assert first == second
    assert Workflow.objects.filter(name=ONE_STEP).count() == 1 and Workflow.objects.filter(name=TWO_STEP).count() == 1
    assert [t.name for t in first[1].tasks] == [SPACE_REVIEW_TASK, FINAL_REVIEW_TASK]
    assert SpaceReviewTask.objects.filter(name=SPACE_REVIEW_TASK).count() == 1
    assert WorkflowPage.objects.get(page=root).workflow == first[0]
    builtin.refresh_from_db()
    assert not builtin.active
    # A space created later, without a workflow of its own, is reviewed by its reviewers.
    assert portal.research.get_workflow() == first[0]


def test_review_workflows_command_assigns_spaces(portal):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("review_workflows", "--two-step", "research", "--one-step", "finance", stdout=out)
    assert portal.research.get_workflow().name == TWO_STEP and portal.finance.get_workflow().name == ONE_STEP
    assert TWO_STEP in out.getvalue()
    call_command("review_workflows", stdout=StringIO())  # again: nothing duplicated
    assert Workflow.objects.filter(name=TWO_STEP).count() == 1
