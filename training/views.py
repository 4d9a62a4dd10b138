"""The learner's side of training: my paths, a path, a step, its quiz. Every view works on the
requesting user's own enrollment; someone else's answers 404, as if it did not exist."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import MANAGE_TRAINING, Enrollment, QuizAttempt, StepKind, TrainingPath
from .services import progress as learning
from .services import reports
from .services.assignments import active_enrollments
from .services.progress import TrainingError


def _own_enrollment(request, enrollment_id):
    return get_object_or_404(active_enrollments(request.user), pk=enrollment_id)


def _own_step(request, enrollment_id, step_id):
    enrollment = _own_enrollment(request, enrollment_id)
    step = get_object_or_404(enrollment.path.steps.all(), pk=step_id)
    return enrollment, step


def _next_url(enrollment):
    state = learning.path_state(enrollment)
    following = state.next_step
    return following.url if following else enrollment.get_absolute_url()


@require_GET
def my_learning(request):
    states = [learning.path_state(e) for e in active_enrollments(request.user).prefetch_related("path__steps",
                                                                                                 "progress")]
    return TemplateResponse(request, "training/mine.html", {
        "current": [s for s in states if s.enrollment.completed_at is None],
        "refresh": [s for s in states if s.enrollment.completed_at is not None and s.needs_refresher],
        "completed": [s for s in states if s.enrollment.completed_at is not None and not s.needs_refresher],
        "can_manage": request.user.has_perm(MANAGE_TRAINING),
        "can_report": reports.scope(request.user).allowed,
    })


@require_GET
def enrollment(request, enrollment_id):
    enrollment = _own_enrollment(request, enrollment_id)
    return TemplateResponse(request, "training/enrollment.html", {
        "enrollment": enrollment, "path": enrollment.path, "state": learning.path_state(enrollment),
    })


@require_GET
def step(request, enrollment_id, step_id):
    enrollment, step = _own_step(request, enrollment_id, step_id)
    faq_entries = []
    if step.kind == StepKind.FAQ_GROUP and step.faq_node_id:
        learning.open_step(enrollment, step)  # the FAQ group is read right here
        faq_entries = learning.faq_group_entries(step.faq_node, request.user)
    progress = learning.progress_for(enrollment, step)
    state = learning.path_state(enrollment)
    current = next(s for s in state.steps if s.step.pk == step.pk)
    return TemplateResponse(request, "training/step.html", {
        "enrollment": enrollment, "path": enrollment.path, "step": step, "state": state, "current": current,
        "progress": progress, "target": current.target, "faq_entries": faq_entries,
        "attempts": progress.attempts.exclude(submitted_at=None), "attempts_left": learning.attempts_left(progress)
        if step.has_quiz else None, "open_attempt": learning.current_attempt(progress),
    })


@require_GET
def open_item(request, enrollment_id, step_id):
    """Counts the opening, then sends the learner to the item itself."""
    enrollment, step = _own_step(request, enrollment_id, step_id)
    target = learning.target_for(step, request.user)
    if not target.url:
        messages.error(request, _("This item cannot be opened. Tell the path's owner."))
        return redirect("training:step", enrollment.pk, step.pk)
    learning.open_step(enrollment, step)
    return redirect(target.url)


@require_POST
def confirm(request, enrollment_id, step_id):
    enrollment, step = _own_step(request, enrollment_id, step_id)
    try:
        learning.confirm_step(enrollment, step)
    except TrainingError as error:
        messages.error(request, str(error))
        return redirect("training:step", enrollment.pk, step.pk)
    enrollment.refresh_from_db()
    if enrollment.completed_at and not learning.path_state(enrollment).needs_refresher:
        messages.success(request, _("Step done. You have completed this path!"))
        return redirect(enrollment)
    messages.success(request, _("Step done."))
    return redirect(_next_url(enrollment))


def _answers(request, attempt):
    return {q["id"]: request.POST.getlist(f"q-{q['id']}") for q in attempt.questions}


@require_http_methods(["GET", "POST"])
def quiz(request, enrollment_id, step_id):
    enrollment, step = _own_step(request, enrollment_id, step_id)
    if request.method == "POST":
        progress = learning.progress_for(enrollment, step)
        attempt_id = request.POST.get("attempt", "")
        attempt = get_object_or_404(QuizAttempt, pk=int(attempt_id) if attempt_id.isdigit() else 0, progress=progress)
        try:
            attempt = learning.submit_attempt(attempt, _answers(request, attempt))
        except TrainingError as error:
            messages.error(request, str(error))
            if attempt.submitted_at is None:
                return _quiz_page(request, enrollment, step, attempt, chosen=_answers(request, attempt))
            return redirect("training:attempt", enrollment.pk, step.pk, attempt.pk)
        return redirect("training:attempt", enrollment.pk, step.pk, attempt.pk)
    try:
        attempt = learning.start_attempt(enrollment, step)
    except TrainingError as error:
        messages.error(request, str(error))
        return redirect("training:step", enrollment.pk, step.pk)
    return _quiz_page(request, enrollment, step, attempt)


def _quiz_page(request, enrollment, step, attempt, chosen=None):
    chosen = chosen or {}
    questions = [dict(q, chosen=chosen.get(q["id"], [])) for q in attempt.questions]
    return TemplateResponse(request, "training/quiz.html", {
        "enrollment": enrollment, "path": enrollment.path, "step": step, "attempt": attempt,
        "target": learning.target_for(step, request.user),
        "questions": questions, "attempts_left": learning.attempts_left(attempt.progress),
    })


@require_GET
def attempt_result(request, enrollment_id, step_id, attempt_id):
    enrollment, step = _own_step(request, enrollment_id, step_id)
    attempt = get_object_or_404(QuizAttempt, pk=attempt_id, progress__enrollment=enrollment, progress__step=step)
    if attempt.submitted_at is None:
        return redirect("training:quiz", enrollment.pk, step.pk)
    left = learning.attempts_left(attempt.progress)
    show_answers = attempt.passed or left == 0
    questions = [dict(q, chosen=attempt.answers.get(q["id"], []), right=learning.is_correct(q, attempt.answers.get(
        q["id"], []))) for q in attempt.questions]
    enrollment.refresh_from_db()
    return TemplateResponse(request, "training/attempt.html", {
        "enrollment": enrollment, "path": enrollment.path, "step": step, "attempt": attempt,
        "target": learning.target_for(step, request.user),
        "questions": questions, "show_answers": show_answers, "attempts_left": left,
        "next_url": _next_url(enrollment) if attempt.passed else "",
    })


@require_GET
def path_overview(request, path_id):
    """A path's address: its learners land on their own progress; designers see the outline."""
    path = get_object_or_404(TrainingPath, pk=path_id)
    mine = active_enrollments(request.user).filter(path=path).first()
    if mine is not None:
        return redirect(mine)
    if not request.user.has_perm(MANAGE_TRAINING):
        raise Http404
    return TemplateResponse(request, "training/path.html", {
        "path": path, "steps": path.steps.all(), "enrolled": Enrollment.objects.filter(path=path, withdrawn_at=None)
        .count(),
    })
