"""Bulk import of legacy documents (KB-03): folders and zips, duplicates, bad archives, re-runs."""
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from knowledge.models import ArticlePage, DimensionNode, ImportRun, KnowledgeDocument
from knowledge.services.importer import import_source

from . import files
from .utils import wait_for


@pytest.fixture
def legacy_folder(tmp_path):
    root = tmp_path / "legacy"
    (root / "试验规范" / "发动机").mkdir(parents=True)
    (root / "财务").mkdir()
    (root / "试验规范" / "发动机" / "扭矩试验.pdf").write_bytes(files.pdf())
    (root / "试验规范" / "说明.docx").write_bytes(files.docx())
    (root / "财务" / "账龄.xlsx").write_bytes(files.xlsx())
    (root / "财务" / "账龄-副本.xlsx").write_bytes(files.xlsx())  # same bytes: a duplicate
    (root / "空文件.txt").write_bytes(b"")
    (root / ".DS_Store").write_bytes(b"junk")
    return root


def test_import_folder_keeps_structure_and_skips_duplicates(portal, legacy_folder, capsys, settings):
    settings.LANGUAGE_CODE = "en"
    call_command("kb_import", str(legacy_folder), space="research", node="历史资料", owner="editor")
    out = capsys.readouterr().out
    assert "Imported 4, duplicates 1, failed 0" in out

    pdf_doc = KnowledgeDocument.objects.get(title="扭矩试验")
    assert pdf_doc.source_path == "试验规范/发动机/扭矩试验.pdf"
    assert pdf_doc.collection_id == portal.research.collection_id
    article = ArticlePage.objects.get(title="扭矩试验")
    assert article.live and article.get_parent().pk == portal.research.pk
    assert [n.label for n in article.nodes.all()] == ["Category / 历史资料 / 试验规范 / 发动机"]
    assert article.attachments.get().document == pdf_doc
    assert article.content_owner == portal.users.editor
    assert DimensionNode.objects.filter(name="财务", dimension__slug="category", depth=2).exists()

    # Running it again imports nothing new.
    call_command("kb_import", str(legacy_folder), space="research")
    assert "Imported 0, duplicates 5, failed 0" in capsys.readouterr().out
    assert KnowledgeDocument.objects.count() == 4


def test_interrupted_import_continues_where_it_stopped(portal, legacy_folder):
    calls = []

    def interrupt_after_two(summary):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_source(legacy_folder, portal.research, progress=interrupt_after_two)
    assert KnowledgeDocument.objects.count() == 2
    summary = import_source(legacy_folder, portal.research)
    assert (summary.imported, summary.duplicates) == (2, 3)
    assert KnowledgeDocument.objects.count() == 4


def test_bad_zip_is_refused_with_a_message(portal, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    bad = tmp_path / "坏.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(CommandError) as error:
        call_command("kb_import", str(bad), space="research")
    assert "neither a folder nor a zip" in str(error.value) or "cannot be read" in str(error.value)
    with pytest.raises(CommandError):
        call_command("kb_import", str(tmp_path / "missing"), space="research")


def test_zip_with_escaping_paths_gbk_names_and_a_bomb(portal, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    archive = tmp_path / "legacy.zip"
    archive.write_bytes(files.zip_bytes({
        "../../evil.txt": b"escape",
        "/etc/passwd2": b"absolute",
        "资料/采购合同.docx": files.docx("采购合同条款"),
    }, gbk_names=True))
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w") as outer:
        outer.writestr("内层/炸弹.zip", files.zip_bomb(8))
        outer.writestr("内层/zeros.bin", b"\0" * (16 * 2**20), compress_type=zipfile.ZIP_DEFLATED)

    summary = import_source(archive, portal.research)
    assert summary.imported == 1 and summary.failed == 2
    assert all("Unsafe path" in row["message"] for row in summary.report if row["outcome"] == "failed")
    assert KnowledgeDocument.objects.get().title == "采购合同"
    assert DimensionNode.objects.filter(name="资料").exists()
    assert not (tmp_path / "evil.txt").exists() and not os.path.exists("/etc/passwd2")
    media_files = [os.path.join(d, f) for d, _s, fs in os.walk(settings.MEDIA_ROOT) for f in fs]
    assert all(os.path.realpath(p).startswith(os.path.realpath(settings.MEDIA_ROOT)) for p in media_files)

    bomb_summary = import_source(bomb, portal.research)
    assert bomb_summary.failed == 1 and "zip bomb" in bomb_summary.report[-1]["message"]


@pytest.mark.worker
def test_knowledge_manager_imports_a_zip_in_the_admin(worker, portal, client_for):
    upload = SimpleUploadedFile("旧资料.zip", files.zip_bytes({"制度/报销制度.docx": files.docx("差旅报销标准")}))
    manager = client_for(portal.users.manager)
    response = manager.post(
        reverse("knowledge_admin:imports"), {"archive": upload, "space": portal.research.pk, "node": "制度汇编"}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    wait_for(lambda: ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.FINISHED)
    run.refresh_from_db()
    assert run.imported == 1 and run.owner == portal.users.manager
    detail = manager.get(reverse("knowledge_admin:import_detail", args=[run.pk]))
    assert "制度/报销制度.docx" in detail.content.decode()
    document = KnowledgeDocument.objects.get(title="报销制度")
    wait_for(lambda: KnowledgeDocument.objects.get(pk=document.pk).extraction_status == "done")


def test_import_is_for_knowledge_managers_only(portal, client_for):
    editor = client_for(portal.users.editor)
    response = editor.get(reverse("knowledge_admin:imports"))
    assert response.status_code in (302, 403)
    upload = SimpleUploadedFile("x.zip", files.zip_bytes({"a.docx": files.docx()}))
    editor.post(reverse("knowledge_admin:imports"), {"archive": upload, "space": portal.research.pk})
    assert not ImportRun.objects.exists()
