"""Reader-facing views: page versions and downloads of earlier document files."""
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.documents import get_document_model
from wagtail.documents.models import document_served

from .services.versions import compare_lines, published_revision, published_versions


def page_versions(request, page):
    return TemplateResponse(
        request, "knowledge/article_versions.html", {"page": page, "versions": published_versions(page)}
    )


def _revision_or_404(page, revision_id):
    revision = published_revision(page, revision_id)
    if revision is None:
        raise Http404
    return revision


def page_version_detail(request, page, revision_id):
    revision = _revision_or_404(page, revision_id)
    old_page = revision.as_object()
    context = old_page.get_context(request)
    context.update({"page": old_page, "self": old_page, "viewing_revision": revision, "live_page": page,
                    "can_edit": False})  # an old version is read, never edited
    return TemplateResponse(request, page.get_template(request), context)


def page_version_compare(request, page, from_id, to_id):
    old_revision, new_revision = _revision_or_404(page, from_id), _revision_or_404(page, to_id)
    rows = compare_lines(
        old_revision.as_object().version_lines(request.user), new_revision.as_object().version_lines(request.user)
    )
    return TemplateResponse(
        request,
        "knowledge/article_compare.html",
        {"page": page, "old": old_revision, "new": new_revision, "rows": rows,
         "changed": any(kind != "equal" for kind, _a, _b in rows)},
    )


def _check_document_access(request, document):
    """The same rule as Wagtail's document serve view: the collection's view restrictions."""
    for restriction in document.collection.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404


@require_GET
def document_version_download(request, document_id, number):
    document = get_object_or_404(get_document_model(), pk=document_id)
    _check_document_access(request, document)
    version = get_object_or_404(document.versions, number=number)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404
    # Counted as a download of the document, as Wagtail's own serve view counts the current file.
    document_served.send(sender=type(document), instance=document, request=request)
    return FileResponse(handle, as_attachment=True, filename=version.original_filename)
