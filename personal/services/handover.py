"""Handing a leaver's items, anthologies, work log and subscriptions to a successor (KB-15).

Pages move by a new revision (so the leaver's revisions stay as they were and a later publish
of an older draft cannot bring the leaver back); documents, anthologies, work log entries and
subscriptions change owner in place. Favourites, reading history and notifications stay with
the leaver: they record what that person chose and read, not work the successor takes over.
"""
from django.apps import apps
from django.db import transaction
from django.db.models import Q
from wagtail.log_actions import log
from wagtail.models import Page

from search.index import queue_update

from ..models import Anthology, Handover, Subscription, WorkLogEntry

HANDOVER_ACTION = "zhiku.handover"


def content_owner_models():
    """Page models with a ``content_owner`` field of their own (ArticlePage and any later one)."""
    found = []
    for model in apps.get_models():
        if issubclass(model, Page) and any(f.name == "content_owner" for f in model._meta.local_fields):
            found.append(model)
    return found


def _page_ids(user):
    ids = set(Page.objects.filter(owner=user).values_list("pk", flat=True))
    for model in content_owner_models():
        ids.update(model.objects.filter(content_owner=user).values_list("pk", flat=True))
    return sorted(ids)


def _document_model():
    from wagtail.documents import get_document_model

    return get_document_model()


def preview(from_user):
    """What a handover of ``from_user`` would move: {name: [ids]}."""
    return {
        "pages": _page_ids(from_user),
        "documents": sorted(_document_model().objects.filter(uploaded_by_user=from_user).values_list("pk", flat=True)),
        "anthologies": sorted(Anthology.objects.filter(owner=from_user).values_list("pk", flat=True)),
        "work_log_entries": sorted(WorkLogEntry.objects.filter(user=from_user).values_list("pk", flat=True)),
        "subscriptions": sorted(Subscription.objects.filter(user=from_user).values_list("pk", flat=True)),
    }


def counts(summary):
    return {name: len(ids) for name, ids in summary.items() if isinstance(ids, list)}


def _hand_over_page(page, from_user, to_user, performed_by):
    """A new revision with the successor as owner, published when the page had no pending draft
    (so the live page and its latest revision agree)."""
    page = page.specific
    if page.owner_id == from_user.pk:
        Page.objects.filter(pk=page.pk).update(owner=to_user)  # not part of revisions
    owns_content = hasattr(page, "content_owner_id") and page.content_owner_id == from_user.pk
    if owns_content:
        type(page).objects.filter(pk=page.pk).update(content_owner=to_user)
    page = type(page).objects.get(pk=page.pk)  # with the new owner, which publishing keeps
    # The latest revision itself (Wagtail returns the live row when there is no draft).
    latest = page.latest_revision.as_object() if page.latest_revision_id else None
    revision = None
    if latest is not None and getattr(latest, "content_owner_id", None) == from_user.pk:
        latest.content_owner = to_user
        publish = page.live and not page.has_unpublished_changes
        revision = latest.save_revision(user=performed_by, log_action=False, clean=False, changed=not publish)
        if publish:
            revision.publish(user=performed_by, log_action=False)
    log(instance=page, action=HANDOVER_ACTION, user=performed_by, revision=revision,
        data={"from": from_user.get_username(), "to": to_user.get_username()})


@transaction.atomic
def perform(from_user, to_user, performed_by):
    """Move everything at once; returns the Handover record."""
    if from_user.pk == to_user.pk:
        raise ValueError("from_user and to_user are the same person")
    summary = preview(from_user)

    for page in Page.objects.filter(pk__in=summary["pages"]).specific():
        _hand_over_page(page, from_user, to_user, performed_by)

    documents = _document_model().objects.filter(pk__in=summary["documents"])
    documents.update(uploaded_by_user=to_user)
    for document in documents:  # update() sends no post_save: re-index the owner facet
        queue_update(document)

    anthologies = Anthology.objects.filter(pk__in=summary["anthologies"])
    anthologies.update(owner=to_user)
    for anthology in anthologies:  # private ones are now the successor's to read
        queue_update(anthology)

    WorkLogEntry.objects.filter(pk__in=summary["work_log_entries"]).update(user=to_user)

    # The successor may already follow some of the same things: keep one of each.
    already = set(Subscription.objects.filter(user=to_user).values_list("target_type", "target"))
    duplicate = Q(pk__in=[])
    for target_type, target in already:
        duplicate |= Q(target_type=target_type, target=target)
    leaver_subscriptions = Subscription.objects.filter(pk__in=summary["subscriptions"])
    leaver_subscriptions.filter(duplicate).delete()
    leaver_subscriptions.exclude(duplicate).update(user=to_user)

    return Handover.objects.create(from_user=from_user, to_user=to_user, performed_by=performed_by,
                                   summary={**summary, "counts": counts(summary)})
