"""The workbench (工作台, OA-04): what a person should look at today, on their home page.

Every section is a bounded query for the viewer alone, so the page stays fast however many
notifications or requests a person has accumulated (bench/workbench.py measures it).
"""
from dataclasses import dataclass, field

from django.utils import timezone

from portal.models import Notification

SECTION_SIZE = 8
# Notices about dates and deadlines: shown as reminders, apart from the rest.
REMINDER_VERBS = ["training_due", "training_overdue", "training_refresh", "review_due", "review_overdue",
                  "approval_escalated", "qa_escalated"]
SUBSCRIPTION_VERBS = ["created", "changed"]


@dataclass
class Section:
    rows: list = field(default_factory=list)
    total: int = 0


def _approvals_waiting(user):
    from workflows.models import subject_of
    from workflows.services.approvals import waiting_for

    states = waiting_for(user)
    rows = [(state, subject_of(state.workflow_state)) for state in states[:SECTION_SIZE]]
    return Section(rows, states.count() if len(rows) == SECTION_SIZE else len(rows))


def _my_requests(user):
    from workflows.models import subject_of
    from workflows.services.approvals import holders, requested_by

    states = list(requested_by(user)[:SECTION_SIZE])
    return Section([(state, subject_of(state), holders(state)) for state in states], len(states))


def _reviews_due(user):
    from knowledge.services.freshness import due_for

    items = list(due_for(user))
    return Section(items[:SECTION_SIZE], len(items))


def _training_due(user):
    from training.models import Enrollment

    enrollments = (Enrollment.objects.current().filter(user=user, completed_at=None, due_date__isnull=False)
                   .select_related("path").order_by("due_date"))
    rows = list(enrollments[:SECTION_SIZE])
    return Section(rows, len(rows))


def _notices(user, verbs=None, exclude=None):
    notices = Notification.objects.filter(user=user).unread()
    if verbs:
        notices = notices.filter(verb__in=verbs)
    if exclude:
        notices = notices.exclude(verb__in=exclude)
    rows = list(notices[:SECTION_SIZE])
    return Section(rows, notices.count() if len(rows) == SECTION_SIZE else len(rows))


def workbench(user):
    """The sections of ``user``'s workbench, each a ``Section`` of at most SECTION_SIZE rows."""
    return {
        "today": timezone.localdate(),
        "approvals_waiting": _approvals_waiting(user),
        "my_requests": _my_requests(user),
        "reviews_due": _reviews_due(user),
        "training_due": _training_due(user),
        "reminders": _notices(user, verbs=REMINDER_VERBS),
        "subscription_news": _notices(user, verbs=SUBSCRIPTION_VERBS),
        "notifications": _notices(user, exclude=REMINDER_VERBS + SUBSCRIPTION_VERBS),
        "unread_count": Notification.objects.filter(user=user).unread().count(),
    }
