"""The one interface of every search engine, and the values that cross it."""
from dataclasses import dataclass, field
from datetime import datetime

from ..text import ParsedQuery

# Field boosts, title > keywords > summary > body > attachment text (issue 4).
BOOSTS = {"title": 10.0, "keywords": 6.0, "summary": 4.0, "body": 2.0, "attachments": 1.0}
FACETS = ["kind", "space", "category", "owner", "file_type"]


@dataclass
class SearchRequest:
    query: ParsedQuery
    principals: list | None  # None: may read everything (superuser)
    kinds: list = field(default_factory=list)
    spaces: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    owners: list = field(default_factory=list)
    file_types: list = field(default_factory=list)
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"  # or "date"
    offset: int = 0
    limit: int = 20


@dataclass
class RawHit:
    entry_id: int
    score: float


@dataclass
class EngineResult:
    hits: list  # RawHit, in order
    total: int
    facets: dict  # facet name -> list of (value, count)


class Engine:
    name = "base"

    def index(self, entries):
        """Add or replace these SearchEntry rows in the engine's index."""
        raise NotImplementedError

    def remove(self, entry_ids):
        raise NotImplementedError

    def clear(self):
        raise NotImplementedError

    def search(self, request: SearchRequest) -> EngineResult:
        raise NotImplementedError

    def suggest(self, prefix, principals, limit=8) -> list:
        """Titles and keywords starting with (or, for Chinese, containing) ``prefix``."""
        raise NotImplementedError

    def indexed_ids(self) -> set:
        raise NotImplementedError
