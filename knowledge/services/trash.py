"""The trash (KB-14): deleted pages and documents are kept and can be restored."""
import reversion
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version
from wagtail.log_actions import log
from wagtail.models import Page
from wagtail.search import index

from ..models import KnowledgeDocument, TrashBinPage, TrashItem


class RestoreError(Exception):
    pass


def get_trash_bin():
    trash_bin = TrashBinPage.objects.first()
    if trash_bin is None:
        root = Page.get_first_root_node()
        trash_bin = root.add_child(instance=TrashBinPage(title=_("Trash"), slug="trash", live=False))
    return trash_bin


@transaction.atomic
def trash_page(page, user):
    """Unpublish ``page`` and its subtree and move it into the trash bin."""
    page = page.specific
    live_ids = list(page.get_descendants(inclusive=True).live().values_list("pk", flat=True))
    for live_page in Page.objects.filter(pk__in=live_ids).specific():
        live_page.unpublish(user=user, log_action=None)
    original_parent = page.get_parent()
    item = TrashItem.objects.create(
        kind=TrashItem.Kind.PAGE,
        title=page.title[:255],
        page=page,
        original_parent=original_parent,
        was_live=bool(live_ids),
        extra={"slug": page.slug, "live_page_ids": live_ids},
        deleted_by=user,
    )
    # Slugs must be unique among siblings; the trash may already hold a page with this one.
    Page.objects.filter(pk=page.pk).update(slug=f"trashed-{item.pk}")
    page.refresh_from_db()
    page.move(get_trash_bin(), pos="last-child")  # no user: the trash bin is nobody's to edit
    log(instance=page, action="zhiku.trash", user=user)
    return item


@transaction.atomic
def restore_page(item, user):
    page = item.page.specific if item.page else None
    if page is None:
        raise RestoreError(_("The page no longer exists."))
    parent = item.original_parent
    if parent is None or parent.get_ancestors(inclusive=True).type(TrashBinPage).exists():
        raise RestoreError(_("The original location no longer exists; restore its parent first."))
    slug = item.extra.get("slug") or page.slug
    if parent.get_children().filter(slug=slug).exists():
        slug = f"{slug}-{item.pk}"
    Page.objects.filter(pk=page.pk).update(slug=slug)
    page.refresh_from_db()
    page.move(parent, pos="last-child")
    for was_live in Page.objects.filter(pk__in=item.extra.get("live_page_ids", [])).specific():
        revision = was_live.get_latest_revision()
        if revision is not None:
            revision.publish(user=user)
    log(instance=page, action="zhiku.restore", user=user)
    _mark_restored(item, user)
    return page


def snapshot_document(document, user):
    """Keep a deleted document restorable: its row, all versions and article links."""
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(document)
        reversion.set_comment("trash")
        if user is not None:
            reversion.set_user(user)
    revision = Version.objects.get_for_object(document).order_by("-pk").first().revision
    return TrashItem.objects.create(
        kind=TrashItem.Kind.DOCUMENT,
        title=document.title[:255],
        document_id=document.pk,
        revision=revision,
        extra={"tags": list(document.tags.names())},
        deleted_by=user,
    )


@transaction.atomic
def restore_document(item, user):
    if KnowledgeDocument.objects.filter(pk=item.document_id).exists():
        raise RestoreError(_("This document has already been restored."))
    if item.revision is None:
        raise RestoreError(_("The saved copy of this document is missing."))
    item.revision.revert(delete=False)
    document = KnowledgeDocument.objects.get(pk=item.document_id)
    document.tags.add(*item.extra.get("tags", []))
    index.insert_or_update_object(document)
    log(instance=document, action="zhiku.restore", user=user)
    _mark_restored(item, user)
    return document


def restore(item, user):
    if item.restored_at is not None:
        raise RestoreError(_("This item has already been restored."))
    if item.kind == TrashItem.Kind.PAGE:
        return restore_page(item, user)
    return restore_document(item, user)


def _mark_restored(item, user):
    item.restored_at = timezone.now()
    item.restored_by = user
    item.save(update_fields=["restored_at", "restored_by"])
