"""Freshness (KB-03): every item has an owner and a review interval; publishing or a one-click
verification starts the interval again; items near or past their date are listed for their
owners, flagged to readers, and reminded (then escalated) by the hourly job.

The dates live in ``ReviewSchedule`` (one row per page, outside its revisions); the owner and
the interval are page fields. Items without an owner are looked after by their space's
reviewers.
"""
import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page

from portal.roles import KNOWLEDGE_MANAGER

from ..models import ArticlePage, FreshnessMixin, KnowledgeSpacePage, ReviewSchedule, add_months
from .spaces import REVIEWER_ROLE, space_group_name

# Items due within this many days are "due soon": listed, and their owners reminded.
SOON_DAYS = 14
VERIFY_ACTION = "zhiku.verify"


def freshness_models():
    """Page models that carry an owner and a review interval (articles, FAQ entries...)."""
    return [m for m in apps.get_models() if issubclass(m, Page) and issubclass(m, FreshnessMixin)]


def due_date(page, start):
    """The next review date of ``page`` counted from ``start`` (a date), or None for "never"."""
    months = getattr(page, "review_interval", 0)
    return add_months(start, months) if months else None


# --- recording ---------------------------------------------------------------------------------

def record_publication(page, revision=None):
    """Publishing is a verification: last verified = publish time, due = + interval, unless a
    review date was set by hand for this publication (see FreshnessMixin.next_review)."""
    moment = page.last_published_at or timezone.now()
    schedule, _created = ReviewSchedule.objects.get_or_create(page_id=page.pk)
    schedule.last_verified_at = moment
    schedule.last_verified_by_id = getattr(revision, "user_id", None) or schedule.last_verified_by_id
    schedule.review_due = schedule.due_by_hand or due_date(page, timezone.localdate(moment))
    schedule.due_by_hand = None
    schedule.save()
    return schedule


def keep_date_set_by_hand(page, day):
    """``page.next_review = day`` then a save: the date is due now and for the next publication."""
    schedule, _created = ReviewSchedule.objects.get_or_create(page_id=page.pk)
    schedule.due_by_hand = day
    if page.live:
        schedule.review_due = day
    schedule.save()


def can_verify(page, user):
    """The owner, or anyone who may edit the page, confirms it is still right."""
    if not (user.is_authenticated and user.is_active and page.live and isinstance(page, FreshnessMixin)):
        return False
    return page.content_owner_id == user.pk or page.permissions_for_user(user).can_edit()


@transaction.atomic
def verify(page, user):
    """Confirm in one click that ``page`` is still right: no new revision, a log entry in its
    history, and the next review due one interval from today."""
    now = timezone.now()
    schedule, _created = ReviewSchedule.objects.select_for_update().get_or_create(page_id=page.pk)
    schedule.last_verified_at = now
    schedule.last_verified_by = user
    schedule.review_due = due_date(page, timezone.localdate(now))
    schedule.save()
    log(instance=page, action=VERIFY_ACTION, user=user,
        data={"review_due": schedule.review_due.isoformat() if schedule.review_due else None})
    from search.index import queue_update

    queue_update(page)  # search entries (and the maps) show the review date
    return schedule


# --- lists -------------------------------------------------------------------------------------

@dataclass
class ReviewItem:
    page: Page
    review_due: datetime.date
    overdue: bool
    owner: object
    last_verified_at: datetime.datetime
    last_verified_by: object
    viewer: object = None  # who the list is for: what they may do is worked out when asked

    @cached_property
    def can_verify(self):
        return bool(self.viewer and can_verify(self.page, self.viewer))

    @cached_property
    def can_edit(self):
        """May the viewer open the editor (to revise)?"""
        return bool(self.viewer and self.page.permissions_for_user(self.viewer).can_edit())

    @property
    def title(self):
        return self.page.title

    @property
    def url(self):
        return self.page.url

    @property
    def edit_url(self):
        return reverse("wagtailadmin_pages:edit", args=[self.page.pk])

    @property
    def verify_url(self):
        return reverse("knowledge:verify", args=[self.page.pk])


def _owned_by(user):
    """Q on ReviewSchedule: pages whose content owner is ``user``."""
    query = Q(pk__in=[])
    for model in freshness_models():
        query |= Q(page__in=model.objects.filter(content_owner=user).values("pk"))
    return query


def _ownerless():
    query = Q(pk__in=[])
    for model in freshness_models():
        query |= Q(page__in=model.objects.filter(content_owner__isnull=True).values("pk"))
    return query


def _in_spaces(spaces):
    query = Q(pk__in=[])
    for space in spaces:
        query |= Q(page__path__startswith=space.path, page__depth__gt=space.depth)
    return query


def reviewer_spaces(user):
    """Spaces whose reviewer group ``user`` belongs to."""
    names = set(user.groups.values_list("name", flat=True))
    return [s for s in KnowledgeSpacePage.objects.all() if space_group_name(s, REVIEWER_ROLE) in names]


def headed_departments(user):
    """Departments ``user`` heads, with every department below them."""
    from portal.models import Department

    found = list(Department.objects.filter(head=user))
    seen = {d.pk for d in found}
    frontier = list(seen)
    while frontier:
        children = list(Department.objects.filter(parent_id__in=frontier).exclude(pk__in=seen))
        seen.update(d.pk for d in children)
        found += children
        frontier = [d.pk for d in children]
    return found


def is_knowledge_manager(user):
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=KNOWLEDGE_MANAGER).exists())


def _responsible(user):
    """The user's own items, and the ownerless items of the spaces they review."""
    query = _owned_by(user)
    spaces = reviewer_spaces(user)
    if spaces:
        query |= _ownerless() & _in_spaces(spaces)
    return query


def _of_departments(departments):
    """Items of the departments' spaces, and articles filed under the departments."""
    spaces = KnowledgeSpacePage.objects.filter(department__in=departments)
    return _in_spaces(spaces) | Q(page__in=ArticlePage.objects.filter(department__in=departments).values("pk"))


def scopes_for(user):
    """The lists ``user`` may open: their own; their departments' when they head one; all for
    knowledge managers."""
    scopes = ["mine"]
    if headed_departments(user):
        scopes.append("department")
    if is_knowledge_manager(user):
        scopes.append("all")
    return scopes


def schedules_due(within_days=SOON_DAYS, today=None):
    """Schedules of live items due within ``within_days`` days or overdue, earliest first."""
    today = today or timezone.localdate()
    return (ReviewSchedule.objects.filter(page__live=True, review_due__isnull=False,
                                          review_due__lte=today + datetime.timedelta(days=within_days))
            .select_related("last_verified_by").order_by("review_due", "page_id"))


def _items(schedules, today, viewer=None):
    schedules = list(schedules)
    pages = {p.pk: p for p in Page.objects.filter(pk__in=[s.page_id for s in schedules]).specific()}
    owners = get_user_model().objects.in_bulk({getattr(p, "content_owner_id", None) for p in pages.values()} - {None})
    items = []
    for schedule in schedules:
        page = pages.get(schedule.page_id)
        if page is None or not isinstance(page, FreshnessMixin):
            continue
        items.append(ReviewItem(page=page, review_due=schedule.review_due, overdue=schedule.review_due < today,
                                owner=owners.get(page.content_owner_id), last_verified_at=schedule.last_verified_at,
                                last_verified_by=schedule.last_verified_by, viewer=viewer))
    return items


def review_list(user, scope="mine", within_days=SOON_DAYS, today=None):
    """Items due soon or overdue that ``user`` should see in ``scope`` (see scopes_for)."""
    today = today or timezone.localdate()
    if scope != "mine" and scope not in scopes_for(user):
        scope = "mine"
    schedules = schedules_due(within_days, today)
    if scope == "mine":
        schedules = schedules.filter(_responsible(user))
    elif scope == "department":
        schedules = schedules.filter(_of_departments(headed_departments(user)))
    return _items(schedules, today, viewer=user)


def due_for(user, within_days=SOON_DAYS):
    """The user's items (owned, or ownerless in a space they review) due within
    ``within_days`` days or overdue, earliest first: objects with title, url, review_due and
    overdue (the workbench shows them)."""
    if not user.is_authenticated:
        return []
    return review_list(user, "mine", within_days)


# --- reminders ---------------------------------------------------------------------------------

def _owners_or_reviewers(page):
    if page.content_owner_id and page.content_owner.is_active:
        return [page.content_owner]
    space = page.space
    if space is None:
        return []
    from .spaces import space_reviewers

    return list(space_reviewers(space))


def _escalation_recipients(page):
    """The owner's manager, or failing that the head of the owner's department (upwards); an
    item without an owner (or whose owner has neither) goes to the knowledge managers."""
    from portal.models import UserProfile
    from workflows.models import department_heads_upwards

    owner = page.content_owner if page.content_owner_id else None
    if owner is not None:
        profile = UserProfile.objects.filter(user=owner).select_related("manager", "department").first()
        if profile and profile.manager_id and profile.manager.is_active and profile.manager_id != owner.pk:
            return [profile.manager]
        heads = department_heads_upwards(profile.department, owner) if profile else []
        heads = [h for h in heads if h.is_active]
        if heads:
            return heads
    return list(get_user_model().objects.filter(groups__name=KNOWLEDGE_MANAGER, is_active=True)
                .exclude(pk=getattr(owner, "pk", None)).distinct())


def _person(user):
    if user is None:
        return _("no owner")
    return user.get_full_name() or user.get_username()


def send_review_reminders(today=None):
    """Remind owners of items that became due (once per item and due date) and tell the owner's
    manager about items overdue for more than ZHIKU_REVIEW_ESCALATE_DAYS days (once per item and
    due date). Returns how many notices this run created: ``{"reminded": n, "escalated": m}``;
    a second run the same day creates none (the notices' dedupe keys)."""
    today = today or timezone.localdate()
    outcome = {"reminded": 0, "escalated": 0}
    # Read by others, later: the portal's language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        for item in _items(schedules_due(SOON_DAYS, today), today):
            outcome["reminded"] += _remind(item)
            if _escalation_due(item, today):
                outcome["escalated"] += _escalate(item, today)
    return outcome


def _escalation_due(item, today):
    grace = settings.ZHIKU_REVIEW_ESCALATE_DAYS
    return bool(grace) and (today - item.review_due).days > grace


def _notify_once(users, verb, title, url, key):
    """Notify ``users``; returns how many notices were new (0 when sent before)."""
    from portal.models import Notification

    before = Notification.objects.filter(dedupe_key=key).count()
    Notification.objects.notify(users, verb, title, url=url, dedupe_key=key)
    return Notification.objects.filter(dedupe_key=key).count() - before


def _remind(item):
    page, due = item.page, item.review_due
    if item.overdue:
        title = _("Past its review date (%(date)s): %(title)s")
    else:
        title = _("Due for review on %(date)s: %(title)s")
    title = title % {"date": due.isoformat(), "title": page.title}
    return _notify_once(_owners_or_reviewers(page), "review_due", title, reverse("knowledge:reviews"),
                        f"review_due:{page.pk}:{due.isoformat()}")


def _escalate(item, today):
    page, due = item.page, item.review_due
    title = _("Not reviewed %(days)d days after its review date: %(title)s (owner: %(owner)s)") % {
        "days": (today - due).days, "title": page.title, "owner": _person(item.owner),
    }
    # The manager opens the item itself: it may not be in any list of theirs.
    return _notify_once(_escalation_recipients(page), "review_overdue", title, page.url or reverse("knowledge:reviews"),
                        f"review_overdue:{page.pk}:{due.isoformat()}")
