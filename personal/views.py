"""The personal space under /me/. Every view works on the requesting user's own rows (someone
else's id gives 404); anthologies shared with the viewer may be read, never changed."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.models import DIGEST, KINDS, Notification, NotificationPreference, UserProfile

from .forms import AnthologyForm, FolderForm, HandoverForm, WorkLogEntryForm
from .models import (
    Anthology, AnthologyItem, Favourite, FavouriteFolder, Handover, Visibility, WorkLogEntry, WorkLogLink,
)
from .services import anthologies as anthology_service
from .services import handover as handover_service
from .services import subscriptions as subscription_service
from .services.items import item_views, key_of, readable_entries, readable_entry
from .services.space import contributions, link_choices, recent_items, subscribable_nodes, subscribable_spaces

HANDOVER_PERMISSION = "personal.add_handover"


def _back(request, default="personal:home"):
    """Where a small form came from (its ``next``), when that is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(resolve_url(default))


def home(request):
    user = request.user
    folders = list(user.favourite_folders.all())
    favourites = list(user.favourites.select_related("folder")[:200])
    views = {v.key: v for v in item_views(user, [f.key for f in favourites])}
    unfiled = [(f, views[f.key]) for f in favourites if f.folder_id is None]
    by_folder = [(folder, [(f, views[f.key]) for f in favourites if f.folder_id == folder.pk]) for folder in folders]
    return TemplateResponse(request, "personal/home.html", {
        "unfiled": unfiled, "by_folder": by_folder,
        "my_anthologies": Anthology.objects.filter(owner=user).prefetch_related("groups")[:20],
        "shared_anthologies": Anthology.objects.visible_to(user).exclude(owner=user)
        .exclude(visibility=Visibility.PRIVATE).select_related("owner")[:20],
        **contributions(user),
        "recent": recent_items(user, 10),
        "subscriptions": subscription_service.describe(user, user.subscriptions.all()[:20]),
        "work_log": user.work_log.prefetch_related("links")[:5],
        "unread_count": Notification.objects.filter(user=user).unread().count(),
    })


def recent(request):
    return TemplateResponse(request, "personal/recent.html", {"recent": recent_items(request.user, 100)})


# --- Favourites ------------------------------------------------------------------------------

def favourites(request):
    user = request.user
    favourites = list(user.favourites.select_related("folder"))
    views = {v.key: v for v in item_views(user, [f.key for f in favourites])}
    folders = list(user.favourite_folders.all())
    return TemplateResponse(request, "personal/favourites.html", {
        "folders": folders,
        "unfiled": [(f, views[f.key]) for f in favourites if f.folder_id is None],
        "by_folder": [(folder, [(f, views[f.key]) for f in favourites if f.folder_id == folder.pk])
                      for folder in folders],
    })


def _folder_from_post(request):
    """The folder chosen in a form (one of mine), a new one named there, or None."""
    name = request.POST.get("new_folder", "").strip()[:100]
    if name:
        return FavouriteFolder.objects.get_or_create(user=request.user, name=name)[0]
    folder_id = request.POST.get("folder", "")
    if folder_id.isdigit():
        return get_object_or_404(FavouriteFolder, pk=folder_id, user=request.user)
    return None


@require_POST
def favourite_add(request):
    key = request.POST.get("key", "")
    if readable_entry(request.user, key) is None:
        raise Http404
    folder = _folder_from_post(request)
    favourite, created = Favourite.objects.get_or_create(user=request.user, key=key, defaults={"folder": folder})
    if not created and favourite.folder_id != getattr(folder, "pk", None) and folder is not None:
        favourite.folder = folder
        favourite.save(update_fields=["folder"])
    messages.success(request, _("Added to your favourites.") if created else _("It is in your favourites."))
    return _back(request)


@require_POST
def favourite_remove(request, pk):
    get_object_or_404(Favourite, pk=pk, user=request.user).delete()
    messages.success(request, _("Removed from your favourites."))
    return _back(request, "personal:favourites")


@require_POST
def favourite_remove_key(request):
    Favourite.objects.filter(user=request.user, key=request.POST.get("key", "")).delete()
    messages.success(request, _("Removed from your favourites."))
    return _back(request, "personal:favourites")


@require_POST
def favourite_move(request, pk):
    favourite = get_object_or_404(Favourite, pk=pk, user=request.user)
    favourite.folder = _folder_from_post(request)
    favourite.save(update_fields=["folder"])
    return _back(request, "personal:favourites")


def folder_edit(request, pk=None):
    folder = get_object_or_404(FavouriteFolder, pk=pk, user=request.user) if pk else FavouriteFolder(user=request.user)
    form = FolderForm(request.POST or None, instance=folder, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Folder saved."))
        return redirect("personal:favourites")
    return TemplateResponse(request, "personal/form.html", {
        "form": form, "heading": _("Edit folder") if pk else _("New folder"),
        "cancel_url": resolve_url("personal:favourites"),
    })


@require_POST
def folder_delete(request, pk):
    folder = get_object_or_404(FavouriteFolder, pk=pk, user=request.user)
    folder.delete()  # its favourites stay, outside any folder
    messages.success(request, _("Folder deleted; its favourites are kept outside folders."))
    return redirect("personal:favourites")


# --- Anthologies -----------------------------------------------------------------------------

def anthology_list(request):
    user = request.user
    return TemplateResponse(request, "personal/anthology_list.html", {
        "mine": Anthology.objects.filter(owner=user).prefetch_related("groups"),
        # Shared ones only: a superuser may open anyone's, but a private one is not "shared".
        "shared": Anthology.objects.visible_to(user).exclude(owner=user).exclude(visibility=Visibility.PRIVATE)
        .select_related("owner"),
    })


def _visible_anthology(request, pk):
    """404 for anyone who may not see it: its existence is private too."""
    return get_object_or_404(Anthology.objects.visible_to(request.user), pk=pk)


def _own_anthology(request, pk):
    anthology = _visible_anthology(request, pk)
    if anthology.owner_id != request.user.pk:
        raise PermissionDenied
    return anthology


def anthology_detail(request, pk):
    anthology = _visible_anthology(request, pk)
    items = list(anthology.items.all())
    views = {v.key: v for v in item_views(request.user, [i.key for i in items])}
    return TemplateResponse(request, "personal/anthology_detail.html", {
        "anthology": anthology, "is_owner": anthology.owner_id == request.user.pk,
        "items": [(item, views[item.key]) for item in items], "groups": anthology.groups.all(),
        "anthology_key": key_of(anthology),
    })


def anthology_edit(request, pk=None):
    anthology = _own_anthology(request, pk) if pk else Anthology(owner=request.user)
    form = AnthologyForm(request.POST or None, instance=anthology, user=request.user)
    if request.method == "POST" and form.is_valid():
        anthology = form.save()
        messages.success(request, _("Anthology saved."))
        return redirect(anthology.get_absolute_url())
    return TemplateResponse(request, "personal/form.html", {
        "form": form, "heading": _("Edit anthology") if pk else _("New anthology"),
        "cancel_url": anthology.get_absolute_url() if pk else resolve_url("personal:anthologies"),
    })


def anthology_delete(request, pk):
    anthology = _own_anthology(request, pk)
    if request.method == "POST":
        anthology.delete()
        messages.success(request, _("Anthology deleted."))
        return redirect("personal:anthologies")
    return TemplateResponse(request, "personal/confirm_delete.html", {
        "object": anthology, "cancel_url": anthology.get_absolute_url(),
    })


@require_POST
def anthology_add_item(request):
    """From an item's page: add it to one of my anthologies, or to a new one."""
    key = request.POST.get("key", "")
    if readable_entry(request.user, key) is None:
        raise Http404
    choice = request.POST.get("anthology", "")
    new_title = request.POST.get("new_title", "").strip()[:200]
    with transaction.atomic():
        if choice == "new" or (not choice and new_title):
            if not new_title:
                messages.error(request, _("Give the new anthology a title."))
                return _back(request)
            anthology = Anthology.objects.create(owner=request.user, title=new_title)
        elif choice.isdigit():
            anthology = get_object_or_404(Anthology, pk=choice, owner=request.user)
        else:
            messages.error(request, _("Choose an anthology."))
            return _back(request)
        _item, created = anthology_service.add_item(anthology, key, request.user, request.POST.get("note", ""))
    if created:
        messages.success(request, _("Added to the anthology “%(title)s”.") % {"title": anthology.title})
    else:
        messages.info(request, _("It is already in the anthology “%(title)s”.") % {"title": anthology.title})
    return _back(request, anthology.get_absolute_url())


def _own_item(request, pk, item_id):
    anthology = _own_anthology(request, pk)
    return get_object_or_404(AnthologyItem, pk=item_id, anthology=anthology)


@require_POST
def anthology_item_move(request, pk, item_id):
    item = _own_item(request, pk, item_id)
    if anthology_service.move_item(item, request.POST.get("direction", "")):
        anthology_service.reindex(item.anthology)
    return redirect(item.anthology.get_absolute_url())


@require_POST
def anthology_item_remove(request, pk, item_id):
    item = _own_item(request, pk, item_id)
    item.delete()
    messages.success(request, _("Removed from the anthology."))
    return redirect(item.anthology.get_absolute_url())


@require_POST
def anthology_item_note(request, pk, item_id):
    item = _own_item(request, pk, item_id)
    item.note = request.POST.get("note", "").strip()[:500]
    item.save(update_fields=["note"])
    return redirect(item.anthology.get_absolute_url())


# --- Subscriptions ---------------------------------------------------------------------------

def subscriptions(request):
    user = request.user
    return TemplateResponse(request, "personal/subscriptions.html", {
        "subscriptions": subscription_service.describe(user, user.subscriptions.all()),
        "spaces": subscribable_spaces(user), "nodes": subscribable_nodes(),
    })


@require_POST
def subscribe(request):
    target_type, target = request.POST.get("target_type", ""), request.POST.get("target", "")
    try:
        _subscription, created = subscription_service.subscribe(request.user, target_type, target)
    except subscription_service.SubscriptionError:
        raise Http404
    messages.success(request, _("Subscribed: you will be notified of changes.") if created
                     else _("You are already subscribed."))
    return _back(request, "personal:subscriptions")


@require_POST
def unsubscribe(request):
    subscription_service.unsubscribe(request.user, request.POST.get("target_type", ""), request.POST.get("target", ""))
    messages.success(request, _("Unsubscribed."))
    return _back(request, "personal:subscriptions")


# --- Work log --------------------------------------------------------------------------------

def worklog(request):
    entries = request.user.work_log.prefetch_related("links")
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    keys = {link.key for entry in page for link in entry.links.all()}
    entries_by_key = readable_entries(request.user, keys)
    days = []
    for entry in page:
        links = [(link.key, entries_by_key.get(link.key)) for link in entry.links.all()]
        if days and days[-1][0] == entry.date:
            days[-1][1].append((entry, links))
        else:
            days.append((entry.date, [(entry, links)]))
    return TemplateResponse(request, "personal/worklog.html", {"days": days, "page": page})


def worklog_edit(request, pk=None):
    user = request.user
    if pk:
        entry = get_object_or_404(WorkLogEntry, pk=pk, user=user)
    else:
        entry = WorkLogEntry(user=user, date=timezone.localdate())
    extra = [request.GET.get("link", "")] + (list(entry.links.values_list("key", flat=True)) if pk else [])
    form = WorkLogEntryForm(request.POST or None, instance=entry, link_choices=link_choices(user, extra),
                            initial={"links": [k for k in extra if k]})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            entry = form.save()
            wanted = set(form.cleaned_data["links"])
            entry.links.exclude(key__in=wanted).delete()
            have = set(entry.links.values_list("key", flat=True))
            WorkLogLink.objects.bulk_create([WorkLogLink(entry=entry, key=k) for k in sorted(wanted - have)])
        messages.success(request, _("Work log entry saved."))
        return redirect("personal:worklog")
    return TemplateResponse(request, "personal/form.html", {
        "form": form, "heading": _("Edit work log entry") if pk else _("New work log entry"),
        "cancel_url": resolve_url("personal:worklog"),
    })


@require_POST
def worklog_delete(request, pk):
    get_object_or_404(WorkLogEntry, pk=pk, user=request.user).delete()
    messages.success(request, _("Work log entry deleted."))
    return redirect("personal:worklog")


# --- Notifications ---------------------------------------------------------------------------

def notifications(request):
    mine = Notification.objects.filter(user=request.user)
    page = Paginator(mine.prefetch_related("deliveries"), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "personal/notifications.html", {
        "page": page, "unread_count": mine.unread().count(),
    })


def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("personal:notifications")
    return HttpResponseRedirect(target)


def notification_settings(request):
    """Which kinds of event reach me by e-mail and SMS (in the portal: always), and the digest."""
    user = request.user
    if request.method == "POST":
        with transaction.atomic():
            for key in KINDS:
                NotificationPreference.objects.update_or_create(user=user, kind=key, defaults={
                    "email": f"{key}-email" in request.POST, "sms": f"{key}-sms" in request.POST})
            NotificationPreference.objects.update_or_create(user=user, kind=DIGEST, defaults={
                "email": "digest" in request.POST})
        messages.success(request, _("Your notification settings are saved."))
        return redirect("personal:notification_settings")
    rows, digest = NotificationPreference.objects.for_user(user)
    return TemplateResponse(request, "personal/notification_settings.html", {
        "rows": rows, "digest": digest, "has_email": bool(user.email),
        "has_mobile": UserProfile.objects.filter(user=user).exclude(mobile="").exists(),
    })


@require_POST
def notification_read(request, pk):
    Notification.objects.filter(pk=pk, user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return _back(request, "personal:notifications")


@require_POST
def notifications_read_all(request):
    Notification.objects.filter(user=request.user).unread().update(read_at=timezone.now())
    messages.success(request, _("All notifications are marked as read."))
    return _back(request, "personal:notifications")


# --- Handover --------------------------------------------------------------------------------

def _require_handover_permission(request):
    if not request.user.has_perm(HANDOVER_PERMISSION):
        raise PermissionDenied


def handover(request):
    """Choose the leaver and the successor, see what would move, then confirm."""
    _require_handover_permission(request)
    data = request.POST if request.method == "POST" else (request.GET if "from_user" in request.GET else None)
    form = HandoverForm(data)
    preview = None
    if data is not None and form.is_valid():
        from_user, to_user = form.cleaned_data["from_user"], form.cleaned_data["to_user"]
        if request.method == "POST" and request.POST.get("confirm"):
            record = handover_service.perform(from_user, to_user, request.user)
            messages.success(request, _("Handed over to %(name)s.") % {
                "name": to_user.get_full_name() or to_user.get_username()})
            return redirect("personal:handover_detail", record.pk)
        preview = handover_service.counts(handover_service.preview(from_user))
    return TemplateResponse(request, "personal/handover.html", {
        "form": form, "preview": preview,
        "history": Handover.objects.select_related("from_user", "to_user", "performed_by")[:50],
    })


def handover_detail(request, pk):
    _require_handover_permission(request)
    record = get_object_or_404(Handover.objects.select_related("from_user", "to_user", "performed_by"), pk=pk)
    return TemplateResponse(request, "personal/handover_detail.html", {
        "record": record, "counts": record.summary.get("counts", {}),
    })
