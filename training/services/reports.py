"""Managers' reports on training (KB-11): completion by department, position and person, quiz
scores, the overdue list and the steps where people fail most, on screen and as Excel.

Who sees whom (``scope``): report readers (``training.view_all_reports``) see everyone; a
department head the people of their department and below it; a manager their direct reports;
anyone else nobody (a learner sees only their own page). Every figure is counted over the
active enrollments (not withdrawn) of published, unarchived paths of active people in scope.
"""
from collections import Counter
from dataclasses import dataclass
from io import BytesIO

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Department, UserProfile
from portal.services.spreadsheets import append_row as _append

from ..models import (MANAGE_TRAINING, VIEW_ALL_REPORTS, Enrollment, QuizAttempt, StepProgress, TrainingPath,
                      TrainingStep)
from .assignments import department_ids_with_descendants
from .progress import attempts_allowed, attempts_left, extra_attempt_refusal, path_state


# --- Who may see whom --------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    everyone: bool = False
    department_ids: frozenset = frozenset()  # headed departments and everything below them
    manager_id: int | None = None  # the viewer, when they have direct reports

    @property
    def allowed(self):
        """Whether the viewer may open the reports at all (a head of an empty department may)."""
        return self.everyone or bool(self.department_ids) or self.manager_id is not None

    def users_q(self, prefix=""):
        """A filter on users (``prefix``: the path to the user, such as "user__")."""
        if self.everyone:
            return Q()
        query = Q(**{f"{prefix}pk__in": []})
        if self.department_ids:
            query |= Q(**{f"{prefix}profile__department_id__in": self.department_ids})
        if self.manager_id is not None:
            query |= Q(**{f"{prefix}profile__manager_id": self.manager_id})
        return query

    def includes(self, person):
        if self.everyone:
            return True
        return self.allowed and get_user_model().objects.filter(self.users_q(), pk=person.pk).exists()


def scope(viewer):
    if not viewer.is_authenticated:
        return Scope()
    if viewer.is_superuser or viewer.has_perm(VIEW_ALL_REPORTS):
        return Scope(everyone=True)
    headed = list(Department.objects.filter(head=viewer).values_list("pk", flat=True))
    manages = UserProfile.objects.filter(manager=viewer).exists()
    return Scope(department_ids=frozenset(department_ids_with_descendants(headed)),
                 manager_id=viewer.pk if manages else None)


def can_view_person(viewer, person):
    """A learner sees their own results; others only the people in their scope."""
    return viewer.pk == person.pk or scope(viewer).includes(person)


def can_grant_attempts(viewer, learner=None):
    """Training managers grant extra attempts, to the people in their report scope."""
    if not viewer.has_perm(MANAGE_TRAINING):
        return False
    return learner is None or scope(viewer).includes(learner)


# --- Filters -----------------------------------------------------------------------------------

@dataclass
class Filters:
    path: TrainingPath | None = None
    department: Department | None = None

    def query(self):
        """The filters as a query string, for links such as the Excel export."""
        parts = [f"path={self.path.pk}"] if self.path else []
        if self.department:
            parts.append(f"department={self.department.pk}")
        return "&".join(parts)


def _pick(queryset, value):
    try:
        return queryset.filter(pk=int(value)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def read_filters(data):
    """The filters from a query string; unknown or malformed values are ignored."""
    return Filters(path=_pick(TrainingPath.objects.available(), data.get("path")),
                   department=_pick(Department.objects.all(), data.get("department")))


def filter_choices(viewer_scope):
    """The paths and departments worth offering in the filter form."""
    departments = Department.objects.all()
    if not viewer_scope.everyone:
        query = Q(pk__in=viewer_scope.department_ids)
        if viewer_scope.manager_id is not None:
            query |= Q(members__manager_id=viewer_scope.manager_id)
        departments = departments.filter(query).distinct()
    return TrainingPath.objects.available().order_by("title"), departments.order_by("name")


def enrollments(viewer_scope, filters):
    """The enrollments every figure is counted over."""
    rows = Enrollment.objects.current().filter(user__is_active=True)  # people who left are not chased
    if not viewer_scope.allowed:
        return rows.none()
    rows = rows.filter(viewer_scope.users_q("user__"))
    if filters.path:
        rows = rows.filter(path=filters.path)
    if filters.department:
        rows = rows.filter(user__profile__department_id__in=department_ids_with_descendants([filters.department.pk]))
    return rows


# --- Figures -----------------------------------------------------------------------------------

OPEN = Q(completed_at=None)


def _status_counts(today):
    """Enrollments by state; "in progress" means opened a step (started_at is set then)."""
    return {
        "enrolled": Count("pk"),
        "completed": Count("pk", filter=Q(completed_at__isnull=False)),
        "in_progress": Count("pk", filter=OPEN & Q(started_at__isnull=False)),
        "not_started": Count("pk", filter=OPEN & Q(started_at=None)),
        "overdue": Count("pk", filter=OPEN & Q(due_date__lt=today)),
    }


def _share(part, whole):
    return part / whole if whole else 0.0


@dataclass
class Completion:
    key: int | None
    label: str
    enrolled: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0

    @property
    def rate(self):
        return _share(self.completed, self.enrolled)

    @property
    def percent(self):
        return round(100 * self.rate)


def completion_by(rows, group, today, none_label):
    """Completion per department or position (``group``: "department" or "position") of the
    learners; one grouped query."""
    prefix = f"user__profile__{group}"
    grouped = (rows.order_by().values(key=F(f"{prefix}_id"), label=F(f"{prefix}__name"))
               .annotate(**_status_counts(today)))
    result = [Completion(**{**r, "label": r["label"] or none_label}) for r in grouped]
    # Named groups alphabetically, the people without one last.
    return sorted(result, key=lambda c: (c.key is None, c.label))


def person_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


@dataclass
class PersonRow:
    """One learner on one path."""

    enrollment: Enrollment
    percent: int
    avg_score: int | None
    seconds: int
    today: object

    @property
    def user(self):
        return self.enrollment.user

    @property
    def profile(self):
        return getattr(self.enrollment.user, "profile", None)

    @property
    def department(self):
        return self.profile.department if self.profile else None

    @property
    def position(self):
        return self.profile.position if self.profile else None

    @property
    def manager(self):
        return self.profile.manager if self.profile else None

    @property
    def overdue(self):
        e = self.enrollment
        return e.completed_at is None and e.due_date is not None and e.due_date < self.today

    @property
    def days_overdue(self):
        return (self.today - self.enrollment.due_date).days if self.overdue else 0

    @property
    def minutes(self):
        return round(self.seconds / 60)

    @property
    def status(self):
        e = self.enrollment
        if e.completed_at:
            return _("Completed")
        return _("In progress") if e.started_at else _("Not started")


def people(rows, today):
    """Every enrollment with its progress over the required steps, average best score and
    time spent: one query with the counts joined in."""
    required = (TrainingStep.objects.filter(path=OuterRef("path_id"), required=True).order_by()
                .values("path").annotate(n=Count("pk")).values("n"))
    annotated = (rows.select_related("path", "user__profile__department", "user__profile__position",
                                     "user__profile__manager")
                 .annotate(required_steps=Coalesce(Subquery(required), 0),
                           done_steps=Count("progress", filter=Q(progress__completed_at__isnull=False,
                                                                 progress__step__required=True)),
                           avg_score=Avg("progress__best_score"),
                           seconds=Coalesce(Sum("progress__seconds_spent"), 0))
                 .order_by("user__profile__department__name", "user__username", "path__title"))
    result = []
    for e in annotated:
        # A completed path is complete, even if steps were added to it afterwards.
        percent = 100 if e.completed_at else round(100 * _share(e.done_steps, e.required_steps))
        score = round(e.avg_score) if e.avg_score is not None else None
        result.append(PersonRow(e, percent, score, e.seconds, today))
    return result


@dataclass
class QuizSummary:
    scored: int = 0  # learner-steps with at least one submitted attempt
    average: float | None = None  # mean of their best scores
    first_tries: int = 0
    first_passes: int = 0

    @property
    def first_pass_rate(self):
        return _share(self.first_passes, self.first_tries)

    @property
    def first_pass_percent(self):
        return round(100 * self.first_pass_rate)


def quiz_summary(rows):
    progress = StepProgress.objects.filter(enrollment__in=rows)
    best = progress.filter(best_score__isnull=False).aggregate(n=Count("pk"), average=Avg("best_score"))
    first = (QuizAttempt.objects.filter(progress=OuterRef("pk"), submitted_at__isnull=False)
             .order_by("submitted_at", "pk").values("passed")[:1])
    firsts = progress.annotate(first_passed=Subquery(first)).aggregate(
        tries=Count("pk", filter=Q(first_passed__isnull=False)), passes=Count("pk", filter=Q(first_passed=True)))
    average = round(best["average"], 1) if best["average"] is not None else None
    return QuizSummary(best["n"], average, firsts["tries"], firsts["passes"])


@dataclass
class StepDifficulty:
    step: TrainingStep
    attempts: int
    failed: int
    learners: int
    exhausted: int  # learners who used every attempt without passing

    @property
    def failure_rate(self):
        return _share(self.failed, self.attempts)

    @property
    def failure_percent(self):
        return round(100 * self.failure_rate)


def difficult_steps(rows):
    """Per quiz step: submitted attempts, failed ones, and the learners stuck without attempts;
    most failures first."""
    submitted = QuizAttempt.objects.filter(progress__enrollment__in=rows, submitted_at__isnull=False,
                                           progress__step__isnull=False)
    counts = (submitted.order_by().values("progress__step_id")
              .annotate(attempts=Count("pk"), failed=Count("pk", filter=Q(passed=False)),
                        learners=Count("progress_id", distinct=True)))
    # The limit is annotated first so it is grouped on, not aggregated.
    stuck = (StepProgress.objects.filter(enrollment__in=rows, step__max_attempts__gt=0)
             .annotate(allowed=F("step__max_attempts") + F("extra_attempts"))
             .annotate(used=Count("attempts", filter=Q(attempts__submitted_at__isnull=False)),
                       passes=Count("attempts", filter=Q(attempts__submitted_at__isnull=False,
                                                          attempts__passed=True)))
             .filter(passes=0, used__gte=F("allowed")).values_list("step_id", flat=True))
    exhausted = Counter(stuck)
    steps = TrainingStep.objects.select_related("path").in_bulk([c["progress__step_id"] for c in counts])
    result = [StepDifficulty(steps[c["progress__step_id"]], c["attempts"], c["failed"], c["learners"],
                             exhausted.get(c["progress__step_id"], 0))
              for c in counts if c["progress__step_id"] in steps]
    return sorted(result, key=lambda s: (-s.failed, -s.failure_rate, s.step.path.title, s.step.sort_order or 0))


@dataclass
class Report:
    filters: Filters
    departments: list
    positions: list
    people: list
    quiz: QuizSummary
    steps: list
    total: Completion

    @property
    def overdue(self):
        return sorted((p for p in self.people if p.overdue), key=lambda p: (-p.days_overdue, p.user.get_username()))

    def groupings(self):
        """The completion tables: (heading, first column, rows)."""
        return [(_("Completion by department"), _("Department"), self.departments),
                (_("Completion by position"), _("Position"), self.positions)]

    def chart(self):
        """Completion by department for the bar chart (the table holds the same figures)."""
        return {
            "labels": [d.label for d in self.departments],
            "series": [
                {"name": _("Completed"), "data": [d.completed for d in self.departments]},
                {"name": _("In progress"), "data": [d.in_progress for d in self.departments]},
                {"name": _("Not started"), "data": [d.not_started for d in self.departments]},
            ],
        }


def build_report(viewer_scope, filters):
    today = timezone.localdate()
    rows = enrollments(viewer_scope, filters)
    total = rows.aggregate(**_status_counts(today))
    return Report(
        filters=filters,
        departments=completion_by(rows, "department", today, _("No department")),
        positions=completion_by(rows, "position", today, _("No position")),
        people=people(rows, today),
        quiz=quiz_summary(rows),
        steps=difficult_steps(rows),
        total=Completion(None, _("All"), **total),
    )


# --- One learner -------------------------------------------------------------------------------

@dataclass
class PersonStep:
    state: object  # progress.StepState
    attempts: list  # submitted attempts, oldest first
    allowed: int | None
    left: int | None

    @property
    def can_have_more(self):
        """Whether another attempt can be granted: a quiz with a limit, not passed yet."""
        progress = self.state.progress
        return progress is not None and extra_attempt_refusal(progress) is None


def person_paths(person, viewer):
    """``person``'s paths step by step, with every submitted quiz attempt; item titles as
    ``viewer`` may see them."""
    submitted = QuizAttempt.objects.filter(submitted_at__isnull=False).order_by("submitted_at", "pk")
    rows = (Enrollment.objects.current().filter(user=person)
            .select_related("path").order_by("path__title")
            .prefetch_related("path__steps", Prefetch("progress__attempts", queryset=submitted)))
    result = []
    for enrollment in rows:
        state = path_state(enrollment, viewer)
        steps = []
        for s in state.steps:
            p = s.progress
            steps.append(PersonStep(s, list(p.attempts.all()) if p else [],
                                    attempts_allowed(p) if p and s.step.has_quiz else None,
                                    attempts_left(p) if p and s.step.has_quiz else None))
        result.append((state, steps))
    return result


# --- Excel -------------------------------------------------------------------------------------

def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _completion_sheet(book, title, first_header, rows):
    sheet = book.create_sheet(title)
    sheet.append([first_header, _("Enrolled"), _("Completed"), _("In progress"), _("Not started"),
                  _("Overdue"), _("Completion")])
    for r in rows:
        _append(sheet, [r.label, r.enrolled, r.completed, r.in_progress, r.not_started, r.overdue, r.rate], (7,))


def workbook(report):
    """The report as an .xlsx file (bytes): one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    _completion_sheet(book, _("By department"), _("Department"), report.departments)
    _completion_sheet(book, _("By position"), _("Position"), report.positions)

    sheet = book.create_sheet(_("By person"))
    sheet.append([_("Person"), _("Username"), _("Department"), _("Position"), _("Training path"), _("Status"),
                  _("Progress"), _("Due date"), _("Days overdue"), _("Completed on"), _("Average best score"),
                  _("Time spent (min)")])
    for p in report.people:
        _append(sheet, [person_name(p.user), p.user.get_username(), p.department.name if p.department else "",
                        p.position.name if p.position else "", p.enrollment.path.title, p.status, p.percent / 100,
                        p.enrollment.due_date, p.days_overdue or None, _local(p.enrollment.completed_at),
                        p.avg_score, p.minutes], (7,))

    sheet = book.create_sheet(_("Overdue"))
    sheet.append([_("Person"), _("Department"), _("Training path"), _("Progress"), _("Due date"),
                  _("Days overdue"), _("Manager")])
    for p in report.overdue:
        _append(sheet, [person_name(p.user), p.department.name if p.department else "", p.enrollment.path.title,
                        p.percent / 100, p.enrollment.due_date, p.days_overdue, person_name(p.manager)], (4,))

    sheet = book.create_sheet(_("Difficult steps"))
    sheet.append([_("Training path"), _("Step"), _("Attempts"), _("Failed attempts"), _("Failure rate"),
                  _("Learners"), _("Out of attempts")])
    for s in report.steps:
        _append(sheet, [s.step.path.title, str(s.step), s.attempts, s.failed, s.failure_rate, s.learners,
                        s.exhausted], (5,))

    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 16
        sheet.freeze_panes = "A2"
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def export_filename(filters):
    """ASCII only, so every browser and mail client keeps it."""
    suffix = f"-path{filters.path.pk}" if filters.path else ""
    suffix += f"-dept{filters.department.pk}" if filters.department else ""
    return f"training-report{suffix}-{timezone.localdate():%Y%m%d}.xlsx"
