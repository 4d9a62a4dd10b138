"""Demo content: the organisation, users, spaces, articles and attachments of a fictional
vehicle maker, built from ``portal.demo.material`` (KB seeds)."""
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.html import escape
from wagtail.models import Page, Site

from knowledge.models import (
    ArticleAttachment, ArticlePage, Category, KnowledgeDocument, KnowledgeSpacePage, RelatedArticle,
)
from knowledge.services.spaces import provision_space, space_group_name
from portal import roles
from portal.demo import material
from portal.models import Department, HomePage, Position, UserProfile

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
    for item in material.ARTICLES:
        space = spaces[item["space"]]
        owner = _space_owner(users, item["space"])
        article = ArticlePage(
            title=item["title"],
            summary=item["summary"],
            body=body_blocks(item["body"]),
            category=Category.from_path(item["category"].split("/")),
            content_owner=owner,
            owner=owner,
            department=space.department,
        )
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
    """Articles that share a category point at each other (at most three links each)."""
    by_category = {}
    for article in articles.values():
        by_category.setdefault(article.category_id, []).append(article)
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
    return {"users": [u for u, *_rest in USERS], "articles": len(articles), "attachments": attachments,
            "password": DEMO_PASSWORD}
