"""Document versions and their text extraction."""
import logging
import os
import time

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..changes import document_version_recorded
from ..extraction import ExtractionFailed, extract_file
from ..models import DocumentVersion, ExtractionStatus, KnowledgeDocument, file_sha256

logger = logging.getLogger("zhiku.documents")


def record_current_file(document, user=None):
    """Make sure the document's current file is a version of its own, and queue its extraction.

    Called after every save, so any path that stores a file (admin upload, replace, chooser,
    import) ends up here; a save that did not change the file does nothing. A new file saved with
    "significant change" ticked is announced (knowledge.changes) as a version of its own.
    """
    significant = _take_significant_flag(document)
    if not document.file or document.versions.filter(file=document.file.name).exists():
        return None
    sha256 = file_sha256(document.file)
    with transaction.atomic():
        number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            document=document,
            number=number,
            file=document.file.name,
            original_filename=os.path.basename(document.file.name),
            file_size=document.file.size,
            sha256=sha256,
            uploaded_by=user or document.uploaded_by_user,
            significant=significant and number > 1,  # a first file changes nothing anyone read
        )
        # Until the new file is extracted, the document shows it as pending, not the old text.
        KnowledgeDocument.objects.filter(pk=document.pk).update(
            sha256=sha256, file_size=version.file_size, **_fields_of(version)
        )
        transaction.on_commit(lambda: queue_extraction(version))
        document_version_recorded(document, version)
    return version


def _take_significant_flag(document):
    """The flag belongs to this save only: cleared at once, so the next upload (and the edit
    form) starts unticked, and a tick without a new file is dropped."""
    if not document.significant_change:
        return False
    KnowledgeDocument.objects.filter(pk=document.pk).update(significant_change=False)
    document.significant_change = False
    return True


def _fields_of(version):
    return {name: getattr(version, name) for name in DocumentVersion.EXTRACTION_FIELDS}


def queue_extraction(version):
    from ..tasks import extract_document_version

    extract_document_version.delay(version.pk)


def retry_extraction(document):
    """Editors' retry: run the current version's extraction again."""
    version = document.current_version
    if version is None:
        return record_current_file(document)
    _set_status(version, ExtractionStatus.PENDING, error="")
    transaction.on_commit(lambda: queue_extraction(version))
    return version


def _set_status(version, status, error=""):
    version.extraction_status = status
    version.extraction_error = error
    _save(version)


def _save(version):
    version.save(update_fields=DocumentVersion.EXTRACTION_FIELDS)
    if version.is_current:
        KnowledgeDocument.objects.filter(pk=version.document_id).update(**_fields_of(version))
        if version.is_extraction_finished:
            from ..search_adapters import queue_document_and_articles

            queue_document_and_articles(KnowledgeDocument.objects.get(pk=version.document_id))


def run_extraction(version):
    """Extract the version's text now and store the outcome on it (and on its document if current)."""
    _set_status(version, ExtractionStatus.RUNNING)
    started = time.monotonic()
    try:
        result = extract_file(version.file.path)
    except ExtractionFailed as exc:
        version.extraction_status, version.extraction_error = ExtractionStatus.FAILED, str(exc)
        version.extracted_text = ""
    except FileNotFoundError:
        version.extraction_status = ExtractionStatus.FAILED
        version.extraction_error = _("The stored file is missing.")
    except Exception:  # a bug must not leave the document "running" for ever
        logger.exception("extraction of %s failed", version)
        version.extraction_status = ExtractionStatus.FAILED
        version.extraction_error = _("Internal error during extraction; see the worker log. Retry later.")
    else:
        version.extracted_text = result.text
        version.detected_type = result.content_type[:255]
        version.page_count = result.page_count
        version.language = result.language
        version.extraction_error = ""
        version.extraction_status = ExtractionStatus.DONE if result.text else ExtractionStatus.EMPTY
    version.extraction_seconds = round(time.monotonic() - started, 3)
    version.extracted_at = timezone.now()
    _save(version)
    logger.info("extracted %s: %s in %.2fs", version, version.extraction_status, version.extraction_seconds)
    return version
