"""Wagtail admin views of the FAQ: import (upload, preview, confirm) and export. The rules
are in ``services.transfer``."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .forms import FAQExportForm, FAQImportForm
from .models import FAQImport
from .services import transfer


def transfer_index(request):
    """Upload a file to import (its preview follows), export, and one's recent imports."""
    import_form = FAQImportForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not import_form.spaces:
            raise PermissionDenied
        if import_form.is_valid():
            data = import_form.cleaned_data
            try:
                record = transfer.stage_upload(data["file"], data["space"], request.user, data["audience"])
            except transfer.ImportRefused as exc:
                import_form.add_error("file", str(exc))
            else:
                return redirect("faq_admin:import_detail", record.pk)
    return TemplateResponse(request, "faq/admin/transfer.html", {
        "import_form": import_form,
        "export_form": FAQExportForm(request.user),
        "imports": transfer.imports_of(request.user)[:20],
    })


def _own_import(request, import_id):
    """An import the user uploaded, into a space where they may still add entries."""
    record = get_object_or_404(FAQImport.objects.select_related("space"), pk=import_id, user=request.user)
    if not transfer.may_import_into(request.user, record.space):
        raise PermissionDenied
    return record


def import_detail(request, import_id):
    """The dry-run preview, with the button that imports the file, or the import's result."""
    record = _own_import(request, import_id)
    imported = record.status == FAQImport.Status.IMPORTED
    report = transfer.ImportReport.from_dict(record.result if imported and record.result else record.preview)
    return TemplateResponse(request, "faq/admin/import_detail.html", {
        "record": record, "report": report, "imported": imported,
        "counts": report.counts, "action_labels": transfer.ACTION_LABELS,
    })


@require_POST
def import_confirm(request, import_id):
    record = _own_import(request, import_id)
    try:
        report = transfer.confirm_upload(record, request.user)
    except transfer.AlreadyImported:
        messages.warning(request, _("This file has already been imported; it was not imported again."))
    except transfer.ImportRefused as exc:
        messages.error(request, str(exc))
    else:
        if report is None:
            messages.success(request, _("The file is being imported in the background; this page shows the result "
                                        "when it is done."))
        else:
            messages.success(request, report.summary())
    return redirect("faq_admin:import_detail", record.pk)


@require_GET
def export(request):
    form = FAQExportForm(request.user, request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a space you may read and a format."))
        return redirect("faq_admin:transfer")
    exported = transfer.export_file(request.user, form.cleaned_data["format"], form.cleaned_data["space"])
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(True, exported.name)
    return response
