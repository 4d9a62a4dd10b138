from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .models import DocumentVersion, ExtractionStatus, ImportRun


@shared_task(acks_late=True)
def extract_document_version(version_id):
    from .services.documents import run_extraction

    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is not None:  # the document may have been deleted since
        run_extraction(version)


@shared_task
def requeue_stalled_extractions(older_than_minutes=10):
    """Queue again the versions whose extraction message was lost (e.g. a worker was killed)."""
    from .services.documents import queue_extraction

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stalled = list(
        DocumentVersion.objects.filter(
            extraction_status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING], created_at__lt=cutoff
        ).exclude(extracted_at__gt=cutoff)
    )
    for version in stalled:
        queue_extraction(version)
    return len(stalled)


@shared_task
def run_import(import_run_id):
    from .services.importer import run_import_run

    run = ImportRun.objects.filter(pk=import_run_id).first()
    if run is not None:
        run_import_run(run)


# A locked or briefly unavailable database is worth another try; the run is idempotent.
@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=3)
def send_review_reminders(self, today=None):
    """Hourly (CELERY_BEAT_SCHEDULE): owners of items due for review are reminded, and managers
    told of items long overdue; nothing is sent twice. ``today``: an ISO date to run as."""
    from datetime import date

    from .services.freshness import send_review_reminders as run

    return run(date.fromisoformat(today) if today else None)
