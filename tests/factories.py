"""A small portal for tests: two spaces (one restricted), users in each role, one article."""
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.models import Collection, Locale, Page, Site

from knowledge.models import ArticleAttachment, ArticlePage, KnowledgeDocument, KnowledgeSpacePage
from knowledge.services.spaces import provision_space
from portal import roles
from portal.models import HomePage


def make_user(username, *group_names, superuser=False):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw-12345678")
    user.is_superuser = user.is_staff = superuser
    user.save()
    user.groups.add(*Group.objects.filter(name__in=[roles.READER, *group_names]))
    return user


def add_document(space, title, filename, content, user=None):
    document = KnowledgeDocument(title=title, collection=space.collection, uploaded_by_user=user)
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    return document


def add_article(space, title, user=None, body=None, documents=(), **fields):
    article = ArticlePage(
        title=title, body=body or [("paragraph", "<p>正文</p>")], owner=user, content_owner=user, **fields
    )
    for document in documents:
        article.attachments.add(ArticleAttachment(document=document))
    space.add_child(instance=article)
    # Set-up data: published as by its author, whether or not their role may publish directly.
    article.save_revision(user=user, log_action=True).publish(user=user, skip_permission_checks=True)
    return ArticlePage.objects.get(pk=article.pk)


def build_portal():
    from search.engines import get_engine

    # The engine's own index is not a Django table, so test flushes do not empty it.
    get_engine().clear()
    roles.ensure_roles()
    # Transactional tests flush the tables, taking Wagtail's migration-made roots with them.
    for language in {"zh-hans", settings.LANGUAGE_CODE.lower()}:  # tests may switch the site to English
        Locale.objects.get_or_create(language_code=language)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    home = root.add_child(instance=HomePage(title="知库", slug="zhiku-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    roles.grant_manager_rights(home)
    research = home.add_child(instance=KnowledgeSpacePage(title="研究院", slug="research"))
    finance = home.add_child(instance=KnowledgeSpacePage(title="财务部", slug="finance"))
    research_groups = provision_space(research)
    finance_groups = provision_space(finance, restricted=True)
    users = SimpleNamespace(
        editor=make_user("editor", roles.EDITOR),
        reader=make_user("reader"),
        accountant=make_user("accountant", roles.EDITOR),
        manager=make_user("manager", roles.KNOWLEDGE_MANAGER),
        admin=make_user("admin", roles.ADMINISTRATOR, superuser=True),
    )
    users.editor.groups.add(research_groups["编辑"])
    users.accountant.groups.add(finance_groups["编辑"])
    return SimpleNamespace(
        home=home,
        research=KnowledgeSpacePage.objects.get(pk=research.pk),
        finance=KnowledgeSpacePage.objects.get(pk=finance.pk),
        users=users,
    )


def question(text, choices, kind="single", explanation=""):
    """A quiz question block value: ``choices`` is [(text, correct)]; for true/false, pass
    ``choices=True`` or ``False`` (whether the statement is true)."""
    if kind == "true_false":
        return ("question", {"kind": kind, "text": text, "choices": [], "statement_true": bool(choices),
                             "explanation": explanation})
    return ("question", {"kind": kind, "text": text, "statement_true": False, "explanation": explanation,
                         "choices": [{"text": t, "correct": c} for t, c in choices]})


def add_path(title, steps, assignments=(), publish=True, user=None, **fields):
    """A training path. ``steps``: dicts of TrainingStep fields (kind, page, quiz...);
    ``assignments``: dicts of Assignment fields. Published (and so assigned) unless told not."""
    from training.models import Assignment, TrainingPath, TrainingStep

    path = TrainingPath(title=title, live=False, **fields)  # live once published
    for order, step in enumerate(steps):
        path.steps.add(TrainingStep(sort_order=order, **step))
    for order, assignment in enumerate(assignments):
        path.assignments.add(Assignment(sort_order=order, **assignment))
    path.save()
    revision = path.save_revision(user=user)
    if publish:
        revision.publish(user=user)
    return TrainingPath.objects.get(pk=path.pk)
