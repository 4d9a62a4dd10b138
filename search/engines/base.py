"""The one interface of every search engine, and the values that cross it."""
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..text import ParsedQuery

# Field boosts, title > keywords > summary > body > attachment text (issue 4).
BOOSTS = {"title": 10.0, "keywords": 6.0, "summary": 4.0, "body": 2.0, "attachments": 1.0}
FACETS = ["kind", "space", "node", "owner", "file_type"]
# Facets of one value per item, counted by grouping entries on their columns; an item sits in
# any number of dimension nodes, so the node facet is counted on its own.
GROUPED_FACETS = [name for name in FACETS if name != "node"]
FACET_SIZE = 30  # values shown per facet


@dataclass
class SearchRequest:
    query: ParsedQuery
    principals: list | None  # None: may read everything (superuser)
    kinds: list = field(default_factory=list)
    spaces: list = field(default_factory=list)
    nodes: list = field(default_factory=list)  # dimension node ids (an item in a node's subtree matches)
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
    total_exact: bool = True  # False: at least ``total`` match
    facets_exact: bool = True  # False: facets count only some matches (each count a lower bound)


def selected_facets(request):
    """The facet filters a request selects, by facet name."""
    selected = {"kind": request.kinds, "space": request.spaces, "node": request.nodes,
                "owner": request.owners, "file_type": request.file_types}
    return {name: values for name, values in selected.items() if values}


def disjunctive_facets(groups, selected):
    """Counts of the grouped facets from rows grouped by their columns (``GROUPED_FACETS``
    order, then the count): each facet counts the rows that pass every selected filter but its
    own. ``selected`` may name the node facet; the rows must already be within its filter."""
    selected = {GROUPED_FACETS.index(name): set(values) for name, values in selected.items() if name != "node"}
    counts = [{} for _name in GROUPED_FACETS]
    for row in groups:
        failing = [i for i, values in selected.items() if row[i] not in values]
        if len(failing) > 1:
            continue  # outside two filters: counts for no facet
        for position, facet_counts in enumerate(counts):
            if failing and failing[0] != position:
                continue  # a row outside one filter counts only for that filter's own facet
            value = row[position]
            if value is not None and value != "":
                facet_counts[value] = facet_counts.get(value, 0) + row[-1]
    return {
        name: top_counts(facet_counts.items())
        for name, facet_counts in zip(GROUPED_FACETS, counts)
    }


def top_counts(rows):
    """(value, count) rows of one facet, the most frequent first, at most FACET_SIZE."""
    return sorted(((v, c) for v, c in rows if v is not None), key=lambda item: (-item[1], str(item[0])))[:FACET_SIZE]


def sql_date_conditions(request):
    """`` AND e.date >= %s ...`` for the request's date range (SQL engines: entries as ``e``)."""
    clauses, params = [], []
    if request.date_from:
        clauses.append("e.date >= %s")
        params.append(request.date_from)
    if request.date_to:
        clauses.append("e.date <= %s")
        params.append(request.date_to)
    return "".join(f" AND {c}" for c in clauses), params


def unique_titles(titles, limit):
    """The first ``limit`` distinct titles, in order (suggestions)."""
    return list(dict.fromkeys(titles))[:limit]


class Engine:
    name = "base"

    def index(self, entries):
        """Add or replace these SearchEntry rows in the engine's index."""
        self.write([self.prepare(entry) for entry in entries])

    def prepare(self, entry):
        """What ``write`` stores for a SearchEntry: plain, picklable data. This is the costly
        part (segmentation), so a rebuild runs it in worker processes."""
        raise NotImplementedError

    def write(self, prepared):
        raise NotImplementedError

    def begin_bulk(self):
        """Before a rebuild writes many batches."""

    def end_bulk(self):
        """After a rebuild."""

    def remove(self, entry_ids):
        raise NotImplementedError

    def clear(self):
        raise NotImplementedError

    def search(self, request: SearchRequest) -> EngineResult:
        raise NotImplementedError

    def count(self, request: SearchRequest) -> int:
        """The exact number of matches (engines whose search total is always exact use it)."""
        return self.search(replace(request, offset=0, limit=0)).total

    def suggest(self, prefix, principals, limit=8) -> list:
        """Titles and keywords starting with (or, for Chinese, containing) ``prefix``."""
        raise NotImplementedError

    def indexed_ids(self) -> set:
        raise NotImplementedError
