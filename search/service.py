"""Searching as a user: permissions, filters, facets with labels, snippets, logging."""
import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import registry
from .engines import get_engine
from .engines.base import FACETS, SearchRequest
from .models import QueryLog, SearchEntry, SearchEntryNode
from .text import clean_query, normalise, parse_query

MAX_PAGE = 500
SNIPPET_CHARS = 160


@dataclass
class Hit:
    key: str
    kind: str
    kind_label: str
    title: str
    url: str
    space: str
    score: float
    snippet: str
    matched_attachment: str
    date: datetime | None


@dataclass
class SearchResponse:
    query: str
    hits: list
    total: int
    page: int
    per_page: int
    facets: dict = field(default_factory=dict)
    message: str = ""
    total_exact: bool = True  # False: more than ``total`` match
    facets_exact: bool = True  # False: the facet counts are lower bounds

    @property
    def num_pages(self):
        return max(1, -(-self.total // self.per_page))


def _int_list(values):
    return [int(v) for v in values if str(v).isdigit()]


def page_number(value):
    """A page number from a request: 1 to MAX_PAGE, 1 for anything else."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)


def _parse_date(value):
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _needles(parsed):
    needles = []
    for term in parsed.terms:
        needles.extend(w for w in term.words if w)
    return sorted(set(needles), key=len, reverse=True)


def make_snippet(text, needles):
    """A window of ``text`` around the first needle, HTML-escaped, needles in <mark>."""
    if not text:
        return ""
    folded = normalise(text)
    if len(folded) != len(text):  # normalising changed lengths: show the normalised text
        text = folded
    position = min((p for p in (folded.find(n) for n in needles) if p >= 0), default=-1)
    if position < 0:
        return ""
    start = max(0, position - SNIPPET_CHARS // 3)
    window = text[start:start + SNIPPET_CHARS]
    folded_window = folded[start:start + SNIPPET_CHARS]
    spans = []
    for needle in needles:
        for match in re.finditer(re.escape(needle), folded_window):
            if not any(s <= match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    out, last = [], 0
    for s, e in sorted(spans):
        out += [html.escape(window[last:s]), "<mark>", html.escape(window[s:e]), "</mark>"]
        last = e
    out.append(html.escape(window[last:]))
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_CHARS < len(text) else ""
    return prefix + "".join(out).replace("\n", " ") + suffix


def _hit(entry, score, needles, labels):
    snippet, attachment = "", ""
    for text in (entry.summary, entry.body):
        snippet = make_snippet(text, needles)
        if snippet:
            break
    if not snippet:
        for item in entry.attachments:
            snippet = make_snippet(item.get("text", ""), needles)
            if snippet:
                attachment = item.get("name", "")
                break
    if not snippet:
        snippet = html.escape((entry.summary or entry.body)[:SNIPPET_CHARS])
    return Hit(
        key=entry.key, kind=entry.kind, kind_label=str(labels.get(entry.kind, entry.kind)), title=entry.title,
        url=entry.url, space=entry.space_title, score=score, snippet=mark_safe(snippet),
        matched_attachment=attachment, date=entry.date,
    )


def _facet_labels(facets):
    def values(name):
        return [value for value, _count in facets.get(name, [])]

    labels = {
        "kind": registry.kind_labels(),
        "space": SearchEntry.objects.labels("space_id", "space_title", values("space")),
        "node": SearchEntryNode.objects.labels("node_id", "label", values("node")),
        "owner": SearchEntry.objects.labels("owner_id", "owner_name", values("owner")),
    }
    return {
        name: [(value, str(labels.get(name, {}).get(value, value)), count) for value, count in facets.get(name, [])]
        for name in FACETS
    }


def _request(user, parsed, filters, page=1, per_page=20, sort="relevance"):
    """The engine request for a user's query; ``filters`` is a dict of lists (kind, space,
    node, owner, file_type) and strings (date_from, date_to)."""
    return SearchRequest(
        query=parsed,
        principals=registry.principals_for_user(user),
        kinds=[k for k in filters.get("kind", []) if k],
        spaces=_int_list(filters.get("space", [])),
        nodes=_int_list(filters.get("node", [])),
        owners=_int_list(filters.get("owner", [])),
        file_types=[f for f in filters.get("file_type", []) if f],
        date_from=_parse_date(filters.get("date_from")),
        date_to=_parse_date(filters.get("date_to")),
        sort="date" if sort == "date" else "relevance",
        offset=(page - 1) * per_page,
        limit=per_page,
    )


def search(user, q, filters=None, page=1, per_page=20, sort="relevance", source="web", log=True):
    """Search as ``user`` (see ``_request`` for the filters)."""
    filters = filters or {}
    per_page = min(max(int(per_page), 1), 100)
    page = page_number(page)
    parsed = parse_query(q)
    request = _request(user, parsed, filters, page, per_page, sort)
    message = ""
    if parsed.is_empty:
        message = _("Type a word, a phrase in quotes, or a code to search.") if (q or "").strip() == "" else _(
            "Nothing to search for in this query."
        )
        result = None
    else:
        result = get_engine().search(request)
    entries = SearchEntry.objects.in_bulk([h.entry_id for h in result.hits]) if result else {}
    needles = _needles(parsed)
    labels = registry.kind_labels()
    hits = [_hit(entries[h.entry_id], h.score, needles, labels) for h in (result.hits if result else [])
            if h.entry_id in entries]
    response = SearchResponse(
        query=clean_query(q), hits=hits, total=result.total if result else 0, page=page, per_page=per_page,
        facets=_facet_labels(result.facets) if result else {name: [] for name in FACETS}, message=message,
        total_exact=result.total_exact if result else True, facets_exact=result.facets_exact if result else True,
    )
    if log and not parsed.is_empty and user.is_authenticated:
        log_query(user, q, response.total, source, filters)
    return response


def log_query(user, q, result_count, source, filters=None):
    """Keep a search for the statistics (zero results show knowledge gaps); ``user`` is None
    for the public self-service site's anonymous visitors."""
    QueryLog.objects.create(
        user=user if user is not None and user.is_authenticated else None, query=clean_query(q),
        result_count=result_count, source=source, filters={k: v for k, v in (filters or {}).items() if v},
    )


def count(user, q, filters=None):
    """The exact number of matches ``user`` may read. Past the engine's window a search page
    says "more than n"; this counts them all, which costs more, so pages ask for it after
    they have shown the hits."""
    parsed = parse_query(q)
    if parsed.is_empty:
        return 0
    return get_engine().count(_request(user, parsed, filters or {}))


def suggest(user, prefix, limit=8):
    if not (prefix or "").strip():
        return []
    return get_engine().suggest(prefix[:64], registry.principals_for_user(user), limit)


def record_click(user, query, key):
    """Attach a clicked result to the user's latest log entry for that query."""
    entry = QueryLog.objects.filter(user=user, query=clean_query(query)).order_by("-created_at").first()
    if entry is not None and not entry.clicked_key:
        entry.clicked_key = key[:100]
        entry.save(update_fields=["clicked_key"])
