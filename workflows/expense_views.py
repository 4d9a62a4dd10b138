"""Expense claims in the portal: my claims, the form, the claim page, finance's payments and
the receipts. Views check who may see what (404 for a claim one may not see, 403 for an
action one may not take) and hand the rest to workflows.services.expenses."""
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .expense_forms import ExpenseClaimForm
from .models import ExpenseClaim
from .services import expenses

# Shown in the browser; anything else (HTML, SVG, office files) is downloaded, never rendered
# on the portal's origin.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "text/plain"}


def _visible_claim(request, pk):
    claim = get_object_or_404(ExpenseClaim.objects.select_related("requester", "department", "paid_by"), pk=pk)
    if not expenses.can_view_claim(claim, request.user):
        raise Http404
    return claim


def _own_claim(request, pk):
    claim = _visible_claim(request, pk)
    if claim.requester_id != request.user.pk:
        raise PermissionDenied
    return claim


@require_GET
def expense_list(request):
    can_pay = expenses.can_pay(request.user)
    tab = "pay" if request.GET.get("tab") == "pay" and can_pay else "mine"
    source = expenses.claims_to_pay() if tab == "pay" else expenses.claims_of(request.user)
    page = Paginator(source, 30).get_page(request.GET.get("page"))
    return TemplateResponse(request, "workflows/expense_list.html", {
        "tab": tab, "can_pay": can_pay, "page": page,
        "rows": [(claim, expenses.claim_status(claim)) for claim in page],
    })


def _form_page(request, form, claim=None):
    return TemplateResponse(request, "workflows/expense_form.html", {
        "form": form, "claim": claim, "max_receipt_bytes": expenses.receipt_max_bytes(),
    })


def _save(request, form, claim=None):
    """Save the valid ``form``; with the "submit" button, send the claim for approval too."""
    try:
        claim, created = expenses.save_claim(request.user, form.save(commit=False), form.receipts(),
                                             form_token=form.cleaned_data.get("form_token", ""))
    except expenses.ExpenseError as error:
        messages.error(request, str(error))
        return redirect(claim.get_absolute_url()) if claim else _form_page(request, form)
    if not created:
        messages.info(request, _("This form was already sent: the claim %(number)s was saved once.")
                      % {"number": claim.number})
        return redirect(claim.get_absolute_url())
    messages.success(request, _("Claim %(number)s saved.") % {"number": claim.number})
    if "submit" in request.POST:
        _submit(request, claim)
    return redirect(claim.get_absolute_url())


def expense_new(request):
    form = ExpenseClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _save(request, form)
    return _form_page(request, form)


def expense_edit(request, pk):
    claim = _own_claim(request, pk)
    if not expenses.claim_status(claim).editable:
        messages.error(request, _("This claim can no longer be edited."))
        return redirect(claim.get_absolute_url())
    form = ExpenseClaimForm(request.POST or None, request.FILES or None, instance=claim)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, claim)
    return _form_page(request, form, claim)


@require_GET
def expense_detail(request, pk):
    claim = _visible_claim(request, pk)
    status = expenses.claim_status(claim)
    is_requester = claim.requester_id == request.user.pk
    return TemplateResponse(request, "workflows/expense_detail.html", {
        "claim": claim, "status": status, "rounds": expenses.rounds(claim),
        "can_edit": expenses.can_edit_claim(claim, request.user, status),
        "can_submit": is_requester and status.editable,
        "can_withdraw": is_requester and status.code == expenses.IN_REVIEW,
        "can_pay": status.code == expenses.APPROVED and expenses.can_pay(request.user),
    })


def _submit(request, claim):
    try:
        status = expenses.submit(claim, request.user)
    except expenses.ExpenseError as error:
        messages.error(request, str(error))
        return
    if status.code == expenses.IN_REVIEW:
        names = "、".join(person.get_full_name() or person.get_username() for person in status.holders)
        messages.success(request, _("Submitted: waiting for %(step)s (%(names)s).")
                         % {"step": status.step, "names": names})
    else:
        messages.success(request, _("Submitted and approved: %(status)s.") % {"status": status.label})


@require_POST
def expense_submit(request, pk):
    claim = _own_claim(request, pk)
    _submit(request, claim)
    return redirect(claim.get_absolute_url())


@require_POST
def expense_withdraw(request, pk):
    claim = _own_claim(request, pk)
    try:
        expenses.withdraw(claim, request.user)
    except expenses.ExpenseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Withdrawn: the claim is a draft again."))
    return redirect(claim.get_absolute_url())


@require_POST
def expense_pay(request, pk):
    claim = _visible_claim(request, pk)
    if not expenses.can_pay(request.user):
        raise PermissionDenied
    try:
        expenses.mark_paid(claim, request.user, request.POST.get("payment_reference", ""))
    except expenses.ExpenseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Claim %(number)s marked as paid.") % {"number": claim.number})
    if request.POST.get("next") == "pay-list":
        return redirect(reverse("workflows:expense_list") + "?tab=pay")
    return redirect(claim.get_absolute_url())


@require_GET
def receipt(request, pk, line_id):
    """A line's receipt, for those who may see the claim. The receipts collection is closed to
    everyone but finance elsewhere; this view is the claim's viewers' way in."""
    claim = _visible_claim(request, pk)
    line = get_object_or_404(claim.lines.select_related("receipt"), pk=line_id, receipt__isnull=False)
    document = line.receipt
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404
    content_type = mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=content_type not in INLINE_TYPES, filename=document.filename,
                        content_type=content_type)

