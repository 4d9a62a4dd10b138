"""The embedded engine on SQLite: an FTS5 table (porter + unicode61) over pre-segmented text,
ranked with bm25 and field weights; permissions are a column of the same MATCH."""
from django.db import connection

from ..text import CJK_RUN, WORD, index_chars, index_words, normalise, query_words
from .base import BOOSTS, FACETS, Engine, EngineResult, RawHit

WORD_COLUMNS = ["title", "keywords", "summary", "body", "attachments"]
CHAR_COLUMNS = ["title_c", "body_c", "attachments_c"]
WEIGHTS = [BOOSTS[c] for c in WORD_COLUMNS] + [BOOSTS["title"] / 2, BOOSTS["body"] / 2, BOOSTS["attachments"] / 2, 0.0]
ENTRY_TABLE = "zhiku_search_searchentry"
FACET_COLUMNS = {"kind": "e.kind", "space": "e.space_id", "category": "e.category_id", "owner": "e.owner_id",
                 "file_type": "e.file_type"}


def _phrase(tokens):
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def _columns(names):
    return "{" + " ".join(names) + "}"


def word_match(word):
    """FTS5 expression for one query word: its segmented words, or for Chinese also the
    phrase of its characters (finds 知 in 知识库 and words jieba cut differently)."""
    parts = []
    tokens = query_words(word)
    if tokens:
        parts.append(f"{_columns(WORD_COLUMNS)} : {_phrase(tokens)}")
    if CJK_RUN.fullmatch(word):
        parts.append(f"{_columns(CHAR_COLUMNS)} : {_phrase(list(word))}")
    return "(" + " OR ".join(parts) + ")" if parts else None


def term_match(term):
    if term.phrase and term.is_cjk and all(CJK_RUN.fullmatch(w) for w in term.words):
        chars = list("".join(term.words))
        return f"({_columns(CHAR_COLUMNS)} : {_phrase(chars)} OR {_columns(WORD_COLUMNS)} : {_phrase(query_words(''.join(term.words)))})"
    parts = [p for p in (word_match(w) for w in term.words) if p]
    return "(" + " AND ".join(parts) + ")" if parts else None


def match_expression(query, principals):
    terms = [m for m in (term_match(t) for t in query.terms) if m]
    if not terms:
        return None
    expression = "(" + " OR ".join(terms) + ")"
    excluded = [m for m in (term_match(t) for t in query.excluded) if m]
    if excluded:
        expression = f"{expression} NOT ({' OR '.join(excluded)})"
    if principals is not None:
        allowed = " OR ".join(_phrase([p]) for p in principals)
        expression = f"({expression}) AND {{principals}} : ({allowed})"
    return expression


def _filters(request, skip=None):
    clauses, params = [], []
    for name, values, column in [
        ("kind", request.kinds, "e.kind"), ("space", request.spaces, "e.space_id"),
        ("category", request.categories, "e.category_id"), ("owner", request.owners, "e.owner_id"),
        ("file_type", request.file_types, "e.file_type"),
    ]:
        if values and name != skip:
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    if request.date_from:
        clauses.append("e.date >= %s")
        params.append(request.date_from)
    if request.date_to:
        clauses.append("e.date <= %s")
        params.append(request.date_to)
    return "".join(f" AND {c}" for c in clauses), params


class SqliteEngine(Engine):
    name = "sqlite-fts5"

    def index(self, entries):
        rows = [self._row(e) for e in entries]
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(r[0],) for r in rows])
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, keywords, summary, body, attachments, title_c, body_c, "
                "attachments_c, principals) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )

    @staticmethod
    def _row(entry):
        attachment_text = "\n".join(f"{a.get('name', '')}\n{a.get('text', '')}" for a in entry.attachments)
        return (
            entry.pk, index_words(entry.title), index_words(entry.keywords), index_words(entry.summary),
            index_words(entry.body), index_words(attachment_text), index_chars(entry.title),
            index_chars(" ".join([entry.keywords, entry.summary, entry.body])), index_chars(attachment_text),
            entry.principals,
        )

    def remove(self, entry_ids):
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in entry_ids])

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")

    def indexed_ids(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_fts")
            return {row[0] for row in cursor.fetchall()}

    def search(self, request):
        expression = match_expression(request.query, request.principals)
        if expression is None:
            return EngineResult(hits=[], total=0, facets={name: [] for name in FACETS})
        base = f"FROM search_fts JOIN {ENTRY_TABLE} e ON e.id = search_fts.rowid WHERE search_fts MATCH %s"
        where, params = _filters(request)
        order = "rank" if request.sort != "date" else "e.date DESC"
        weights = ", ".join(str(w) for w in WEIGHTS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id, bm25(search_fts, {weights}) AS rank {base}{where} ORDER BY {order}, e.id "
                "LIMIT %s OFFSET %s",
                [expression, *params, request.limit, request.offset],
            )
            hits = [RawHit(entry_id=row[0], score=round(-row[1], 4)) for row in cursor.fetchall()]
            cursor.execute(f"SELECT count(*) {base}{where}", [expression, *params])
            total = cursor.fetchone()[0]
            facets = {}
            for name in FACETS:
                column = FACET_COLUMNS[name]
                facet_where, facet_params = _filters(request, skip=name)
                cursor.execute(
                    f"SELECT {column}, count(*) {base}{facet_where} AND {column} IS NOT NULL AND {column} != '' "
                    f"GROUP BY {column} ORDER BY count(*) DESC LIMIT 30",
                    [expression, *facet_params],
                )
                facets[name] = cursor.fetchall()
        return EngineResult(hits=hits, total=total, facets=facets)

    def suggest(self, prefix, principals, limit=8):
        folded = "".join(normalise(prefix).split())
        if CJK_RUN.fullmatch(folded):  # Chinese: titles containing these characters in a row
            expression = f"{_columns(['title_c'])} : {_phrase(list(folded))}"
        else:
            words = [w for w in WORD.findall(normalise(prefix)) if w]
            if not words:
                return []
            expression = f"{_columns(['title', 'keywords'])} : {_phrase(query_words(' '.join(words)))}*"
        if principals is not None:
            expression = f"({expression}) AND {{principals}} : ({' OR '.join(_phrase([p]) for p in principals)})"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.title FROM search_fts JOIN {ENTRY_TABLE} e ON e.id = search_fts.rowid "
                "WHERE search_fts MATCH %s ORDER BY bm25(search_fts, 10.0, 6.0) LIMIT %s",
                [expression, limit * 2],
            )
            titles = []
            for (title,) in cursor.fetchall():
                if title not in titles:
                    titles.append(title)
        return titles[:limit]
