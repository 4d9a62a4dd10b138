"""The embedded engine on PostgreSQL: the same pre-segmented text as on SQLite, in a weighted
tsvector ('english' for words, so English is stemmed; 'simple' for single CJK characters),
ranked with ts_rank_cd; permissions are an array overlap in the same WHERE."""
from django.db import connection

from ..text import CJK_RUN, index_chars, index_words, needs_characters, normalise, query_words
from .base import (
    FACETS, GROUPED_FACETS, Engine, EngineResult, RawHit, disjunctive_facets, selected_facets, sql_date_conditions,
    top_counts, unique_titles,
)

ENTRY_TABLE = "zhiku_search_searchentry"
NODE_TABLE = "zhiku_search_searchentrynode"
FACET_COLUMNS = {"kind": "e.kind", "space": "e.space_id", "owner": "e.owner_id", "file_type": "e.file_type"}
# ts_rank_cd weights for D, C, B, A: body and attachments, summary, keywords, title.
RANK_WEIGHTS = "'{0.1, 0.4, 0.6, 1.0}'"
DOCUMENT_SQL = (
    "setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B') || "
    "setweight(to_tsvector('english', %s), 'C') || setweight(to_tsvector('english', %s), 'D') || "
    "setweight(to_tsvector('english', %s), 'D') || setweight(to_tsvector('simple', %s), 'A') || "
    "setweight(to_tsvector('simple', %s), 'D')"
)


def _lexemes(tokens):
    return " <-> ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in tokens)


def _word_query(word, params):
    parts = []
    tokens = query_words(word)
    if tokens:
        parts.append("to_tsquery('english', %s)")
        params.append(_lexemes(tokens))
    if needs_characters(word):
        parts.append("to_tsquery('simple', %s)")
        params.append(_lexemes(list(word)))
    return "(" + " || ".join(parts) + ")" if parts else None


def _term_query(term, params):
    if term.phrase and all(CJK_RUN.fullmatch(w) for w in term.words):
        joined = "".join(term.words)
        if not needs_characters(joined):
            params.append(_lexemes(query_words(joined)))
            return "to_tsquery('english', %s)"
        params.append(_lexemes(list(joined)))
        return "to_tsquery('simple', %s)"
    parts = [p for p in (_word_query(w, params) for w in term.words) if p]
    return "(" + " && ".join(parts) + ")" if parts else None


def tsquery(query):
    """SQL for the tsquery of a parsed query, with its parameters, or (None, [])."""
    params = []
    terms = [t for t in (_term_query(term, params) for term in query.terms) if t]
    if not terms:
        return None, []
    sql = "(" + " || ".join(terms) + ")"
    excluded = [t for t in (_term_query(term, params) for term in query.excluded) if t]
    if excluded:
        sql = f"({sql} && !!({' || '.join(excluded)}))"
    return sql, params


def _filters(request, facets=FACETS):
    """SQL conditions (and params) for the request's dates and its filters of ``facets``."""
    clauses, params = [], []
    for name, values in selected_facets(request).items():
        if name not in facets:
            continue
        placeholders = ", ".join(["%s"] * len(values))
        if name == "node":
            clauses.append(f" AND EXISTS (SELECT 1 FROM {NODE_TABLE} n WHERE n.entry_id = e.id "
                           f"AND n.node_id IN ({placeholders}))")
        else:
            clauses.append(f" AND {FACET_COLUMNS[name]} IN ({placeholders})")
        params.extend(values)
    dates, date_params = sql_date_conditions(request)
    return "".join(clauses) + dates, params + date_params


class PostgresEngine(Engine):
    name = "postgresql-fts"

    def prepare(self, entry):
        attachment_text = entry.attachment_text
        return [entry.pk, index_words(entry.title), index_words(entry.keywords), index_words(entry.summary),
                index_words(entry.body), index_words(attachment_text), index_chars(entry.title),
                index_chars(" ".join([entry.keywords, entry.summary, entry.body, attachment_text])),
                entry.principals.split(), normalise(entry.title)]

    def write(self, prepared):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO search_pg (entry_id, document, principals, title_norm) VALUES (%s, {DOCUMENT_SQL}, "
                "%s, %s) ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document, "
                "principals = EXCLUDED.principals, title_norm = EXCLUDED.title_norm",
                prepared,
            )

    def remove(self, entry_ids):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_pg WHERE entry_id = ANY(%s)", [list(entry_ids)])

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_pg")

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT entry_id FROM search_pg")
            return {row[0] for row in cursor.fetchall()}

    def _where(self, request):
        query_sql, params = tsquery(request.query)
        if query_sql is None:
            return None, None, []
        where = "p.document @@ q.query"
        if request.principals is not None:
            where += " AND p.principals && %s"
            params_tail = [list(request.principals)]
        else:
            params_tail = []
        return query_sql, where, params + params_tail

    def search(self, request):
        query_sql, where, params = self._where(request)
        if query_sql is None:
            return EngineResult(hits=[], total=0, facets={name: [] for name in FACETS})
        entries = f"FROM search_pg p JOIN {ENTRY_TABLE} e ON e.id = p.entry_id"
        rest = f", (SELECT {query_sql} AS query) q WHERE {where}"
        base = entries + rest
        # The tsquery params come first (inside the FROM), then the principals.
        filter_sql, filter_params = _filters(request)
        order = "rank DESC" if request.sort != "date" else "e.date DESC NULLS LAST"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id, ts_rank_cd({RANK_WEIGHTS}, p.document, q.query) AS rank {base}{filter_sql} "
                f"ORDER BY {order}, e.id LIMIT %s OFFSET %s",
                [*params, *filter_params, request.limit, request.offset],
            )
            hits = [RawHit(entry_id=row[0], score=round(float(row[1]), 4)) for row in cursor.fetchall()]
            cursor.execute(f"SELECT count(*) {base}{filter_sql}", [*params, *filter_params])
            total = cursor.fetchone()[0]
            # Each facet counts within every filter but its own (see base.disjunctive_facets).
            node_sql, node_params = _filters(request, facets=["node"])
            columns = ", ".join(FACET_COLUMNS[name] for name in GROUPED_FACETS)
            cursor.execute(f"SELECT {columns}, count(*) {base}{node_sql} GROUP BY {columns}", [*params, *node_params])
            facets = disjunctive_facets(cursor.fetchall(), selected_facets(request))
            others_sql, others_params = _filters(request, facets=GROUPED_FACETS)
            cursor.execute(
                f"SELECT en.node_id, count(*) {entries} JOIN {NODE_TABLE} en ON en.entry_id = e.id{rest}{others_sql} "
                "GROUP BY en.node_id", [*params, *others_params],
            )
            facets["node"] = top_counts(cursor.fetchall())
        return EngineResult(hits=hits, total=total, facets=facets)

    def suggest(self, prefix, principals, limit=8):
        folded = normalise(prefix).strip()
        if not folded:
            return []
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = (f"SELECT e.title FROM search_pg p JOIN {ENTRY_TABLE} e ON e.id = p.entry_id "
               "WHERE (p.title_norm LIKE %s OR lower(e.keywords) LIKE %s)")
        params = [pattern, pattern]
        if principals is not None:
            sql += " AND p.principals && %s"
            params.append(list(principals))
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY p.title_norm NOT LIKE %s, length(e.title), e.title LIMIT %s",
                           [*params, pattern, limit * 2])
            return unique_titles((title for (title,) in cursor.fetchall()), limit)
