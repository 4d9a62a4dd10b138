"""Significant changes: an editor marked a new version as changing what people must know.

``significant_change`` is sent once per such version (page revision or document file), with
the item's search ``key``, ``title``, ``url``, ``when`` it took effect and ``version`` (what
identifies that version of the item: "r<revision id>" or "v<document version number>").
Training asks learners who completed the item before ``when`` to re-read it.
"""
from django.dispatch import Signal
from django.utils import timezone

significant_change = Signal()

# Log actions Wagtail writes when a revision goes live (by hand, or at its scheduled time).
PUBLISH_ACTIONS = ("wagtail.publish", "wagtail.publish.scheduled")


def announce(obj, title, url, when, version):
    from personal.services.items import key_of

    key = key_of(obj)
    if key:
        significant_change.send(sender=type(obj), key=key, title=title, url=url, when=when, version=version)


def page_revision_published(page, revision):
    """Called on every publish; announces a revision marked significant the first time it goes
    live (publishing the same revision again is no new change)."""
    from wagtail.models import PageLogEntry

    if revision is None or not revision.content.get("significant_change"):
        return
    if not page.live or page.live_revision_id != revision.pk:
        return  # only scheduled: announced when it goes live
    # The log entry of this publish is written after the signal, so any found is an earlier one.
    if PageLogEntry.objects.filter(page_id=page.pk, revision=revision, action__in=PUBLISH_ACTIONS).exists():
        return
    announce(page, page.title, page.get_url() or "", page.last_published_at or timezone.now(), f"r{revision.pk}")


def document_version_recorded(document, version):
    if version.significant:
        announce(document, document.title, document.url, version.created_at, f"v{version.number}")
