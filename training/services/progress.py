"""A learner's way through a path: opening steps, confirming them, quizzes, completion."""
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from personal.services.items import key_of, readable_entries

from ..blocks import QuestionKind
from ..models import QuizAttempt, StepKind, StepProgress

# Reading time counted for one opening at most; a tab left open over lunch is not study.
MAX_SECONDS_PER_OPENING = getattr(settings, "ZHIKU_TRAINING_MAX_MINUTES_PER_OPENING", 240) * 60


class TrainingError(Exception):
    """A step cannot do what was asked; the message says why, for the learner."""


# --- What a step points at -------------------------------------------------------------------

def step_keys(step):
    """The search keys of the items a step asks to read (an anthology's or FAQ group's members
    too), for reading records and re-read requests."""
    if step.kind == StepKind.ARTICLE and step.page_id:
        return [key_of(step.page.specific)]
    if step.kind == StepKind.DOCUMENT and step.document_id:
        return [key_of(step.document)]
    if step.kind == StepKind.ANTHOLOGY and step.anthology_id:
        return [key_of(step.anthology)] + list(step.anthology.items.values_list("key", flat=True))
    if step.kind == StepKind.FAQ_GROUP and step.faq_node_id:
        return list(faq_group_entries(step.faq_node).values_list("key", flat=True))
    return []


def faq_group_entries(node, user=None):
    """The FAQ entries filed under ``node`` or below it, as ``user`` may read them."""
    from search.models import SearchEntry

    entries = SearchEntry.objects.readable_by(user) if user is not None else SearchEntry.objects.all()
    return entries.filter(kind="faq", node_rows__node_id=node.pk).distinct().order_by("title")


ITEM_KINDS = {StepKind.ARTICLE, StepKind.DOCUMENT, StepKind.ANTHOLOGY}


@dataclass
class Target:
    """A step's item as one learner sees it."""

    title: str
    url: str
    readable: bool
    missing: bool = False  # removed from the knowledge base since the path was designed


def targets_for(steps, user):
    """{step id: Target} for ``steps`` as ``user`` sees them; an item they may not read keeps
    its title hidden (one catalogue query for all the steps)."""
    steps = list(steps)
    keys = {step.pk: step_keys(step)[:1] for step in steps if step.kind in ITEM_KINDS and step.target is not None}
    entries = readable_entries(user, [k for found in keys.values() for k in found])
    targets = {}
    for step in steps:
        if step.kind == StepKind.LINK:
            targets[step.pk] = Target(step.title or step.url, step.url, bool(step.url), missing=not step.url)
        elif step.kind == StepKind.FAQ_GROUP:
            missing = step.faq_node_id is None
            targets[step.pk] = Target(step.title or ("" if missing else step.faq_node.name), "", not missing, missing)
        elif not keys.get(step.pk):
            targets[step.pk] = Target(step.title, "", False, missing=True)
        else:
            entry = entries.get(keys[step.pk][0])
            if entry is None:
                targets[step.pk] = Target(step.title or _("An item you may not open"), "", False)
            else:
                targets[step.pk] = Target(step.title or entry.title, entry.url, True)
    return targets


def target_for(step, user):
    return targets_for([step], user)[step.pk]


# --- Progress --------------------------------------------------------------------------------

def progress_for(enrollment, step):
    """The learner's progress row for ``step``, made on first use."""
    try:
        with transaction.atomic():
            progress, _created = StepProgress.objects.get_or_create(
                enrollment=enrollment, step=step, defaults={"step_title": str(step)[:200]})
    except IntegrityError:  # a double click made it first
        progress = StepProgress.objects.get(enrollment=enrollment, step=step)
    return progress


def _start(enrollment, now):
    if enrollment.started_at is None:
        type(enrollment).objects.filter(pk=enrollment.pk, started_at=None).update(started_at=now)
        enrollment.started_at = now


def open_step(enrollment, step):
    """The learner opened the step's item: note when, so reading time can be counted."""
    from personal.services.reading import record_read

    now = timezone.now()
    progress = progress_for(enrollment, step)
    StepProgress.objects.filter(pk=progress.pk, opened_at=None).update(opened_at=now)
    StepProgress.objects.filter(pk=progress.pk).update(last_opened_at=now)
    _start(enrollment, now)
    if step.kind == StepKind.FAQ_GROUP:  # read on the step page itself
        for key in step_keys(step):
            record_read(enrollment.user, key)
    progress.refresh_from_db()
    return progress


def _time_since_opened(progress, now):
    if progress.last_opened_at is None:
        return 0
    return int(min((now - progress.last_opened_at).total_seconds(), MAX_SECONDS_PER_OPENING))


def confirm_step(enrollment, step):
    """A step without a quiz is done when the learner says so, after opening it."""
    if step.has_quiz:
        raise TrainingError(_("Pass the quiz to complete this step."))
    progress = progress_for(enrollment, step)
    if progress.opened_at is None:
        raise TrainingError(_("Open the item first, then confirm that you have read it."))
    if progress.completed_at is not None and progress.refresh_requested_at is None:
        return progress  # a second click changes nothing
    now = timezone.now()
    progress.seconds_spent += _time_since_opened(progress, now)
    progress.completed_at = now
    progress.refresh_requested_at = None
    progress.refresh_reason = ""
    progress.save(update_fields=["seconds_spent", "completed_at", "refresh_requested_at", "refresh_reason"])
    complete_if_done(enrollment)
    return progress


def required_steps(path):
    return [step for step in path.steps.all() if step.required]


def complete_if_done(enrollment):
    """Mark the path complete once every required step is done."""
    if enrollment.completed_at is not None:
        return True
    steps = required_steps(enrollment.path)
    done = set(StepProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False)
               .values_list("step_id", flat=True))
    if steps and all(step.pk in done for step in steps):
        now = timezone.now()
        type(enrollment).objects.filter(pk=enrollment.pk, completed_at=None).update(completed_at=now)
        enrollment.completed_at = now
        return True
    return False


# --- Quizzes ---------------------------------------------------------------------------------

def attempts_allowed(progress):
    """How many attempts the learner has in all (None: any number)."""
    step = progress.step
    if not step.max_attempts:
        return None
    return step.max_attempts + progress.extra_attempts


def attempts_left(progress):
    allowed = attempts_allowed(progress)
    if allowed is None:
        return None
    return max(allowed - progress.attempts.exclude(submitted_at=None).count(), 0)


def _snapshot(block):
    value = block.value
    if value["kind"] == QuestionKind.TRUE_FALSE:
        choices = [{"id": "t", "text": _("True"), "correct": bool(value["statement_true"])},
                   {"id": "f", "text": _("False"), "correct": not value["statement_true"]}]
    else:
        choices = [{"id": str(i), "text": c["text"], "correct": bool(c["correct"])}
                   for i, c in enumerate(value["choices"]) if c["text"].strip()]
        random.shuffle(choices)
    return {"id": block.id, "kind": value["kind"], "text": value["text"], "choices": choices,
            "explanation": value["explanation"] or ""}


def current_attempt(progress):
    """The attempt the learner has started and not submitted, if any."""
    return progress.attempts.filter(submitted_at=None).first()


def start_attempt(enrollment, step):
    """Draw the questions for a new attempt (or give back the one already open, so reloading
    the page does not draw again or spend an attempt)."""
    if not step.has_quiz:
        raise TrainingError(_("This step has no quiz."))
    progress = progress_for(enrollment, step)
    if progress.opened_at is None:
        raise TrainingError(_("Open the item first; the quiz is about it."))
    if progress.completed_at is not None and progress.refresh_requested_at is None:
        raise TrainingError(_("You have already passed this quiz."))
    with transaction.atomic():
        # Lock the progress row so two tabs cannot both start an attempt.
        progress = StepProgress.objects.select_for_update().get(pk=progress.pk)
        attempt = current_attempt(progress)
        if attempt is not None:
            return attempt
        if attempts_left(progress) == 0:
            raise TrainingError(_("You have used all your attempts. Ask your manager for another one."))
        blocks = list(step.quiz)
        drawn = random.sample(blocks, step.questions_per_attempt)
        return QuizAttempt.objects.create(progress=progress, questions=[_snapshot(b) for b in drawn])


def is_correct(question, chosen):
    correct = {c["id"] for c in question["choices"] if c["correct"]}
    return set(chosen) == correct


def submit_attempt(attempt, answers):
    """Score an attempt. ``answers``: {question id: [choice ids]}. A second submission of the
    same attempt (a double click, the back button) is refused and changes nothing."""
    now = timezone.now()
    questions = attempt.questions
    clean = {}
    for question in questions:
        valid = {c["id"] for c in question["choices"]}
        chosen = [c for c in answers.get(question["id"], []) if c in valid]
        if question["kind"] != QuestionKind.MULTIPLE:
            chosen = chosen[:1]
        clean[question["id"]] = chosen
    unanswered = [q for q in questions if not clean[q["id"]]]
    if unanswered:
        raise TrainingError(_("Answer every question before submitting (%(count)d left).")
                            % {"count": len(unanswered)})
    right = sum(1 for q in questions if is_correct(q, clean[q["id"]]))
    score = round(100 * right / len(questions)) if questions else 0
    with transaction.atomic():
        progress = StepProgress.objects.select_for_update().get(pk=attempt.progress_id)
        step = progress.step
        passed = score >= step.pass_mark
        updated = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at=None).update(
            answers=clean, submitted_at=now, score=score, passed=passed)
        if not updated:
            raise TrainingError(_("This attempt was already submitted."))
        progress.best_score = max(progress.best_score or 0, score)
        fields = ["best_score"]
        if passed and (progress.completed_at is None or progress.refresh_requested_at is not None):
            progress.seconds_spent += _time_since_opened(progress, now)
            progress.completed_at = now
            progress.refresh_requested_at = None
            progress.refresh_reason = ""
            fields += ["seconds_spent", "completed_at", "refresh_requested_at", "refresh_reason"]
        progress.save(update_fields=fields)
    attempt.refresh_from_db()
    if passed:
        complete_if_done(progress.enrollment)
    return attempt


def extra_attempt_refusal(progress):
    """Why no extra attempt can be given for this step (None: it can)."""
    step = progress.step
    if step is None or not step.has_quiz or not step.max_attempts:
        return _("This step has no limit on quiz attempts.")
    if progress.completed_at is not None:
        return _("This quiz has already been passed.")
    return None


def grant_extra_attempt(progress):
    """One more quiz attempt for a learner who used theirs up (or is about to)."""
    refusal = extra_attempt_refusal(progress)
    if refusal:
        raise TrainingError(refusal)
    StepProgress.objects.filter(pk=progress.pk).update(extra_attempts=F("extra_attempts") + 1)


# --- The learner's view of a path ------------------------------------------------------------

@dataclass
class StepState:
    step: object
    progress: StepProgress | None
    number: int
    target: Target
    enrollment_id: int

    @property
    def state(self):
        """'done', 'refresh' (done, asked to re-read), 'failed' (no attempts left), 'started'
        or 'todo'."""
        p = self.progress
        if p is None or p.opened_at is None:
            return "todo"
        if p.completed_at is not None:
            return "refresh" if p.refresh_requested_at else "done"
        if self.step.has_quiz and self.step.max_attempts and attempts_left(p) == 0:
            return "failed"
        return "started"

    @property
    def url(self):
        return reverse("training:step", args=[self.enrollment_id, self.step.pk])


@dataclass
class PathState:
    enrollment: object
    steps: list

    @property
    def required(self):
        return [s for s in self.steps if s.step.required]

    @property
    def done_count(self):
        return sum(1 for s in self.required if s.state in {"done", "refresh"})

    @property
    def percent(self):
        return round(100 * self.done_count / len(self.required)) if self.required else 0

    @property
    def next_step(self):
        for s in self.steps:
            if s.state not in {"done", "refresh"} and s.step.required:
                return s
        for s in self.steps:
            if s.state == "refresh":
                return s
        return None

    @property
    def needs_refresher(self):
        return any(s.state == "refresh" for s in self.steps)

    @property
    def overdue(self):
        e = self.enrollment
        return e.completed_at is None and e.due_date is not None and e.due_date < timezone.localdate()

    @property
    def minutes_left(self):
        return sum(s.step.estimated_minutes for s in self.required if s.state not in {"done", "refresh"})


def path_state(enrollment, viewer=None):
    """The learner's path; item titles as ``viewer`` (by default the learner) may see them."""
    progress = {p.step_id: p for p in enrollment.progress.all()}
    steps = list(enrollment.path.steps.all())
    targets = targets_for(steps, viewer or enrollment.user)
    steps = [StepState(step, progress.get(step.pk), number, targets[step.pk], enrollment.pk)
             for number, step in enumerate(steps, start=1)]
    return PathState(enrollment, steps)
