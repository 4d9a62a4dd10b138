"""The search endpoints of the JSON API (portal/api.py)."""
from datetime import datetime

from ninja import Field, Query, Router, Schema

from . import service


class HitOut(Schema):
    id: str
    type: str
    type_label: str
    title: str
    url: str
    space: str
    score: float
    snippet: str
    matched_attachment: str
    date: datetime | None


class FacetValue(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    query: str
    total: int
    total_exact: bool = Field(description="false: more than `total` items match; the ranking covers the newest "
                                          "`total` of them")
    facets_exact: bool = Field(description="false: facet counts cover only the newest matches (lower bounds)")
    page: int
    per_page: int
    num_pages: int
    message: str
    hits: list[HitOut]
    facets: dict[str, list[FacetValue]]


class SearchParams(Schema):
    q: str = ""
    type: list[str] = []
    space: list[str] = []
    node: list[str] = []
    owner: list[str] = []
    file_type: list[str] = []
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    page: str = "1"
    per_page: str = "20"


def hit_as_dict(hit):
    return {
        "id": hit.key, "type": hit.kind, "type_label": hit.kind_label, "title": hit.title, "url": hit.url,
        "space": hit.space, "score": hit.score, "snippet": str(hit.snippet),
        "matched_attachment": hit.matched_attachment, "date": hit.date,
    }


router = Router(tags=["search"])


def _filters(params):
    return {"kind": params.type, "space": params.space, "node": params.node, "owner": params.owner,
            "file_type": params.file_type, "date_from": params.date_from, "date_to": params.date_to}


@router.get("/", response=SearchOut, summary="Search")
def search_endpoint(request, params: Query[SearchParams]):
    """Ranked hits the user may read, with the total and facet counts (exact unless `total_exact` is false)."""
    per_page = int(params.per_page) if params.per_page.isdigit() else 20
    response = service.search(
        request.user, params.q, _filters(params), page=params.page, per_page=per_page, sort=params.sort, source="api",
    )
    return {
        "query": response.query, "total": response.total, "total_exact": response.total_exact,
        "facets_exact": response.facets_exact, "page": response.page, "per_page": response.per_page,
        "num_pages": response.num_pages, "message": response.message,
        "hits": [hit_as_dict(h) for h in response.hits],
        "facets": {name: [{"value": str(v), "label": label, "count": c} for v, label, c in values]
                   for name, values in response.facets.items()},
    }


class CountOut(Schema):
    total: int


@router.get("/count/", response=CountOut, summary="Exact count")
def count_endpoint(request, params: Query[SearchParams]):
    """The exact number of matches the user may read, for queries where `/search/` answers
    `total_exact: false` (more matches than its counting window)."""
    return {"total": service.count(request.user, params.q, _filters(params))}


@router.get("/suggest/", response=list[str], summary="Suggestions")
def suggest_endpoint(request, q: str = ""):
    """Titles and keywords matching what the user has typed so far."""
    return service.suggest(request.user, q)
