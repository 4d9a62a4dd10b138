"""Bulk import of legacy documents (KB-03) from a folder or a zip archive.

Every file becomes a document in the space's collection plus a published article in the space,
filed under the dimension node that mirrors its folder. Files already in the knowledge base (same
SHA-256) are skipped, and each file is committed on its own, so an interrupted run can simply be
started again.
"""
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ArticleAttachment, ArticlePage, Dimension, DocumentVersion, ImportRun, KnowledgeDocument

SKIPPED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_COMPRESSION_RATIO = 200  # typical office files compress 2-10x; a zip bomb 1000x+


class ImportRefused(Exception):
    """The whole source cannot be imported (unreadable zip, missing folder)."""


@dataclass
class SourceFile:
    relative_path: str  # POSIX path inside the source, folders included
    open: callable  # returns a binary file object
    size: int
    problem: str = ""  # set when the entry must not be read at all


OUTCOME_LABELS = {
    "imported": gettext_lazy("Imported"), "duplicates": gettext_lazy("Duplicate"), "failed": gettext_lazy("Failed"),
}


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    failed: int = 0
    report: list = field(default_factory=list)

    def add(self, path, outcome, message=""):
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.report.append({"path": path, "outcome": outcome, "message": message})


def _zip_entry_name(info):
    """Zip tools on Chinese Windows write GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _safe_parts(name):
    """Path components of an archive entry, or None when it tries to leave the folder."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _is_skipped(parts):
    return not parts or parts[-1].lower() in SKIPPED_NAMES or parts[0] == "__MACOSX" or parts[-1].startswith("~$")


def iter_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(_("The archive cannot be read: %(error)s") % {"error": exc}) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if total > settings.ZHIKU_IMPORT_MAX_UNPACKED_BYTES:
            raise ImportRefused(
                _("The archive unpacks to %(size)s MB, more than the limit of %(limit)s MB.")
                % {"size": total // 2**20, "limit": settings.ZHIKU_IMPORT_MAX_UNPACKED_BYTES // 2**20}
            )
        for info in infos:
            name = _zip_entry_name(info)
            parts = _safe_parts(name)
            if parts is None:
                yield SourceFile(name, None, 0, _("Unsafe path in archive; entry skipped."))
                continue
            if _is_skipped(parts):
                continue
            problem = ""
            if info.flag_bits & 0x1:
                problem = _("The archive entry is encrypted.")
            elif info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO and info.file_size > 2**20:
                problem = _("The entry expands %(ratio)d times (possible zip bomb); skipped.") % {
                    "ratio": info.file_size // info.compress_size
                }
            yield SourceFile("/".join(parts), lambda info=info: archive.open(info), info.file_size, problem)


def iter_folder(path):
    root = Path(path)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for filename in sorted(filenames):
            full = Path(dirpath) / filename
            parts = list(full.relative_to(root).parts)
            if _is_skipped(parts) or full.is_symlink():
                continue
            yield SourceFile("/".join(parts), lambda full=full: open(full, "rb"), full.stat().st_size)


def iter_source(path):
    path = Path(path)
    if path.is_dir():
        return iter_folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return iter_zip(path)
    if not path.exists():
        raise ImportRefused(_("%(path)s does not exist.") % {"path": path})
    raise ImportRefused(_("%(path)s is neither a folder nor a zip archive.") % {"path": path})


def count_source(path):
    """How many entries ``path`` holds, for a progress bar."""
    path = Path(path)
    if path.is_dir():
        return sum(len(files) for _root, _dirs, files in os.walk(path))
    with zipfile.ZipFile(path) as archive:
        return sum(1 for i in archive.infolist() if not i.is_dir())


def _copy_to_temp(source):
    """Copy an entry to a temporary file while hashing it, reading at most its declared size."""
    digest = hashlib.sha256()
    limit = settings.ZHIKU_IMPORT_MAX_UNPACKED_BYTES
    temp = tempfile.NamedTemporaryFile(prefix="zhiku-import-", delete=False)
    written = 0
    with source.open() as handle, temp:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            written += len(chunk)
            if written > limit:
                raise ImportRefused(_("The file is larger than the import limit."))
            digest.update(chunk)
            temp.write(chunk)
    return temp.name, digest.hexdigest()


def is_known_file(sha256):
    return (
        KnowledgeDocument.objects.filter(sha256=sha256).exists()
        or DocumentVersion.objects.filter(sha256=sha256).exists()
    )


def storage_name(filename):
    """A file name that fits the storage's column and keeps the extension."""
    stem, ext = os.path.splitext(filename)
    return stem[:80] + ext[:12].lower()


@transaction.atomic
def import_one(source, temp_path, sha256, space, dimension, base_path, owner):
    parts = source.relative_path.split("/")
    filename = parts[-1]
    title = (os.path.splitext(filename)[0] or filename)[:255]
    node = dimension.node_from_path(base_path + parts[:-1]) if (base_path or parts[:-1]) else None
    with open(temp_path, "rb") as handle:
        document = KnowledgeDocument(
            title=title,
            collection=space.collection or KnowledgeDocument._meta.get_field("collection").get_default(),
            uploaded_by_user=owner,
            source_path=source.relative_path[:1024],
        )
        document.file.save(storage_name(filename), File(handle), save=False)
        document.save()
    article = ArticlePage(
        title=title,
        summary=_("Imported from %(path)s") % {"path": source.relative_path},
        content_owner=owner,
        owner=owner,
        department=space.department,
    )
    article.attachments.add(ArticleAttachment(document=document))
    article.nodes = [node] if node is not None else []
    space.add_child(instance=article)
    article.save_revision(user=owner, log_action=True).publish(user=owner)
    return document


def import_source(path, space, node_path="", owner=None, progress=None, dimension=None):
    """Import every file under ``path``; returns an :class:`ImportSummary`. ``progress`` is
    called once per file with the running summary."""
    base_path = [p for p in node_path.replace("\\", "/").split("/") if p.strip()]
    dimension = dimension or Dimension.for_imports()
    summary = ImportSummary()
    for source in iter_source(path):
        if source.problem:
            summary.add(source.relative_path, "failed", source.problem)
        else:
            try:
                temp_path, sha256 = _copy_to_temp(source)
            except (ImportRefused, zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                summary.add(source.relative_path, "failed", str(exc))
            else:
                try:
                    if is_known_file(sha256):
                        summary.add(source.relative_path, "duplicates", _("Already in the knowledge base."))
                    else:
                        import_one(source, temp_path, sha256, space, dimension, base_path, owner)
                        summary.add(source.relative_path, "imported")
                finally:
                    os.unlink(temp_path)
        if progress:
            progress(summary)
    return summary


def queue_zip_import(uploaded, space, node_path, user, dimension=None):
    from ..tasks import run_import

    run = ImportRun(source_name=uploaded.name[:255], space=space, dimension=dimension, node_path=node_path, owner=user)
    run.archive.save(storage_name(os.path.basename(uploaded.name)), uploaded, save=False)
    run.save()
    transaction.on_commit(lambda: run_import.delay(run.pk))
    return run


def _store_summary(run, summary):
    run.imported, run.duplicates, run.failed = summary.imported, summary.duplicates, summary.failed
    run.report = summary.report
    run.save(update_fields=["imported", "duplicates", "failed", "report"])


def run_import_run(run, path=None, progress=None):
    """Carry out an :class:`ImportRun`, recording its progress and outcome on it."""
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])

    def on_progress(summary):
        if (summary.imported + summary.duplicates + summary.failed) % 10 == 0:
            _store_summary(run, summary)
        if progress:
            progress(summary)

    try:
        summary = import_source(path or run.archive.path, run.space, run.node_path, run.owner, on_progress, run.dimension)
    except ImportRefused as exc:
        run.status, run.error = ImportRun.Status.FAILED, str(exc)
        summary = None
    except BaseException:
        run.status, run.error = ImportRun.Status.FAILED, _("Interrupted; run the import again to continue.")
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    else:
        run.status = ImportRun.Status.FINISHED
        _store_summary(run, summary)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return summary
