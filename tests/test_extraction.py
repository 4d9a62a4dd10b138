"""Upload → Celery worker → embedded Apache Tika (iscc-tika) → extracted text on the document."""
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import ExtractionStatus, KnowledgeDocument

from . import files
from .factories import add_document
from .utils import assert_refused, finished, wait_for

pytestmark = pytest.mark.worker


def upload(client, space, filename, content, title="上传的文档"):
    response = client.post(
        reverse("wagtaildocs:add"),
        {"title": title, "collection": space.collection_id, "file": SimpleUploadedFile(filename, content)},
    )
    assert response.status_code == 302, response.content[:2000]
    return KnowledgeDocument.objects.get(title=title)


@pytest.mark.parametrize(
    "filename, make, expected_type",
    [
        ("规范.pdf", files.pdf, "application/pdf"),
        ("说明.docx", files.docx, "wordprocessingml"),
        ("账龄.xlsx", files.xlsx, "spreadsheetml"),
        ("培训.pptx", files.pptx, "presentationml"),
    ],
)
def test_uploaded_office_file_gets_its_chinese_text(worker, portal, client_for, filename, make, expected_type):
    client = client_for(portal.users.editor)
    document = finished(upload(client, portal.research, filename, make()))

    assert document.extraction_status == ExtractionStatus.DONE
    assert "扭矩试验规范" in document.extracted_text
    assert "BJ1032" in document.extracted_text
    assert expected_type in document.detected_type
    assert document.language == "zh-Hans"
    assert document.sha256 and len(document.sha256) == 64
    assert document.extraction_seconds is not None
    version = document.versions.get()
    assert version.number == 1 and version.extracted_text == document.extracted_text


def test_odd_file_names_are_stored_safely_and_download_under_their_name(worker, portal, client_for):
    name = "报告 (终稿) #1 ?*<>|;'\"~.docx"
    document = finished(upload(client_for(portal.users.editor), portal.research, name, files.docx(), "怪名字"))
    assert document.extraction_status == ExtractionStatus.DONE
    stored = document.file.name
    assert stored.startswith("documents/") and not any(c in stored for c in "?*<>|\"")
    response = client_for(portal.users.reader).get(document.url)
    assert response.status_code == 200


def test_pdf_page_count(worker, portal):
    document = finished(add_document(portal.research, "三页", "三页.pdf", files.pdf(pages=3)))
    assert document.page_count == 3


def test_traditional_chinese_is_labelled(worker, portal):
    text = "聚智成金，福田汽車構建研發知識庫。知識維度的自由設定，支持有權限的應用者自行設定部門或板塊的知識結構。"
    document = finished(add_document(portal.research, "繁體", "繁體.docx", files.docx(text)))
    assert document.language == "zh-Hant"


@pytest.mark.parametrize(
    "filename, content, status, message",
    [
        ("空.pdf", b"", ExtractionStatus.FAILED, "empty"),
        ("坏.pdf", files.corrupt_pdf(), ExtractionStatus.FAILED, "could not be parsed"),
        ("加密.pdf", files.encrypted_pdf(), ExtractionStatus.FAILED, "password-protected"),
        ("加密.docx", files.encrypted_docx(), ExtractionStatus.FAILED, "password-protected"),
    ],
)
def test_bad_files_fail_with_a_reason_and_are_kept(worker, portal, settings, filename, content, status, message):
    settings.LANGUAGE_CODE = "en"
    document = finished(add_document(portal.research, filename, filename, content))
    assert document.extraction_status == status
    assert message in document.extraction_error
    with document.file.open("rb") as handle:
        assert handle.read() == content  # the upload itself is never lost


def test_mislabelled_file_is_read_by_its_content(worker, portal):
    document = finished(add_document(portal.research, "假PDF", "其实是Word.pdf", files.docx()))
    assert document.extraction_status == ExtractionStatus.DONE
    assert "扭矩试验规范" in document.extracted_text
    assert document.is_mislabelled


def test_file_over_the_size_limit_is_stored_but_not_extracted(worker, portal, settings):
    settings.ZHIKU_EXTRACT_MAX_BYTES = 10_000
    settings.LANGUAGE_CODE = "en"
    content = files.pdf(pages=3) + b"%" * 20_000
    document = finished(add_document(portal.research, "大文件", "大文件.pdf", content))
    assert document.extraction_status == ExtractionStatus.FAILED
    assert "over the extraction limit" in document.extraction_error
    assert document.file.size == len(content)


def test_zip_bomb_does_not_kill_the_worker(worker, portal):
    bomb = finished(add_document(portal.research, "炸弹", "bomb.zip", files.zip_bomb(64)))
    assert bomb.is_extraction_finished
    after = finished(add_document(portal.research, "之后", "之后.docx", files.docx()))
    assert after.extraction_status == ExtractionStatus.DONE


def test_time_limit_kills_a_slow_extraction_and_the_next_one_works(worker, portal, settings):
    from knowledge import extraction

    backend = extraction.get_backend()
    timeout = backend.timeout
    backend.timeout = 0.001
    try:
        slow = finished(add_document(portal.research, "超时", "超时.pdf", files.pdf(pages=3)))
    finally:
        backend.timeout = timeout
    assert slow.extraction_status == ExtractionStatus.FAILED
    assert slow.extraction_error
    after = finished(add_document(portal.research, "恢复", "恢复.pdf", files.pdf()))
    assert after.extraction_status == ExtractionStatus.DONE


def test_editor_can_retry_a_failed_extraction(worker, portal, client_for, settings):
    document = finished(add_document(portal.research, "重试", "重试.pdf", b""))
    assert document.extraction_status == ExtractionStatus.FAILED
    # The editor fixes the file on disk (as if restored from backup) and retries.
    with open(document.file.path, "wb") as handle:
        handle.write(files.pdf())
    client = client_for(portal.users.editor)
    response = client.post(reverse("knowledge_admin:document_retry", args=[document.pk]))
    assert response.status_code == 302
    assert finished(document).extraction_status == ExtractionStatus.DONE


def test_retry_is_refused_to_users_without_edit_rights_on_the_collection(portal, client_for):
    document = add_document(portal.finance, "财务", "财务.pdf", files.pdf())
    client = client_for(portal.users.editor)  # research editor, not finance
    assert_refused(client.post(reverse("knowledge_admin:document_retry", args=[document.pk])))
    assert_refused(client.get(reverse("knowledge_admin:document_detail", args=[document.pk])))


def test_web_process_never_loads_tika():
    code = (
        "import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup();"
        "import portal.wsgi; from django.urls import get_resolver; get_resolver().url_patterns;"
        "import knowledge.extraction, knowledge.admin_views, knowledge.tasks;"
        "print(any(m.startswith('iscc_tika') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_scheduler_requeues_extractions_whose_message_was_lost(worker, portal):
    from datetime import timedelta

    from django.utils import timezone

    from knowledge.models import DocumentVersion
    from knowledge.tasks import requeue_stalled_extractions

    document = finished(add_document(portal.research, "丢失", "丢失.docx", files.docx()))
    # As if the worker had died mid-way an hour ago: the version is stuck in "running".
    DocumentVersion.objects.filter(document=document).update(
        extraction_status=ExtractionStatus.RUNNING, extracted_text="", extracted_at=None,
        created_at=timezone.now() - timedelta(hours=1),
    )
    assert requeue_stalled_extractions() == 1
    version = document.versions.get()
    wait_for(lambda: DocumentVersion.objects.get(pk=version.pk).extraction_status == ExtractionStatus.DONE)
    assert requeue_stalled_extractions() == 0
