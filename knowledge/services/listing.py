from django.core.paginator import Paginator

from ..models import ArticlePage, Category


def space_article_listing(space, request):
    articles = (
        ArticlePage.objects.child_of(space).live().readable_by(request.user)
        .select_related("category", "content_owner").order_by("-last_published_at")
    )
    category = None
    category_id = request.GET.get("category", "")
    if category_id.isdigit():
        category = Category.objects.filter(pk=int(category_id)).first()
        if category is not None:
            articles = articles.filter(category=category)
    categories = Category.objects.filter(articles__in=ArticlePage.objects.child_of(space).live()).distinct()
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return {"articles": page, "categories": categories, "current_category": category}
