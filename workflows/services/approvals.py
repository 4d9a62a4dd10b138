"""Approvals as people meet them in the portal: what waits for me, what I asked for, who
holds a request now, and acting on a step (approve, request changes, reject)."""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from wagtail.models import Page, TaskState, WorkflowState

from ..models import VIEW_ALL_EXPENSES, ExpenseClaim, RoutedTaskState, subject_of

# Actions that end a step against the request: their reason must be written down.
NEEDS_COMMENT = {"reject", "decline"}


class ApprovalError(Exception):
    """An action that cannot be done (already decided, no reason given); the message says why."""


def approval_url(task_state):
    return reverse("workflows:approval", args=[task_state.workflow_state_id])


def requester_url(workflow_state):
    return reverse("workflows:approval", args=[workflow_state.pk])


def display_title(obj):
    if isinstance(obj, Page):
        return obj.get_admin_display_title()
    return str(obj)


def object_links(obj, user):
    """Where the approver reads the thing: (label, url) pairs the user may open."""
    if isinstance(obj, Page):
        links = []
        state = obj.current_workflow_task_state
        if state and user.has_perm("wagtailadmin.access_admin"):
            links.append((_("Preview the submitted version"),
                          reverse("wagtailadmin_pages:workflow_preview", args=[obj.pk, state.task_id])))
            if obj.live and state.revision_id:
                links.append((_("Compare with the published version"),
                              reverse("wagtailadmin_pages:revisions_compare", args=[obj.pk, "live", state.revision_id])))
        if obj.live:
            links.append((_("Open the published page"), obj.url))
        return links
    try:
        return [(_("Open"), obj.get_absolute_url())]
    except (AttributeError, NoReverseMatch):
        return []


def waiting_for(user):
    """Steps this user must act on, oldest first."""
    return (TaskState.objects.reviewable_by(user)
            .select_related("workflow_state__requested_by", "workflow_state__workflow", "task")
            .order_by("started_at"))


def requested_by(user):
    """The user's own requests, newest first."""
    return (WorkflowState.objects.filter(requested_by=user)
            .select_related("workflow", "current_task_state__task")
            .order_by("-created_at"))


def holders(workflow_state):
    """Who holds the request now (the current step's approvers), when it is in progress."""
    if workflow_state.status != WorkflowState.STATUS_IN_PROGRESS or not workflow_state.current_task_state_id:
        return []
    state = workflow_state.current_task_state.specific
    if isinstance(state, RoutedTaskState):
        return list(state.assignees.all())
    from ..signals import _approvers

    return _approvers(state)


def steps(workflow_state):
    """Every step taken, in order: task, status, who decided, when, comment."""
    return list(workflow_state.task_states.select_related("task", "finished_by").order_by("started_at", "pk"))


def can_view(workflow_state, user):
    if user.is_superuser or workflow_state.requested_by_id == user.pk:
        return True
    states = workflow_state.task_states.all()
    if RoutedTaskState.objects.filter(pk__in=states.values("pk"), assignees=user).exists():
        return True
    if states.filter(finished_by=user).exists():
        return True
    obj = subject_of(workflow_state)
    if isinstance(obj, ExpenseClaim) and user.has_perm(VIEW_ALL_EXPENSES):
        return True
    current = workflow_state.current_task_state
    return bool(current and workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
                and current.task.specific.get_actions(obj, user))


def actions_for(workflow_state, user):
    """(name, label, needs a comment form) the user may do now on this request."""
    if workflow_state.status != WorkflowState.STATUS_IN_PROGRESS or not workflow_state.current_task_state_id:
        return []
    obj = subject_of(workflow_state)
    seen, actions = set(), []
    for name, label, with_comment in workflow_state.current_task_state.task.specific.get_actions(obj, user):
        if name not in seen:  # "approve" and "approve with comment" are one action with an optional comment
            seen.add(name)
            actions.append((name, label, with_comment or name in NEEDS_COMMENT))
    return actions


@transaction.atomic
def act(workflow_state, user, action, comment=""):
    """Do ``action`` on the request's current step as ``user``.

    The step is locked first, so two approvers (or a double click) cannot both decide it:
    the second finds it decided and gets an ``ApprovalError``.
    """
    locked = WorkflowState.objects.select_for_update().get(pk=workflow_state.pk)
    state = locked.current_task_state
    if locked.status != WorkflowState.STATUS_IN_PROGRESS or state is None \
            or not TaskState.objects.filter(pk=state.pk, status=TaskState.STATUS_IN_PROGRESS).exists():
        raise ApprovalError(_("This request has already been decided."))
    allowed = {name for name, _label, _c in actions_for(locked, user)}
    if action not in allowed:
        raise PermissionDenied
    comment = (comment or "").strip()
    if action in NEEDS_COMMENT and not comment:
        raise ApprovalError(_("Please write why, so the requester knows what to change."))
    # The last approval publishes (settings.WAGTAIL_FINISH_WORKFLOW_ACTION), as the approver
    # the workflow chose, whether or not they hold a publish right of their own.
    state.task.specific.on_action(state.specific, user, action, comment=comment)
    locked.refresh_from_db()
    return locked
