"""Wagtail admin views: the trash, a document's versions and extracted text, zip imports."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry

from .forms import ZipImportForm
from .models import ImportRun, TrashItem
from .services import trash
from .services.documents import retry_extraction
from .services.importer import OUTCOME_LABELS


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def trash_index(request):
    _require(request, "knowledge.restore_trashitem")
    items = TrashItem.objects.filter(restored_at__isnull=True).select_related("deleted_by", "original_parent")
    return TemplateResponse(request, "knowledge/admin/trash_index.html", {"items": items})


@require_POST
def trash_restore(request, item_id):
    _require(request, "knowledge.restore_trashitem")
    item = get_object_or_404(TrashItem, pk=item_id)
    try:
        trash.restore(item, request.user)
    except trash.RestoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(title)s” has been restored.") % {"title": item.title})
    return redirect("knowledge_admin:trash")


def _document_for(request, document_id, action):
    document = get_object_or_404(get_document_model(), pk=document_id)
    policy = policy_registry.get_by_type(get_document_model())
    if not policy.user_has_permission_for_instance(request.user, action, document):
        raise PermissionDenied
    return document


def document_detail(request, document_id):
    document = _document_for(request, document_id, "change")
    return TemplateResponse(
        request,
        "knowledge/admin/document_detail.html",
        {"document": document, "versions": document.versions.select_related("uploaded_by")},
    )


@require_POST
def document_retry(request, document_id):
    document = _document_for(request, document_id, "change")
    retry_extraction(document)
    messages.success(request, _("Text extraction has been queued again."))
    return redirect("knowledge_admin:document_detail", document.pk)


def import_index(request):
    _require(request, "knowledge.add_importrun")
    form = ZipImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from .services.importer import queue_zip_import

        run = queue_zip_import(
            form.cleaned_data["archive"], form.cleaned_data["space"], form.cleaned_data["node"], request.user,
            form.cleaned_data["dimension"],
        )
        messages.success(request, _("Import of %(name)s has started.") % {"name": run.source_name})
        return redirect("knowledge_admin:imports")
    runs = ImportRun.objects.select_related("space", "owner")[:50]
    return TemplateResponse(request, "knowledge/admin/import_index.html", {"form": form, "runs": runs})


def import_detail(request, run_id):
    _require(request, "knowledge.add_importrun")
    run = get_object_or_404(ImportRun, pk=run_id)
    rows = [{**row, "outcome_label": OUTCOME_LABELS.get(row["outcome"], row["outcome"])} for row in run.report]
    return TemplateResponse(request, "knowledge/admin/import_detail.html", {"run": run, "rows": rows})
