"""How Q&A threads appear in search and in question matching. Every logged-in user may read
Q&A, so a thread's readers are 'all'; a thread in the trash is not found. The services
re-index a thread (search.index.queue_update) whenever it, an answer or its nodes change."""
from django.utils.translation import gettext_lazy as _

from knowledge.search_adapters import short_hash, user_name, node_entries, node_stamp
from search import registry
from search.models import MatchPhrase

from .models import Question

ANSWER_CHARS = 2000  # of the answer, for matching: its beginning says what it is about


@registry.register
class QuestionAdapter(registry.SearchAdapter):
    model = Question
    kind = "question"
    kind_label = _("Question")

    def queryset(self):
        return Question.objects.visible().select_related("asked_by", "accepted_answer").order_by("pk")

    def _answers(self, question):
        return list(question.answers.visible().order_by("created_at", "pk"))

    def _accepted(self, question, answers):
        return next((a for a in answers if a.pk == question.accepted_answer_id), None)

    def entry_data(self, question):
        if question.is_deleted:
            return None
        answers = self._answers(question)
        accepted = self._accepted(question, answers)
        ordered = ([accepted] if accepted else []) + [a for a in answers if a is not accepted]
        dates = [question.updated_at, *(a.updated_at for a in answers)]
        return {
            "title": question.title[:255],
            "url": question.get_absolute_url(),
            "keywords": "",
            "summary": question.body[:500],
            "body": "\n\n".join([question.body, *(a.body for a in ordered)]).strip(),
            "attachments": [],
            "space_id": None,
            "space_title": "",
            "nodes": node_entries(question),
            "owner_id": question.asked_by_id,
            "owner_name": user_name(question.asked_by),
            "file_type": "",
            "date": max(dates),
            "created": question.created_at,
            "principals": "all",
        }

    def stamp(self, question):
        answers = self._answers(question)
        return short_hash(question.title, question.body, question.version, question.status,
                           question.accepted_answer_id, question.deleted_at, node_stamp(question),
                           [(a.pk, a.version) for a in answers])

    def match_phrases(self, question):
        """The question as asked, and what answers it: the accepted answer, or else the
        question's own text (what it is about)."""
        Role = MatchPhrase.Role
        accepted = self._accepted(question, self._answers(question))
        answer_text = accepted.body if accepted else question.body
        phrases = [(Role.QUESTION, question.title)]
        if answer_text:
            phrases.append((Role.ANSWER, answer_text[:ANSWER_CHARS]))
        return phrases
