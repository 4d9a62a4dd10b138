"""Wagtail's own database search backend, taught Chinese (for the admin's search boxes).

Models index a pre-segmented copy of their text (a ``segmented_text`` SearchField, see
``search.text.segmented``); queries are segmented the same way before the stock backend sees
them. Used through WAGTAILSEARCH_BACKENDS."""

from .text import CJK_RUN, HAS_CJK, normalise, word_list


def segment_query(query):
    """Chinese runs become their characters, which the index holds one by one, so any
    sub-word (识库 in 知识库) matches; other words stay as they are. Takes a string or the
    PlainText query the admin's search views parse."""
    from modelsearch.query import PlainText

    if isinstance(query, PlainText):
        return PlainText(segment_query(query.query_string), operator=query.operator, boost=query.boost)
    if not isinstance(query, str) or not HAS_CJK.search(normalise(query)):
        return query
    tokens = []
    for word in word_list(normalise(query)):
        tokens.extend(word if CJK_RUN.fullmatch(word) else [word])
    return " ".join(dict.fromkeys(tokens))


class ChineseQueryMixin:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        return super()._search(query_compiler_class, segment_query(query), model_or_queryset, **kwargs)


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks for
    from modelsearch.backends.database import SearchBackend as stock_backend

    backend = stock_backend(params)
    backend.__class__ = type(f"Chinese{type(backend).__name__}", (ChineseQueryMixin, type(backend)), {})
    return backend
