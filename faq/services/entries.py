"""Creating and changing FAQ entries from the portal (import, promotion from Q&A), and
their answers as agents paste them."""
from bs4 import BeautifulSoup
from django.db import transaction
from wagtail.rich_text import expand_db_html

from knowledge.models import Audience, KnowledgeSpacePage
from knowledge.services.pages import unique_child_slug

from ..models import FAQEntryPage

BLOCKS = ["p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "br"]


def rich_text_as_plain(value):
    """Rich text as plain lines: a line per paragraph, heading and list item."""
    soup = BeautifulSoup(str(value or ""), "html.parser")
    for listing in soup.find_all(["ol", "ul"]):
        for number, item in enumerate(listing.find_all("li", recursive=False), 1):
            item.insert(0, f"{number}. " if listing.name == "ol" else "- ")
    for tag in soup.find_all(BLOCKS):
        tag.insert_after("\n")
    lines = (line.strip() for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line)


def answer_html(entry):
    """The answer as HTML with links expanded, for the portal and the API."""
    return expand_db_html(entry.answer)


def plain_to_rich_text(text):
    """Plain text (an imported cell) as rich text: a paragraph per line."""
    from django.utils.html import escape

    return "".join(f"<p>{escape(line.strip())}</p>" for line in str(text or "").splitlines() if line.strip())


def spaces_for_adding(user):
    """Spaces where ``user`` may publish new FAQ entries."""
    return [space for space in KnowledgeSpacePage.objects.live().readable_by(user).order_by("title")
            if (rights := space.permissions_for_user(user)).can_add_subpage() and rights.can_publish_subpage()]


def can_edit_entry(entry, user):
    rights = entry.permissions_for_user(user)
    return rights.can_edit() and rights.can_publish()


@transaction.atomic
def create_entry(space, user, question, answer, phrasings=(), nodes=(), audience=Audience.INTERNAL, owner=None,
                 source_key="", publish=True, next_review=None):
    """A new entry in ``space``, published (or saved as a draft) as ``user``; ``answer`` is
    rich text (HTML)."""
    space = KnowledgeSpacePage.objects.get(pk=space.pk)
    entry = FAQEntryPage(
        title=question.strip()[:255], slug=unique_child_slug(space, question, fallback="faq"),
        phrasings="\n".join(phrasings), answer=answer, audience=audience, owner=user,
        content_owner=owner or user, source_key=source_key, live=publish, next_review=next_review,
    )
    space.add_child(instance=entry)
    entry.nodes.set(nodes)
    revision = entry.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return FAQEntryPage.objects.get(pk=entry.pk)


@transaction.atomic
def update_entry(entry, user, **changes):
    """Save ``changes`` (question, answer, phrasings, nodes, audience) as a new revision and
    publish it; earlier versions stay readable."""
    entry = FAQEntryPage.objects.get(pk=entry.pk)
    if "question" in changes:
        entry.title = changes["question"].strip()[:255]
    if "phrasings" in changes:
        entry.phrasings = "\n".join(changes["phrasings"])
    for name in ("answer", "audience"):
        if name in changes:
            setattr(entry, name, changes[name])
    if "nodes" in changes:
        entry.nodes = list(changes["nodes"])
    entry.save_revision(user=user, log_action=True).publish(user=user)
    return FAQEntryPage.objects.get(pk=entry.pk)
