"""Promoting a good answer into an FAQ entry or a knowledge article in one action. The new
page keeps the link to its thread (an FAQ entry's ``source_key``; an article says where it
came from in its text) and the thread records what it became. A thread is promoted once:
promoting it again, or twice at the same moment, gives the page made the first time."""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from wagtail.rich_text import RichText

from faq.models import FAQEntryPage
from faq.services.entries import create_entry, plain_to_rich_text
from knowledge.models import ArticlePage, KnowledgeSpacePage
from knowledge.services.pages import unique_child_slug
from search import registry

from ..models import Answer, Question
from . import rules
from .threads import QAError, _reindex

TARGETS = ("faq", "article")
CLAIM = "pending"


def _create_article(space, user, question, answer, nodes):
    space = KnowledgeSpacePage.objects.get(pk=space.pk)
    source = _("From the Q&A thread: %(link)s") % {
        "link": f'<a href="{escape(question.get_absolute_url())}">{escape(question.title)}</a>'}
    body = plain_to_rich_text(answer.body) + f"<p>{source}</p>"
    article = ArticlePage(
        title=question.title[:255], slug=unique_child_slug(space, question.title, fallback="article"),
        summary=question.body[:1000], body=[("paragraph", RichText(body))], owner=user, content_owner=user,
    )
    space.add_child(instance=article)
    article.nodes.set(nodes)
    article.save_revision(user=user, log_action=True).publish(user=user)
    return ArticlePage.objects.get(pk=article.pk)


def _existing_entry(question):
    """An FAQ entry already made from this thread, if any (also one made before the thread
    recorded it)."""
    return FAQEntryPage.objects.filter(source_key=question.search_key).order_by("pk").first()


@transaction.atomic
def promote(question, answer, user, space, target):
    """Turn ``answer`` into an FAQ entry (``target`` "faq") or an article in ``space``,
    published as ``user``. Returns (question, created): created is False when the thread was
    promoted already, and nothing new is made."""
    if space is None or space.pk not in {s.pk for s in rules.promotion_spaces(user)}:
        raise PermissionDenied
    if target not in TARGETS:
        raise QAError(_("Choose whether to make an FAQ entry or an article."))
    question = Question.objects.filter(pk=question.pk).first()
    if question is None or question.is_deleted:
        raise QAError(_("This question is in the trash; nothing can be added to it."))
    answer = Answer.objects.visible().filter(pk=getattr(answer, "pk", answer), question=question).first()
    if answer is None:
        raise QAError(_("That answer is no longer there; nothing was promoted."))
    # Claim the thread first: of two editors promoting at once, one claims it, the other finds
    # it claimed and makes nothing.
    if not Question.objects.filter(pk=question.pk, promoted_key="").update(promoted_key=CLAIM):
        question.refresh_from_db()
        return question, False
    nodes = list(question.nodes.all())
    page = None
    if target == "faq":
        page = _existing_entry(question)
        if page is None:
            page = create_entry(space, user, question.title, plain_to_rich_text(answer.body), nodes=nodes,
                                owner=user, source_key=question.search_key)
    else:
        page = _create_article(space, user, question, answer, nodes)
    Question.objects.filter(pk=question.pk).update(
        promoted_kind="faq" if isinstance(page, FAQEntryPage) else "article",
        promoted_key=registry.adapter_for(page).key(page), promoted_url=page.url or "",
        promoted_title=page.title[:255], promoted_answer=answer, promoted_by=user, promoted_at=timezone.now(),
    )
    question.refresh_from_db()
    _reindex(question)
    return question, True
