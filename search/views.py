from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from . import service

FILTER_PARAMS = {"type": "kind", "space": "space", "node": "node", "owner": "owner", "file_type": "file_type"}


@require_GET
def search_page(request):
    q = request.GET.get("q", "")
    filters = {name: request.GET.getlist(param) for param, name in FILTER_PARAMS.items()}
    filters.update(date_from=request.GET.get("date_from", ""), date_to=request.GET.get("date_to", ""))
    sort = request.GET.get("sort", "relevance")
    response = service.search(request.user, q, filters, page=request.GET.get("page", 1), sort=sort)
    selected = {name: set(values) for name, values in filters.items() if isinstance(values, list)}
    facets = [
        (name, [(str(value), label, count, str(value) in selected.get(name, set())) for value, label, count in values])
        for name, values in response.facets.items() if values
    ]
    return TemplateResponse(request, "search/results.html", {
        "response": response, "q": q, "sort": sort, "facets": facets,
        "date_from": filters["date_from"], "date_to": filters["date_to"],
    })


@require_GET
def click(request):
    """Log which result a user opened, then go there."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = resolve_url("/")
    service.record_click(request.user, request.GET.get("q", ""), request.GET.get("key", ""))
    return HttpResponseRedirect(target)
