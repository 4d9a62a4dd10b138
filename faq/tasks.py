from celery import shared_task


@shared_task(acks_late=True)
def import_confirmed_upload(import_id):
    """Import an admin upload too large to import within the request."""
    from .models import FAQImport
    from .services.transfer import run_queued_import

    record = FAQImport.objects.select_related("space", "user").filter(pk=import_id).first()
    if record is not None:
        run_queued_import(record)
