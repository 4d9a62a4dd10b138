"""The four dashboards (KB-07): stock, usage, contribution and search, read from the daily
aggregates for the viewer's filters. Each returns a ``Dashboard``: headline figures with their
month-on-month (previous period) and year-on-year comparisons, charts and tables."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from knowledge.models import Dimension  # noqa: F401 (the views list them)
from portal.models import Department, UserProfile
from qa.models import Answer, Question
from search import registry
from search.models import SearchEntry, SearchEntryNode
from training.services import reports as training_reports

from ..models import (DepartmentDay, Item, ItemDay, ItemMonth, PersonDay, ReaderDay, SearchDay, SearcherDay,
                      SearcherMonth, SearchMonth, count_readers)
from . import charts
from .rollup import COUNTED_KINDS, day_bounds, month_bounds
from .tables import INT, NUMBER, SHARE, TEXT, DATE, Column, Table


@dataclass
class Figure:
    label: str
    value: float
    previous: float | None = None  # the period before (环比)
    last_year: float | None = None  # the same period a year earlier (同比)
    kind: str = INT

    @staticmethod
    def _change(now, then):
        if then in (None, 0):
            return None
        return (now - then) / then

    @property
    def mom(self):
        return self._change(self.value, self.previous)

    @property
    def yoy(self):
        return self._change(self.value, self.last_year)


@dataclass
class Dashboard:
    figures: list = field(default_factory=list)
    charts: list = field(default_factory=list)  # (slug, option)
    tables: list = field(default_factory=list)

    def table(self, slug):
        return next((t for t in self.tables if t.slug == slug), None)


def share(part, whole):
    return round(part / whole, 4) if whole else 0


def _kind_label(kind):
    return str(registry.kind_labels().get(kind, kind))


def _department_names():
    names = dict(Department.objects.values_list("pk", "name"))
    return lambda pk: names.get(pk) or _("No department")


def _months(end, count=12):
    """The first days of the ``count`` months up to the month of ``end``."""
    months, current = [], end.replace(day=1)
    for _i in range(count):
        months.append(current)
        current = (current - timedelta(days=1)).replace(day=1)
    return months[::-1]


def _day(value):
    """A truncated month as a date (databases hand back a date or a datetime)."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Periods: whole months from the month tables, the days around them from the day tables -------

def split_period(start, end):
    """(months, day ranges): the first days of the calendar months wholly inside start..end,
    and the (first, last) days left around them."""
    months, month = [], start if start.day == 1 else month_bounds(start)[1] + timedelta(days=1)
    while month_bounds(month)[1] <= end:
        months.append(month)
        month = month_bounds(month)[1] + timedelta(days=1)
    if not months:
        return [], [(start, end)]
    after = month_bounds(months[-1])[1] + timedelta(days=1)
    ranges = [(start, months[0] - timedelta(days=1))] if start < months[0] else []
    return months, ranges + ([(after, end)] if after <= end else [])


def period_parts(day_model, month_model, q, start, end):
    """Querysets that together hold start..end once: the month rows of its whole months and the
    day rows of the rest (a year is twelve month rows per item, not 365 day rows)."""
    months, ranges = split_period(start, end)
    parts = [day_model.objects.filter(q, day__gte=first, day__lte=last) for first, last in ranges]
    if months:
        parts.append(month_model.objects.filter(q, month__gte=months[0], month__lte=months[-1]))
    return parts


def _totals(parts, *fields):
    """{field: sum} over all parts."""
    totals = Counter()
    for part in parts:
        totals.update({name: n or 0 for name, n in part.aggregate(**{f: Sum(f) for f in fields}).items()})
    return {f: totals[f] for f in fields}


def _summed(parts, group, *fields):
    """{group value: [sums of fields]} over all parts."""
    sums = defaultdict(lambda: [0] * len(fields))
    for part in parts:
        for key, *values in part.values_list(group).annotate(*[Sum(f) for f in fields]):
            row = sums[key]
            for n, value in enumerate(values):
                row[n] += value or 0
    return sums


def item_readers(q, start, end):
    """{item id: bitmap (an int, bit n: user n)} of the people who opened each item in
    start..end."""
    months, ranges = split_period(start, end)
    readers = defaultdict(int)
    if months:
        for item_id, bitmap in ItemMonth.objects.filter(q, month__gte=months[0], month__lte=months[-1]).values_list(
                "item_id", "readers"):
            readers[item_id] |= int.from_bytes(bitmap, "little")
    for first, last in ranges:
        for item_id, user_id in ReaderDay.objects.filter(q, day__gte=first, day__lte=last).values_list("item_id", "user_id"):
            readers[item_id] |= 1 << user_id
    return readers


# --- Items and who may read their titles --------------------------------------------------------

def live_items(filters, on=None):
    """The items in stock at the end of ``on`` (default: the end of the period)."""
    moment = day_bounds(on or filters.end)[1]
    return (Item.objects.filter(filters.items_q(), kind__in=COUNTED_KINDS)
            .filter(Q(created__lt=moment) | Q(created__isnull=True))
            .filter(Q(removed_at__isnull=True) | Q(removed_at__gte=moment)))


def _item_labels(viewer, items):
    """{item id: (label, url)}: the title and link of what the viewer may read; a neutral
    label for the rest, so a statistic never reveals a title its reader may not see."""
    keys = {item.key for item in items}
    readable = set(SearchEntry.objects.readable_by(viewer).filter(key__in=keys).values_list("key", flat=True))
    labels = {}
    for item in items:
        if item.key in readable:
            labels[item.pk] = (item.title, item.url)
        elif item.removed_at is not None:
            labels[item.pk] = (_("(deleted item)"), "")
        else:
            labels[item.pk] = (_("(item you may not read)"), "")
    return labels


def _kinds_pivot(rows):
    """{group: Counter(kind -> n)} from (group, kind, n) rows."""
    pivot = defaultdict(Counter)
    for group, kind, n in rows:
        pivot[group][kind] += n
    return pivot


def _kind_columns(first_label):
    return [Column(first_label, TEXT)] + [Column(_kind_label(k)) for k in COUNTED_KINDS] + [Column(_("Total"))]


def _kind_row(label, counts):
    return [label] + [counts.get(k, 0) for k in COUNTED_KINDS] + [sum(counts.values())]


def _dimension_nodes(filters):
    if filters.dimension is None:
        return []
    nodes = filters.node.get_children() if filters.node else filters.dimension.roots()
    return list(nodes.filter(merged_into__isnull=True))


def _node_keys(nodes):
    """{node id: set of item keys in it or below it} (entries list their nodes' ancestors too)."""
    found = defaultdict(set)
    for node_id, key in SearchEntryNode.objects.filter(node_id__in=[n.pk for n in nodes]).values_list("node_id", "entry__key"):
        found[node_id].add(key)
    return found


def _dimension_title(filters):
    if filters.dimension is None:
        return _("By dimension")
    where = filters.node.label if filters.node else filters.dimension.name
    return _("By dimension: %(where)s") % {"where": where}


# --- Stock --------------------------------------------------------------------------------------

def _stock_counts(filters, on):
    return Counter(dict(live_items(filters, on).values_list("kind").annotate(n=Count("pk"))))


def stock(filters, viewer):
    board = Dashboard()
    now = _stock_counts(filters, filters.end)
    before = _stock_counts(filters, filters.previous()[1])
    year_ago = _stock_counts(filters, filters.last_year()[1])
    groups = [
        (_("Knowledge items"), ("article", "faq")),
        (_("Structured items"), ("structured",)),
        (_("Attachments"), ("document",)),
        (_("Questions"), ("question",)),
        (_("All items"), COUNTED_KINDS),
    ]
    for label, kinds in groups:
        board.figures.append(Figure(label, sum(now[k] for k in kinds), sum(before[k] for k in kinds),
                                    sum(year_ago[k] for k in kinds)))

    live = live_items(filters)
    names = _department_names()
    by_department = _kinds_pivot(live.values_list("department_id", "kind").annotate(n=Count("pk")))
    table = Table("departments", _("Stock by department"), _kind_columns(_("Department")))
    for department_id, counts in sorted(by_department.items(), key=lambda kv: -sum(kv[1].values())):
        table.rows.append(_kind_row(names(department_id), counts))
    board.tables.append(table)

    by_space = _kinds_pivot(live.values_list("space_title", "kind").annotate(n=Count("pk")))
    table = Table("spaces", _("Stock by knowledge space"), _kind_columns(_("Knowledge space")))
    for title, counts in sorted(by_space.items(), key=lambda kv: -sum(kv[1].values())):
        table.rows.append(_kind_row(title or _("Outside knowledge spaces"), counts))
    board.tables.append(table)

    total = sum(now.values())
    table = Table("types", _("Stock by type"), [Column(_("Type"), TEXT), Column(_("Items")), Column(_("Share"), SHARE)])
    for kind in COUNTED_KINDS:
        table.rows.append([_kind_label(kind), now[kind], share(now[kind], total)])
    board.tables.append(table)
    board.charts.append(("types", charts.pie(_("Stock by type"), [(r[0], r[1]) for r in table.rows if r[1]])))

    nodes = _dimension_nodes(filters)
    node_keys = _node_keys(nodes)
    kinds_of = dict(live.values_list("key", "kind")) if nodes else {}
    table = Table("dimensions", _dimension_title(filters), _kind_columns(_("Dimension node")))
    for node in nodes:
        counts = Counter(kinds_of[k] for k in node_keys.get(node.pk, ()) if k in kinds_of)
        table.rows.append(_kind_row(node.name, counts))
        table.links.append(f"?{filters.query(node=node.pk)}" if node.get_children_count() else "")
    board.tables.append(table)

    board.tables.append(_growth(filters, board))
    return board


def _growth(filters, board):
    """Month by month: items added, items removed and the stock at the end of the month."""
    months = _months(filters.end)
    first, end = day_bounds(months[0])[0], day_bounds(filters.end)[1]
    scoped = Item.objects.filter(filters.items_q(), kind__in=COUNTED_KINDS)
    added = Counter({_day(m): n for m, n in scoped.filter(created__gte=first, created__lt=end).annotate(m=TruncMonth("created"))
                     .values_list("m").annotate(n=Count("pk"))})
    removed = Counter({_day(m): n for m, n in scoped.filter(removed_at__gte=first, removed_at__lt=end).annotate(m=TruncMonth("removed_at"))
                       .values_list("m").annotate(n=Count("pk"))})
    level = sum(_stock_counts(filters, months[0] - timedelta(days=1)).values())
    table = Table("growth", _("Growth by month"), [Column(_("Month"), TEXT), Column(_("Added")), Column(_("Removed")),
                                                   Column(_("Stock at month end"))])
    for month in months:
        level += added[month] - removed[month]
        table.rows.append([month.strftime("%Y-%m"), added[month], removed[month], level])
    x = [r[0] for r in table.rows]
    board.charts.append(("growth", charts.line(_("Stock by month"), x, [(_("Stock at month end"), [r[3] for r in table.rows])],
                                               area=True)))
    board.charts.append(("added", charts.bar(_("Added by month"), x, [(_("Added"), [r[1] for r in table.rows])])))
    return table


# --- Usage --------------------------------------------------------------------------------------

USAGE_FIELDS = ("views", "downloads", "favourites", "clicks")


def _usage_days(filters, start, end):
    return ItemDay.objects.filter(filters.items_q("item__"), day__gte=start, day__lte=end)


def _department_days(filters, start, end):
    """The departments' daily usage: what the usage totals, trend, heat map and department
    table add up (a few rows a day, whatever the number of items)."""
    return DepartmentDay.objects.filter(filters.items_q(), day__gte=start, day__lte=end)


def _usage_totals(filters, start, end):
    days = _department_days(filters, start, end)
    totals = {k: v or 0 for k, v in days.aggregate(**{f: Sum(f) for f in USAGE_FIELDS}).items()}
    totals["readers"] = count_readers(days.values_list("readers", flat=True))
    return totals


def usage_rate(filters, days, department_ids=None):
    """(used, stock): items in stock at the end of the period that were opened, downloaded,
    favourited or clicked in its last ``days`` days."""
    live = live_items(filters)
    window = ItemDay.objects.filter(day__gt=filters.end - timedelta(days=days), day__lte=filters.end)
    used = live.filter(Exists(window.filter(item_id=OuterRef("pk"))))
    return used.count(), live.count()


def usage(filters, viewer):
    board = Dashboard()
    now = _usage_totals(filters, filters.start, filters.end)
    before = _usage_totals(filters, *filters.previous())
    year_ago = _usage_totals(filters, *filters.last_year())
    labels = {"views": _("Views"), "readers": _("Unique readers"), "downloads": _("Downloads"),
              "favourites": _("Favourites"), "clicks": _("Search click-throughs")}
    for name, label in labels.items():
        board.figures.append(Figure(label, now[name], before[name], year_ago[name]))
    for days in (30, 90):
        used, total = usage_rate(filters, days)
        board.figures.append(Figure(_("Usage rate, last %(days)s days") % {"days": days}, share(used, total), kind=SHARE))

    _usage_trend(filters, board)
    _usage_heatmap(filters, board)
    board.tables.append(_usage_by_department(filters))
    per_item = _per_item_usage(filters)
    board.tables.append(_usage_by_dimension(filters, per_item))
    board.tables.append(_most_used(filters, viewer, per_item))
    board.tables.append(_never_opened(filters, viewer))
    return board


def _daily(queryset, field_name):
    return dict(queryset.values_list("day").annotate(n=Sum(field_name)))


def _usage_trend(filters, board):
    start, end = filters.last_year()
    now = _daily(_department_days(filters, filters.start, filters.end), "views")
    then = _daily(_department_days(filters, start, end), "views")
    x, current, last = [], [], []
    for offset in range(filters.days):
        day = filters.start + timedelta(days=offset)
        x.append(day.isoformat())
        current.append(now.get(day, 0))
        last.append(then.get(start + timedelta(days=offset), 0))
    board.charts.append(("views", charts.line(_("Views per day"), x, [(_("This period"), current),
                                                                      (_("A year earlier"), last)])))


def _usage_heatmap(filters, board):
    months = _months(filters.end)
    by_month = Counter()
    for department_id, day, n in (_department_days(filters, months[0], filters.end)
                                  .values_list("department_id", "day", "views")):
        by_month[(department_id, day.replace(day=1))] += n
    names = _department_names()
    departments = sorted({d for d, _m in by_month}, key=lambda d: names(d))
    index = {m: i for i, m in enumerate(months)}
    values = {(index[m], departments.index(d)): n for (d, m), n in by_month.items() if m in index}
    board.charts.append(("heatmap", charts.heatmap(_("Views by department and month"),
                                                   [m.strftime("%Y-%m") for m in months],
                                                   [names(d) for d in departments], values)))


def _usage_by_department(filters):
    names = _department_names()
    sums, bitmaps = defaultdict(Counter), defaultdict(list)
    for department_id, bitmap, *figures in (_department_days(filters, filters.start, filters.end)
                                            .values_list("department_id", "readers", *USAGE_FIELDS)):
        sums[department_id].update(dict(zip(USAGE_FIELDS, figures)))
        bitmaps[department_id].append(bitmap)
    readers = {department_id: count_readers(maps) for department_id, maps in bitmaps.items()}
    live = live_items(filters)
    stock_of = dict(live.values_list("department_id").annotate(n=Count("pk")))
    window = ItemDay.objects.filter(day__gt=filters.end - timedelta(days=30), day__lte=filters.end)
    used_of = dict(live.filter(Exists(window.filter(item_id=OuterRef("pk"))))
                   .values_list("department_id").annotate(n=Count("pk")))
    table = Table("departments", _("Usage by department"), [
        Column(_("Department"), TEXT), Column(_("Items")), Column(_("Views")), Column(_("Unique readers")),
        Column(_("Downloads")), Column(_("Favourites")), Column(_("Search click-throughs")),
        Column(_("Usage rate, last 30 days"), SHARE)])
    for department_id in sorted(set(sums) | set(stock_of), key=lambda d: -(sums.get(d, {}).get("views") or 0)):
        row = sums.get(department_id, {})
        table.rows.append([names(department_id), stock_of.get(department_id, 0),
                           *[row.get(f) or 0 for f in ("views",)], readers.get(department_id, 0),
                           *[row.get(f) or 0 for f in ("downloads", "favourites", "clicks")],
                           share(used_of.get(department_id, 0), stock_of.get(department_id, 0))])
    return table


def _per_item_usage(filters):
    """{item id: (views, downloads, favourites, clicks)} over the period: read once, for the
    dimension and most-used tables."""
    parts = period_parts(ItemDay, ItemMonth, filters.items_q("item__"), filters.start, filters.end)
    return {item_id: tuple(sums) for item_id, sums in _summed(parts, "item_id", *USAGE_FIELDS).items()}


def _usage_by_dimension(filters, per_item):
    nodes = _dimension_nodes(filters)
    table = Table("dimensions", _dimension_title(filters), [
        Column(_("Dimension node"), TEXT), Column(_("Items")), Column(_("Views")), Column(_("Unique readers")),
        Column(_("Downloads")), Column(_("Favourites")), Column(_("Search click-throughs"))])
    if not nodes:
        return table
    readers = item_readers(filters.items_q("item__"), filters.start, filters.end)
    node_keys = _node_keys(nodes)
    ids = dict(Item.objects.filter(filters.items_q()).values_list("key", "pk"))
    live_keys = set(live_items(filters).values_list("key", flat=True))
    for node in nodes:
        keys = node_keys.get(node.pk, set())
        item_ids = [ids[k] for k in keys if k in ids]
        sums = [sum(per_item[i][n] for i in item_ids if i in per_item) for n in range(len(USAGE_FIELDS))]
        node_readers = 0
        for item_id in item_ids:
            node_readers |= readers.get(item_id, 0)
        node_readers = node_readers.bit_count()
        table.rows.append([node.name, len(keys & live_keys), sums[0], node_readers, *sums[1:]])
        table.links.append(f"?{filters.query(node=node.pk)}" if node.get_children_count() else "")
    return table


def _item_rows(viewer, items, figures, names):
    labels = _item_labels(viewer, items)
    rows, links = [], []
    for item in items:
        label, url = labels[item.pk]
        rows.append([label, _kind_label(item.kind), names(item.department_id), *figures(item)])
        links.append(url)
    return rows, links


def _most_used(filters, viewer, per_item, limit=20):
    top = sorted(per_item, key=lambda i: (-per_item[i][0], -per_item[i][1], i))[:limit]
    by_id = {i: dict(zip(USAGE_FIELDS, per_item[i])) for i in top}
    readers = {i: bits.bit_count() for i, bits in item_readers(Q(item_id__in=list(by_id)), filters.start,
                                                                  filters.end).items()}
    items = sorted(Item.objects.filter(pk__in=list(by_id)), key=lambda i: list(by_id).index(i.pk))
    table = Table("top", _("Most used items"), [
        Column(_("Item"), TEXT), Column(_("Type"), TEXT), Column(_("Department"), TEXT), Column(_("Views")),
        Column(_("Unique readers")), Column(_("Downloads")), Column(_("Favourites")), Column(_("Search click-throughs"))])
    table.rows, table.links = _item_rows(viewer, items, lambda i: [
        by_id[i.pk]["views"], readers.get(i.pk, 0), by_id[i.pk]["downloads"], by_id[i.pk]["favourites"],
        by_id[i.pk]["clicks"]], _department_names())
    return table


def _never_opened(filters, viewer, limit=50):
    opened = ItemDay.objects.filter(Q(views__gt=0) | Q(downloads__gt=0), item_id=OuterRef("pk"), day__lte=filters.end)
    unopened = live_items(filters).filter(~Exists(opened))
    count = unopened.count()
    items = list(unopened.order_by("created", "pk")[:limit])
    table = Table("unopened", _("Items nobody has opened (%(count)s)") % {"count": count}, [
        Column(_("Item"), TEXT), Column(_("Type"), TEXT), Column(_("Department"), TEXT), Column(_("Created"), DATE)])
    table.rows, table.links = _item_rows(viewer, items, lambda i: [_day_of(i.created)], _department_names())
    if count > limit:
        table.note = _("The %(limit)s oldest are listed.") % {"limit": limit}
    return table


def _day_of(moment):
    return timezone.localdate(moment) if moment else None


# --- Contribution -------------------------------------------------------------------------------

VOLUME = ("items", "faq", "attachments", "revisions", "answers", "accepted")
REUSE = ("readers", "favourites", "links", "helpful")


def contribution_weights():
    return dict(settings.ZHIKU_CONTRIBUTION_WEIGHTS)


def score(figures, weights=None):
    """Points for what someone did and for how what they wrote was reused."""
    weights = weights or contribution_weights()
    return sum(weights.get(name, 0) * figures.get(name, 0) for name in VOLUME + REUSE)


def people_figures(filters):
    """{user id: {figure: value}} of the people in view for the period."""
    people = defaultdict(Counter)
    in_scope = UserProfile.objects.filter(filters.people_q()).values("user_id")
    person_q = Q() if filters.department_ids is None else Q(user_id__in=in_scope)
    owner_q = Q() if filters.department_ids is None else Q(item__owner_id__in=in_scope)
    for row in PersonDay.objects.filter(person_q, day__gte=filters.start, day__lte=filters.end).values("user_id").annotate(**{f: Sum(f) for f in VOLUME}):
        people[row.pop("user_id")].update(row)
    owned = owner_q & Q(item__owner__isnull=False)
    owners = dict(Item.objects.filter(owner__isnull=False).values_list("pk", "owner_id"))
    for item_id, bits in item_readers(owned, filters.start, filters.end).items():
        owner_id = owners.get(item_id)
        if owner_id is not None:  # the owner reading their own item is not reuse
            people[owner_id]["readers"] += (bits & ~(1 << owner_id)).bit_count()
    parts = period_parts(ItemDay, ItemMonth, owned, filters.start, filters.end)
    for owner_id, (favourites, helpful) in _summed(parts, "item__owner_id", "favourites", "helpful").items():
        people[owner_id]["favourites"] += favourites
        people[owner_id]["helpful"] += helpful
    links_q = Q() if filters.department_ids is None else Q(owner_id__in=in_scope)
    for owner_id, links in (Item.objects.filter(links_q, owner__isnull=False, removed_at__isnull=True, links__gt=0)
                            .values_list("owner_id").annotate(Sum("links"))):
        people[owner_id]["links"] += links
    return people


def contribution(filters, viewer, limit=200):
    board = Dashboard()
    weights = contribution_weights()
    people = people_figures(filters)
    users = get_user_model().objects.in_bulk(list(people))
    departments = dict(UserProfile.objects.filter(user_id__in=list(people)).values_list("user_id", "department_id"))
    names = _department_names()
    ranked = sorted(((score(f, weights), uid) for uid, f in people.items() if uid in users), key=lambda s: (-s[0], s[1]))
    ranked = [(points, uid) for points, uid in ranked if points > 0]
    columns = [Column(_("Rank")), Column(_("Person"), TEXT), Column(_("Department"), TEXT),
               Column(_("Items created")), Column(_("of which FAQ")), Column(_("Attachments")), Column(_("Revisions")),
               Column(_("Answers")), Column(_("Accepted answers")), Column(_("Readers of their items")),
               Column(_("Favourites")), Column(_("Links to their items")), Column(_("Used to answer")),
               Column(_("Score"), NUMBER)]
    table = Table("people", _("Contribution ranking"), columns)
    by_department = defaultdict(Counter)
    department_people = Counter()
    for rank, (points, uid) in enumerate(ranked, start=1):
        user, figures = users[uid], people[uid]
        department_id = departments.get(uid)
        if rank <= limit:
            table.rows.append([rank, user.get_full_name() or user.get_username(), names(department_id),
                               *[figures[f] for f in VOLUME + REUSE], points])
        by_department[department_id].update(figures)
        by_department[department_id]["score"] += points
        department_people[department_id] += 1
    table.note = _("Score = %(formula)s") % {"formula": " + ".join(
        f"{weights[name]} × {label}" for name, label in zip(VOLUME + REUSE, [c.label for c in columns[3:-1]])
        if weights.get(name))}
    board.tables.append(table)

    departments_table = Table("departments", _("Contribution by department"), [
        Column(_("Department"), TEXT), Column(_("Contributors")), Column(_("Items created")), Column(_("Attachments")),
        Column(_("Revisions")), Column(_("Answers")), Column(_("Accepted answers")), Column(_("Score"), NUMBER),
        Column(_("Score per contributor"), NUMBER)])
    for department_id, sums in sorted(by_department.items(), key=lambda kv: -kv[1]["score"]):
        departments_table.rows.append([
            names(department_id), department_people[department_id], sums["items"], sums["attachments"],
            sums["revisions"], sums["answers"], sums["accepted"], sums["score"],
            round(sums["score"] / department_people[department_id], 1)])
    board.tables.append(departments_table)

    totals = Counter()
    for figures in people.values():
        totals.update(figures)
    board.figures = [Figure(_("Contributors"), len(ranked)), Figure(_("Items created"), totals["items"]),
                     Figure(_("Revisions"), totals["revisions"]), Figure(_("Answers"), totals["answers"]),
                     Figure(_("Accepted answers"), totals["accepted"])]
    top = table.rows[:10]
    board.charts.append(("ranking", charts.bar(_("Top contributors"), [r[1] for r in top],
                                               [(_("Score"), [r[-1] for r in top])], horizontal=True)))
    board.charts.append(("departments", charts.pie(_("Score by department"),
                                                   [(r[0], r[7]) for r in departments_table.rows if r[7]])))
    return board


# --- Search -------------------------------------------------------------------------------------

def _searchers(filters, start, end):
    """{department id: {user id: searches}} of the people who searched in start..end."""
    people = defaultdict(Counter)
    for part in period_parts(SearcherDay, SearcherMonth, filters.people_q(), start, end):
        for department_id, user_id, n in part.values_list("department_id", "user_id", "searches"):
            people[department_id][user_id] += n
    return people


def _search_totals(filters, start, end):
    parts = period_parts(SearchDay, SearchMonth, filters.people_q(), start, end)
    totals = _totals(parts, "searches", "zero", "clicks")
    people = Counter()
    for by_person in _searchers(filters, start, end).values():
        people.update(by_person)
    totals["searchers"] = len(people)
    totals["by_people"] = sum(people.values())
    totals["per_user"] = round(totals["by_people"] / totals["searchers"], 2) if totals["searchers"] else 0
    totals["zero_rate"] = share(totals["zero"], totals["searches"])
    totals["ctr"] = share(totals["clicks"], totals["searches"])
    return totals


def search(filters, viewer, limit=30):
    board = Dashboard()
    now = _search_totals(filters, filters.start, filters.end)
    before = _search_totals(filters, *filters.previous())
    year_ago = _search_totals(filters, *filters.last_year())
    for name, label, kind in (("searches", _("Searches"), INT), ("searchers", _("People searching"), INT),
                              ("per_user", _("Searches per person"), NUMBER),
                              ("zero_rate", _("Zero-result rate"), SHARE), ("ctr", _("Click-through rate"), SHARE)):
        board.figures.append(Figure(label, now[name], before[name], year_ago[name], kind))

    parts = period_parts(SearchDay, SearchMonth, filters.people_q(), filters.start, filters.end)
    table = Table("queries", _("Top queries"), [Column(_("Query"), TEXT), Column(_("Searches")),
                                               Column(_("Without results")), Column(_("Clicks")),
                                               Column(_("Click-through rate"), SHARE)])
    queries = _summed(parts, "query", "searches", "zero", "clicks")
    for query, (searches, zero, clicks) in sorted(queries.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]:
        table.rows.append([query, searches, zero, clicks, share(clicks, searches)])
    board.tables.append(table)

    gaps = defaultdict(lambda: [0, set(), None])  # query -> [searches without results, departments, last day]
    for part in parts:
        last_field = "day" if part.model is SearchDay else "last_zero"
        for query, department_id, zero, last in (part.filter(zero__gt=0).values_list("query", "department_id")
                                                 .annotate(Sum("zero"), Max(last_field))):
            gap = gaps[query]
            gap[0] += zero
            if department_id is not None:  # public site visitors are no department
                gap[1].add(department_id)
            gap[2] = max(gap[2], last) if gap[2] else last
    table = Table("gaps", _("Zero-result queries (knowledge gaps)"), [
        Column(_("Query"), TEXT), Column(_("Searches without results")), Column(_("People's departments"), INT),
        Column(_("Last searched"), DATE)])
    for query, (zero, departments, last) in sorted(gaps.items(), key=lambda kv: (-kv[1][0], -kv[1][2].toordinal(),
                                                                                 kv[0]))[:limit * 2]:
        table.rows.append([query, zero, len(departments), last])
    board.tables.append(table)

    names = _department_names()
    searchers = _searchers(filters, filters.start, filters.end)
    table = Table("departments", _("Search by department"), [
        Column(_("Department"), TEXT), Column(_("Searches")), Column(_("People searching")),
        Column(_("Searches per person"), NUMBER), Column(_("Zero-result rate"), SHARE),
        Column(_("Click-through rate"), SHARE)])
    by_department = _summed(parts, "department_id", "searches", "zero", "clicks")
    for department_id, (searches, zero, clicks) in sorted(by_department.items(), key=lambda kv: -kv[1][0]):
        people = len(searchers.get(department_id, ()))
        label = names(department_id) if department_id or people else _("Public site visitors")
        table.rows.append([label, searches, people, round(searches / people, 2) if people else 0,
                           share(zero, searches), share(clicks, searches)])
    board.tables.append(table)

    days = SearchDay.objects.filter(filters.people_q(), day__gte=filters.start, day__lte=filters.end)
    per_day = {day: (s, z) for day, s, z in days.values_list("day").annotate(Sum("searches"), Sum("zero"))}
    x = [(filters.start + timedelta(days=i)) for i in range(filters.days)]
    board.charts.append(("searches", charts.line(_("Searches per day"), [d.isoformat() for d in x], [
        (_("Searches"), [per_day.get(d, (0, 0))[0] for d in x]),
        (_("Without results"), [per_day.get(d, (0, 0))[1] for d in x])])))
    return board


# --- Training and Q&A ---------------------------------------------------------------------------

def _moments(start, end):
    """The first moment of ``start`` and the first after ``end``."""
    return day_bounds(start)[0], day_bounds(end)[1]


def _enrollments(filters):
    """The enrollments the training reports count (training.services.reports), of the people in view."""
    rows = training_reports.enrollments(training_reports.Scope(everyone=True), training_reports.Filters())
    return rows.filter(filters.people_q("user__profile__department_id"))


def _completed(filters, start, end):
    first, after = _moments(start, end)
    return _enrollments(filters).filter(completed_at__gte=first, completed_at__lt=after)


def _asked(filters, start, end):
    """The questions asked in start..end by the people in view (not those in the trash)."""
    first, after = _moments(start, end)
    return Question.objects.visible().filter(filters.people_q("asked_by__profile__department_id"),
                                             created_at__gte=first, created_at__lt=after)


def _answers_given(filters, start, end):
    first, after = _moments(start, end)
    return Answer.objects.visible().filter(filters.people_q("author__profile__department_id"),
                                           created_at__gte=first, created_at__lt=after)


def training_and_questions(filters, viewer):
    """Training completion (now and in the period) and questions asked and answered, by the
    department of the learner, asker or answerer."""

    board = Dashboard()
    names = _department_names()
    periods = (filters.start, filters.end), filters.previous(), filters.last_year()
    completed = [_completed(filters, *period).count() for period in periods]
    departments = training_reports.completion_by(_enrollments(filters), "department", timezone.localdate(), _("No department"))
    enrolled, done = sum(d.enrolled for d in departments), sum(d.completed for d in departments)
    board.figures += [Figure(_("Training completed"), *completed),
                      Figure(_("Completion rate (now)"), share(done, enrolled), kind=SHARE),
                      Figure(_("Overdue (now)"), sum(d.overdue for d in departments))]

    asked = _asked(filters, filters.start, filters.end)
    kinds = {"asked": asked, "answered": asked.filter(Exists(Answer.objects.visible().filter(question=OuterRef("pk")))),
             "accepted": asked.filter(accepted_answer__isnull=False)}
    counts = {name: rows.count() for name, rows in kinds.items()}
    board.figures += [
        Figure(_("Questions asked"), counts["asked"], *[_asked(filters, *period).count() for period in periods[1:]]),
        Figure(_("Questions answered"), share(counts["answered"], counts["asked"]), kind=SHARE),
        Figure(_("Questions with an accepted answer"), share(counts["accepted"], counts["asked"]), kind=SHARE),
        Figure(_("Answers given"), *[_answers_given(filters, *period).count() for period in periods]),
    ]

    in_period = dict(_completed(filters, filters.start, filters.end).values_list("user__profile__department_id")
                     .annotate(n=Count("pk")))
    table = Table("training", _("Training by department"), [
        Column(_("Department"), TEXT), Column(_("Enrolled")), Column(_("Completed")), Column(_("In progress")),
        Column(_("Not started")), Column(_("Overdue")), Column(_("Completion rate"), SHARE),
        Column(_("Completed in the period"))])
    for d in departments:
        table.rows.append([d.label, d.enrolled, d.completed, d.in_progress, d.not_started, d.overdue,
                           share(d.completed, d.enrolled), in_period.get(d.key, 0)])
    table.note = _("Per person and path: the training reports.")
    board.tables.append(table)
    board.charts.append(("training", charts.bar(_("Training by department"), [d.label for d in departments], [
        (_("Completed"), [d.completed for d in departments]), (_("In progress"), [d.in_progress for d in departments]),
        (_("Not started"), [d.not_started for d in departments])], stacked=True)))

    by_asker = defaultdict(lambda: [0, 0, 0])  # department -> asked, answered, accepted
    for column, rows in enumerate(kinds.values()):
        for department_id, n in rows.values_list("asked_by__profile__department_id").annotate(n=Count("pk")):
            by_asker[department_id][column] = n
    by_author = dict(_answers_given(filters, filters.start, filters.end).values_list("author__profile__department_id")
                     .annotate(n=Count("pk")))
    table = Table("questions", _("Questions and answers by department"), [
        Column(_("Department"), TEXT), Column(_("Questions asked")), Column(_("Answered")),
        Column(_("With an accepted answer")), Column(_("Answers given"))])
    for department_id in sorted(set(by_asker) | set(by_author), key=lambda d: (-by_asker.get(d, (0,))[0], names(d))):
        table.rows.append([names(department_id), *by_asker.get(department_id, [0, 0, 0]),
                           by_author.get(department_id, 0)])
    board.tables.append(table)
    board.charts.append(("questions", charts.bar(_("Questions and answers by department"), [r[0] for r in table.rows], [
        (_("Questions asked"), [r[1] for r in table.rows]), (_("Answers given"), [r[4] for r in table.rows])])))
    return board


DASHBOARDS = {
    "stock": (gettext_lazy("Stock"), stock),
    "usage": (gettext_lazy("Usage"), usage),
    "contribution": (gettext_lazy("Contribution"), contribution),
    "search": (gettext_lazy("Search"), search),
    "training": (gettext_lazy("Training and Q&A"), training_and_questions),
}
