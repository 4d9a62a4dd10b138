"""Approval steps left waiting too long: the approvers are reminded and their managers told.
Once per step (the notices' dedupe key), so the hourly job can run any number of times."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import TaskState

from portal.models import Notification, UserProfile

from ..models import RoutedTaskState, subject_of
from .approvals import approval_url, display_title


def overdue_steps(now=None):
    hours = settings.ZHIKU_APPROVAL_ESCALATE_HOURS
    if not hours:
        return RoutedTaskState.objects.none()
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    return (RoutedTaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS, started_at__lte=cutoff,
                                           workflow_state__status="in_progress")
            .select_related("workflow_state", "task").prefetch_related("assignees"))


def escalate_approvals(now=None):
    """Returns the number of steps escalated by this run (0 when run again)."""
    escalated = 0
    for state in overdue_steps(now):
        approvers = list(state.assignees.all())
        managers = {p.manager for p in UserProfile.objects.filter(user__in=approvers, manager__isnull=False)
                    .select_related("manager")} - set(approvers)
        title = _("Waiting for approval for more than %(hours)d hours: %(title)s") % {
            "hours": settings.ZHIKU_APPROVAL_ESCALATE_HOURS, "title": display_title(subject_of(state.workflow_state)),
        }
        key = f"escalated:{state.pk}"
        before = Notification.objects.filter(dedupe_key=key).count()
        Notification.objects.notify(approvers + sorted(managers, key=lambda u: u.pk), "approval_escalated", title,
                                    url=approval_url(state), dedupe_key=key)
        if Notification.objects.filter(dedupe_key=key).count() > before:
            escalated += 1
    return escalated
