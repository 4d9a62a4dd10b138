"""The index follows publish, unpublish, trash, restore, permission changes and new document
versions, through the Celery worker."""
import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.models import PageViewRestriction

from knowledge.models import TrashItem
from search.service import search

from . import files
from .factories import add_article, add_document
from .utils import finished, wait_for

pytestmark = pytest.mark.worker


def found(user, query, title):
    return title in [h.title for h in search(user, query, log=False).hits]


def test_publish_unpublish_trash_restore(worker, portal, client_for):
    reader = portal.users.reader
    article = add_article(portal.research, "液压系统维护手册", portal.users.editor)
    wait_for(lambda: found(reader, "液压", "液压系统维护手册"))

    article.unpublish()
    wait_for(lambda: not found(reader, "液压", "液压系统维护手册"))
    article.save_revision().publish()
    wait_for(lambda: found(reader, "液压", "液压系统维护手册"))

    # Deleting a live article unpublishes it: those who may publish do it (not space editors).
    client_for(portal.users.manager).post(reverse("wagtailadmin_pages:delete", args=[article.pk]))
    wait_for(lambda: not found(reader, "液压", "液压系统维护手册"))
    item = TrashItem.objects.get(page=article)
    client_for(portal.users.manager).post(reverse("knowledge_admin:trash_restore", args=[item.pk]))
    wait_for(lambda: found(reader, "液压", "液压系统维护手册"))


def test_permission_change_hides_and_shows(worker, portal):
    reader, accountant = portal.users.reader, portal.users.accountant
    add_article(portal.research, "研发预算草案", portal.users.editor)
    wait_for(lambda: found(reader, "预算", "研发预算草案"))
    restriction = PageViewRestriction.objects.create(page=portal.research, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.set(Group.objects.filter(name="财务部编辑"))  # the accountant's, not the reader's
    wait_for(lambda: not found(reader, "预算", "研发预算草案"))
    assert found(accountant, "预算", "研发预算草案")
    restriction.delete()
    wait_for(lambda: found(reader, "预算", "研发预算草案"))


def test_new_document_version_replaces_the_text_in_search(worker, portal):
    reader = portal.users.reader
    document = finished(add_document(portal.research, "密封件清单", "密封件.docx", files.docx("旧版：氟橡胶密封圈")))
    wait_for(lambda: found(reader, "氟橡胶", "密封件清单"))
    document.file.save("密封件-v2.docx", ContentFile(files.docx("新版：硅橡胶密封圈")), save=True)
    wait_for(lambda: found(reader, "硅橡胶", "密封件清单"))
    assert not found(reader, "氟橡胶", "密封件清单")


def test_deleted_document_leaves_search_and_comes_back_on_restore(worker, portal, client_for):
    reader = portal.users.reader
    document = finished(add_document(portal.research, "焊接工艺卡", "焊接.docx", files.docx("二氧化碳保护焊参数")))
    wait_for(lambda: found(reader, "保护焊", "焊接工艺卡"))
    client_for(portal.users.editor).post(reverse("wagtaildocs:delete", args=[document.pk]))
    wait_for(lambda: not found(reader, "保护焊", "焊接工艺卡"))
    item = TrashItem.objects.get(document_id=document.pk)
    client_for(portal.users.manager).post(reverse("knowledge_admin:trash_restore", args=[item.pk]))
    wait_for(lambda: found(reader, "保护焊", "焊接工艺卡"))
