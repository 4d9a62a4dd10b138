"""Knowledge maps (KB-10): global stock per node, node pages, experts, position and person maps."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import ArticleAttachment, ArticlePage, Dimension, KnowledgeDocument
from maps import services
from maps.models import PositionRequirement
from personal.services.reading import record_read
from portal.models import Position, UserProfile
from search import index

from .factories import add_article, add_document


@pytest.fixture
def stock(portal):
    u = portal.users
    products = Dimension.objects.create(name="产品线", slug="products")
    engine = products.node_from_path(["发动机"])
    diesel = products.node_from_path(["发动机", "柴油机"])
    chassis = products.node_from_path(["底盘"])
    old = timezone.now() - datetime.timedelta(days=800)
    items = {
        "calibration": add_article(portal.research, "柴油机标定", u.editor, nodes=[diesel],
                                   next_review=datetime.date(2020, 1, 1)),
        "bench": add_article(portal.research, "发动机台架", u.editor, nodes=[engine]),
        "frame": add_article(portal.research, "车架设计", u.manager, nodes=[chassis]),
        "cost": add_article(portal.finance, "柴油机成本", u.accountant, nodes=[diesel]),
    }
    ArticlePage.objects.filter(pk=items["frame"].pk).update(last_published_at=old)
    photo = add_document(portal.research, "台架照片", "bench.txt", b"photo", user=u.editor)
    photo.nodes.add(engine)
    ArticleAttachment.objects.create(page=items["bench"], document=photo)
    for obj in [*items.values(), photo]:
        index.update_object(obj.__class__.objects.get(pk=obj.pk))
    return {"engine": engine, "diesel": diesel, "chassis": chassis, "items": items, "photo": photo}


def readable_in(user, node):
    """The same figure, straight from the content tables: live articles the user may read and
    documents outside restricted collections, in the node or below it."""
    articles = ArticlePage.objects.live().readable_by(user).filter(nodes__path__startswith=node.path).distinct()
    documents = KnowledgeDocument.objects.filter(nodes__path__startswith=node.path).distinct()
    documents = [d for d in documents if not d.collection.get_view_restrictions().exists() or user.is_superuser]
    return articles.count() + len(documents)


def test_map_counts_match_the_content_for_each_reader(portal, stock):
    for user in (portal.users.reader, portal.users.accountant):
        figures = services.node_stock(user)
        for name in ("engine", "diesel", "chassis"):
            node = stock[name]
            assert figures.get(node.pk, services.Stock()).items == readable_in(user, node), (user, name)
    reader = services.node_stock(portal.users.reader)[stock["engine"].pk]
    assert reader.items == 3  # 标定 (in 柴油机), 台架, 照片; not the finance space's 成本
    assert reader.files == 2  # the photo attached to 台架, and the photo itself
    assert reader.past_review == 1 and reader.past_review_share == pytest.approx(1 / 3)
    accountant = services.node_stock(portal.users.accountant)[stock["engine"].pk]
    assert accountant.items == 4
    chassis = services.node_stock(portal.users.reader)[stock["chassis"].pk]
    assert chassis.fresh == 0 and chassis.coverage == "stale"


def test_global_map_tree_and_page(portal, stock, client_for):
    tree = services.map_tree(portal.users.reader)
    products = next(d for d in tree if d["name"] == "产品线")
    assert products["value"] == 4  # distinct items in the dimension the reader may read
    engine = next(n for n in products["children"] if n["name"] == "发动机")
    assert engine["value"] == 3 and engine["children"][0]["name"] == "柴油机"
    assert engine["past_review"] == 33
    page = client_for(portal.users.reader).get(reverse("maps:global"))
    html = page.content.decode()
    assert page.status_code == 200 and "vendor/echarts/echarts.min.js" in html
    assert "柴油机成本" not in html and reverse("maps:node", args=[stock["diesel"].pk]) in html


def test_node_page_lists_readable_items_and_experts(portal, stock, client_for):
    url = reverse("maps:node", args=[stock["engine"].pk])
    html = client_for(portal.users.reader).get(url).content.decode()
    assert "柴油机标定" in html and "发动机台架" in html and "台架照片" in html
    assert "柴油机成本" not in html
    accountant_html = client_for(portal.users.accountant).get(url).content.decode()
    assert "柴油机成本" in accountant_html
    experts = services.experts(portal.users.reader, stock["engine"])
    assert experts[0].user == portal.users.editor
    assert experts[0].counts["authored"] == 3 and experts[0].counts["revised"] >= 2
    # The accountant wrote in 柴油机, but the reader cannot see that item: not listed for them.
    assert portal.users.accountant not in [e.user for e in experts]
    assert portal.users.accountant in [e.user for e in services.experts(portal.users.accountant, stock["diesel"])]


def test_position_map_and_person_coverage(portal, stock, client_for):
    engineer = Position.objects.create(name="研发工程师", code="rd")
    UserProfile.objects.create(user=portal.users.reader, position=engineer)
    PositionRequirement.objects.create(position=engineer, node=stock["engine"])
    PositionRequirement.objects.create(position=engineer, item_key=f"knowledge.articlepage:{stock['items']['frame'].pk}",
                                       level=PositionRequirement.Level.SHOULD)
    topics, rows = services.position_matrix(portal.users.reader)
    cells = dict((t.key, r) for t, r in rows[0][1])
    assert cells[f"n{stock['engine'].pk}"].level == "must"
    assert {t.key: t.stock.items for t in topics}[f"n{stock['engine'].pk}"] == 3
    record_read(portal.users.reader, f"knowledge.articlepage:{stock['items']['bench'].pk}")
    position, person_topics = services.person_map(portal.users.reader)
    engine_topic, frame_topic = person_topics
    assert (engine_topic.read, engine_topic.total, engine_topic.state) == (1, 3, "partial")
    assert (frame_topic.read, frame_topic.total, frame_topic.state) == (0, 1, "todo")
    html = client_for(portal.users.reader).get(reverse("maps:me")).content.decode()
    assert "1 / 3" in html and "state-partial" in html
    matrix = client_for(portal.users.reader).get(reverse("maps:positions")).content.decode()
    assert "cover-good" in matrix or "cover-stale" in matrix


def test_person_map_and_requirements_are_guarded(portal, stock, client_for):
    other = client_for(portal.users.editor)
    assert other.get(reverse("maps:person", args=[portal.users.reader.username])).status_code == 403
    engineer = Position.objects.create(name="研发工程师", code="rd")
    assert other.get(reverse("maps:position_edit", args=[engineer.pk])).status_code == 403
    manager = client_for(portal.users.manager)
    assert manager.get(reverse("maps:person", args=[portal.users.reader.username])).status_code == 200
    response = manager.post(reverse("maps:position_edit", args=[engineer.pk]), {"node": stock["diesel"].pk,
                                                                                "level": "must"})
    assert response.status_code == 302 and engineer.requirements.count() == 1
    # Neither or both of node and item: a clear error, nothing saved.
    response = manager.post(reverse("maps:position_edit", args=[engineer.pk]), {"level": "must"})
    assert response.status_code == 200 and engineer.requirements.count() == 1
    response = manager.post(reverse("maps:position_edit", args=[engineer.pk]),
                            {"item_key": "/no/such/page/", "level": "must"})
    assert "/no/such/page/" in response.content.decode() and engineer.requirements.count() == 1
