"""Expense reimbursement (报销): the business rules, from the first draft to the payment.

A claim is a draft until its requester submits it to the "报销审批" workflow: the head of the
requester's department approves, then finance for amounts of 5,000 yuan or more. The workflow's
finish publishes the approved revision, so ``live`` means approved; payment is recorded apart,
by finance, once. Every save is a Wagtail revision, so the claim's history is kept; only the
requester edits, and only while the claim is a draft or was sent back for changes.
"""
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log
from wagtail.models import (
    Collection, CollectionViewRestriction, ModelLogEntry, TaskState, Workflow, WorkflowContentType, WorkflowState,
    WorkflowTask,
)

from portal import roles
from portal.models import Notification

from ..models import (
    PAY_EXPENSES, VIEW_ALL_EXPENSES, AmountThresholdTask, DepartmentHeadTask, ExpenseClaim, RoutedTaskState,
)
from . import approvals

WORKFLOW_NAME = "报销审批"
HEAD_TASK_NAME = "部门负责人审批"
FINANCE_TASK_NAME = "财务经理审批"
FINANCE_THRESHOLD = Decimal("5000")
RECEIPTS_COLLECTION = "报销凭证"
NUMBER_PREFIX = "BX"
PAID_ACTION = "zhiku.expense.paid"

# Receipts are scans, photos, e-invoices (PDF, OFD, XML) or office files. The first bytes tell
# a damaged or mislabelled file from a real one for the formats that have a signature.
RECEIPT_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "webp": (b"RIFF",),
    "heic": None,
    "ofd": (b"PK\x03\x04",),
    "xml": None,
    "txt": None,
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
}


class ExpenseError(Exception):
    """A request the claim's state does not allow; the message tells the user why."""


# --- Setup ---------------------------------------------------------------------------------

def finance_group():
    return Group.objects.get_or_create(name=roles.FINANCE_MANAGER)[0]


@transaction.atomic
def ensure_expense_workflow():
    """The "报销审批" workflow (department head, then finance from 5,000 yuan), assigned to
    expense claims. Safe to call again: what exists is kept, an admin's changes included."""
    roles.ensure_roles()
    finance = finance_group()
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME)
        head = DepartmentHeadTask.objects.filter(name=HEAD_TASK_NAME).first() \
            or DepartmentHeadTask.objects.create(name=HEAD_TASK_NAME)
        # A department without a head (up to the top) is approved by finance, not stranded.
        head.fallback_groups.add(finance)
        amount = AmountThresholdTask.objects.filter(name=FINANCE_TASK_NAME).first() \
            or AmountThresholdTask.objects.create(name=FINANCE_TASK_NAME, threshold=FINANCE_THRESHOLD)
        amount.groups.add(finance)
        WorkflowTask.objects.create(workflow=workflow, task=head, sort_order=0)
        WorkflowTask.objects.create(workflow=workflow, task=amount, sort_order=1)
    if ExpenseClaim.get_default_workflow() is None:
        content_type = ExpenseClaim.get_content_type()
        WorkflowContentType.objects.update_or_create(content_type=content_type, defaults={"workflow": workflow})
        if not workflow.active:
            workflow.active = True
            workflow.save(update_fields=["active"])
    return ExpenseClaim.get_default_workflow()


@transaction.atomic
def receipts_collection():
    """The collection receipts are stored in: readable by finance only, wherever documents are
    served or searched. The claim's own viewers open receipts through the claim."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=RECEIPTS_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=RECEIPTS_COLLECTION)
    restriction, _created = CollectionViewRestriction.objects.get_or_create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS,
    )
    finance = finance_group()
    if list(restriction.groups.all()) != [finance]:
        restriction.groups.set([finance])
    return collection


# --- Where a claim stands ------------------------------------------------------------------

DRAFT, WITHDRAWN, IN_REVIEW, NEEDS_CHANGES, REJECTED, APPROVED, PAID = (
    "draft", "withdrawn", "in_review", "needs_changes", "rejected", "approved", "paid")
STATUS_LABELS = {
    DRAFT: gettext_lazy("Draft"),
    WITHDRAWN: gettext_lazy("Withdrawn"),
    IN_REVIEW: gettext_lazy("In review"),
    NEEDS_CHANGES: gettext_lazy("Changes requested"),
    REJECTED: gettext_lazy("Rejected"),
    APPROVED: gettext_lazy("Approved, unpaid"),
    PAID: gettext_lazy("Paid"),
}
EDITABLE = {DRAFT, WITHDRAWN, NEEDS_CHANGES}


@dataclass
class ClaimStatus:
    code: str
    workflow_state: WorkflowState | None = None
    step: str = ""  # the step in progress, or the one that sent it back / rejected it
    holders: list = field(default_factory=list)
    comment: str = ""

    @property
    def label(self):
        return STATUS_LABELS[self.code]

    @property
    def editable(self):
        return self.code in EDITABLE


def latest_workflow_state(claim):
    return (claim.workflow_states.select_related("current_task_state__task", "workflow")
            .order_by("-created_at", "-pk").first())


def claim_status(claim):
    if claim.live:
        return ClaimStatus(PAID if claim.is_paid else APPROVED, latest_workflow_state(claim))
    state = latest_workflow_state(claim)
    if state is None:
        return ClaimStatus(DRAFT)
    current = state.current_task_state
    step = current.task.name if current else ""
    if state.status == WorkflowState.STATUS_IN_PROGRESS:
        return ClaimStatus(IN_REVIEW, state, step, approvals.holders(state))
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        return ClaimStatus(NEEDS_CHANGES, state, step, comment=current.comment if current else "")
    if state.status == WorkflowState.STATUS_CANCELLED and current and current.status == TaskState.STATUS_REJECTED:
        return ClaimStatus(REJECTED, state, step, comment=current.comment)  # declined: final
    if state.status == WorkflowState.STATUS_CANCELLED:
        return ClaimStatus(WITHDRAWN, state)
    # Approved but not live: the publish failed or was undone; treat as a draft to resubmit.
    return ClaimStatus(DRAFT, state)


def rounds(claim):
    """Every submission of the claim, newest first, with its steps (who decided, when, why)."""
    return [(state, approvals.steps(state)) for state in
            claim.workflow_states.select_related("workflow").order_by("-created_at", "-pk")]


# --- Who may do what -----------------------------------------------------------------------

def can_view_claim(claim, user):
    """The requester, anyone who is or was an approver of one of its steps, finance, superusers."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or claim.requester_id == user.pk or user.has_perm(VIEW_ALL_EXPENSES):
        return True
    steps = TaskState.objects.filter(workflow_state__in=claim.workflow_states.all())
    return (RoutedTaskState.objects.filter(pk__in=steps.values("pk"), assignees=user).exists()
            or steps.filter(finished_by=user).exists())


def can_edit_claim(claim, user, status=None):
    return claim.requester_id == user.pk and (status or claim_status(claim)).editable


def can_pay(user):
    return user.is_active and user.has_perm(PAY_EXPENSES)


def claims_of(user):
    return ExpenseClaim.objects.filter(requester=user).select_related("department")


def claims_to_pay():
    """Approved and not paid yet, oldest approval first: finance's payment queue."""
    return (ExpenseClaim.objects.filter(live=True, paid_at__isnull=True)
            .select_related("requester", "department").order_by("last_published_at", "pk"))


# --- Receipts ------------------------------------------------------------------------------

def receipt_max_bytes():
    limit = getattr(settings, "ZHIKU_RECEIPT_MAX_BYTES", 20 * 1024 * 1024)
    return min(limit, settings.WAGTAILDOCS_MAX_UPLOAD_SIZE or limit)


def check_receipt(upload):
    """Refuse empty, over-size, unknown and damaged files with a message naming the file."""
    name = os.path.basename(upload.name or "")
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty. Choose the receipt file again.") % {"name": name})
    limit = receipt_max_bytes()
    if upload.size > limit:
        raise ValidationError(_("“%(name)s” is %(size)s; a receipt may be at most %(limit)s.")
                              % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    if extension not in RECEIPT_SIGNATURES:
        raise ValidationError(_("“%(name)s” is not a receipt format. Use PDF, OFD, XML, an image (JPG, PNG…), "
                                "a text or an office file.") % {"name": name})
    signatures = RECEIPT_SIGNATURES[extension]
    if signatures:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(signatures):
            raise ValidationError(_("“%(name)s” is not a readable %(type)s file; it may be damaged. "
                                    "Scan or export it again.") % {"name": name, "type": extension.upper()})


def store_receipt(claim, line, upload, user):
    """Keep the file as a document of the restricted receipts collection. Saving it records a
    document version and queues its text extraction (knowledge.services.documents), as for
    every document of the knowledge base."""
    from knowledge.models import KnowledgeDocument
    from knowledge.services.importer import storage_name

    document = KnowledgeDocument(
        title=(_("Receipt %(number)s: %(description)s")
               % {"number": claim.number, "description": line.description})[:255],
        collection=receipts_collection(), uploaded_by_user=user,
    )
    document.file.save(storage_name(os.path.basename(upload.name)), upload, save=False)
    document.save()
    return document


# --- Saving --------------------------------------------------------------------------------

def _next_number(year):
    prefix = f"{NUMBER_PREFIX}-{year}-"
    last = (ExpenseClaim.objects.filter(number__startswith=prefix)
            .order_by(Length("number").desc(), "-number").values_list("number", flat=True).first())
    match = re.search(r"(\d+)$", last or "")
    return f"{prefix}{(int(match.group(1)) + 1 if match else 1):04d}"


def _insert_with_number(claim):
    """Insert ``claim`` with the year's next number. Two requests may pick the same number at
    once: the unique column refuses the second, which takes the next one."""
    for _attempt in range(20):
        claim.number = _next_number(timezone.localdate().year)
        try:
            with transaction.atomic():
                claim.save()
            return
        except IntegrityError:
            if not ExpenseClaim.objects.filter(number=claim.number).exists():
                raise  # some other constraint: not ours to retry
            claim.pk = None
    raise ExpenseError(_("Could not number the claim; please try again."))


def _duplicate_of(user, form_token):
    """The claim this user already created from the same form (a double click, a resent POST)."""
    if not form_token:
        return None
    entry = (ModelLogEntry.objects.filter(content_type=ExpenseClaim.get_content_type(), action="wagtail.create",
                                          user=user, data__form_token=form_token)
             .order_by("-pk").first())
    return ExpenseClaim.objects.filter(pk=entry.object_id).first() if entry else None


def _lock(claim):
    return ExpenseClaim.objects.select_for_update().get(pk=claim.pk)


@transaction.atomic
def save_claim(user, claim, receipts=(), form_token=""):
    """Save ``claim`` as its requester edited it (lines held in memory by the cluster, as the
    form left them) and keep the version as a revision. ``receipts``: (line, uploaded file)
    pairs. A new claim is numbered and placed in the requester's department. Returns
    ``(claim, created)``; ``created`` is False when the same form was already saved."""
    creating = claim.pk is None
    if creating:
        # One creation at a time per person, so a double click finds the first claim.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        existing = _duplicate_of(user, form_token)
        if existing is not None:
            return existing, False
        profile = getattr(user, "profile", None)
        claim.requester = user
        claim.department = profile.department if profile else None
        claim.live = False  # approved (published) only by the workflow
    else:
        locked = _lock(claim)
        if locked.requester_id != user.pk:
            raise PermissionDenied
        status = claim_status(locked)
        if not status.editable:
            raise ExpenseError(_("This claim is %(status)s and can no longer be edited.")
                               % {"status": str(status.label).lower()})
    lines = list(claim.lines.all())
    if not lines:
        raise ExpenseError(_("Add at least one expense line."))
    for order, line in enumerate(lines):
        line.sort_order = order
    claim.recompute_total()
    if creating:
        _insert_with_number(claim)
    else:
        claim.save()
    for line, upload in receipts:
        line.receipt = store_receipt(claim, line, upload, user)
        line.save(update_fields=["receipt"])
    if creating:
        revision = claim.save_revision(user=user)
        log(instance=claim, action="wagtail.create", user=user, revision=revision, content_changed=True,
            data={"form_token": form_token} if form_token else None)
    else:
        claim.save_revision(user=user, log_action=True)
    return claim, True


# --- The approval --------------------------------------------------------------------------

@transaction.atomic
def submit(claim, user):
    """Send a draft (or a claim sent back for changes) for approval. A claim in review is not
    submitted twice: the second request is refused, it does not start a second workflow."""
    claim = _lock(claim)
    if claim.requester_id != user.pk:
        raise PermissionDenied
    status = claim_status(claim)
    if status.code == IN_REVIEW:
        raise ExpenseError(_("This claim is already in review; nothing was sent again."))
    if not status.editable:
        raise ExpenseError(_("This claim is %(status)s and cannot be submitted.")
                           % {"status": str(status.label).lower()})
    if not claim.lines.exists() or claim.total <= 0:
        raise ExpenseError(_("Add at least one expense line before submitting."))
    workflow = claim.get_workflow() or ensure_expense_workflow()
    if status.code == NEEDS_CHANGES:
        # The same request goes on: the step that asked for changes looks at the new version.
        status.workflow_state.resume(user=user)
    else:
        workflow.start(claim, user)
    return claim_status(claim)


@transaction.atomic
def withdraw(claim, user):
    """The requester takes back a claim in review; it becomes a draft they may edit again."""
    claim = _lock(claim)
    if claim.requester_id != user.pk:
        raise PermissionDenied
    status = claim_status(claim)
    if status.code != IN_REVIEW:
        raise ExpenseError(_("Only a claim in review can be withdrawn."))
    status.workflow_state.cancel(user=user)
    return claim_status(claim)


@transaction.atomic
def mark_paid(claim, user, reference=""):
    """Finance records the payment of an approved claim, once."""
    if not can_pay(user):
        raise PermissionDenied
    claim = _lock(claim)
    if claim.is_paid:
        raise ExpenseError(_("This claim was already paid on %(date)s.")
                           % {"date": timezone.localtime(claim.paid_at).strftime("%Y-%m-%d %H:%M")})
    if not claim.live:
        raise ExpenseError(_("Only an approved claim can be paid."))
    claim.paid_at, claim.paid_by, claim.payment_reference = timezone.now(), user, (reference or "").strip()[:100]
    # Not a revision: payment is finance's record about the claim, not a change of its content.
    claim.save(update_fields=["paid_at", "paid_by", "payment_reference"])
    log(instance=claim, action=PAID_ACTION, user=user, data={"reference": claim.payment_reference})
    Notification.objects.notify(
        [claim.requester], "claim_paid", _("Paid: %(title)s") % {"title": str(claim)},
        url=claim.get_absolute_url(), dedupe_key=f"claim_paid:{claim.pk}",
    )
    return claim
