"""Text extraction: embedded Apache Tika (iscc-tika) by default, a Tika server when
``TIKA_SERVER_URL`` is set. Callers use :func:`extract_file`; the backends are interchangeable."""
import functools
import json
import logging
import os
import re
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger("zhiku.extraction")

PAGE_COUNT_KEYS = ("xmpTPg:NPages", "meta:page-count", "Page-Count", "meta:slide-count", "Slide-Count")


@dataclass
class ExtractionResult:
    text: str
    content_type: str = ""
    page_count: int | None = None
    language: str = ""
    metadata: dict = field(default_factory=dict)


class ExtractionFailed(Exception):
    """Extraction did not produce text; the message is meant for the user."""


def _first(metadata, key):
    value = metadata.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def _page_count(metadata):
    for key in PAGE_COUNT_KEYS:
        value = _first(metadata, key)
        if value not in (None, ""):
            try:
                return int(str(value).strip())
            except ValueError:
                continue
    return None


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


@functools.cache
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def detect_language(text):
    """zh-Hans, zh-Hant, en or "" — enough to label a document and pick an analyser."""
    sample = text[:20000]
    cjk = CJK.findall(sample)
    latin = len(LATIN.findall(sample))
    if len(cjk) >= 10 and len(cjk) * 3 >= latin:
        chars = "".join(cjk)
        changed = sum(a != b for a, b in zip(chars, _to_simplified().convert(chars)))
        return "zh-Hant" if changed / len(chars) > 0.03 else "zh-Hans"
    if latin >= 20:
        return "en"
    return ""


def explain_parse_error(message):
    lowered = message.lower()
    if "encrypt" in lowered or "password" in lowered:
        return _("The file is password-protected; its text cannot be read.")
    if "> 0 bytes" in lowered or "zero length" in lowered:
        return _("The file is empty.")
    if "zip bomb" in lowered or "too many" in lowered or "compression" in lowered:
        return _("The file expands to more data than allowed (possible zip bomb).")
    return _("The file could not be parsed; it may be damaged or of an unsupported format (%(detail)s).") % {
        "detail": message[:300]
    }


def _result(text, metadata):
    text = (text or "").replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    if not text:
        # Tika reports some failures (an encrypted PDF, say) as a warning next to empty text.
        problems = [
            str(_first(metadata, key)) for key in metadata
            if key.startswith("X-TIKA:warning") or key.startswith("X-TIKA:EXCEPTION")
        ]
        if problems:
            raise ExtractionFailed(explain_parse_error("; ".join(problems)))
    return ExtractionResult(
        text=text,
        content_type=str(_first(metadata, "Content-Type") or ""),
        page_count=_page_count(metadata),
        language=detect_language(text),
        metadata=metadata,
    )


class EmbeddedTikaBackend:
    """iscc-tika in a long-lived child process (``knowledge.tika_child``), restarted after a
    time-out or a crash. A plain subprocess, because Celery's pool processes are daemonic and
    may not start multiprocessing children."""

    def __init__(self, timeout, max_chars):
        self.timeout = timeout
        self.max_chars = max_chars
        self._process = None
        self._lock = threading.Lock()

    def _start(self):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "knowledge.tika_child"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=settings.BASE_DIR,
        )

    def stop(self):
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(5)
            for stream in (process.stdin, process.stdout):
                stream.close()

    def _read(self, size, deadline):
        chunks, remaining = [], size
        fd = self._process.stdout.fileno()
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def extract(self, path):
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self.stop()
                self._start()
            deadline = time.monotonic() + self.timeout
            try:
                request = json.dumps({"path": os.fspath(path), "max_chars": self.max_chars}) + "\n"
                self._process.stdin.write(request.encode("utf-8"))
                self._process.stdin.flush()
                size = int.from_bytes(self._read(8, deadline), "big")
                ok, payload = json.loads(self._read(size, deadline))
            except TimeoutError:
                self.stop()
                raise ExtractionFailed(
                    _("Extraction took longer than the limit of %(seconds)s seconds.") % {"seconds": self.timeout}
                )
            except (EOFError, OSError, ValueError):
                self.stop()
                raise ExtractionFailed(_("The extractor stopped while reading this file (the file may be malformed)."))
        if not ok:
            raise ExtractionFailed(explain_parse_error(payload))
        return _result(*payload)


class TikaServerBackend:
    """A running Apache Tika server, through the ``tika`` package in client-only mode."""

    def __init__(self, url, timeout, max_chars):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.max_chars = max_chars

    def extract(self, path):
        os.environ["TIKA_CLIENT_ONLY"] = "True"  # never download or start a Tika jar
        from tika import parser
        from tika import tika as tika_client

        tika_client.TikaClientOnly = True

        try:
            parsed = parser.from_file(
                os.fspath(path), serverEndpoint=self.url, requestOptions={"timeout": self.timeout}
            )
        except Exception as exc:  # connection errors, time-outs
            raise ExtractionFailed(_("The Tika server could not be reached: %(error)s") % {"error": exc}) from exc
        status = parsed.get("status")
        if status == 422:  # Tika server's answer for encrypted and unparseable files alike
            raise ExtractionFailed(
                _("The Tika server could not parse the file; it may be password-protected or damaged (HTTP 422).")
            )
        if status != 200:
            raise ExtractionFailed(explain_parse_error(f"Tika server answered HTTP {status}"))
        return _result((parsed.get("content") or "")[: self.max_chars], parsed.get("metadata") or {})


_backend = None
_backend_lock = threading.Lock()


def get_backend():
    global _backend
    with _backend_lock:
        if _backend is None:
            if settings.TIKA_SERVER_URL:
                _backend = TikaServerBackend(
                    settings.TIKA_SERVER_URL, settings.ZHIKU_EXTRACT_TIMEOUT, settings.ZHIKU_EXTRACT_MAX_CHARS
                )
            else:
                _backend = EmbeddedTikaBackend(settings.ZHIKU_EXTRACT_TIMEOUT, settings.ZHIKU_EXTRACT_MAX_CHARS)
        return _backend


def reset_backend():
    """Forget the backend (after a settings change); stops the embedded extractor process."""
    global _backend
    with _backend_lock:
        if isinstance(_backend, EmbeddedTikaBackend):
            _backend.stop()
        _backend = None


def extract_file(path):
    """Extract text and metadata from the file at ``path``; raises :class:`ExtractionFailed`."""
    size = os.path.getsize(path)
    if size == 0:
        raise ExtractionFailed(_("The file is empty."))
    if size > settings.ZHIKU_EXTRACT_MAX_BYTES:
        raise ExtractionFailed(
            _("The file is %(size)s MB, over the extraction limit of %(limit)s MB; it is stored but not indexed.")
            % {"size": round(size / 2**20, 1), "limit": round(settings.ZHIKU_EXTRACT_MAX_BYTES / 2**20)}
        )
    return get_backend().extract(path)
