"""Who sees which departments' statistics, and the filters of a dashboard (period, department,
dimension).

Knowledge managers (``stats.view_all_stats``) and administrators see every department; a
department head sees the departments they head and everything below them; nobody else sees
the dashboards. Items count for the department of their knowledge space (items outside spaces,
such as questions, for their owner's department); people and searches for the person's
department.
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledge.models import Dimension, DimensionNode
from portal.models import Department
from training.services.assignments import department_ids_with_descendants

VIEW_ALL = "stats.view_all_stats"


@dataclass(frozen=True)
class Scope:
    everyone: bool = False
    department_ids: frozenset = frozenset()

    @property
    def allowed(self):
        return self.everyone or bool(self.department_ids)

    def departments(self):
        """The departments the viewer may pick in the filter."""
        departments = Department.objects.order_by("name")
        return departments if self.everyone else departments.filter(pk__in=self.department_ids)


def scope(viewer):
    if not viewer.is_authenticated:
        return Scope()
    if viewer.is_superuser or viewer.has_perm(VIEW_ALL):
        return Scope(everyone=True)
    headed = Department.objects.filter(head=viewer).values_list("pk", flat=True)
    return Scope(department_ids=frozenset(department_ids_with_descendants(list(headed))))


PERIODS = {
    "30": _("Last 30 days"),
    "90": _("Last 90 days"),
    "month": _("This month"),
    "last-month": _("Last month"),
    "year": _("This year"),
    "365": _("Last 12 months"),
    "custom": _("From – to"),
}
DEFAULT_PERIOD = "30"


def shift_year(day, years):
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass
class Filters:
    period: str
    start: date
    end: date  # inclusive
    department: Department | None
    department_ids: frozenset | None  # None: no restriction (everyone, all departments)
    dimension: Dimension | None = None
    node: DimensionNode | None = None

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """The period just before, as long as this one (month-on-month: the month before)."""
        if self.period in ("month", "last-month") and self.start.day == 1:
            end = self.start - timedelta(days=1)
            start = end.replace(day=1)
            if self.period == "last-month":  # a whole month: the whole month before
                return start, end
            length = min(self.days, calendar.monthrange(start.year, start.month)[1])
            return start, start + timedelta(days=length - 1)
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)

    def last_year(self):
        """The same dates a year earlier (year-on-year); last month: that whole month a year
        earlier (February 2025 against all 29 days of February 2024)."""
        start, end = shift_year(self.start, -1), shift_year(self.end, -1)
        if self.period == "last-month":
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        return start, end

    def query(self, **override):
        """The filters as a query string (for export links and the tabs)."""
        from django.utils.http import urlencode

        values = {"period": self.period}
        if self.period == "custom":
            values.update({"from": self.start.isoformat(), "to": self.end.isoformat()})
        if self.department:
            values["department"] = self.department.pk
        if self.dimension:
            values["dimension"] = self.dimension.pk
        if self.node:
            values["node"] = self.node.pk
        values.update({k: v for k, v in override.items() if v is not None})
        return urlencode(values)

    def items_q(self, prefix=""):
        """Items of the departments in view."""
        if self.department_ids is None:
            return Q()
        return Q(**{f"{prefix}department_id__in": self.department_ids})

    def people_q(self, field="department_id"):
        if self.department_ids is None:
            return Q()
        return Q(**{f"{field}__in": self.department_ids})


def _date(value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _pick(queryset, value):
    try:
        return queryset.filter(pk=int(value)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def period_dates(period, today, start=None, end=None):
    """(start, end) of a period ending with the last finished day, which the roll-up has done."""
    yesterday = today - timedelta(days=1)
    if period == "90":
        return yesterday - timedelta(days=89), yesterday
    if period == "365":
        return yesterday - timedelta(days=364), yesterday
    if period == "month":
        return min(today.replace(day=1), yesterday), yesterday
    if period == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "year":
        return min(today.replace(month=1, day=1), yesterday), yesterday
    if period == "custom" and start and end:
        start, end = min(start, end), max(start, end)
        return max(start, end - timedelta(days=3660)), end  # at most ten years at once
    return yesterday - timedelta(days=29), yesterday


def read_filters(data, viewer_scope, today=None):
    """The filters from a query string; unknown, malformed or out-of-scope values fall back to
    the defaults (a department outside the viewer's scope is never shown)."""
    today = today or timezone.localdate()
    period = data.get("period") if data.get("period") in PERIODS else DEFAULT_PERIOD
    start, end = period_dates(period, today, _date(data.get("from")), _date(data.get("to")))
    if period == "custom" and not (_date(data.get("from")) and _date(data.get("to"))):
        period = DEFAULT_PERIOD
    department = _pick(viewer_scope.departments(), data.get("department"))
    if department is not None:
        ids = frozenset(department_ids_with_descendants([department.pk]))
        department_ids = ids if viewer_scope.everyone else ids & viewer_scope.department_ids
    else:
        department_ids = None if viewer_scope.everyone else viewer_scope.department_ids
    dimension = _pick(Dimension.objects.all(), data.get("dimension")) or Dimension.objects.order_by(
        "sort_order", "name").first()
    node = _pick(DimensionNode.objects.filter(dimension=dimension), data.get("node")) if dimension else None
    return Filters(period, start, end, department, department_ids, dimension, node)
