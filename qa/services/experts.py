"""Q&A and the expert map: answering questions in a node makes someone an expert of it (an
accepted answer counts more), and the experts of a question's nodes are the ones asked."""
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

EXPERTS_PER_NODE = 5
QUESTION_KIND = "question"


def _question_ids(entries):
    """The questions among a node's search entries (those the viewer may read)."""
    return list(entries.order_by().filter(kind=QUESTION_KIND).values_list("object_id", flat=True))


def answered_counts(entries):
    """{user id: answers given} to the questions among ``entries``; answers in the trash do not count."""
    from ..models import Answer

    ids = _question_ids(entries)
    if not ids:
        return {}
    answers = Answer.objects.visible().filter(question_id__in=ids, question__deleted_at__isnull=True)
    return dict(answers.order_by().values_list("author_id").annotate(n=Count("pk")))


def accepted_counts(entries):
    """{user id: answers of theirs the askers accepted} among the questions of ``entries``."""
    from ..models import Question

    ids = _question_ids(entries)
    if not ids:
        return {}
    questions = Question.objects.visible().filter(pk__in=ids, accepted_answer__isnull=False,
                                                  accepted_answer__deleted_at__isnull=True)
    return dict(questions.order_by().values_list("accepted_answer__author_id").annotate(n=Count("pk")))


def register_expert_sources():
    """Add the Q&A sources to the expert map (once): an answer weighs 2, and an accepted one
    3 more, so it counts 5 in all, more than writing an article (3)."""
    from maps.services import EXPERT_SOURCES, ExpertSource

    names = {source.name for source in EXPERT_SOURCES}
    if "answered" not in names:
        EXPERT_SOURCES.append(ExpertSource("answered", _("answered"), 2, answered_counts))
    if "accepted" not in names:
        EXPERT_SOURCES.append(ExpertSource("accepted", _("accepted answers"), 3, accepted_counts))


def experts_for(question, limit=EXPERTS_PER_NODE):
    """The experts of the question's nodes (each node's best ``limit``), counted over what the
    asker may read so that no hidden item decides who is asked."""
    from maps.services import experts

    people = {}
    for node in question.nodes.all():
        for expert in experts(question.asked_by, node, limit=limit):
            people.setdefault(expert.user.pk, expert.user)
    return list(people.values())
