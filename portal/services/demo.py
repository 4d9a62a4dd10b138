"""Demo content: the organisation, users, spaces, articles and attachments of a fictional
vehicle maker, built from ``portal.demo.material`` (KB seeds)."""
import datetime
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.html import escape
from wagtail.models import Page, Site

from knowledge.models import (
    ArticleAttachment, ArticlePage, Dimension, KnowledgeDocument, KnowledgeSpacePage, RelatedArticle,
)
from knowledge.services.spaces import provision_space
from portal import roles
from portal.demo import material
from portal.models import Department, HomePage, Position, UserProfile
from portal.services.demo_expenses import build_expenses
from portal.services.demo_faq import build_faq
from portal.services.demo_review import build_review
from portal.services.demo_training import build_training

logger = logging.getLogger("zhiku.demo")
DEMO_PASSWORD = "zhiku2026"

POSITIONS = [
    ("rd-engineer", "研发工程师", "research"),
    ("test-engineer", "试验工程师", "research"),
    ("sales-rep", "销售代表", "sales"),
    ("sales-manager", "销售经理", "sales"),
    ("service-agent", "客服专员", "service"),
    ("accountant", "会计", "finance"),
    ("buyer", "采购员", "purchasing"),
    ("knowledge-officer", "知识管理专员", None),
]
# username, full name, space slug, position code, roles, space role
USERS = [
    ("admin", "管理员", None, None, [roles.ADMINISTRATOR], None),
    ("wangzhi", "王知", None, "knowledge-officer", [roles.KNOWLEDGE_MANAGER], None),
    ("zhangwei", "张伟", "research", "rd-engineer", [roles.EDITOR], "编辑"),
    ("lina", "李娜", "research", "test-engineer", [roles.REVIEWER], "审核人"),
    ("xiaoming", "肖明", "research", "rd-engineer", [], "成员"),
    ("liuyang", "刘洋", "sales", "sales-rep", [roles.EDITOR], "编辑"),
    ("chenjing", "陈静", "service", "service-agent", [roles.EDITOR], "编辑"),
    ("zhaomin", "赵敏", "finance", "accountant", [roles.EDITOR], "编辑"),
    ("sunli", "孙丽", "purchasing", "buyer", [roles.EDITOR], "编辑"),
]


def rich_paragraph(text):
    return f"<p>{escape(text)}</p>"


def body_blocks(blocks):
    """Material blocks to StreamField data; text is escaped, never trusted as HTML."""
    stream = []
    for kind, value in blocks:
        if kind == "heading":
            stream.append(("heading", {"text": value, "level": "h2"}))
        elif kind == "paragraph":
            stream.append(("paragraph", rich_paragraph(value)))
        elif kind == "bullets":
            stream.append(("paragraph", "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in value) + "</ul>"))
        elif kind == "table":
            stream.append(("table", {"data": value, "first_row_is_table_header": True, "first_col_is_header": False}))
        elif kind == "code":
            stream.append(("code", value))
        elif kind == "callout":
            stream.append(("callout", {"kind": value["kind"], "text": rich_paragraph(value["text"])}))
    return stream


def _home_page():
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(instance=HomePage(
            title="知库 · 企业知识门户", slug="zhiku",
            intro="研发、销售、客服、财务与采购的知识都在这里：文章、附件全文、版本与培训资料。",
        ))
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "知库"}
        )
        if old_root is not None and old_root.pk != home.pk and not old_root.get_children().exists():
            old_root.delete()  # Wagtail's welcome page; nothing of a user's
    return home


def _departments():
    hq, _created = Department.objects.get_or_create(code="hq", defaults={"name": "总部"})
    departments = {}
    for space in material.SPACES:
        departments[space["slug"]], _c = Department.objects.get_or_create(
            code=space["slug"], defaults={"name": space["name"], "parent": hq}
        )
    return hq, departments


def _positions(departments):
    return {
        code: Position.objects.get_or_create(
            code=code, defaults={"name": name, "department": departments.get(slug)}
        )[0]
        for code, name, slug in POSITIONS
    }


def _users(departments, positions, space_groups, hq):
    User = get_user_model()
    users = {}
    for username, full_name, slug, position, role_names, space_role in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": full_name, "email": f"{username}@zhiku.example"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = user.is_staff = username == "admin"
            user.save()
        user.groups.add(*Group.objects.filter(name__in=[roles.READER, *role_names]))
        if space_role:
            user.groups.add(space_groups[slug][space_role])
        UserProfile.objects.update_or_create(
            user=user,
            defaults={
                "department": departments.get(slug, hq),
                "position": positions.get(position),
                "mobile": f"1380000{len(users):04d}",
            },
        )
        users[username] = user
    for slug, department in departments.items():
        head = next((users[u] for u, _n, s, _p, r, _sr in USERS if s == slug and roles.REVIEWER in r), None)
        if head:
            Department.objects.filter(pk=department.pk).update(head=head)
    return users


def _space_owner(users, slug):
    return next((users[u] for u, _n, s, _p, _r, sr in USERS if s == slug and sr == "编辑"), users["wangzhi"])


def _publish(article, user):
    return article.save_revision(user=user, log_action=True).publish(user=user)


def _articles(home, spaces, users):
    articles = {}
    categories = Dimension.for_imports()
    for item in material.ARTICLES:
        space = spaces[item["space"]]
        owner = _space_owner(users, item["space"])
        article = ArticlePage(
            title=item["title"],
            summary=item["summary"],
            body=body_blocks(item["body"]),
            content_owner=owner,
            owner=owner,
            department=space.department,
        )
        article.nodes = [categories.node_from_path(item["category"].split("/"))]
        space.add_child(instance=article)
        article.keywords.add(*item["keywords"])
        _publish(article, owner)
        articles[item["title"]] = article
    return articles


def _attachments(articles, spaces, users):
    count = 0
    for att in material.ATTACHMENTS:
        article = ArticlePage.objects.get(pk=articles[att["article"]].pk)
        space = KnowledgeSpacePage.objects.ancestor_of(article).first()
        owner = article.content_owner or users["wangzhi"]
        document = KnowledgeDocument(title=att["title"], collection=space.collection, uploaded_by_user=owner)
        document.file.save(att["filename"], ContentFile(material.build_attachment(att)), save=False)
        document.save()
        article.attachments.add(ArticleAttachment(document=document))
        _publish(article, owner)
        count += 1
    return count


def _related_links(articles):
    """Articles that share a category node point at each other (at most three links each)."""
    by_category = {}
    for article in articles.values():
        by_category.setdefault(article.nodes.first().pk, []).append(article)
    for group in by_category.values():
        for article in group:
            others = [a for a in group if a.pk != article.pk][:3]
            if others:
                article = ArticlePage.objects.get(pk=article.pk)
                for other in others:
                    article.related_links.add(RelatedArticle(target=other))
                _publish(article, article.content_owner)


def _second_versions(articles, users):
    """A few edits so version history, compare and document versions have something to show."""
    edited = list(articles.values())[:3]
    for article in edited:
        article = ArticlePage.objects.get(pk=article.pk)
        article.summary = article.summary + "（2026 年修订：补充了适用范围。）"
        _publish(article, article.content_owner or users["wangzhi"])
    document = KnowledgeDocument.objects.order_by("pk").first()
    if document is not None:
        att = next(a for a in material.ATTACHMENTS if a["title"] == document.title)
        content = dict(att["content"])
        key = next(k for k in ("paragraphs", "rows", "slides") if k in content)
        if key == "paragraphs":
            content[key] = list(content[key]) + ["第二版：根据 2026 年评审意见更新。"]
        elif key == "rows":
            content[key] = list(content[key]) + [["2026 修订"] + [""] * (len(content["header"]) - 1)]
        else:
            content[key] = list(content[key]) + [("2026 修订", ["根据评审意见更新。"])]
        document.file.save(att["filename"], ContentFile(material.build_attachment({**att, "content": content})), save=False)
        document.save()


# A second dimension, owned by the R&D department: title words -> product-line node.
PRODUCT_LINES = [
    (("发动机", "Engine", "BJ1032"), ["轻型卡车", "动力总成", "发动机"]),
    (("ISO 26262", "功能安全"), ["轻型卡车", "电子电气", "功能安全"]),
    (("ERP", "库存"), ["通用", "信息系统"]),
]
# Position code -> (dimension slug, node path, level): what each position must know.
REQUIREMENTS = {
    "rd-engineer": [("category", ["研发管理", "试验规范"], "must"), ("category", ["研发管理", "功能安全"], "must"),
                    ("products", ["轻型卡车", "动力总成"], "should")],
    "test-engineer": [("category", ["研发管理", "试验规范"], "must"), ("products", ["轻型卡车"], "should")],
    "service-agent": [("category", ["客户服务", "常见问题"], "must"), ("category", ["客户服务", "投诉处理"], "must")],
    "sales-rep": [("category", ["销售管理", "客户关系"], "must"), ("category", ["销售管理", "报价与合同"], "should")],
    "accountant": [("category", ["财务管理"], "must")],
    "buyer": [("category", ["采购管理"], "must"), ("products", ["通用", "信息系统"], "should")],
}


def _dimensions_and_maps(articles, departments, positions):
    """A product-line dimension next to the categories, review dates (a few past due), and the
    position knowledge map's requirements."""
    from maps.models import PositionRequirement

    products = Dimension.objects.create(name="产品线", slug="products", department=departments["research"],
                                        description="按产品线归类研发知识。")
    today = datetime.date.today()
    for number, article in enumerate(articles.values()):
        article = ArticlePage.objects.get(pk=article.pk)
        paths = [path for words, path in PRODUCT_LINES if any(w in article.title for w in words)]
        article.nodes = list(article.nodes.all()) + [products.node_from_path(path) for path in paths]
        # Every seventh article is past its review date, so the maps have something to flag.
        article.next_review = today - datetime.timedelta(days=30) if number % 7 == 0 else today.replace(year=today.year + 1)
        _publish(article, article.content_owner)
    dimensions = {d.slug: d for d in Dimension.objects.all()}
    for code, wanted in REQUIREMENTS.items():
        for order, (slug, path, level) in enumerate(wanted):
            PositionRequirement.objects.create(position=positions[code], node=dimensions[slug].node_from_path(path),
                                               level=level, sort_order=order)


TEST_REPORT_FIELDS = [  # label, key, type, required, choices
    ("试验编号", "number", "text", True, ""),
    ("试验类型", "kind", "choice", True, "台架试验\n道路试验\n环境试验"),
    ("发动机型号", "engine", "text", False, ""),
    ("最大扭矩 (N·m)", "torque", "number", False, ""),
    ("试验日期", "date", "date", True, ""),
    ("负责人", "owner", "person", False, ""),
    ("结论", "conclusion", "long_text", False, ""),
]
TEST_REPORTS = [
    ("BJ1032 台架扭矩试验", {"number": "T-2026-001", "kind": "台架试验", "engine": "BJ1032", "torque": 420,
                              "date": datetime.date(2026, 3, 12), "conclusion": "扭矩曲线符合设计要求。"}),
    ("BJ1032 高原道路试验", {"number": "T-2026-007", "kind": "道路试验", "engine": "BJ1032", "torque": 398,
                              "date": datetime.date(2026, 6, 2), "conclusion": "海拔 4000 米扭矩下降 5%，在允许范围内。"}),
    ("电控单元高温试验", {"number": "T-2026-011", "kind": "环境试验", "date": datetime.date(2026, 8, 20),
                          "conclusion": "85 ℃ 连续运行 96 小时无故障。"}),
]


def _reading(articles, users):
    """A new hire has read some of what the position map asks, so the person map shows progress."""
    from personal.services.reading import record_read

    for title in ("BJ1032 Engine Torque Test Procedure", "发动机台架试验数据管理规范"):
        record_read(users["xiaoming"], f"knowledge.articlepage:{articles[title].pk}")


def _structured_forms(spaces, users):
    """A test-report form in the R&D space with a few reports (KB-02)."""
    from structured.models import FormField, StructuredForm
    from structured.services.items import create_item

    form = StructuredForm.objects.create(name="试验报告", space=spaces["research"], created_by=users["wangzhi"],
                                         description="台架、道路与环境试验的结构化记录。")
    for order, (label, key, kind, required, choices) in enumerate(TEST_REPORT_FIELDS):
        FormField.objects.create(form=form, sort_order=order, label=label, key=key, field_type=kind,
                                 required=required, choices=choices)
    engine = Dimension.objects.get(slug="products").node_from_path(["轻型卡车", "动力总成", "发动机"])
    for title, values in TEST_REPORTS:
        create_item(form, users["zhangwei"], title, {**values, "owner": users["lina"]}, nodes=[engine])


@transaction.atomic
def load_demo_content():
    """Create everything; returns None when demo content is already there."""
    if KnowledgeSpacePage.objects.exists():
        return None
    roles.ensure_roles()
    home = _home_page()
    roles.grant_manager_rights(home)
    hq, departments = _departments()
    positions = _positions(departments)
    spaces, space_groups = {}, {}
    for spec in material.SPACES:
        space = home.add_child(instance=KnowledgeSpacePage(
            title=spec["name"], slug=spec["slug"], intro=spec["intro"], department=departments[spec["slug"]],
        ))
        space_groups[spec["slug"]] = provision_space(space, restricted=spec["restricted"])
        spaces[spec["slug"]] = space
    users = _users(departments, positions, space_groups, hq)
    articles = _articles(home, spaces, users)
    attachments = _attachments(articles, spaces, users)
    _related_links(articles)
    _second_versions(articles, users)
    _dimensions_and_maps(articles, departments, positions)
    _structured_forms(spaces, users)
    build_faq(spaces, users)
    _reading(articles, users)
    build_training(articles, users, positions, departments)
    build_review(home, spaces, users)
    build_expenses(users, departments)
    return {"users": [u for u, *_rest in USERS], "articles": len(articles), "attachments": attachments,
            "password": DEMO_PASSWORD}
