from django.core.paginator import Paginator

from wagtail.models import Page

from ..models import ArticlePage, DimensionNode
from ..query import ReadablePageQuerySet
from . import dimensions

OTHER_ITEMS = 50


def space_article_listing(space, request):
    """A space's articles, newest first, optionally within one dimension node (and below it)."""
    in_space = ArticlePage.objects.child_of(space).live().readable_by(request.user)
    articles = in_space.select_related("content_owner").prefetch_related("nodes").order_by("-last_published_at")
    node = None
    node_id = request.GET.get("node", "")
    if node_id.isdigit():
        node = DimensionNode.objects.filter(pk=int(node_id)).first()
        if node is not None:
            articles = articles.filter(nodes__path__startswith=node.path).distinct()
    used = DimensionNode.objects.filter(articles__in=in_space).distinct()
    node_labels = dimensions.labels(dimensions.with_ancestors(used))
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    # FAQ entries, structured items...: the kinds other apps publish in a space.
    others = (ReadablePageQuerySet(Page).child_of(space).live().not_type(ArticlePage).readable_by(request.user)
              .order_by("-last_published_at").specific()[:OTHER_ITEMS])
    return {
        "articles": page,
        "other_items": others,
        "nodes": sorted(node_labels.items(), key=lambda item: item[1]),
        "current_node": node,
        "node_labels": node_labels,
    }
