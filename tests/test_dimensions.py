"""Dimensions (KB-05): the category migration, move and merge keeping assignments, permissions."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from knowledge.models import ArticlePage, Dimension, DimensionNode
from knowledge.services import dimensions
from knowledge.services.dimensions import DimensionError
from portal import roles
from portal.models import Department, UserProfile

from .factories import add_article, add_document, make_user


@pytest.fixture
def products(portal):
    dimension = Dimension.objects.create(name="产品线", slug="products")
    engine = dimension.node_from_path(["发动机"])
    diesel = dimension.node_from_path(["发动机", "柴油机"])
    chassis = dimension.node_from_path(["底盘"])
    return dimension, engine, diesel, chassis


def nodes_of(article):
    return set(ArticlePage.objects.get(pk=article.pk).nodes.values_list("name", flat=True))


def test_move_keeps_assignments_and_moves_the_subtree(portal, products):
    dimension, engine, diesel, chassis = products
    article = add_article(portal.research, "柴油机标定", portal.users.editor, nodes=[diesel])
    dimensions.move_node(portal.users.manager, engine, chassis)
    diesel.refresh_from_db()
    assert diesel.label == "产品线 / 底盘 / 发动机 / 柴油机"
    assert nodes_of(article) == {"柴油机"}
    assert dimensions.subtree(DimensionNode.objects.get(pk=chassis.pk)).count() == 3
    with pytest.raises(DimensionError):
        dimensions.move_node(portal.users.manager, DimensionNode.objects.get(pk=chassis.pk), diesel)


def test_merge_moves_items_and_children_and_keeps_a_pointer(portal, products):
    dimension, engine, diesel, chassis = products
    both = add_article(portal.research, "整车匹配", portal.users.editor, nodes=[engine, chassis])
    only = add_article(portal.research, "发动机台架", portal.users.editor, nodes=[engine])
    document = add_document(portal.research, "台架照片", "a.txt", b"x")
    document.nodes.add(engine)
    dimensions.merge_nodes(portal.users.manager, engine, chassis)
    assert nodes_of(both) == {"底盘"} and nodes_of(only) == {"底盘"}
    assert list(document.nodes.values_list("name", flat=True)) == ["底盘"]
    diesel.refresh_from_db()
    assert diesel.label == "产品线 / 底盘 / 柴油机"
    engine.refresh_from_db()
    assert engine.merged_into_id == chassis.pk and engine.resolved() == chassis
    assert engine not in DimensionNode.objects.active()
    # The node page of a merged node leads to where its items went.
    response = pytest.importorskip("django.test").Client()
    response.force_login(portal.users.reader)
    assert response.get(reverse("maps:node", args=[engine.pk])).url == reverse("maps:node", args=[chassis.pk])


def test_merge_into_own_subtree_and_deleting_a_used_node_are_refused(portal, products):
    dimension, engine, diesel, chassis = products
    add_article(portal.research, "柴油机标定", portal.users.editor, nodes=[diesel])
    with pytest.raises(DimensionError):
        dimensions.merge_nodes(portal.users.manager, engine, diesel)
    with pytest.raises(DimensionError):
        dimensions.delete_node(portal.users.manager, engine)
    dimensions.delete_node(portal.users.manager, chassis)
    assert not DimensionNode.objects.filter(pk=chassis.pk).exists()


def test_sibling_names_are_unique_and_checked(portal, products):
    dimension, engine, diesel, chassis = products
    with pytest.raises(DimensionError):
        dimensions.add_node(portal.users.manager, dimension, "发动机")
    with pytest.raises(DimensionError):
        dimensions.rename_node(portal.users.manager, chassis, "发动机")
    with pytest.raises(DimensionError):
        dimensions.add_node(portal.users.manager, dimension, "   ")
    assert dimensions.add_node(portal.users.manager, dimension, "柴油机").depth == 1  # other parent: allowed


def test_department_users_manage_only_their_departments_dimensions(portal, client_for):
    research = Department.objects.create(name="研究院", code="RD")
    sales = Department.objects.create(name="销售部", code="SALES")
    head = make_user("head", roles.REVIEWER)
    UserProfile.objects.create(user=head, department=research)
    own = Dimension.objects.create(name="试验阶段", slug="stages", department=research)
    other = Dimension.objects.create(name="客户类型", slug="customers", department=sales)
    client = client_for(head)
    assert client.get(reverse("maps:dimension", args=[own.pk])).status_code == 200
    assert client.get(reverse("maps:dimension", args=[other.pk])).status_code == 403
    response = client.post(reverse("maps:node_add", args=[other.pk, "add"]), {"name": "大客户"})
    assert response.status_code == 403 and not other.nodes.exists()
    client.post(reverse("maps:node_add", args=[own.pk, "add"]), {"name": "台架试验"})
    assert list(own.nodes.values_list("name", flat=True)) == ["台架试验"]
    # A department user's new dimension belongs to their department, whatever the form says.
    client.post(reverse("maps:dimensions"), {"name": "研发项目", "department": sales.pk})
    assert not Dimension.objects.filter(name="研发项目").exists()
    client.post(reverse("maps:dimensions"), {"name": "研发项目", "department": research.pk})
    assert Dimension.objects.get(name="研发项目").department == research
    reader = client_for(portal.users.reader)
    assert reader.get(reverse("maps:dimensions")).status_code == 403


def test_node_actions_report_problems_as_messages(portal, products, client_for):
    dimension, engine, diesel, chassis = products
    client = client_for(portal.users.manager)
    response = client.post(reverse("maps:node_action", args=[dimension.pk, engine.pk, "merge"]),
                           {"target": diesel.pk}, follow=True)
    assert response.status_code == 200
    assert "cannot be merged" in response.content.decode() or "不能合并" in response.content.decode()
    response = client.post(reverse("maps:node_action", args=[dimension.pk, chassis.pk, "rename"]),
                           {"name": "底盘系统"}, follow=True)
    assert DimensionNode.objects.get(pk=chassis.pk).name == "底盘系统"


def test_article_and_document_editors_offer_the_nodes(portal, products, client_for):
    article = add_article(portal.research, "柴油机标定", portal.users.editor)
    client = client_for(portal.users.manager)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert "<legend>产品线</legend>" in html and "发动机 / 柴油机" in html
    document = add_document(portal.research, "台架照片", "a.txt", b"x")
    html = client.get(reverse("wagtaildocs:edit", args=[document.pk])).content.decode()
    assert "产品线 / 发动机 / 柴油机" in html
    dimension, engine, diesel, chassis = products
    response = client.post(reverse("wagtaildocs:edit", args=[document.pk]),
                           {"title": "台架照片", "collection": document.collection_id, "nodes": [diesel.pk]})
    assert response.status_code == 302
    assert list(document.nodes.all()) == [diesel]


@pytest.mark.django_db(transaction=True)
def test_categories_migrate_into_a_dimension_without_loss():
    """The foundation's category tree becomes the 分类 dimension: same tree, every article in
    its node, and stored revisions name the node (reverting keeps the classification)."""
    executor = MigrationExecutor(connection)
    before = [("knowledge", "0002_initial")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Category = apps.get_model("knowledge", "Category")
    parent = Category.objects.create(name="研发管理")
    child = Category.objects.create(name="试验规范", parent=parent)
    Category.objects.create(name="功能安全", parent=parent)
    ContentType = apps.get_model("contenttypes", "ContentType")
    ArticlePage = apps.get_model("knowledge", "ArticlePage")
    Revision = apps.get_model("wagtailcore", "Revision")
    Locale = apps.get_model("wagtailcore", "Locale")
    locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
    article_type, _ = ContentType.objects.get_or_create(app_label="knowledge", model="articlepage")
    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    article = ArticlePage.objects.create(
        title="扭矩试验", slug="torque", path="99990001", depth=1, content_type=article_type, locale=locale,
        category=child,
    )
    Revision.objects.create(content_type=article_type, base_content_type=page_type, object_id=str(article.pk),
                            content={"title": "扭矩试验", "category": child.pk}, created_at=timezone.now())
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from knowledge.models import ArticlePage as Current
    from wagtail.models import Revision as CurrentRevision

    dimension = Dimension.objects.get(slug="category")
    assert sorted(n.label for n in dimension.nodes.all()) == [
        "分类 / 研发管理", "分类 / 研发管理 / 功能安全", "分类 / 研发管理 / 试验规范"]
    node = dimension.nodes.get(name="试验规范")
    assert list(Current.objects.get(pk=article.pk).nodes.all()) == [node]
    revision = CurrentRevision.objects.get(object_id=str(article.pk))
    assert revision.content["nodes"] == [node.pk] and "category" not in revision.content
