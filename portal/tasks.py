"""The message centre's jobs (OA-02); the work is in portal.services.message_centre."""
from datetime import date as Date

from celery import shared_task
from django.db import DatabaseError


# max_retries=None: the Delivery row counts the attempts (MAX_ATTEMPTS), also across the
# messages the stalled-delivery sweep queues again.
@shared_task(bind=True, max_retries=None)
def send_delivery(self, delivery_id):
    """Send one e-mail/SMS delivery; running it again for the same row sends nothing."""
    from .services import message_centre

    try:
        return message_centre.send_delivery(delivery_id)
    except message_centre.RetryLater as wait:
        raise self.retry(exc=wait, countdown=wait.countdown)


@shared_task
def retry_stalled_deliveries():
    """Every few minutes (CELERY_BEAT_SCHEDULE): deliveries whose task message was lost."""
    from .services.message_centre import retry_stalled

    return retry_stalled()


# A locked or briefly unavailable database is worth another try; the run is idempotent.
@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=3)
def send_digests(self, date=None):
    """Daily: the digest e-mails. ``date``: an ISO date to run as (for catching up), else today."""
    from .services.message_centre import send_digests as run

    return run(Date.fromisoformat(date) if date else None)
