"""The statistics dashboards and their exports; the figures are in services.figures."""
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .services import figures, scope
from .services.rollup import last_rolled_up_day

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _build(request, name):
    if name not in figures.DASHBOARDS:
        raise Http404
    viewer_scope = scope.scope(request.user)
    if not viewer_scope.allowed:
        raise PermissionDenied
    filters = scope.read_filters(request.GET, viewer_scope)
    title, build = figures.DASHBOARDS[name]
    return viewer_scope, filters, title, build(filters, request.user)


@require_GET
def dashboard(request, name="stock"):
    viewer_scope, filters, title, board = _build(request, name)
    return TemplateResponse(request, "stats/dashboard.html", {
        "name": name, "title": title, "board": board, "filters": filters, "periods": scope.PERIODS,
        "departments": viewer_scope.departments(), "dashboards": figures.DASHBOARDS,
        "dimensions": figures.Dimension.objects.order_by("sort_order", "name") if name in ("stock", "usage") else [],
        "rolled_up": last_rolled_up_day(),
    })


@require_GET
def export(request, name, table, fmt):
    _scope, filters, title, board = _build(request, name)
    found = board.table(table)
    if found is None:
        raise Http404
    filename = f"{title}-{found.title}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(found.csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(found.xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
