"""Approval events become notifications in the message centre (which sends the e-mails and
SMS each person chose), in place of Wagtail's own workflow e-mails."""
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.admin import signal_handlers as wagtail_mail
from wagtail.models import TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted

from portal.models import Notification

from .models import RoutedTaskState, subject_of
from .services.approvals import approval_url, display_title, requester_url
from .signals_defs import workflow_declined

# One channel for workflow mail: the message centre, honouring each person's choices.
task_submitted.disconnect(sender=TaskState, dispatch_uid="group_approval_task_submitted_email_notification")
workflow_submitted.disconnect(sender=WorkflowState, dispatch_uid="workflow_state_submitted_email_notification")
workflow_rejected.disconnect(sender=WorkflowState, dispatch_uid="workflow_state_rejected_email_notification")
workflow_approved.disconnect(sender=WorkflowState, dispatch_uid="workflow_state_approved_email_notification")
assert wagtail_mail  # imported so its handlers are connected before we disconnect them


def _approvers(task_state):
    task_state = task_state.specific
    if isinstance(task_state, RoutedTaskState):
        return list(task_state.assignees.all())
    groups = getattr(task_state.task.specific, "groups", None)
    if groups is None:
        return []
    from django.contrib.auth import get_user_model

    requester_id = task_state.workflow_state.requested_by_id
    return list(get_user_model().objects.filter(groups__in=groups.all(), is_active=True)
                .exclude(pk=requester_id).distinct())


@receiver(task_submitted)
def tell_approvers(sender, instance, user=None, **kwargs):
    title = display_title(subject_of(instance.workflow_state))
    Notification.objects.notify(
        _approvers(instance), "approval_requested", _("Waiting for your approval: %(title)s") % {"title": title},
        url=approval_url(instance), dedupe_key=f"approval:{instance.pk}",
    )


def _tell_requester(workflow_state, verb, message, key):
    if workflow_state.requested_by_id is None:
        return
    obj = subject_of(workflow_state)
    Notification.objects.notify(
        [workflow_state.requested_by], verb, message % {"title": display_title(obj)},
        url=requester_url(workflow_state), dedupe_key=key,
    )


@receiver(workflow_approved)
def tell_requester_approved(sender, instance, user=None, **kwargs):
    _tell_requester(instance, "approval_approved", _("Approved: %(title)s"), f"approved:{instance.pk}")


@receiver(workflow_rejected)
def tell_requester_changes(sender, instance, user=None, **kwargs):
    # One notice per rejected step: a request sent back twice is told twice.
    _tell_requester(instance, "approval_changes", _("Changes requested: %(title)s"),
                    f"changes:{instance.current_task_state_id}")


@receiver(workflow_declined)
def tell_requester_declined(sender, instance, user=None, **kwargs):
    _tell_requester(instance, "approval_rejected", _("Rejected: %(title)s"), f"declined:{instance.pk}")
