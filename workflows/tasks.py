from celery import shared_task

from .services.escalation import escalate_approvals as _escalate


@shared_task
def escalate_approvals():
    return _escalate()
