from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from .models import ExpenseClaim, subject_of
from .services import approvals

ACTION_DONE = {
    "approve": _("Approved."),
    "reject": _("Sent back for changes."),
    "decline": _("Rejected."),
}


def index(request):
    mine = Paginator(approvals.requested_by(request.user), 30).get_page(request.GET.get("page"))
    return TemplateResponse(request, "workflows/index.html", {
        "waiting": [(state, subject_of(state.workflow_state)) for state in approvals.waiting_for(request.user)],
        "mine": mine,
        "mine_rows": [(state, subject_of(state), approvals.holders(state)) for state in mine],
    })


def detail(request, pk):
    workflow_state = get_object_or_404(WorkflowState.objects.select_related("workflow", "requested_by"), pk=pk)
    if not approvals.can_view(workflow_state, request.user):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            approvals.act(workflow_state, request.user, action, request.POST.get("comment", ""))
        except approvals.ApprovalError as error:
            messages.error(request, str(error))
        except PermissionDenied:
            messages.error(request, _("You cannot do that on this request."))
        else:
            messages.success(request, ACTION_DONE.get(action, _("Done.")))
        return redirect("workflows:approval", pk)
    obj = subject_of(workflow_state)
    return TemplateResponse(request, "workflows/approval_detail.html", {
        "workflow_state": workflow_state,
        "subject": obj,
        "title": approvals.display_title(obj),
        "claim": obj if isinstance(obj, ExpenseClaim) else None,
        "links": approvals.object_links(obj, request.user),
        "steps": approvals.steps(workflow_state),
        "holders": approvals.holders(workflow_state),
        "actions": approvals.actions_for(workflow_state, request.user),
    })
