"""Managers' reports on training: the figures on screen, as Excel, one learner's record and
an extra quiz attempt. The rules (who sees whom, what counts) are in services.reports."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .models import StepProgress
from .services import reports as service
from .services import progress as learning
from .services.progress import TrainingError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request):
    scope = service.scope(request.user)
    if not scope.allowed:
        raise PermissionDenied
    return scope, service.build_report(scope, service.read_filters(request.GET))


@require_GET
def reports(request):
    scope, report = _report(request)
    paths, departments = service.filter_choices(scope)
    return TemplateResponse(request, "training/reports.html", {
        "report": report, "chart": report.chart(), "paths": paths, "departments": departments,
    })


@require_GET
def export(request):
    _scope, report = _report(request)
    response = HttpResponse(service.workbook(report), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, service.export_filename(report.filters))
    return response


def person(request, user_id):
    learner = get_object_or_404(get_user_model().objects.select_related("profile"), pk=user_id)
    if not service.can_view_person(request.user, learner):
        raise Http404  # outside the viewer's scope: not even whether the person exists
    return TemplateResponse(request, "training/report_person.html", {
        "person": learner, "profile": getattr(learner, "profile", None), "paths": service.person_paths(learner, request.user),
        "can_grant": service.can_grant_attempts(request.user, learner),
        "can_see_reports": service.scope(request.user).allowed,
    })


@require_POST
def extra_attempt(request, progress_id):
    if not service.can_grant_attempts(request.user):
        raise PermissionDenied
    progress = get_object_or_404(StepProgress.objects.select_related("enrollment__user", "step"), pk=progress_id)
    learner = progress.enrollment.user
    if not service.can_grant_attempts(request.user, learner):
        raise Http404
    try:
        learning.grant_extra_attempt(progress)
    except TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s may take the quiz of “%(step)s” once more.")
                         % {"name": service.person_name(learner), "step": progress.step_title})
    return redirect("training:person", learner.pk)
