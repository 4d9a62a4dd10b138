import time

from celery.signals import task_postrun, task_prerun

_tasks_running = [0]


@task_prerun.connect
def _task_started(**kwargs):
    _tasks_running[0] += 1


@task_postrun.connect
def _task_finished(**kwargs):
    _tasks_running[0] -= 1


def _worker_holds_tasks():
    """Whether the worker of this process has a task running, or one it has taken from the
    broker but not finished: prefetched, or waiting for its countdown (a retry)."""
    from celery.worker import state

    return bool(_tasks_running[0] or state.requests)


def drain_tasks(app, timeout=60, quiet=0.06):
    """Drop queued tasks and wait for running ones, so that nothing the test left behind runs
    later (the worker of the session keeps consuming between tests). Done once the broker and
    the worker have been empty for ``quiet`` seconds: a message the worker has just taken from
    the broker is in neither for a moment."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        purged = app.control.purge()
        if purged or _worker_holds_tasks():
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            break
        time.sleep(0.02)


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
