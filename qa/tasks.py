from celery import shared_task


@shared_task
def escalate_unanswered():
    """Hourly (CELERY_BEAT_SCHEDULE): unanswered questions past ZHIKU_QA_ESCALATE_HOURS."""
    from .services.escalation import escalate_unanswered as run

    return run()
