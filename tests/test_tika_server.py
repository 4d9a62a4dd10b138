"""The Apache Tika server adapter (TIKA_SERVER_URL), against a stand-in server.

A real Tika server needs a JVM and a jar this machine cannot download, so a small HTTP server
answers the same REST call (PUT /rmeta/text) the ``tika`` client makes. The embedded engine is
tested for real in test_extraction.py."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from knowledge import extraction

from . import files


class FakeTika(BaseHTTPRequestHandler):
    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/rmeta/text":
            self.send_response(404)
            self.end_headers()
            return
        if body.startswith(b"%PDF") and b"/Encrypt" in body:
            self.send_response(422)
            self.end_headers()
            return
        reply = json.dumps([{
            "Content-Type": "application/pdf", "xmpTPg:NPages": "2",
            "X-TIKA:content": f"\n上海企业知识库 {len(body)} 字节\n",
        }]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def tika_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTika)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.TIKA_SERVER_URL = f"http://127.0.0.1:{server.server_port}"
    settings.LANGUAGE_CODE = "en"
    extraction.reset_backend()
    yield server
    server.shutdown()
    extraction.reset_backend()


def test_tika_server_backend_is_used_when_configured(tika_server, tmp_path):
    path = tmp_path / "a.pdf"
    content = files.pdf()
    path.write_bytes(content)
    assert isinstance(extraction.get_backend(), extraction.TikaServerBackend)
    result = extraction.extract_file(path)
    assert result.text == f"上海企业知识库 {len(content)} 字节"
    assert result.content_type == "application/pdf" and result.page_count == 2


def test_tika_server_refusal_becomes_a_clear_reason(tika_server, tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(files.encrypted_pdf())
    with pytest.raises(extraction.ExtractionFailed, match="password-protected or damaged"):
        extraction.extract_file(path)


def test_unreachable_tika_server_is_reported(settings, tmp_path):
    settings.TIKA_SERVER_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.LANGUAGE_CODE = "en"
    extraction.reset_backend()
    path = tmp_path / "a.pdf"
    path.write_bytes(files.pdf())
    try:
        with pytest.raises(extraction.ExtractionFailed, match="could not be reached"):
            extraction.extract_file(path)
    finally:
        extraction.reset_backend()
