"""Freshness in the portal: the owner's list of items due for review (待复核) and the one-click
verification. The rules are in services.freshness."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.models import Page

from .models import FreshnessMixin
from .query import user_can_read_page
from .services import freshness

SCOPE_LABELS = {"mine": gettext_lazy("Mine"), "department": gettext_lazy("My departments"),
                "all": gettext_lazy("All items")}


def reviews(request):
    scopes = freshness.scopes_for(request.user)
    scope = request.GET.get("scope", "mine")
    if scope not in scopes:
        scope = "mine"
    return TemplateResponse(request, "knowledge/reviews.html", {
        "items": freshness.review_list(request.user, scope),
        "scope": scope,
        "scopes": [(name, SCOPE_LABELS[name]) for name in scopes],
        "soon_days": freshness.SOON_DAYS,
    })


@require_POST
def verify(request, page_id):
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, FreshnessMixin) or not page.live or not user_can_read_page(page, request.user):
        raise Http404
    if not freshness.can_verify(page, request.user):
        raise PermissionDenied
    schedule = freshness.verify(page, request.user)
    if schedule.review_due:
        messages.success(request, _("“%(title)s” is verified; the next review is due on %(date)s.")
                         % {"title": page.title, "date": schedule.review_due.isoformat()})
    else:
        messages.success(request, _("“%(title)s” is verified.") % {"title": page.title})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = page.url
    return redirect(next_url)
