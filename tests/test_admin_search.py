"""Wagtail's own admin search boxes find Chinese sub-words (segmented index and queries)."""
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from knowledge.models import ArticlePage, KnowledgeDocument

from . import files
from .factories import add_article, add_document


def test_admin_page_and_document_search_find_chinese_sub_words(portal, client_for):
    article = add_article(portal.research, "上海企业知识库建设", portal.users.editor,
                          body=[("paragraph", "<p>研发部门的经验。</p>")])
    other = add_article(portal.research, "采购订单流程", portal.users.editor)
    document = add_document(portal.research, "试验规范附件", "规范.pdf", files.pdf())
    KnowledgeDocument.objects.filter(pk=document.pk).update(extracted_text="缸盖垫片的最大扭矩")
    backend = get_search_backend()
    for obj in (article, other, KnowledgeDocument.objects.get(pk=document.pk)):
        backend.add(obj)

    for query in ("知识", "识库", "知", "知識庫"):
        found = [p.title for p in backend.search(query, ArticlePage)]
        assert found and found[0] == "上海企业知识库建设", query
        assert "采购订单流程" not in found, query

    manager = client_for(portal.users.manager)
    page = manager.get(reverse("wagtailadmin_pages:search_results"), {"q": "识库"}).content.decode()
    assert "上海企业知识库建设" in page
    documents = manager.get(reverse("wagtaildocs:index"), {"q": "缸盖"}).content.decode()
    assert "试验规范附件" in documents
