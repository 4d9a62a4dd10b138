"""The FAQ endpoints of the JSON API (portal/api.py)."""
from ninja import Query, Router, Schema

from .services.finder import find_answers


class Votes(Schema):
    helpful: int
    not_helpful: int


class AnswerOut(Schema):
    id: int
    question: str
    url: str
    score: float
    matched_in: str
    matched_phrasing: str
    matched_phrasing_html: str
    answer_html: str
    answer_text: str
    audience: str
    votes: Votes


class MatchOut(Schema):
    query: str
    results: list[AnswerOut]


class MatchParams(Schema):
    q: str = ""
    limit: int = 5
    node: list[int] = []


router = Router(tags=["faq"])


@router.get("/match/", response=MatchOut, summary="Answer finder")
def match_endpoint(request, params: Query[MatchParams]):
    """FAQ entries the user may read that best answer a question in the asker's own words
    (paraphrases, traditional or simplified Chinese), best first, with the phrasing that
    matched and the answer to copy. `node` keeps to dimension nodes (a product, a category)."""
    answers = find_answers(request.user, params.q, limit=params.limit, nodes=params.node)
    return {"query": params.q, "results": [a.as_dict() for a in answers]}
