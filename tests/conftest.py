import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from portal.celery import app as celery_app

from .factories import build_portal


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(scope="session", autouse=True)
def celery_broker():
    """Tests use the broker of the settings when it is Redis, otherwise Celery's in-memory
    transport. Set before any test sends a task: producers keep the broker they first used."""
    broker = django_settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        broker = "memory://"
    celery_app.conf.update(broker_url=broker, broker_transport_options={}, task_acks_late=False)
    return celery_app


@pytest.fixture(scope="session")
def celery_worker_session(celery_broker):
    """A real Celery worker, in a thread of the test process."""
    celery_broker.control.purge()  # tasks left by earlier tests name rows that are gone
    with start_worker(celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        yield celery_broker


@pytest.fixture
def worker(celery_worker_session, transactional_db):
    return celery_worker_session


@pytest.fixture
def portal(db):
    return build_portal()


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
