"""Knowledge review (KB-03): editors submit, the space's reviewers approve, ask for changes or
reject; a space may add a second step by the knowledge managers.

The workflows are ordinary Wagtail workflows, so administrators see and change them under
Settings → Workflows (which pages use which workflow, the steps of each); this module only
creates the two standard ones and assigns them to spaces.

Wagtail's migrations create a "Moderators approval" workflow on the root page, approved by its
"Moderators" group, which the portal never fills: a submission routed there would wait for
nobody. ``ensure_review_workflows`` therefore points the root at "部门审核" instead (so a space
created later without a workflow of its own is still reviewed by its reviewers, and a page
outside every space falls back to the knowledge managers) and deactivates the built-in workflow
once nothing uses it any more. Spaces given a workflow of their own (``assign_review_workflow``)
keep it: Wagtail uses the nearest assignment above a page.
"""
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask, GroupPagePermission, Page, Workflow, WorkflowContentType, WorkflowPage, WorkflowState,
    WorkflowTask,
)

from portal.roles import KNOWLEDGE_MANAGER
from workflows.models import SpaceReviewTask

ONE_STEP = "部门审核"
TWO_STEP = "部门审核 + 知识管理员"
SPACE_REVIEW_TASK = "空间审核人审核"
FINAL_REVIEW_TASK = "知识管理员终审"
BUILTIN_WORKFLOW = "Moderators approval"


def _task(model, name, **defaults):
    task = model.objects.filter(name=name).first()
    return task or model.objects.create(name=name, **defaults)


def _workflow(name, tasks):
    """The workflow called ``name``; its steps are set only when it has none, so steps an
    administrator changed in the admin are left alone."""
    workflow = Workflow.objects.filter(name=name).first() or Workflow.objects.create(name=name)
    if not workflow.workflow_tasks.exists():
        for order, task in enumerate(tasks):
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    return workflow


def _retire_builtin_workflow(default):
    root = Page.get_first_root_node()
    if root is None:
        return
    builtin = Workflow.objects.filter(name=BUILTIN_WORKFLOW).first()
    if builtin is None:
        return
    WorkflowPage.objects.filter(page=root, workflow=builtin).update(workflow=default)
    in_use = (WorkflowPage.objects.filter(workflow=builtin).exists()
              or WorkflowContentType.objects.filter(workflow=builtin).exists()
              or WorkflowState.objects.filter(workflow=builtin, status__in=[WorkflowState.STATUS_IN_PROGRESS,
                                                                            WorkflowState.STATUS_NEEDS_CHANGES])
              .exists())
    if builtin.active and not in_use:
        builtin.deactivate()


@transaction.atomic
def ensure_review_workflows():
    """Create (once) the review steps and the workflows "部门审核" (the space's reviewers) and
    "部门审核 + 知识管理员" (then the knowledge managers); returns ``(one_step, two_step)``.
    Safe to call again: nothing is duplicated and administrators' changes are kept."""
    managers, _created = Group.objects.get_or_create(name=KNOWLEDGE_MANAGER)
    space_review = _task(SpaceReviewTask, SPACE_REVIEW_TASK, reviewers_from=SpaceReviewTask.Source.SPACE)
    if not space_review.fallback_groups.exists():
        space_review.fallback_groups.add(managers)  # a space without reviewers
    final_review = _task(GroupApprovalTask, FINAL_REVIEW_TASK)
    if not final_review.groups.exists():
        final_review.groups.add(managers)
    one_step = _workflow(ONE_STEP, [space_review])
    two_step = _workflow(TWO_STEP, [space_review, final_review])
    _retire_builtin_workflow(one_step)
    return one_step, two_step


def assign_review_workflow(space, workflow, editors_publish=False):
    """Make ``workflow`` govern ``space`` and everything in it (as Settings → Workflows →
    "assign to pages" does); ``None`` removes the space's own assignment.

    Review is required unless ``editors_publish``: the space's editors lose "publish" and must
    submit (Wagtail offers "publish" to whoever holds the right, workflow or not). Without a
    workflow, editors publish again."""
    from .spaces import EDITOR_ROLE, space_group_name

    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    editors = Group.objects.filter(name=space_group_name(space, EDITOR_ROLE)).first()
    if editors is not None:
        if workflow is None or editors_publish:
            GroupPagePermission.objects.get_or_create(group=editors, page=space, permission=publish)
        else:
            GroupPagePermission.objects.filter(group=editors, page=space, permission=publish).delete()
    if workflow is None:
        WorkflowPage.objects.filter(page=space).delete()
        return None
    assignment, _created = WorkflowPage.objects.update_or_create(page=space, defaults={"workflow": workflow})
    return assignment


def review_workflow_of(page):
    """The workflow an item's submission starts (the nearest assignment above it)."""
    return page.get_workflow()
