"""The daily roll-up: a finished day's events, searches and contributions become the ``*Day``
aggregates the dashboards read.

A day is rolled up by deleting what an earlier run wrote for it and writing it again, in one
transaction, so running it twice gives the same rows. ``catch_up`` rolls up every finished day
after the last one done, so a day the scheduler missed is done by the next run.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from ..models import (DepartmentDay, Event, Item, ItemDay, PersonDay, ReaderDay, RolledUpDay, SearchDay, SearcherDay,
                      Verb, readers_bitmap)

# What counts as knowledge stock. Anthologies are personal reading lists, not knowledge;
# documents outside every knowledge space (expense receipts, personal uploads) are not either.
COUNTED_KINDS = ("article", "faq", "structured", "document", "question")
PAGE_KINDS = ("article", "faq", "structured")
READ_VERBS = (Verb.VIEW, Verb.DOWNLOAD)


def day_bounds(day):
    """The first moment of ``day`` and of the next, in the portal's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _departments_of_people():
    Profile = apps.get_model("portal", "UserProfile")
    return dict(Profile.objects.values_list("user_id", "department_id"))


def _page_keys(entries):
    """{page id: item key} of the page items, to name pages found through a foreign key."""
    return {int(key.rsplit(":", 1)[1]): key for key, kind, *_rest in entries if kind in PAGE_KINDS}


def _inbound_links(page_keys):
    """{item key: how many places link to it}: related articles, attachments, anthologies,
    work log entries and training steps."""
    links = Counter()
    document_key = "knowledge.knowledgedocument:{}".format
    RelatedArticle = apps.get_model("knowledge", "RelatedArticle")
    Attachment = apps.get_model("knowledge", "ArticleAttachment")
    links.update(f"knowledge.articlepage:{pk}" for pk in RelatedArticle.objects.values_list("target_id", flat=True))
    links.update(document_key(pk) for pk in Attachment.objects.values_list("document_id", flat=True))
    for model in (apps.get_model("personal", "AnthologyItem"), apps.get_model("personal", "WorkLogLink")):
        links.update(model.objects.values_list("key", flat=True))
    for page_id, document_id in apps.get_model("training", "TrainingStep").objects.values_list("page_id", "document_id"):
        if page_id in page_keys:
            links[page_keys[page_id]] += 1
        if document_id:
            links[document_key(document_id)] += 1
    return links


def refresh_items():
    """Bring the counted items up to date with the search catalogue: new items join, changed
    ones are updated, items gone from it are marked removed (their history stays)."""
    Entry = apps.get_model("zhiku_search", "SearchEntry")
    Space = apps.get_model("knowledge", "KnowledgeSpacePage")
    entries = list(Entry.objects.filter(kind__in=COUNTED_KINDS).values_list(
        "key", "kind", "title", "url", "space_id", "space_title", "owner_id", "created", "date"))
    space_departments = dict(Space.objects.values_list("pk", "department_id"))
    people_departments = _departments_of_people()
    links = _inbound_links(_page_keys(entries))
    rows = []
    for key, kind, title, url, space_id, space_title, owner_id, created, date in entries:
        if kind == "document" and space_id is None:
            continue
        department_id = space_departments.get(space_id) if space_id else people_departments.get(owner_id)
        rows.append(Item(key=key, kind=kind, title=title, url=url, space_id=space_id, space_title=space_title,
                         department_id=department_id, owner_id=owner_id, created=created or date,
                         removed_at=None, links=links.get(key, 0)))
    with transaction.atomic():
        Item.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["key"], update_fields=[
            "kind", "title", "url", "space_id", "space_title", "department", "owner", "created", "removed_at",
            "links"])
        live = Item.objects.filter(removed_at__isnull=True)
        live.exclude(key__in=[row.key for row in rows]).update(removed_at=timezone.now())
    return len(rows)


def _item_days(day, start, end, item_ids):
    """The ItemDay and ReaderDay rows of ``day``."""
    counts = defaultdict(Counter)
    for key, verb, n in Event.objects.filter(at__gte=start, at__lt=end).values_list("key", "verb").annotate(n=Count("pk")):
        counts[key][verb] += n
    readers = defaultdict(set)
    for key, user_id in (Event.objects.filter(at__gte=start, at__lt=end, verb__in=READ_VERBS, user_id__isnull=False)
                         .values_list("key", "user_id").distinct()):
        readers[key].add(user_id)
    QueryLog = apps.get_model("zhiku_search", "QueryLog")
    clicks = Counter(dict(QueryLog.objects.filter(created_at__gte=start, created_at__lt=end).exclude(clicked_key="")
                          .values_list("clicked_key").annotate(n=Count("pk"))))
    Vote = apps.get_model("faq", "AnswerVote")
    page_ids = Counter(dict(Vote.objects.filter(helpful=True, created_at__gte=start, created_at__lt=end)
                            .values_list("page_id").annotate(n=Count("pk"))))
    helpful = Counter()
    if page_ids:
        for key, pk in Item.objects.filter(kind__in=PAGE_KINDS).values_list("key", "pk"):
            n = page_ids.get(int(key.rsplit(":", 1)[1]))
            if n:
                helpful[key] = n
    item_days, reader_days = [], []
    for key in set(counts) | set(clicks) | set(helpful):
        item_id = item_ids.get(key)
        if item_id is None:
            continue  # not counted (a receipt) or gone before it was ever rolled up
        c = counts.get(key, Counter())
        if not (c[Verb.VIEW] or c[Verb.DOWNLOAD] or c[Verb.FAVOURITE] or clicks[key] or helpful[key]):
            continue  # only answered or accepted: contribution, not use of the item
        item_days.append(ItemDay(day=day, item_id=item_id, views=c[Verb.VIEW], readers=len(readers.get(key, ())),
                                 downloads=c[Verb.DOWNLOAD], favourites=c[Verb.FAVOURITE], clicks=clicks[key],
                                 helpful=helpful[key]))
        reader_days.extend(ReaderDay(day=day, item_id=item_id, user_id=u) for u in readers.get(key, ()))
    return item_days, reader_days


def _person_days(day, start, end, people_departments):
    """The PersonDay rows of ``day``: items created, revisions saved, answers given and accepted."""
    per_person = defaultdict(Counter)
    created = (Item.objects.filter(created__gte=start, created__lt=end, owner__isnull=False)
               .values_list("owner_id", "kind").annotate(n=Count("pk")))
    for user_id, kind, n in created:
        if kind == "question":
            continue  # asking is not contributing knowledge; answering is (below)
        field = "attachments" if kind == "document" else "items"
        per_person[user_id][field] += n
        if kind == "faq":
            per_person[user_id]["faq"] += n
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    page_types = ContentType.objects.filter(
        Q(app_label="knowledge", model="articlepage") | Q(app_label="faq", model="faqentrypage")
        | Q(app_label="structured", model="structureditempage"))
    revisions = (Revision.objects.filter(created_at__gte=start, created_at__lt=end, user__isnull=False,
                                         content_type__in=page_types)
                 .values_list("user_id").annotate(n=Count("pk")))
    for user_id, n in revisions:
        per_person[user_id]["revisions"] += n
    answers = (Event.objects.filter(at__gte=start, at__lt=end, verb__in=(Verb.ANSWER, Verb.ACCEPTED),
                                    user_id__isnull=False).values_list("user_id", "verb").annotate(n=Count("pk")))
    for user_id, verb, n in answers:
        per_person[user_id]["answers" if verb == Verb.ANSWER else "accepted"] += n
    User = apps.get_model("auth", "User")
    existing = set(User.objects.filter(pk__in=list(per_person)).values_list("pk", flat=True))
    return [PersonDay(day=day, user_id=user_id, department_id=people_departments.get(user_id), **figures)
            for user_id, figures in per_person.items() if user_id in existing]


def _search_days(day, start, end, people_departments):
    QueryLog = apps.get_model("zhiku_search", "QueryLog")
    logs = QueryLog.objects.filter(created_at__gte=start, created_at__lt=end)
    by_query = defaultdict(Counter)
    by_person = Counter()
    for query, user_id, results, clicked in logs.values_list("query", "user_id", "result_count", "clicked_key").iterator():
        department_id = people_departments.get(user_id)
        counter = by_query[(query, department_id)]
        counter["searches"] += 1
        counter["zero"] += results == 0
        counter["clicks"] += bool(clicked)
        if user_id is not None:
            by_person[user_id] += 1
    searches = [SearchDay(day=day, query=query, department_id=department_id, **figures)
                for (query, department_id), figures in by_query.items()]
    searchers = [SearcherDay(day=day, user_id=user_id, department_id=people_departments.get(user_id), searches=n)
                 for user_id, n in by_person.items()]
    return searches, searchers


@dataclass
class Lookups:
    """What every day's roll-up looks up, loaded once for a run of many days."""

    item_ids: dict  # item key -> Item id
    item_departments: dict  # Item id -> department id
    people_departments: dict  # user id -> department id

    @classmethod
    def load(cls):
        items = list(Item.objects.values_list("key", "pk", "department_id"))
        return cls({key: pk for key, pk, _d in items}, {pk: d for _k, pk, d in items}, _departments_of_people())


def _department_days(day, item_days, reader_days, item_departments):
    """The DepartmentDay rows of ``day``, summed from its items'."""
    sums, readers = defaultdict(Counter), defaultdict(set)
    for d in item_days:
        sums[item_departments.get(d.item_id)].update(
            {"views": d.views, "downloads": d.downloads, "favourites": d.favourites, "clicks": d.clicks})
    for r in reader_days:
        readers[item_departments.get(r.item_id)].add(r.user_id)
    return [DepartmentDay(day=day, department_id=department_id, readers=readers_bitmap(readers[department_id]),
                          **{f: figures[f] for f in ("views", "downloads", "favourites", "clicks")})
            for department_id, figures in sums.items()]


def month_bounds(month):
    """The first and last day of the month ``month`` falls in."""
    first = month.replace(day=1)
    return first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def roll_up_month(month, registry=apps):
    """Sum the month's day rows into its ``*Month`` rows afresh (a month still under way
    holds the days rolled up so far). ``registry``: a migration's historical models."""
    ItemDay, ItemMonth, ReaderDay, SearchDay, SearchMonth, SearcherDay, SearcherMonth = (
        registry.get_model("stats", name) for name in
        ("ItemDay", "ItemMonth", "ReaderDay", "SearchDay", "SearchMonth", "SearcherDay", "SearcherMonth"))
    first, last = month_bounds(month)
    within = {"day__gte": first, "day__lte": last}
    readers = defaultdict(set)
    for item_id, user_id in ReaderDay.objects.filter(**within).values_list("item_id", "user_id").distinct():
        readers[item_id].add(user_id)
    def summed(model, group, fields, **more):
        """The month's rows of ``model`` summed by ``group`` (annotations named apart from the
        fields: a filter on ``zero`` must mean the field, not its sum)."""
        sums = {f"{f}_sum": Sum(f) for f in fields} | more
        for row in model.objects.filter(**within).values(*group).annotate(**sums):
            yield {f: row[f] for f in group} | {f: row[f"{f}_sum"] for f in fields} | {f: row[f] for f in more}

    items = [ItemMonth(month=first, readers=readers_bitmap(readers[row["item_id"]]), **row)
             for row in summed(ItemDay, ["item_id"], ("views", "downloads", "favourites", "clicks", "helpful"))]
    searches = [SearchMonth(month=first, **row) for row in summed(SearchDay, ["query", "department_id"], (
        "searches", "zero", "clicks"), last_zero=Max("day", filter=Q(zero__gt=0)))]
    searchers = [SearcherMonth(month=first, **row) for row in summed(SearcherDay, ["user_id", "department_id"],
                                                                     ("searches",))]
    with transaction.atomic():
        for model, rows in ((ItemMonth, items), (SearchMonth, searches), (SearcherMonth, searchers)):
            model.objects.filter(month=first).delete()
            model.objects.bulk_create(rows, batch_size=1000)


def roll_up_day(day, lookups=None, month=True):
    """Compute ``day``'s aggregates afresh (run again, it writes the same rows), and its
    month's unless ``month`` is false (a run of many days sums each month once, at the end)."""
    start, end = day_bounds(day)
    lookups = lookups or Lookups.load()
    item_days, reader_days = _item_days(day, start, end, lookups.item_ids)
    department_days = _department_days(day, item_days, reader_days, lookups.item_departments)
    person_days = _person_days(day, start, end, lookups.people_departments)
    search_days, searcher_days = _search_days(day, start, end, lookups.people_departments)
    with transaction.atomic():
        for model in (ItemDay, ReaderDay, DepartmentDay, PersonDay, SearchDay, SearcherDay):
            model.objects.filter(day=day).delete()
        for model, rows in ((ItemDay, item_days), (ReaderDay, reader_days), (DepartmentDay, department_days),
                            (PersonDay, person_days), (SearchDay, search_days), (SearcherDay, searcher_days)):
            model.objects.bulk_create(rows, batch_size=1000)
        RolledUpDay.objects.update_or_create(day=day, defaults={
            "events": sum(d.views + d.downloads + d.favourites for d in item_days),
            "searches": sum(s.searches for s in search_days)})
    if month:
        roll_up_month(day)


def _first_recorded_day():
    QueryLog = apps.get_model("zhiku_search", "QueryLog")
    firsts = [Event.objects.aggregate(first=Min("at"))["first"], QueryLog.objects.aggregate(first=Min("created_at"))["first"],
              Item.objects.aggregate(first=Min("created"))["first"]]
    firsts = [moment for moment in firsts if moment is not None]
    return timezone.localdate(min(firsts)) if firsts else None


def catch_up(today=None, again_from=None):
    """Roll up every finished day not rolled up yet (all days from ``again_from`` on, if
    given), up to yesterday; returns the days done. The catalogue of items is refreshed
    first, so new items and their owners' contributions count."""
    today = today or timezone.localdate()
    refresh_items()
    if again_from is not None:
        first = again_from
    else:
        last = RolledUpDay.objects.aggregate(last=Max("day"))["last"]
        first = last + timedelta(days=1) if last else _first_recorded_day()
        if first is not None:
            first = max(first, today - timedelta(days=settings.ZHIKU_STATS_BACKFILL_DAYS))
    if first is None:
        return []
    lookups = Lookups.load()
    done, day = [], first
    while day < today:
        roll_up_day(day, lookups, month=False)
        done.append(day)
        day += timedelta(days=1)
    for month in sorted({d.replace(day=1) for d in done}):
        roll_up_month(month)
    return done


def last_rolled_up_day():
    return RolledUpDay.objects.aggregate(last=Max("day"))["last"]
