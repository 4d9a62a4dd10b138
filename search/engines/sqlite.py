"""The embedded engine on SQLite: an FTS5 table (porter + unicode61) over pre-segmented text,
ranked with bm25 and field weights. Permissions and facet filters are tokens of the same MATCH,
so the full-text index applies them while it walks its lists.

A word in most items (知识 in a knowledge base) matches tens of thousands of rows, and bm25,
facets and an exact count over all of them cost hundreds of milliseconds. So, as
Elasticsearch does with ``track_total_hits``, the engine counts, ranks and facets exactly up
to a window of matches (setting ``ZHIKU_SEARCH_WINDOW``, 3,000); past that the total is
"more than the window", and ranking and facet counts cover the window's worth of most recently
indexed matches (rowid order, which FTS5 walks without sorting), with matches in a title,
keywords or summary ranked before the rest.
"""
from django.conf import settings
from django.db import connection

from ..registry import PUBLIC
from ..text import CJK_RUN, RUN_SEPARATOR, index_terms, needs_characters, normalise, query_words, word_list
from .base import (
    BOOSTS, FACETS, GROUPED_FACETS, Engine, EngineResult, RawHit, disjunctive_facets, selected_facets, sql_date_conditions,
    top_counts, unique_titles,
)

WORD_COLUMNS = ["title", "keywords", "summary", "body", "attachments"]
HEAD_COLUMNS = ["title", "keywords", "summary"]
CHAR_COLUMNS = ["title_c", "body_c", "attachments_c"]
WEIGHTS = [BOOSTS[c] for c in WORD_COLUMNS] + [BOOSTS["title"] / 2, BOOSTS["body"] / 2, BOOSTS["attachments"] / 2,
                                               0.0, 0.0]
BM25 = f"bm25(search_fts, {', '.join(str(w) for w in WEIGHTS)})"
# search_head: the title, keywords and summary of each item again, with the title's characters,
# principals and facets. Ranking the window of title matches there costs a third of doing it on
# search_fts, whose bm25 walks every body and attachment position of the query's words.
HEAD_BM25 = f"bm25(search_head, {', '.join(str(BOOSTS[c]) for c in HEAD_COLUMNS)}, {BOOSTS['title'] / 2}, 0.0, 0.0)"
ENTRY_TABLE = "zhiku_search_searchentry"
NODE_TABLE = "zhiku_search_searchentrynode"
TABLES = ["search_fts", "search_head"]
FACET_INDEX = "zhiku_search_entry_facets"  # covering index: id and the facet columns (migration 0004)
FACET_COLUMNS = {"kind": "e.kind", "space": "e.space_id", "owner": "e.owner_id", "file_type": "e.file_type"}


def create_tables():
    """The FTS5 tables, when missing (migration 0004 and ``clear``)."""
    columns = {"search_fts": [*WORD_COLUMNS, *CHAR_COLUMNS, "principals", "facets"],
               "search_head": [*HEAD_COLUMNS, "title_c", "principals", "facets"]}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(columns[table])}, "
                           "tokenize='porter unicode61 remove_diacritics 2')")


def recreate_tables(historical_entry_model):
    """Drop both FTS5 tables, create them as this code defines them and index every entry
    again (migrations that change what the tables hold; they pass their historical
    SearchEntry, which has none of the model's properties, so they are filled in here)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    create_tables()
    last = 0
    while batch := list(historical_entry_model.objects.filter(pk__gt=last).order_by("pk")[:500]):
        for entry in batch:
            entry.attachment_text = "\n".join(f"{a.get('name', '')}\n{a.get('text', '')}" for a in entry.attachments)
            entry.node_ids = [int(n) for n in getattr(entry, "nodes", "").split()]
        SqliteEngine().index(batch)
        last = batch[-1].pk


def _phrase(tokens):
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def _columns(names):
    return "{" + " ".join(names) + "}"


def _char_columns(word_columns):
    """The character columns that go with these word columns (the head's: the title's)."""
    return CHAR_COLUMNS if word_columns == WORD_COLUMNS else ["title_c"]


def word_match(word, columns=WORD_COLUMNS):
    """FTS5 expression for one query word: its segmented words, or when the words index may
    miss it (see ``needs_characters``) also the phrase of its characters."""
    parts = []
    tokens = query_words(word)
    if tokens:
        parts.append(f"{_columns(columns)} : {_phrase(tokens)}")
    if needs_characters(word):
        parts.append(f"{_columns(_char_columns(columns))} : {_phrase(list(word))}")
    return "(" + " OR ".join(parts) + ")" if parts else None


def term_match(term, columns=WORD_COLUMNS):
    if term.phrase and term.is_cjk and all(CJK_RUN.fullmatch(w) for w in term.words):
        joined = "".join(term.words)
        words = f"{_columns(columns)} : {_phrase(query_words(joined))}"
        if not needs_characters(joined):
            return f"({words})"
        return f"({_columns(_char_columns(columns))} : {_phrase(list(joined))} OR {words})"
    parts = [p for p in (word_match(w, columns) for w in term.words) if p]
    return "(" + " AND ".join(parts) + ")" if parts else None


def facet_token(name, value):
    """The token that stands for a facet value in the ``facets`` column (hex keeps any value
    one token, whatever the tokenizer makes of its punctuation)."""
    return f"{name[0]}{str(value).encode().hex()}"


def facet_tokens(entry):
    values = [("kind", entry.kind), ("space", entry.space_id), ("owner", entry.owner_id), ("file_type", entry.file_type),
              *(("node", node) for node in entry.node_ids)]
    return " ".join(facet_token(name, value) for name, value in values if value not in (None, ""))


def _any_token(column, tokens):
    return f"{{{column}}} : ({' OR '.join(_phrase([t]) for t in tokens)})"


RESTRICTED = "restricted"


def principal_tokens(principals):
    """The ``principals`` column: 'all', or RESTRICTED and the groups that may read. Most items
    are for all, so a query excludes the restricted items the user may not read rather than
    requiring 'all' or a group: bm25 then counts the short list of restricted items, not the
    long one of everything, for each query (a fifth of a common word's query time)."""
    tokens = principals.split()
    if "all" in tokens:  # and 'public' too, for the self-service site's anonymous readers
        return " ".join(t for t in tokens if t in {"all", PUBLIC})
    return " ".join([RESTRICTED, *tokens])


def readable(expression, principals):
    """``expression`` limited to what a user with these principal tokens may read (None: all)."""
    if principals is None:
        return expression
    if "all" not in principals:
        return f"({expression}) AND {_any_token('principals', principals)}"
    groups = [p for p in principals if p != "all"]
    hidden = f"{{principals}} : {_phrase([RESTRICTED])}"
    if groups:
        hidden = f"({hidden} NOT {_any_token('principals', groups)})"
    return f"({expression}) NOT {hidden}"


def match_expression(request, columns=WORD_COLUMNS, facet_filters=FACETS):
    """The MATCH of a request: any term, none of the exclusions, readable by its principals
    and within the values it selects of the facets named in ``facet_filters``."""
    query = request.query
    terms = [m for m in (term_match(t, columns) for t in query.terms) if m]
    if not terms:
        return None
    expression = "(" + " OR ".join(terms) + ")"
    excluded = [m for m in (term_match(t) for t in query.excluded) if m]
    if excluded:
        expression = f"{expression} NOT ({' OR '.join(excluded)})"
    expression = readable(expression, request.principals)
    for name, values in selected_facets(request).items():
        if name not in facet_filters:
            continue
        expression += " AND " + _any_token("facets", [facet_token(name, v) for v in values])
    return expression


def _matches(request, expression, columns="rowid", limit=None, order="rowid DESC", join=False, table="search_fts"):
    """SQL and params for the rows of ``expression`` in ``table`` within the request's dates,
    newest first; ``join``: with the entry's facet columns as ``e``. ``columns`` and ``order``
    may name ``rowid`` and ``{bm25}`` (the table's weighted bm25)."""
    dates, params = sql_date_conditions(request)
    if dates or join:
        join_sql = f" CROSS JOIN {ENTRY_TABLE} e INDEXED BY {FACET_INDEX} ON e.id = {table}.rowid"
    else:
        join_sql = ""
    fill = {"bm25": HEAD_BM25 if table == "search_head" else BM25}
    columns = columns.replace("rowid", f"{table}.rowid").format(**fill)
    order = order and order.replace("rowid", f"{table}.rowid")
    sql = f"SELECT {columns} FROM {table}{join_sql} WHERE {table} MATCH %s{dates}"
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, [expression, *params]


class SqliteEngine(Engine):
    name = "sqlite-fts5"

    def prepare(self, entry):
        """The rows of a SearchEntry in search_fts and search_head (the costly part of indexing:
        segmentation)."""
        title, title_c = index_terms(entry.title)
        body, body_c = index_terms(entry.body)
        attachments, attachments_c = index_terms(entry.attachment_text)
        keywords, keywords_c = index_terms(entry.keywords)
        summary, summary_c = index_terms(entry.summary)
        principals, facets = principal_tokens(entry.principals), facet_tokens(entry)
        return (
            (entry.pk, title, keywords, summary, body, attachments, title_c,
             RUN_SEPARATOR.join(c for c in (keywords_c, summary_c, body_c) if c), attachments_c, principals, facets),
            (entry.pk, title, keywords, summary, title_c, principals, facets),
        )

    def write(self, prepared):
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR REPLACE INTO search_fts (rowid, title, keywords, summary, body, attachments, title_c, "
                "body_c, attachments_c, principals, facets) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [rows[0] for rows in prepared],
            )
            cursor.executemany(
                "INSERT OR REPLACE INTO search_head (rowid, title, keywords, summary, title_c, principals, facets) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [rows[1] for rows in prepared],
            )

    def begin_bulk(self):
        """Before a rebuild: no incremental merging while rows pour in."""
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")

    def end_bulk(self):
        """After a rebuild: merge each index into one segment, then merge incrementally again."""
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
                cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 4)")

    def remove(self, entry_ids):
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(i,) for i in entry_ids])

    def clear(self):
        """Empty both tables. Dropping and creating them is far cheaper than deleting every row
        (FTS5 would keep a tombstone per row until merged)."""
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        create_tables()

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_fts")
            return {row[0] for row in cursor.fetchall()}

    def search(self, request):
        expression = match_expression(request)
        if expression is None:
            return EngineResult(hits=[], total=0, facets={name: [] for name in FACETS})
        window = settings.ZHIKU_SEARCH_WINDOW
        with connection.cursor() as cursor:
            sql, params = _matches(request, expression, "1", limit=window + 1, order="rowid")
            cursor.execute(f"SELECT count(*) FROM ({sql})", params)
            total = cursor.fetchone()[0]
            exact = total <= window
            hits = self._hits(cursor, request, expression, exact, window)
            facets, facets_exact = self._facets(cursor, request, window)
        return EngineResult(hits=hits, total=min(total, window), facets=facets, total_exact=exact,
                            facets_exact=facets_exact)

    def count(self, request):
        """Every match, not only the window's worth (a full walk of the query's lists)."""
        expression = match_expression(request)
        if expression is None:
            return 0
        sql, params = _matches(request, expression, "1", order=None)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql})", params)
            return cursor.fetchone()[0]

    def _hits(self, cursor, request, expression, exact, window):
        page = f"LIMIT {int(request.limit)} OFFSET {int(request.offset)}"
        if request.sort == "date":
            sql, params = _matches(request, expression, "rowid AS id, {bm25} AS score, e.date AS date",
                                   limit=None if exact else window, join=True)
            cursor.execute(f"SELECT id, score FROM ({sql}) ORDER BY date DESC, id {page}", params)
            ranked = cursor.fetchall()
        elif exact:
            sql, params = _matches(request, expression, "rowid AS id, {bm25} AS score")
            cursor.execute(f"SELECT id, score FROM ({sql}) ORDER BY score, id {page}", params)
            ranked = cursor.fetchall()
        else:
            ranked = self._ranked_window(cursor, request, expression, window)
        return [RawHit(entry_id=i, score=round(-score, 4)) for i, score in ranked]

    def _ranked_window(self, cursor, request, expression, window):
        """More matches than the window: of the newest window's worth of matches in a title,
        keywords or summary, the best by bm25 (on search_head; on search_fts when the query
        excludes words, which may be in a body); then, when a page needs more, of the newest
        window's worth of all matches, the best by bm25."""
        needed = request.offset + request.limit

        def best(match, count, table):
            sql, params = _matches(request, match, "rowid AS id, {bm25} AS score", limit=window, table=table)
            cursor.execute(f"SELECT id, score FROM ({sql}) ORDER BY score, id LIMIT {int(count)}", params)
            return cursor.fetchall()

        head = match_expression(request, columns=HEAD_COLUMNS)
        rows = best(head, needed, "search_fts" if request.query.excluded else "search_head")
        if len(rows) < needed:
            seen = {row[0] for row in rows}
            rows += [row for row in best(expression, needed + len(rows), "search_fts") if row[0] not in seen]
        return rows[:window][request.offset:needed]

    def _facets(self, cursor, request, window):
        """Facet counts, each over the query with every facet filter but its own, and whether
        they are exact: they are below the window, else they count the window's worth of
        newest matches (a window exactly full is taken as more: "≥ n" is then still true).
        The grouped facets come from one GROUP BY over the matches within the node filter;
        the node facet from the matches within the other filters."""
        grouped_expression = match_expression(request, facet_filters=["node"])
        rows, params = _matches(request, grouped_expression, limit=window)
        columns = ", ".join(FACET_COLUMNS[name] for name in GROUPED_FACETS)
        cursor.execute(
            f"SELECT {columns}, count(*) FROM ({rows}) m CROSS JOIN {ENTRY_TABLE} e INDEXED BY {FACET_INDEX} "
            f"ON e.id = m.rowid GROUP BY {columns}", params,
        )
        groups = cursor.fetchall()
        facets = disjunctive_facets(groups, selected_facets(request))
        exact = sum(row[-1] for row in groups) < window
        node_expression = match_expression(request, facet_filters=GROUPED_FACETS)
        rows, params = _matches(request, node_expression, limit=window)
        if exact and node_expression != grouped_expression:
            cursor.execute(f"SELECT count(*) FROM ({rows})", params)
            exact = cursor.fetchone()[0] < window
        cursor.execute(
            f"SELECT n.node_id, count(*) FROM ({rows}) m JOIN {NODE_TABLE} n ON n.entry_id = m.rowid "
            "GROUP BY n.node_id", params,
        )
        facets["node"] = top_counts(cursor.fetchall())
        return facets, exact

    def suggest(self, prefix, principals, limit=8):
        folded = "".join(normalise(prefix).split())
        if CJK_RUN.fullmatch(folded):  # Chinese: titles holding these characters, keywords starting so
            expression = f"({{title_c}} : {_phrase(list(folded))} OR {{keywords}} : {_phrase(query_words(folded))}*)"
        else:
            words = [w for w in word_list(normalise(prefix)) if w]
            if not words:
                return []
            expression = f"{_columns(['title', 'keywords'])} : {_phrase(query_words(' '.join(words)))}*"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.title FROM (SELECT rowid, bm25(search_head, 10.0, 6.0) AS score FROM search_head "
                f"WHERE search_head MATCH %s ORDER BY rowid DESC LIMIT {int(settings.ZHIKU_SEARCH_WINDOW)}) m "
                f"JOIN {ENTRY_TABLE} e ON e.id = m.rowid ORDER BY m.score LIMIT %s",
                [readable(expression, principals), limit * 2],
            )
            return unique_titles((title for (title,) in cursor.fetchall()), limit)
