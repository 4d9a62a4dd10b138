"""Expense claims in the Wagtail admin: a read-only register for finance and superusers (the
listing, each claim, its history and revisions), so the workflow can be assigned under
Settings → Workflows. Claims are written, approved and paid in the portal, where the business
rules live; the admin edits nothing, and every admin view of a claim checks one policy."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import VIEW_ALL_EXPENSES, ExpenseClaim
from .services.expenses import PAID_ACTION, claim_status


def status_label(claim):
    return claim_status(claim).label


class ExpenseClaimPermissionPolicy(ModelPermissionPolicy):
    """"view" for finance (view_all_expenseclaims) and superusers; nothing else for anybody,
    superusers included: adding, editing, publishing (approving), locking or deleting a claim in
    the admin would go round the portal's rules (numbering, totals, the workflow, payment)."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.has_perm(VIEW_ALL_EXPENSES)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return self.auth_model.objects.none()
        app_label, codename = VIEW_ALL_EXPENSES.split(".")
        return self._get_users_with_any_permission_codenames([codename])


policy = ExpenseClaimPermissionPolicy(ExpenseClaim)
# Registered before any admin view asks for the model's policy (Wagtail requires it early).
register_permission_policy(ExpenseClaim, policy)


class PolicyOnly:
    """Only the policy decides. Wagtail also lets whoever holds the claim's current workflow
    step open the editor or lock it (RoutedApprovalTask.user_can_access_editor/_lock): not here."""

    def user_has_permission(self, permission):
        return self.permission_policy.user_has_permission(self.request.user, permission)


class ReadOnly(PolicyOnly):
    """History-like views: Wagtail asks for "change" (or add/change/delete); reading is enough."""

    permission_required = "view"
    any_permission_required = None


class Refused:
    """Admin workflow actions: approvals are taken on /approvals/<id>/, one locked path."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


def _view(base, *mixins):
    return type(base.__name__, (*mixins, base), {})


def _chooser_view(base):
    """The snippet chooser lists every instance to anyone with admin access: ask the policy."""

    def dispatch(self, request, *args, **kwargs):
        if not policy.user_has_permission(request.user, "view"):
            raise PermissionDenied
        return base.dispatch(self, request, *args, **kwargs)

    return type(base.__name__, (base,), {"dispatch": dispatch})


class ExpenseClaimChooserViewSet(SnippetChooserViewSet):
    choose_view_class = _chooser_view(SnippetChooserViewSet.choose_view_class)
    choose_results_view_class = _chooser_view(SnippetChooserViewSet.choose_results_view_class)
    chosen_view_class = _chooser_view(SnippetChooserViewSet.chosen_view_class)
    chosen_multiple_view_class = _chooser_view(SnippetChooserViewSet.chosen_multiple_view_class)
    create_view_class = _chooser_view(SnippetChooserViewSet.create_view_class)


class ExpenseClaimViewSet(SnippetViewSet):
    model = ExpenseClaim
    icon = "doc-full"
    menu_label = _("Expense claims")
    menu_order = 890
    add_to_admin_menu = True
    inspect_view_enabled = True
    list_display = ["number", "title", "requester", "department", "total", Column("status", label=_("Status"),
                                                                                accessor=status_label),
                    "paid_at", "created_at"]
    list_filter = ["department", "live"]
    search_fields = ["number", "title", "purpose"]
    inspect_view_fields = ["number", "title", "purpose", "requester", "department", "total", "created_at",
                           "paid_at", "paid_by", "payment_reference"]

    add_view_class = _view(snippet_views.CreateView, Refused)
    copy_view_class = _view(snippet_views.CopyView, Refused)
    edit_view_class = _view(snippet_views.EditView, PolicyOnly)
    delete_view_class = _view(snippet_views.DeleteView, Refused)
    unpublish_view_class = _view(snippet_views.UnpublishView, Refused)
    revisions_unschedule_view_class = _view(snippet_views.RevisionsUnscheduleView, Refused)
    lock_view_class = _view(snippet_views.LockView, PolicyOnly)
    unlock_view_class = _view(snippet_views.UnlockView, PolicyOnly)
    history_view_class = _view(snippet_views.HistoryView, ReadOnly)
    revisions_view_class = _view(snippet_views.PreviewRevisionView, ReadOnly)
    revisions_compare_view_class = _view(snippet_views.RevisionsCompareView, ReadOnly)
    workflow_history_view_class = _view(snippet_views.WorkflowHistoryView, ReadOnly)
    workflow_history_detail_view_class = _view(snippet_views.WorkflowHistoryDetailView, ReadOnly)
    usage_view_class = _view(snippet_views.UsageView, ReadOnly)
    workflow_action_view_class = _view(snippet_views.WorkflowActionView, Refused)
    collect_workflow_action_data_view_class = _view(snippet_views.CollectWorkflowActionDataView, Refused)
    confirm_workflow_cancellation_view_class = _view(snippet_views.ConfirmWorkflowCancellationView, Refused)
    workflow_preview_view_class = _view(snippet_views.WorkflowPreviewView, Refused)
    chooser_viewset_class = ExpenseClaimChooserViewSet


register_snippet(ExpenseClaimViewSet)


@hooks.register("register_log_actions")
def register_expense_log_actions(actions):
    actions.register_action(PAID_ACTION, _("Mark paid"), _("Marked as paid"))
