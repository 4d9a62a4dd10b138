"""The Elasticsearch engine: the same pre-segmented text as the embedded engines, in an index
whose mappings and analysers live here (whitespace tokens, so Python's segmentation is the only
one; English words stemmed; single CJK characters as phrases), ranked by BM25 with the field
boosts of ``base.BOOSTS``; permissions are a ``terms`` filter of the same query; facets are
disjunctive (``post_filter`` for the facet filters, one filter aggregation per facet)."""
from django.conf import settings
from elasticsearch import BadRequestError, Elasticsearch, helpers
from elasticsearch.dsl import Date, Document, Index, Keyword, Long, MetaField, Q, Search, Text, analyzer

from ..text import CJK_RUN, index_chars, index_words, needs_characters, normalise, query_words, word_list
from .base import BOOSTS, FACET_SIZE, FACETS, Engine, EngineResult, RawHit, selected_facets, unique_titles

WORD_FIELDS = ["title", "keywords", "summary", "body", "attachments"]
CHAR_FIELDS = ["title_c", "body_c", "attachments_c"]
# As the embedded engines: a word field counts with its boost, a character field with half the
# boost of the words it is made of (title_c from the title, body_c from keywords/summary/body).
FIELD_BOOSTS = {**{f: BOOSTS[f] for f in WORD_FIELDS}, "title_c": BOOSTS["title"] / 2,
                "body_c": BOOSTS["body"] / 2, "attachments_c": BOOSTS["attachments"] / 2}
FACET_FIELDS = {"kind": "kind", "space": "space", "node": "nodes", "owner": "owner", "file_type": "file_type"}
# The service allows pages up to 500 of up to 100 hits; from + size must stay within this.
MAX_RESULT_WINDOW = 50_000
# Elasticsearch refuses queries of more terms than its clause limit (at least 1024, more with a
# bigger heap). A query (256 characters at most) over this budget searches Chinese by its
# characters only: at most 3 fields x 256 characters, and still any substring matches.
MAX_QUERY_TERMS = 1000

# The text arrives segmented (search.text): split on whitespace only, so ES never re-segments.
# Words: lower case, diacritics folded (as FTS5's remove_diacritics) and Porter-stemmed (as
# FTS5's porter tokenizer and PostgreSQL's 'english'). Characters: one CJK character a token.
WORDS_ANALYZER = analyzer("zhiku_words", tokenizer="whitespace", filter=["lowercase", "asciifolding", "porter_stem"])
CHARS_ANALYZER = analyzer("zhiku_chars", tokenizer="whitespace", filter=["lowercase"])


class EntryDocument(Document):
    """One SearchEntry; the document id is the entry's primary key."""

    entry_id = Long()  # the pk again, as a sortable field (sorting on _id needs fielddata)
    title = Text(analyzer=WORDS_ANALYZER)
    keywords = Text(analyzer=WORDS_ANALYZER)
    summary = Text(analyzer=WORDS_ANALYZER)
    body = Text(analyzer=WORDS_ANALYZER)
    attachments = Text(analyzer=WORDS_ANALYZER)
    title_c = Text(analyzer=CHARS_ANALYZER)
    body_c = Text(analyzer=CHARS_ANALYZER)
    attachments_c = Text(analyzer=CHARS_ANALYZER)
    principals = Keyword()
    kind = Keyword()
    space = Long()
    nodes = Long(multi=True)  # dimension nodes and their ancestors
    owner = Long()
    file_type = Keyword()
    date = Date()
    display_title = Keyword(index=False, doc_values=False)  # what suggest() returns

    class Meta:
        dynamic = MetaField("strict")

    @classmethod
    def from_entry(cls, entry):
        attachment_text = entry.attachment_text
        return cls(
            meta={"id": entry.pk},
            entry_id=entry.pk,
            title=index_words(entry.title),
            keywords=index_words(entry.keywords),
            summary=index_words(entry.summary),
            body=index_words(entry.body),
            attachments=index_words(attachment_text),
            title_c=index_chars(entry.title),
            body_c=index_chars(" ".join([entry.keywords, entry.summary, entry.body])),
            attachments_c=index_chars(attachment_text),
            principals=entry.principals.split(),
            kind=entry.kind,
            space=entry.space_id,
            nodes=entry.node_ids,
            owner=entry.owner_id,
            file_type=entry.file_type or None,  # no '' bucket in the facet
            date=entry.date,
            display_title=entry.title,
        )


def index_definition(name, using=None):
    """The index (settings, analysers, mappings) as Elasticsearch gets it from ``create()``."""
    index = Index(name, using=using or "default")
    index.settings(number_of_shards=1, max_result_window=MAX_RESULT_WINDOW)
    index.mapping(EntryDocument._doc_type.mapping)
    return index


# Queries. Each mirrors the FTS5 expression of search.engines.sqlite, clause for clause.

def _phrases(fields, tokens):
    """The phrase of ``tokens`` in each of ``fields`` (with its boost): one clause a field."""
    text = " ".join(tokens)
    return [Q("match_phrase", **{field: {"query": text, "boost": FIELD_BOOSTS[field]}}) for field in fields]


def _any(clauses):
    """At least one of ``clauses`` (their scores add up, as FTS5's bm25 adds up its columns)."""
    return clauses[0] if len(clauses) == 1 else Q("bool", should=clauses, minimum_should_match=1)


def word_query(word, chars_only=False):
    """One query word: its segmented words as a phrase in a words field, or for Chinese also the
    phrase of its characters in a characters field (finds 知 in 知识库, and words jieba cut
    differently). ``chars_only``: Chinese by its characters alone (see MAX_QUERY_TERMS)."""
    is_cjk = bool(CJK_RUN.fullmatch(word))
    tokens = [] if chars_only and is_cjk else query_words(word)
    clauses = _phrases(WORD_FIELDS, tokens) if tokens else []
    if is_cjk and (chars_only or needs_characters(word)):
        clauses += _phrases(CHAR_FIELDS, list(word))
    return _any(clauses) if clauses else None


def term_query(term, chars_only=False):
    """One term: a Chinese "phrase" as one run of characters, otherwise all of its words."""
    if term.phrase and term.is_cjk and all(CJK_RUN.fullmatch(w) for w in term.words):
        joined = "".join(term.words)
        tokens = [] if chars_only else query_words(joined)
        chars = _phrases(CHAR_FIELDS, list(joined)) if chars_only or needs_characters(joined) else []
        return _any(chars + (_phrases(WORD_FIELDS, tokens) if tokens else []))
    parts = [p for p in (word_query(w, chars_only) for w in term.words) if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q("bool", must=parts)


def principals_filter(principals):
    """None for a superuser (no filter), else the documents readable with these tokens."""
    return None if principals is None else Q("terms", principals=list(principals))


def phrase_terms(query):
    """How many terms the phrases of a query (a Q or its dict) hold: what Elasticsearch
    counts against its clause limit."""
    body = query.to_dict() if hasattr(query, "to_dict") else query
    if not isinstance(body, (dict, list)):
        return 0
    if isinstance(body, list):
        return sum(phrase_terms(item) for item in body)
    count = 0
    for key, value in body.items():
        if key in ("match_phrase", "match_phrase_prefix"):
            count += sum(len(str(v["query"] if isinstance(v, dict) else v).split()) for v in value.values())
        elif isinstance(value, (dict, list)):
            count += phrase_terms(value)
    return count


def text_query(query, principals):
    """The query of a ParsedQuery (any term, none of the exclusions) for these principals,
    or None when nothing in it can be searched for."""
    terms = [t for t in (term_query(term) for term in query.terms) if t is not None]
    if not terms:
        return None
    excluded = [t for t in (term_query(term) for term in query.excluded) if t is not None]
    if phrase_terms([q.to_dict() for q in terms + excluded]) > MAX_QUERY_TERMS:
        terms = [t for t in (term_query(term, chars_only=True) for term in query.terms) if t is not None]
        excluded = [t for t in (term_query(term, chars_only=True) for term in query.excluded) if t is not None]
    clauses = {"should": terms, "minimum_should_match": 1}
    if excluded:
        clauses["must_not"] = excluded
    allowed = principals_filter(principals)
    if allowed is not None:
        clauses["filter"] = [allowed]
    return Q("bool", **clauses)


def facet_filters(request):
    """The filter of each facet that has one selected, by facet name."""
    return {name: Q("terms", **{FACET_FIELDS[name]: list(values)}) for name, values in selected_facets(request).items()}


def date_filter(request):
    bounds = {}
    if request.date_from:
        bounds["gte"] = request.date_from
    if request.date_to:
        bounds["lte"] = request.date_to
    return Q("range", date=bounds) if bounds else None


def _all_of(clauses):
    return Q("bool", filter=clauses) if clauses else Q("match_all")


def build_search(request, index="zhiku-search", using="default"):
    """The Search for a SearchRequest, or None when the query has nothing to search for.

    The text, permissions and dates are the query (so they apply to hits and facets); the
    facet filters are the post_filter (hits only) and, for each facet, a filter aggregation
    with every facet filter but its own (disjunctive facets)."""
    query = text_query(request.query, request.principals)
    if query is None:
        return None
    dates = date_filter(request)
    if dates is not None:
        query = Q("bool", must=[query], filter=[dates])
    search = Search(using=using, index=index).query(query)
    filters = facet_filters(request)
    if filters:
        search = search.post_filter(_all_of(list(filters.values())))
    for name in FACETS:
        others = [f for facet, f in filters.items() if facet != name]
        search.aggs.bucket(name, "filter", filter=_all_of(others)).bucket(
            "counts", "terms", field=FACET_FIELDS[name], size=FACET_SIZE)
    if request.sort == "date":
        search = search.sort({"date": {"order": "desc", "missing": "_last"}}, {"entry_id": {"order": "asc"}})
    else:
        search = search.sort("_score", {"entry_id": {"order": "asc"}})
    offset = max(0, request.offset)
    size = max(0, min(request.limit, MAX_RESULT_WINDOW - offset))
    if size == 0:
        offset = 0  # past the last page ES can return: no hits, but the total and facets
    search = search.extra(from_=offset, size=size, track_total_hits=True, track_scores=True)
    return search.source(False)


def build_suggest(prefix, principals, limit=8, index="zhiku-search", using="default"):
    """The Search for titles matching ``prefix``, or None when it has nothing to match."""
    folded = "".join(normalise(prefix).split())
    if not folded:
        return None
    if CJK_RUN.fullmatch(folded):  # Chinese: titles holding these characters, keywords starting so
        query = Q("bool", minimum_should_match=1, should=[
            Q("match_phrase", title_c={"query": " ".join(folded), "boost": BOOSTS["title"]}),
            Q("match_phrase_prefix", keywords={"query": " ".join(query_words(folded)), "boost": BOOSTS["keywords"]}),
        ])
    else:  # the words in order, the last one a prefix, in the title or keywords
        words = word_list(normalise(prefix))
        tokens = query_words(" ".join(words)) if words else []
        if not tokens:
            return None
        text = " ".join(tokens)
        query = Q("bool", minimum_should_match=1, should=[
            Q("match_phrase_prefix", title={"query": text, "boost": BOOSTS["title"]}),
            Q("match_phrase_prefix", keywords={"query": text, "boost": BOOSTS["keywords"]}),
        ])
    allowed = principals_filter(principals)
    if allowed is not None:
        query = Q("bool", must=[query], filter=[allowed])
    search = Search(using=using, index=index).query(query)
    search = search.sort("_score", {"entry_id": {"order": "asc"}}).source(["display_title"])
    return search.extra(from_=0, size=limit * 2)


class ElasticsearchEngine(Engine):
    name = "elasticsearch"

    def __init__(self, url=None, index_name=None, client=None):
        self.url = url or settings.ELASTICSEARCH_URL
        self.index_name = index_name or settings.ELASTICSEARCH_INDEX
        self.client = client if client is not None else Elasticsearch(self.url, request_timeout=10)
        self._ready = False

    def index_definition(self):
        return index_definition(self.index_name, using=self.client)

    def ensure_index(self):
        """Create the index with our settings, analysers and mappings when it is missing."""
        if self._ready:
            return
        index = self.index_definition()
        if index.exists():  # an index made by an older version: add the fields it lacks
            self.client.indices.put_mapping(index=self.index_name, **EntryDocument._doc_type.mapping.to_dict())
        else:
            try:
                index.create()
            except BadRequestError as error:  # another process created it first
                if error.error != "resource_already_exists_exception":
                    raise
        self._ready = True

    def prepare(self, entry):
        doc = EntryDocument.from_entry(entry)
        return {"_op_type": "index", "_index": self.index_name, "_id": str(doc.meta.id), "_source": doc.to_dict()}

    def write(self, prepared):
        self.ensure_index()
        if prepared:
            helpers.bulk(self.client, prepared, refresh=True)

    def remove(self, entry_ids):
        entry_ids = list(entry_ids)
        if not entry_ids:
            return
        self.ensure_index()
        actions = [{"_op_type": "delete", "_index": self.index_name, "_id": str(i)} for i in entry_ids]
        helpers.bulk(self.client, actions, refresh=True, ignore_status=(404,))

    def clear(self):
        """Delete every document (the index and its mappings stay)."""
        self.ensure_index()
        self.client.delete_by_query(index=self.index_name, query={"match_all": {}}, refresh=True,
                                    conflicts="proceed")

    def indexed_ids(self):
        self.ensure_index()
        search = Search(using=self.client, index=self.index_name).query("match_all").source(False)
        return {int(hit.meta.id) for hit in search.scan()}

    def search(self, request):
        search = build_search(request, index=self.index_name, using=self.client)
        if search is None:
            return EngineResult(hits=[], total=0, facets={name: [] for name in FACETS})
        self.ensure_index()
        response = search.execute()
        hits = [RawHit(entry_id=int(hit.meta.id), score=round(float(hit.meta.score or 0.0), 4)) for hit in response]
        facets = {
            name: [(bucket.key, bucket.doc_count) for bucket in response.aggregations[name]["counts"].buckets]
            for name in FACETS
        }
        return EngineResult(hits=hits, total=response.hits.total.value, facets=facets)

    def suggest(self, prefix, principals, limit=8):
        search = build_suggest(prefix, principals, limit, index=self.index_name, using=self.client)
        if search is None:
            return []
        self.ensure_index()
        return unique_titles((hit.display_title for hit in search.execute()), limit)
