"""What the knowledge team and owners see of feedback, and turning a gap into a draft."""
from django.db.models import Count, Q
from django.utils.translation import gettext

from ..models import FAQEntryPage, OutdatedFlag, UnansweredQuestion
from .entries import create_entry, plain_to_rich_text, spaces_for_adding
from .feedback import close_unanswered

MANAGE_PERMISSION = "faq.manage_faq"
LIST_SIZE = 100


def can_manage(user):
    return user.has_perm(MANAGE_PERMISSION)


def can_review(user):
    """The knowledge team, or anyone who owns an FAQ entry."""
    return can_manage(user) or FAQEntryPage.objects.filter(content_owner=user).exists()


def can_resolve(user, entry):
    return can_manage(user) or entry.content_owner_id == user.pk


def overview(user):
    flags = OutdatedFlag.objects.filter(resolved_at__isnull=True).select_related("entry", "user")
    if not can_manage(user):
        flags = flags.filter(entry__content_owner=user)
    readable = FAQEntryPage.objects.live().readable_by(user)
    flags = flags.filter(entry__in=readable)
    unhelpful = (readable.annotate(
        helpful_votes=Count("answer_votes", filter=Q(answer_votes__helpful=True)),
        unhelpful_votes=Count("answer_votes", filter=Q(answer_votes__helpful=False)))
        .filter(unhelpful_votes__gt=0).order_by("-unhelpful_votes", "title"))
    if not can_manage(user):
        unhelpful = unhelpful.filter(content_owner=user)
    return {
        "can_manage": can_manage(user),
        "unanswered": (UnansweredQuestion.objects.filter(status=UnansweredQuestion.Status.OPEN)[:LIST_SIZE]
                       if can_manage(user) else []),
        "flags": flags[:LIST_SIZE],
        "unhelpful": unhelpful[:LIST_SIZE],
        "spaces": spaces_for_adding(user),
    }


def draft_from_unanswered(question, space, user):
    """A draft FAQ entry with the question as asked, for the editor to answer and publish;
    the question is marked answered by it."""
    placeholder = plain_to_rich_text(gettext("To be answered: asked %(count)d times.") % {"count": question.ask_count})
    draft = create_entry(space, user, question.text, answer=placeholder, publish=False)
    close_unanswered(question, user, UnansweredQuestion.Status.ANSWERED, answer_key=f"faq.faqentrypage:{draft.pk}")
    return draft
