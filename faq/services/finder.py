"""The answer finder: FAQ entries ranked for a question in the asker's own words, the same
for the portal, the API and the command line."""
from dataclasses import dataclass

from django.utils.safestring import mark_safe

from search import matching
from search.models import MatchPhrase
from search.registry import principals_for_user

from ..models import FAQEntryPage
from .entries import answer_html
from .feedback import vote_summary

MAX_LIMIT = 20


@dataclass
class Answer:
    entry: FAQEntryPage
    score: float  # 0..1
    matched_phrase: str  # the question or phrasing that matched best (the question when the answer did)
    matched_html: str
    matched_in: str  # question, phrasing or answer

    @property
    def answer_html(self):
        return mark_safe(answer_html(self.entry))

    @property
    def answer_text(self):
        return self.entry.answer_text

    def as_dict(self):
        return {
            "id": self.entry.pk, "question": self.entry.title, "url": self.entry.url or "",
            "score": self.score, "matched_in": self.matched_in, "matched_phrasing": self.matched_phrase,
            "matched_phrasing_html": self.matched_html, "answer_html": str(self.answer_html),
            "answer_text": self.answer_text, "audience": self.entry.audience,
            "votes": vote_summary(self.entry),
        }


def find_answers(user, question, limit=5, nodes=(), principals=...):
    """The FAQ entries ``user`` may read that best answer ``question``, best first. The command
    line passes ``principals`` (None: every entry) instead of a user."""
    limit = min(max(int(limit), 1), MAX_LIMIT)
    if principals is ...:
        principals = principals_for_user(user)
    matches = matching.match(question, principals, kinds=("faq",), limit=limit, nodes=nodes)
    pages = FAQEntryPage.objects.live().in_bulk([int(m.entry.object_id) for m in matches])
    answers = []
    for m in matches:
        entry = pages.get(int(m.entry.object_id))
        if entry is None:  # unpublished since it was indexed; the worker is about to drop it
            continue
        if m.role == MatchPhrase.Role.ANSWER:
            phrase, phrase_html = entry.title, matching.highlight(entry.title, set(matching.match_terms(question)))
        else:
            phrase, phrase_html = m.phrase, m.phrase_html
        answers.append(Answer(entry=entry, score=m.score, matched_phrase=phrase, matched_html=mark_safe(phrase_html),
                              matched_in=m.role))
    return answers
