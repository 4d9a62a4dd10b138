"""What readers see of an article's history: its published versions, and their differences."""
import difflib

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry


def published_versions(page):
    """Log entries of each publication of ``page``, newest first, each with its revision."""
    return (
        PageLogEntry.objects.filter(page=page, action="wagtail.publish", revision__isnull=False)
        .select_related("revision", "user")
        .order_by("-timestamp")
    )


def published_revision(page, revision_id):
    entry = published_versions(page).filter(revision_id=revision_id).first()
    return entry.revision if entry else None


def article_as_lines(article):
    """A plain-text rendering of an article version, line by line, for comparison."""
    lines = [f"# {article.title}", ""]
    if article.summary:
        lines += [article.summary, ""]
    for block in article.body:
        text = strip_tags(block.render()).strip()
        lines += [line.strip() for line in text.splitlines() if line.strip()]
    keywords = ", ".join(sorted(tag.name for tag in article.keywords.all()))
    if keywords:
        lines += ["", _("Keywords: %(keywords)s") % {"keywords": keywords}]
    attachments = [a.document.title for a in article.attachments.all() if a.document_id]
    if attachments:
        lines += ["", _("Attachments: %(titles)s") % {"titles": ", ".join(attachments)}]
    return lines


def compare_lines(old_lines, new_lines):
    """Rows of (kind, old_text, new_text); kind is equal, delete, insert or replace."""
    rows = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_chunk, new_chunk = old_lines[i1:i2], new_lines[j1:j2]
        for k in range(max(len(old_chunk), len(new_chunk))):
            rows.append((
                tag,
                old_chunk[k] if k < len(old_chunk) else "",
                new_chunk[k] if k < len(new_chunk) else "",
            ))
    return rows
