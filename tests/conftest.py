import os


import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.test import override_settings

from portal.celery import app as celery_app

from .factories import build_portal
from .utils import drain_tasks


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request):
    """ZHIKU_TEST_DB_NAME names the test database on a server (PostgreSQL), so that two runs on
    one server do not drop each other's; SQLite's test file is ZHIKU_TEST_DB (portal/settings.py)."""
    name = os.environ.get("ZHIKU_TEST_DB_NAME")
    if name:
        for alias in django_settings.DATABASES.values():
            if alias["ENGINE"] != "django.db.backends.sqlite3":
                alias.setdefault("TEST", {})["NAME"] = name
    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")  # xdist/tox suffixes, after


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Tests make hundreds of users; Django's PBKDF2 (a million rounds) costs ~0.2 s a password.
    What tests check is who may do what, not the hashing, so a cheap hasher does; logging in
    with the right and the wrong password still works the same way."""
    override = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(scope="session", autouse=True)
def celery_broker():
    """Tests use the broker of the settings when it is Redis, otherwise Celery's in-memory
    transport. Set before any test sends a task: producers keep the broker they first used."""
    broker = django_settings.CELERY_BROKER_URL
    options = {}
    if not broker.startswith("redis://"):
        broker = "memory://"
        # The in-memory transport polls, by default once a second: every task the worker
        # fetches would wait up to that long. (Redis blocks on BRPOP instead and needs nothing.)
        options = {"polling_interval": 0.01}
    celery_app.conf.update(broker_url=broker, broker_transport_options=options, task_acks_late=False)
    return celery_app


@pytest.fixture(scope="session")
def celery_worker_session(celery_broker):
    """A real Celery worker, in a thread of the test process."""
    celery_broker.control.purge()  # tasks left by earlier tests name rows that are gone
    with start_worker(celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        yield celery_broker


@pytest.fixture
def worker(celery_worker_session, transactional_db):
    """The worker, drained after the test: a task still running while the database is flushed
    would deadlock on PostgreSQL or meet a closed database."""
    yield celery_worker_session
    drain_tasks(celery_worker_session)


@pytest.fixture
def portal(db):
    return build_portal()


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session", autouse=True)
def elasticsearch_test_index():
    """With ELASTICSEARCH_URL set, every test (not only the engine conformance suite) writes to
    an index of its own, never to the one the portal uses."""
    import search.engines as engines

    django_settings.ELASTICSEARCH_INDEX = f"{django_settings.ELASTICSEARCH_INDEX}-test"
    engines._engine = None


@pytest.fixture(scope="session")
def elasticsearch_engine(elasticsearch_test_index):
    """An Elasticsearch engine on a test index of its own, when the ELASTICSEARCH_URL of the
    environment names a cluster that answers; otherwise the reason there is none (a string).
    The test index is dropped first, so it is created with the mappings of this code."""
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        return "ELASTICSEARCH_URL is not set: no Elasticsearch cluster to test against"
    try:
        from search.engines.elastic import ElasticsearchEngine

        index_name = django_settings.ELASTICSEARCH_INDEX
        engine = ElasticsearchEngine(url=url, index_name=index_name)
        if not engine.client.options(request_timeout=5, max_retries=0).ping():
            return f"no Elasticsearch cluster answers at ELASTICSEARCH_URL={url}"
        engine.client.indices.delete(index=index_name, ignore_unavailable=True)
    except Exception as error:  # a malformed URL, a refused connection, missing rights
        return f"Elasticsearch at ELASTICSEARCH_URL={url} is unusable: {error!r}"
    return engine


@pytest.fixture(params=[pytest.param("embedded", id="embedded"), pytest.param("elasticsearch", id="elasticsearch")])
def search_engine(request):
    """Each search engine in turn, as the one get_engine() returns for the test: the database's
    own index always, Elasticsearch when a cluster answers (skipped, with the reason, if not)."""
    import search.engines as engines

    if request.param == "embedded":
        engine = engines.embedded_engine()
    else:
        engine = request.getfixturevalue("elasticsearch_engine")
        if isinstance(engine, str):
            pytest.skip(engine)
        engine.ensure_index()
        engine.clear()  # documents outlive the test's rolled-back transaction
    saved = engines._engine
    engines._engine = engine
    try:
        yield engine
    finally:
        engines._engine = saved
