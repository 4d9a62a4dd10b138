from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import QueryLog


def knowledge_gaps(request):
    """Queries that found nothing, most frequent first: what people look for and we lack."""
    if not request.user.has_perm("zhiku_search.view_querylog"):
        raise PermissionDenied
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 30
    since = timezone.now() - timedelta(days=min(days, 3650))
    gaps = (
        QueryLog.objects.filter(result_count=0, created_at__gte=since)
        .values("query").annotate(times=Count("id"), users=Count("user", distinct=True), last=Max("created_at"))
        .order_by("-times", "-last")[:200]
    )
    return TemplateResponse(request, "search/admin/gaps.html", {"gaps": gaps, "days": days})
