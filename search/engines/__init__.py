from django.conf import settings
from django.db import connection

_engine = None


def embedded_engine():
    """The database's own index: FTS5 on SQLite, tsvector on PostgreSQL."""
    if connection.vendor == "sqlite":
        from .sqlite import SqliteEngine

        return SqliteEngine()
    if connection.vendor == "postgresql":
        from .postgres import PostgresEngine

        return PostgresEngine()
    raise NotImplementedError(f"No embedded search engine for {connection.vendor}.")


def get_engine():
    """Elasticsearch when ELASTICSEARCH_URL is set, otherwise the database's own index."""
    global _engine
    if _engine is None:
        if settings.ELASTICSEARCH_URL:
            from .elastic import ElasticsearchEngine

            _engine = ElasticsearchEngine(settings.ELASTICSEARCH_URL)
        else:
            _engine = embedded_engine()
    return _engine
