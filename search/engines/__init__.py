from django.conf import settings
from django.db import connection

_engine = None


def get_engine():
    """Elasticsearch when ELASTICSEARCH_URL is set, otherwise the database's own index."""
    global _engine
    if _engine is None:
        if settings.ELASTICSEARCH_URL:
            raise NotImplementedError("The Elasticsearch engine is not available yet.")
        if connection.vendor == "sqlite":
            from .sqlite import SqliteEngine

            _engine = SqliteEngine()
        elif connection.vendor == "postgresql":
            from .postgres import PostgresEngine

            _engine = PostgresEngine()
        else:
            raise NotImplementedError(f"No embedded search engine for {connection.vendor}.")
    return _engine
