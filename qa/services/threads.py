"""The business rules of Q&A threads: asking, answering, commenting, accepting, editing with
versions, the trash, similar questions while asking, and the listing.

Rules are checked here, not only in the views: every function that changes something raises
PermissionDenied for a user who may not, and QAError (with a message for the user) for input
it refuses. A second submit of the same form (or the same text within a short time) returns
the post made by the first instead of making another."""
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import DimensionNode
from knowledge.services import dimensions
from portal.models import Notification
from search import index, registry
from search.matching import match
from search.text import clean_query
from stats.models import Verb
from stats.services.events import record

from ..models import Answer, Comment, PostVersion, Question
from . import rules
from .experts import experts_for

DUPLICATE_SECONDS = 120  # the same text from the same person within this is a double submit
MAX_TITLE = 255
MAX_BODY = 20000
SIMILAR_LIMIT = 6


class QAError(Exception):
    """Input refused, with a message for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class EditConflict(QAError):
    """Someone saved the post after the editor opened it; ``current`` is the post as it is now."""

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


KINDS = {"question": Question, "answer": Answer, "comment": Comment}


def kind_of(post):
    return {Question: "question", Answer: "answer", Comment: "comment"}[type(post)]


def new_token():
    """A token for a form as it is shown: submitting it twice gives one post."""
    return uuid.uuid4().hex


def _text(value, limit, empty_message):
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise QAError(empty_message)
    if len(text) > limit:
        raise QAError(_("The text is too long (at most %(limit)s characters).") % {"limit": limit})
    return text


def _body(value):
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_BODY:
        raise QAError(_("The text is too long (at most %(limit)s characters).") % {"limit": MAX_BODY})
    return text


def _require_participant(user):
    if not rules.can_take_part(user):
        raise PermissionDenied


def _find_duplicate(model, user, token, recent):
    """The post this submission repeats: the one sent with the same form token, or the same
    text by the same person moments ago (a second tab, a re-sent request)."""
    author = "asked_by" if model is Question else "author"
    if token:
        found = model.objects.filter(**{author: user, "submission_token": token}).first()
        if found is not None:
            return found
    since = timezone.now() - timedelta(seconds=DUPLICATE_SECONDS)
    return model.objects.visible().filter(**{author: user, "created_at__gte": since}, **recent).order_by("-pk").first()


def _create_once(model, user, token, values):
    """Create a post; when a concurrent submit of the same form won the race, return its post."""
    author = "asked_by" if model is Question else "author"
    try:
        with transaction.atomic():
            return model.objects.create(**values, submission_token=(token or "")[:40]), True
    except IntegrityError:
        if not token:
            raise
        return model.objects.get(**{author: user, "submission_token": token}), False


def _reindex(question):
    index.queue_update(question)


def refresh_status(question):
    """Open (no answer), answered, or resolved (an answer accepted), from the visible answers."""
    accepted = question.accepted_answer_id and Answer.objects.visible().filter(
        pk=question.accepted_answer_id, question=question).exists()
    if accepted:
        status = Question.Status.RESOLVED
    elif question.answers.visible().exists():
        status = Question.Status.ANSWERED
    else:
        status = Question.Status.OPEN
    Question.objects.filter(pk=question.pk).update(status=status)
    question.status = status
    return status


def _url(post):
    return post.get_absolute_url()


# Asking, answering, commenting ----------------------------------------------------------------

@transaction.atomic
def ask(user, title, body="", nodes=(), token=""):
    """A new question; the experts of its nodes are told. Returns (question, created)."""
    _require_participant(user)
    title = _text(title, MAX_TITLE, _("Please write your question."))
    body = _body(body)
    nodes = [node for node in nodes if isinstance(node, DimensionNode) and not node.merged_into_id]
    existing = _find_duplicate(Question, user, token, {"title": title, "body": body})
    if existing is not None:
        return existing, False
    question, created = _create_once(Question, user, token, {"title": title, "body": body, "asked_by": user})
    if not created:
        return question, False
    question.nodes.set(nodes)
    _notify_experts(question)
    _reindex(question)
    return question, True


def _notify_experts(question):
    """Ask the experts of the question's nodes (not the asker); each of them once per question."""
    people = [person for person in experts_for(question) if person.pk != question.asked_by_id]
    Notification.objects.notify(people, "qa_question", question.title, _url(question),
                                dedupe_key=f"qa-ask:{question.pk}")


def _open_question(question):
    question = Question.objects.filter(pk=question.pk).first()
    if question is None or question.is_deleted:
        raise QAError(_("This question is in the trash; nothing can be added to it."))
    return question


@transaction.atomic
def answer(question, user, body, token=""):
    """A new answer; the asker is told. Returns (answer, created)."""
    _require_participant(user)
    question = _open_question(question)
    body = _text(body, MAX_BODY, _("Please write your answer."))
    existing = _find_duplicate(Answer, user, token, {"question": question, "body": body})
    if existing is not None:
        return existing, False
    new, created = _create_once(Answer, user, token, {"question": question, "body": body, "author": user})
    if not created:
        return new, False
    refresh_status(question)
    if question.asked_by_id != user.pk:
        Notification.objects.notify([question.asked_by], "qa_answer", question.title, _url(new),
                                    dedupe_key=f"qa-answer:{new.pk}")
    _reindex(question)
    return new, True


@transaction.atomic
def comment(question, user, body, answer=None, token=""):
    """A comment on the question or one of its answers; the author of what it comments on is
    told. Returns (comment, created)."""
    _require_participant(user)
    question = _open_question(question)
    if answer is not None:
        answer = Answer.objects.visible().filter(pk=getattr(answer, "pk", answer), question=question).first()
        if answer is None:
            raise QAError(_("That answer is no longer there; your comment was not saved."))
    body = _text(body, MAX_BODY, _("Please write your comment."))
    existing = _find_duplicate(Comment, user, token, {"question": question, "answer": answer, "body": body})
    if existing is not None:
        return existing, False
    new, created = _create_once(Comment, user, token,
                                {"question": question, "answer": answer, "body": body, "author": user})
    if not created:
        return new, False
    commented = answer.author if answer is not None else question.asked_by
    if commented.pk != user.pk:
        Notification.objects.notify([commented], "qa_comment", question.title, _url(new),
                                    dedupe_key=f"qa-comment:{new.pk}")
    return new, True


@transaction.atomic
def accept(answer, user):
    """The asker accepts ``answer`` (or changes which answer is accepted); its author is told."""
    answer = Answer.objects.select_related("question", "author").get(pk=answer.pk)
    question = answer.question
    if not rules.can_accept(question, user):
        raise PermissionDenied
    if answer.is_deleted:
        raise QAError(_("That answer is in the trash and cannot be accepted."))
    if question.accepted_answer_id == answer.pk:
        return answer, False
    Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
    record(Verb.ACCEPTED, answer.author, question.search_key)
    question.accepted_answer = answer
    refresh_status(question)
    if answer.author_id != user.pk:
        Notification.objects.notify([answer.author], "qa_accepted", question.title, _url(answer),
                                    dedupe_key=f"qa-accepted:{answer.pk}")
    _reindex(question)
    return answer, True


# Editing with versions ------------------------------------------------------------------------

def _snapshot(kind, post):
    question_id = post.pk if kind == "question" else post.question_id
    return PostVersion(
        question_id=question_id, kind=kind, post_id=post.pk, number=post.version,
        title=post.title if kind == "question" else "", body=post.body,
        node_ids=sorted(post.nodes.values_list("pk", flat=True)) if kind == "question" else [],
        written_by=post.current_writer, written_at=post.updated_at,
    )


def _conflict(current):
    return EditConflict(_("Someone else saved a new version while you were editing. Your text is still in the "
                          "form; compare it with the current version below and save again."), current)


@transaction.atomic
def edit(post, user, base_version, body, title=None, nodes=None):
    """Save a new version of ``post`` as ``user``; the version it replaces is kept. Refused
    with EditConflict when someone saved it after ``base_version`` was opened. Returns
    (post, changed)."""
    kind = kind_of(post)
    model = KINDS[kind]
    current = model.objects.select_for_update().filter(pk=post.pk).first()
    if current is None or not rules.can_edit(current, user):
        raise PermissionDenied
    if kind == "question":
        title = _text(title, MAX_TITLE, _("Please write your question."))
        body = _body(body)
    else:
        body = _text(body, MAX_BODY, _("Please write your answer.") if kind == "answer"
                     else _("Please write your comment."))
    if base_version is None or int(base_version) != current.version:
        raise _conflict(current)
    new_nodes = None
    if kind == "question" and nodes is not None:
        new_nodes = sorted(n.pk for n in nodes if not n.merged_into_id)
    old_nodes = sorted(current.nodes.values_list("pk", flat=True)) if kind == "question" else []
    unchanged = current.body == body and (kind != "question" or (
        current.title == title and (new_nodes is None or new_nodes == old_nodes)))
    if unchanged:
        return current, False
    try:
        with transaction.atomic():
            _snapshot(kind, current).save()
    except IntegrityError:
        raise _conflict(current) from None
    changes = {"body": body, "version": current.version + 1, "edited_by": user, "updated_at": timezone.now()}
    if kind == "question":
        changes["title"] = title
    saved = model.objects.filter(pk=current.pk, version=current.version).update(**changes)
    if not saved:
        raise _conflict(current)
    current.refresh_from_db()
    if new_nodes is not None:
        current.nodes.set(new_nodes)
        _notify_experts(current)  # experts of nodes added now; the others were told already
    _reindex(current if kind == "question" else current.question)
    return current, True


@dataclass
class Version:
    number: int
    title: str
    body: str
    nodes: list
    written_by: object
    written_at: object
    current: bool = False


def history(post):
    """Every version of ``post``, the current one first."""
    kind = kind_of(post)
    labels = {}
    rows = list(PostVersion.objects.filter(kind=kind, post_id=post.pk).select_related("written_by"))
    node_ids = {pk for row in rows for pk in row.node_ids}
    current_nodes = list(post.nodes.all()) if kind == "question" else []
    node_ids |= {n.pk for n in current_nodes}
    if node_ids:
        labels = dimensions.labels(DimensionNode.objects.filter(pk__in=node_ids))
    versions = [Version(post.version, getattr(post, "title", ""), post.body,
                        sorted(labels.get(n.pk, "?") for n in current_nodes),
                        post.current_writer, post.updated_at, current=True)]
    versions += [Version(row.number, row.title, row.body, sorted(labels.get(pk, "?") for pk in row.node_ids),
                         row.written_by, row.written_at) for row in rows]
    return versions


# The trash ------------------------------------------------------------------------------------

@transaction.atomic
def trash(post, user):
    """Move ``post`` to the trash: hidden, kept, restorable by knowledge managers. A question
    takes its answers and comments with it; an answer its comments."""
    model = type(post)
    post = model.objects.select_for_update().get(pk=post.pk)
    if not rules.can_delete(post, user):
        raise PermissionDenied
    model.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=user)
    post.refresh_from_db()
    question = post if isinstance(post, Question) else post.question
    if isinstance(post, Answer):
        refresh_status(question)
    _reindex(question)
    return post


@transaction.atomic
def restore(post, user):
    if not rules.can_restore(user):
        raise PermissionDenied
    model = type(post)
    post = model.objects.select_for_update().get(pk=post.pk)
    if not post.is_deleted:
        raise QAError(_("This post is not in the trash."))
    model.objects.filter(pk=post.pk).update(deleted_at=None, deleted_by=None)
    post.refresh_from_db()
    question = post if isinstance(post, Question) else post.question
    refresh_status(question)
    _reindex(question)
    return post


@dataclass
class TrashRow:
    kind: str
    post: object
    question: object
    text: str

    @property
    def kind_label(self):
        return PostVersion.Kind(self.kind).label


def trash_rows(user):
    """What is in the Q&A trash, newest first (knowledge managers only)."""
    if not rules.can_restore(user):
        raise PermissionDenied
    rows = [TrashRow("question", q, q, q.title) for q in Question.objects.trashed().select_related("deleted_by")]
    rows += [TrashRow("answer", a, a.question, a.body)
             for a in Answer.objects.trashed().select_related("question", "deleted_by")]
    rows += [TrashRow("comment", c, c.question, c.body)
             for c in Comment.objects.trashed().select_related("question", "deleted_by")]
    return sorted(rows, key=lambda row: row.post.deleted_at, reverse=True)


# Reading --------------------------------------------------------------------------------------

def visible_question(pk, user):
    """The question for its page: anyone sees it unless it is in the trash; knowledge managers
    see a trashed one too (to decide whether to restore it). None when it may not be shown."""
    question = Question.objects.select_related("asked_by", "edited_by").filter(pk=pk).first()
    if question is None or (question.is_deleted and not rules.can_restore(user)):
        return None
    return question


def thread_for_key(key):
    """The Q&A thread a search key points back to: a question's own key ("qa.question:12"),
    or the key of the FAQ entry or article it was promoted to. None when there is none (or it
    is in the trash)."""
    if not key:
        return None
    label, _sep, pk = key.partition(":")
    if label == Question._meta.label_lower:
        return Question.objects.visible().filter(pk=int(pk)).first() if pk.isdigit() else None
    return Question.objects.visible().filter(promoted_key=key).first()


@dataclass
class PostView:
    post: object
    can_edit: bool
    can_delete: bool
    edited: bool
    comments: list = field(default_factory=list)
    accepted: bool = False
    can_accept: bool = False


def _post_view(post, user, comments=()):
    return PostView(post, rules.can_edit(post, user), rules.can_delete(post, user), post.version > 1,
                    comments=list(comments))


def thread(question, user):
    """The question, its visible answers (the accepted one first) and comments, with what
    ``user`` may do to each."""
    answers = list(question.answers.visible().select_related("author", "edited_by"))
    visible_ids = {a.pk for a in answers}
    by_answer = {}
    for c in question.comments.visible().select_related("author", "edited_by"):
        if c.answer_id is None or c.answer_id in visible_ids:
            by_answer.setdefault(c.answer_id, []).append(_post_view(c, user))
    answer_views = []
    for a in answers:
        view = _post_view(a, user, by_answer.get(a.pk, []))
        view.accepted = a.pk == question.accepted_answer_id
        view.can_accept = rules.can_accept(question, user) and not view.accepted
        answer_views.append(view)
    answer_views.sort(key=lambda v: (not v.accepted, v.post.created_at, v.post.pk))
    node_labels = sorted(dimensions.labels(question.nodes.all()).items(), key=lambda item: item[1])
    return {
        "question_view": _post_view(question, user, by_answer.get(None, [])),
        "answers": answer_views,
        "node_labels": node_labels,
        "promoted": promoted_target(question),
    }


@dataclass
class Promoted:
    kind: str
    title: str
    url: str
    live: bool


def promoted_target(question):
    """What the thread was promoted to, and whether that page is still published."""
    if not question.promoted_key or not question.promoted_url:
        return None
    from search.index import resolve_key

    page = resolve_key(question.promoted_key)
    live = page is not None and getattr(page, "live", True)
    url = (page.url if live else "") or ""
    return Promoted(question.promoted_kind, getattr(page, "title", "") or question.promoted_title, url, bool(url))


FILTERS = ("all", "unanswered", "mine", "resolved")


def listing(user, show="all", node=None):
    """The visible questions for the list: all, unanswered, the user's own or resolved ones,
    optionally in a dimension node (or below it); each with its number of answers."""
    questions = (Question.objects.visible().select_related("asked_by")
                 .annotate(answer_count=Count("answers", filter=Q(answers__deleted_at__isnull=True), distinct=True)))
    if show == "unanswered":
        questions = questions.filter(status=Question.Status.OPEN)
    elif show == "mine":
        questions = questions.filter(asked_by=user)
    elif show == "resolved":
        questions = questions.filter(status=Question.Status.RESOLVED)
    if node is not None:
        questions = questions.filter(pk__in=Question.nodes.through.objects.filter(
            dimensionnode__in=dimensions.subtree(node)).values("question_id"))
    return questions.order_by("-created_at", "-pk")


def node_choices():
    """(node id, label) of every active node, for the list's filter."""
    nodes = DimensionNode.objects.active()
    return sorted(dimensions.labels(nodes).items(), key=lambda item: item[1])


@dataclass
class Suggestion:
    kind: str
    kind_label: str
    title: str
    url: str
    phrase_html: str
    score: float


def similar(text, user, limit=SIMILAR_LIMIT):
    """FAQ entries and questions ``user`` may read that ask what ``text`` asks, best first."""
    text = clean_query(text).strip()
    if len(text) < 2:
        return []
    labels = registry.kind_labels()
    found = match(text, registry.principals_for_user(user), kinds=("faq", "question"), limit=limit)
    return [Suggestion(m.entry.kind, str(labels.get(m.entry.kind, m.entry.kind)), m.entry.title, m.entry.url,
                       m.phrase_html, m.score) for m in found]
