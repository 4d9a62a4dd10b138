"""Approval machinery (OA-01, KB-03) on Wagtail's workflows, and the first thing it approves:
expense reimbursement requests (报销).

Every task type here is a ``RoutedApprovalTask``: when it starts, it decides *who* must act
on this object (the space's reviewers, the requester's department head, the finance group)
and records them on the task state. So "who holds what" is a fact stored with the state, the
queue of a person is one indexed query, and a task whose rule does not apply to the object
(an amount under the threshold) is skipped, as Wagtail's workflow engine allows.
"""
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import (
    DraftStateMixin, LockableMixin, Orderable, RevisionMixin, Task, TaskState, WorkflowMixin, WorkflowState,
)
from wagtail.signals import task_submitted

from .signals_defs import workflow_declined


class RoutedTaskState(TaskState):
    """A task state that knows the people who must act on it."""

    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("approvers"), blank=True,
                                       related_name="approval_task_states")

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")


class RoutedApprovalTask(Task):
    """A step approved by people chosen per object when the step starts.

    Subclasses say who (``find_approvers``) and, optionally, when the step does not apply
    (``skip_reason``). Nobody approves their own request; when the rule finds nobody else, the
    fallback groups approve, and failing those the administrators, so no request is stranded.
    """

    fallback_groups = models.ManyToManyField(
        Group, verbose_name=_("fallback groups"), blank=True, related_name="+",
        help_text=_("Approve when the rule finds nobody (no head, no reviewer)."),
    )

    task_state_class = RoutedTaskState
    admin_form_fields = Task.admin_form_fields + ["fallback_groups"]
    admin_form_widgets = {"fallback_groups": forms.CheckboxSelectMultiple}

    class Meta:
        abstract = True

    # --- the rule -------------------------------------------------------------------------
    def find_approvers(self, obj, requester):
        raise NotImplementedError

    def skip_reason(self, obj):
        """A non-empty text when this step does not apply to ``obj``."""
        return ""

    def approvers_for(self, obj, requester):
        User = get_user_model()

        def others(users):
            return [u for u in users if u.is_active and u != requester]

        chosen = others(self.find_approvers(obj, requester))
        if not chosen and self.pk:
            chosen = others(User.objects.filter(groups__in=self.fallback_groups.all()).distinct())
        if not chosen:
            chosen = others(User.objects.filter(is_superuser=True))
        return chosen

    # --- Wagtail's task protocol ----------------------------------------------------------
    @transaction.atomic
    def start(self, workflow_state, user=None):
        obj = subject_of(workflow_state)
        state = RoutedTaskState(workflow_state=workflow_state, task=self,
                                revision=obj.get_latest_revision())
        reason = self.skip_reason(obj)
        if reason:
            state.status = TaskState.STATUS_SKIPPED
            state.comment = reason
            state.finished_at = timezone.now()
            state.save()
            return state
        state.status = TaskState.STATUS_IN_PROGRESS
        state.save()
        state.assignees.set(self.approvers_for(obj, workflow_state.requested_by))
        # Sent after the assignees are known, so the notice reaches them.
        task_submitted.send(sender=RoutedTaskState, instance=state, user=user)
        return state

    def _holds(self, obj, user):
        """Whether ``user`` may act on the object's current step: an approver of it, or an
        administrator stepping in, but never on their own request."""
        state = obj.current_workflow_task_state
        if not (state and state.task_id == self.pk and user.is_authenticated):
            return False
        if state.workflow_state.requested_by_id == user.pk:
            return False
        return user.is_superuser or state.specific.assignees.filter(pk=user.pk).exists()

    def user_can_access_editor(self, obj, user):
        return self._holds(obj, user)

    def locked_for_user(self, obj, user):
        return not self._holds(obj, user)

    def user_can_lock(self, obj, user):
        return self._holds(obj, user)

    def get_actions(self, obj, user):
        if not self._holds(obj, user):
            return []
        return [
            ("reject", _("Request changes"), True),
            ("approve", _("Approve"), False),
            ("approve", _("Approve with comment"), True),
            ("decline", _("Reject"), True),
        ]

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "decline":
            decline(task_state, user, kwargs.get("comment", ""))
        else:
            super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return TaskState.objects.filter(
            pk__in=RoutedTaskState.objects.filter(task=self, status=TaskState.STATUS_IN_PROGRESS, assignees=user)
            .values("pk")
        )


def subject_of(workflow_state):
    """The object a workflow state is about, as its most specific class."""
    obj = workflow_state.content_object
    return obj.specific if hasattr(obj, "specific") else obj


def decline(task_state, user, comment=""):
    """Reject outright: the step is rejected and the whole request ends (cancelled), unlike
    "request changes", which hands it back to be revised and resubmitted."""
    task_state.reject(user=user, update=False, comment=comment)
    workflow_state = task_state.workflow_state
    workflow_state.status = WorkflowState.STATUS_CANCELLED
    workflow_state.save(update_fields=["status"])
    workflow_declined.send(sender=WorkflowState, instance=workflow_state, user=user)


def department_heads_upwards(department, requester):
    """The nearest head above ``requester`` starting at ``department``: a head does not
    approve their own request, their parent department's head does."""
    while department is not None:
        if department.head_id and department.head_id != getattr(requester, "pk", None):
            return [department.head]
        department = department.parent
    return []


class SpaceReviewTask(RoutedApprovalTask):
    """Knowledge review: the reviewers of the item's space, or of its dimensions."""

    class Source(models.TextChoices):
        SPACE = "space", _("Reviewers of the item's knowledge space")
        DIMENSION = "dimension", _("Heads of the departments owning the item's dimensions")

    reviewers_from = models.CharField(_("reviewers"), max_length=16, choices=Source.choices, default=Source.SPACE)

    admin_form_fields = RoutedApprovalTask.admin_form_fields + ["reviewers_from"]

    class Meta:
        verbose_name = _("Knowledge review task")
        verbose_name_plural = _("Knowledge review tasks")

    @classmethod
    def get_description(cls):
        return _("The reviewers of the item's space (or the heads owning its dimensions) approve.")

    def find_approvers(self, obj, requester):
        from knowledge.services.spaces import space_reviewers

        if self.reviewers_from == self.Source.DIMENSION:
            nodes = getattr(obj, "nodes", None)
            departments = {node.dimension.department for node in nodes.all()} if nodes is not None else set()
            return [head for d in departments if d for head in department_heads_upwards(d, requester)]
        space = getattr(obj, "space", None)
        return list(space_reviewers(space)) if space else []


class DepartmentHeadTask(RoutedApprovalTask):
    """The head of the requester's department (or of the object's department) approves."""

    class Meta:
        verbose_name = _("Department head approval task")
        verbose_name_plural = _("Department head approval tasks")

    @classmethod
    def get_description(cls):
        return _("The head of the requester's department approves; a head's own request goes one level up.")

    def find_approvers(self, obj, requester):
        department = obj.approval_department() if hasattr(obj, "approval_department") else None
        if department is None:
            profile = getattr(requester, "profile", None)
            department = profile.department if profile else None
        return department_heads_upwards(department, requester)


class AmountThresholdTask(RoutedApprovalTask):
    """Routes by amount: requests of ``threshold`` or more also need these groups' approval;
    smaller ones skip this step."""

    threshold = models.DecimalField(_("threshold (yuan)"), max_digits=14, decimal_places=2, default=Decimal("5000"),
                                    validators=[MinValueValidator(Decimal("0"))])
    groups = models.ManyToManyField(Group, verbose_name=_("approving groups"), related_name="+")

    admin_form_fields = RoutedApprovalTask.admin_form_fields + ["threshold", "groups"]
    admin_form_widgets = {**RoutedApprovalTask.admin_form_widgets, "groups": forms.CheckboxSelectMultiple}

    class Meta:
        verbose_name = _("Amount threshold approval task")
        verbose_name_plural = _("Amount threshold approval tasks")

    @classmethod
    def get_description(cls):
        return _("Requests of the threshold amount or more are approved by the chosen groups; smaller ones skip it.")

    def skip_reason(self, obj):
        amount = obj.approval_amount()
        if amount < self.threshold:
            return str(_("%(amount)s yuan is under %(threshold)s yuan: this step does not apply.")
                       % {"amount": amount, "threshold": self.threshold})
        return ""

    def find_approvers(self, obj, requester):
        return get_user_model().objects.filter(groups__in=self.groups.all()).distinct()


# --- Expense reimbursement (报销) -----------------------------------------------------------

PAY_EXPENSES = "workflows.pay_expenseclaim"
VIEW_ALL_EXPENSES = "workflows.view_all_expenseclaims"


class ExpenseClaim(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """A reimbursement request: line items with receipts, approved by amount, then paid.

    ``live`` (Wagtail's published state) means approved: the workflow publishes the approved
    revision. Payment is recorded apart, by finance, on an approved claim only.
    """

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("subject"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
                                  related_name="expense_claims")
    department = models.ForeignKey("portal.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="expense_claims")
    total = models.DecimalField(_("total (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0"),
                                editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("paid by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", editable=False)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True, editable=False)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="expense_claim")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState", content_type_field="base_content_type", object_id_field="object_id",
        related_query_name="expense_claim", for_concrete_model=False,
    )

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("pay_expenseclaim", _("Can record payment of expense claims")),
            ("view_all_expenseclaims", _("Can see every expense claim")),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def revisions(self):
        return self._revisions

    def get_absolute_url(self):
        return reverse("workflows:expense_detail", args=[self.pk])

    def approval_amount(self):
        return self.total

    def approval_department(self):
        return self.department

    def recompute_total(self):
        """The sum of the lines, saved or not yet (a cluster keeps unsaved lines in memory)."""
        self.total = sum((line.amount or Decimal("0") for line in self.lines.all()), Decimal("0"))
        return self.total

    @property
    def is_paid(self):
        return self.paid_at is not None


class ExpenseLine(Orderable):
    class Category(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        TRANSPORT = "transport", _("Local transport")
        MEALS = "meals", _("Meals")
        LODGING = "lodging", _("Lodging")
        OFFICE = "office", _("Office supplies")
        HOSPITALITY = "hospitality", _("Business hospitality")
        OTHER = "other", _("Other")

    claim = ParentalKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    spent_on = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    description = models.CharField(_("description"), max_length=255)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    receipt = models.ForeignKey("knowledge.KnowledgeDocument", verbose_name=_("receipt"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta(Orderable.Meta):
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
