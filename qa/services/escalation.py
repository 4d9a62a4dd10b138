"""Questions nobody answered in time go to the knowledge managers and the experts of their
nodes, once: a question is marked escalated in the same step, so running again (the hourly
task twice, or alongside the command) tells nobody a second time."""
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.models import Notification
from portal.roles import KNOWLEDGE_MANAGER

from ..models import Answer, Question
from .experts import experts_for


def escalate_hours():
    return float(getattr(settings, "ZHIKU_QA_ESCALATE_HOURS", 48))


def due_questions(now=None):
    """Visible questions without a visible answer, asked longer ago than the setting, not yet
    escalated. A setting of 0 (or less) turns escalation off."""
    hours = escalate_hours()
    if hours <= 0:
        return Question.objects.none()
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    answered = Answer.objects.visible().filter(question=OuterRef("pk"))
    return (Question.objects.visible().filter(escalated_at__isnull=True, created_at__lte=cutoff)
            .exclude(Exists(answered)).select_related("asked_by").order_by("pk"))


def knowledge_managers():
    return list(get_user_model().objects.filter(groups__name=KNOWLEDGE_MANAGER, is_active=True).distinct())


def escalate_unanswered(now=None):
    """Escalate every due question; returns how many were escalated by this run."""
    now = now or timezone.now()
    managers = knowledge_managers()
    count = 0
    for question in due_questions(now):
        with transaction.atomic():
            if not Question.objects.filter(pk=question.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue  # another run got there first
            people = {user.pk: user for user in [*managers, *experts_for(question)]}
            people.pop(question.asked_by_id, None)
            Notification.objects.notify(people.values(), "qa_escalated", question.title,
                                        question.get_absolute_url(), dedupe_key=f"qa-escalated:{question.pk}")
        count += 1
    return count
