"""What agents and customers tell the knowledge team: helpful or not, outdated, unanswered."""
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Notification
from search.text import clean_query, normalise

from ..models import AnswerVote, Channel, OutdatedFlag, UnansweredQuestion


def vote(page, helpful, user=None, session_key="", channel=Channel.PORTAL):
    """Record whether an FAQ entry or article helped; a person (or an anonymous session) has
    one vote per page, and voting again replaces it, so a double click or a re-sent form
    counts once."""
    who = {"user": user} if user is not None and user.is_authenticated else {"user": None, "session_key": session_key}
    if who["user"] is None and not session_key:
        raise ValueError("an anonymous vote needs a session")
    try:
        with transaction.atomic():
            AnswerVote.objects.update_or_create(page=page, **who, defaults={"helpful": helpful, "channel": channel})
    except IntegrityError:  # the same vote arrived twice at once: the other one counted
        AnswerVote.objects.filter(page=page, **who).update(helpful=helpful)


def vote_summary(page):
    """{"helpful": n, "not_helpful": n} (an aggregate may not share a field's name)."""
    counts = AnswerVote.objects.filter(page=page).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    return {"helpful": counts["yes"], "not_helpful": counts["no"]}


def flag_outdated(entry, user, comment=""):
    """Flag an answer as outdated (once per person while open) and tell its owner."""
    flag, created = OutdatedFlag.objects.get_or_create(
        entry=entry, user=user, resolved_at__isnull=True, defaults={"comment": comment.strip()[:2000]})
    if not created and comment.strip():
        flag.comment = comment.strip()[:2000]
        flag.save(update_fields=["comment"])
    owner = entry.content_owner or entry.owner
    if created and owner is not None and owner != user:
        Notification.objects.notify(
            [owner], "outdated", _("Flagged as outdated: %(title)s") % {"title": entry.title}, url=entry.url or "",
            dedupe_key=f"faq-outdated:{flag.pk}")
    return flag


def resolve_flags(entry, user):
    """The owner has dealt with the flags (revised or re-checked the answer)."""
    return OutdatedFlag.objects.filter(entry=entry, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user)


def record_unanswered(text, user=None, channel=Channel.PORTAL):
    """Collect a question nobody could answer; the same wording again only counts up."""
    text = " ".join(clean_query(text).split())[:500]
    key = " ".join(normalise(text).split())[:500]
    if not key:
        return None
    who = user if user is not None and user.is_authenticated else None
    question, created = UnansweredQuestion.objects.get_or_create(
        normalised=key, defaults={"text": text, "asked_by": who, "channel": channel})
    if not created:
        UnansweredQuestion.objects.filter(pk=question.pk).update(
            ask_count=F("ask_count") + 1, last_asked_at=timezone.now(),
            status=UnansweredQuestion.Status.OPEN if question.status == UnansweredQuestion.Status.OPEN
            else question.status)
        question.refresh_from_db()
    return question


def close_unanswered(question, user, status, answer_key=""):
    question.status = status
    question.answer_key = answer_key[:100]
    question.resolved_by = user
    question.save(update_fields=["status", "answer_key", "resolved_by"])
