import time


def wait_for(predicate, timeout=60, interval=0.1):
    """Poll ``predicate`` until it returns something true; the worker runs in another thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def finished(document):
    """Wait until the worker has finished extracting ``document``'s current file."""
    document.refresh_from_db()

    def done():
        document.refresh_from_db()
        return document.is_extraction_finished

    wait_for(done)
    return document


def assert_refused(response):
    """Wagtail admin answers PermissionDenied with a redirect to the dashboard."""
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert response.url in ("/admin/", "/accounts/login/") or response.url.startswith("/accounts/login/?")
