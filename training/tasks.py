from dataclasses import asdict

from celery import shared_task
from django.db import DatabaseError


# A locked or briefly unavailable database is worth another try; the run is idempotent.
@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=3)
def send_reminders(self, today=None):
    """Daily (CELERY_BEAT_SCHEDULE): due-soon and overdue reminders. ``today``: an ISO date to
    run as (for catching up), else the local date."""
    from datetime import date

    from .services.reminders import send_reminders as run

    return asdict(run(date.fromisoformat(today) if today else None))
