import time

from celery.signals import task_postrun, task_prerun

_tasks_running = [0]


@task_prerun.connect
def _task_started(**kwargs):
    _tasks_running[0] += 1


@task_postrun.connect
def _task_finished(**kwargs):
    _tasks_running[0] -= 1


def drain_tasks(app, timeout=60):
    """Drop queued tasks and wait for running ones, so that nothing the test left behind runs
    later (the worker of the session keeps consuming between tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        purged = app.control.purge()
        while _tasks_running[0] and time.monotonic() < deadline:
            time.sleep(0.05)
        if not purged and not _tasks_running[0]:
            break


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
