"""The public self-service site: thin views over selfservice.services, open to anonymous visitors.

Caching: lists (home, search, categories, suggestions) carry no CSRF token and nothing
personal, so browsers and shared caches may keep them for a minute (``public``). Pages with
the vote form carry a CSRF token tied to the visitor's cookie, so only the visitor's own
browser may keep them (``private``). Every response varies on Cookie (the language cookie and
the CSRF cookie change what is sent).
"""
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import services

SHARED_MAX_AGE = 60
PRIVATE_MAX_AGE = 60


def _cacheable(response, shared=True):
    if shared:
        patch_cache_control(response, public=True, max_age=SHARED_MAX_AGE)
    else:
        patch_cache_control(response, private=True, max_age=PRIVATE_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


def _page(request, template, context, shared=True):
    if context is None:
        return not_found(request)
    return _cacheable(render(request, template, context), shared=shared)


def not_found(request):
    """The same answer for a missing item and an internal one."""
    return _cacheable(render(request, "selfservice/not_found.html", {}, status=404))


@login_not_required
@require_safe
def home(request):
    return _page(request, "selfservice/home.html", services.home())


@login_not_required
@require_safe
def search(request):
    return _page(request, "selfservice/search.html",
                 services.search(request.GET.get("q", ""), request.GET.get("page", 1)))


@login_not_required
@require_safe
def suggest(request):
    return _cacheable(JsonResponse({"suggestions": services.suggestions(request.GET.get("q", ""))}))


@login_not_required
@require_safe
def category(request, pk):
    return _page(request, "selfservice/category.html", services.category(pk, request.GET.get("page", 1)))


@login_not_required
@require_safe
def faq(request, pk):
    return _page(request, "selfservice/faq.html", services.faq_detail(pk, request.GET.get("voted", "")),
                 shared=False)


@login_not_required
@require_safe
def article(request, pk):
    return _page(request, "selfservice/article.html", services.article_detail(pk, request.GET.get("voted", "")),
                 shared=False)


@login_not_required
@require_POST
@never_cache
def vote(request, kind, pk):
    page = services.public_page(kind, pk)
    if page is None:
        return not_found(request)
    helpful = services.parse_helpful(request.POST.get("helpful"))
    if helpful is None:
        return HttpResponseBadRequest()
    return HttpResponseRedirect(services.record_vote(page, helpful, request.session), status=303)
