"""The personal space (KB-09, KB-15): favourites, anthologies and their sharing, reading,
subscriptions and their notices, the work log, and handing a leaver's work over."""
import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import PageLogEntry, Revision

from knowledge.models import ArticlePage, Dimension
from personal.models import (
    Anthology, AnthologyItem, Favourite, FavouriteFolder, Handover, ReadRecord, Subscription, Visibility,
    WorkLogEntry,
)
from personal.services import handover
from personal.services.reading import record_read
from portal import roles
from portal.models import Notification
from search import index
from search.models import SearchEntry
from search.service import search, suggest

from . import files
from .factories import add_article, add_document, make_user


@pytest.fixture
def client_for(db):
    """A client of its own per user (the shared fixture logs one client in and out), so a test
    can act as several people in turn."""
    from django.test import Client

    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login


def key(obj):
    return f"{obj._meta.label_lower}:{obj.pk}"


@pytest.fixture
def content(portal):
    u = portal.users
    public = add_article(portal.research, "发动机装配规范", u.editor)
    other = add_article(portal.research, "焊接工艺总结", u.editor)
    secret = add_article(portal.finance, "年度成本核算机密", u.accountant)
    document = add_document(portal.research, "装配图纸", "装配图纸.pdf", files.pdf(), u.editor)
    for obj in (public, other, secret, document):
        index.update_object(obj)
    return public, other, secret, document


def reindex(obj):
    """Index as the worker would, sending entry_changed (an on_commit callback)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return index.update_object(obj)


def republish(article, user, **changes):
    for name, value in changes.items():
        setattr(article, name, value)
    # A new version by ``user``, live as after its review (space editors no longer publish).
    article.save_revision(user=user).publish(user=user, skip_permission_checks=True)
    return ArticlePage.objects.get(pk=article.pk)


# --- Favourites --------------------------------------------------------------------------------

def test_favourites_in_folders_of_ones_own(portal, client_for, content):
    public, other, secret, document = content
    client = client_for(portal.users.reader)
    response = client.post(reverse("personal:folder_add"), {"name": "装配", "sort_order": 0})
    assert response.status_code == 302
    folder = FavouriteFolder.objects.get(user=portal.users.reader)

    client.post(reverse("personal:favourite_add"), {"key": key(public), "folder": folder.pk, "next": public.url})
    client.post(reverse("personal:favourite_add"), {"key": key(public), "folder": folder.pk})  # twice: harmless
    client.post(reverse("personal:favourite_add"), {"key": key(other), "new_folder": "焊接"})
    client.post(reverse("personal:favourite_add"), {"key": key(document)})
    assert Favourite.objects.filter(user=portal.users.reader).count() == 3
    assert Favourite.objects.get(key=key(public)).folder == folder
    assert Favourite.objects.get(key=key(other)).folder.name == "焊接"
    assert Favourite.objects.get(key=key(document)).folder is None

    # An item the user may not read cannot be favourited.
    assert client.post(reverse("personal:favourite_add"), {"key": key(secret)}).status_code == 404

    page = client.get(reverse("personal:favourites")).content.decode()
    assert "装配" in page and "焊接" in page and "发动机装配规范" in page and "装配图纸" in page
    home = client.get(reverse("personal:home")).content.decode()
    assert "发动机装配规范" in home

    # Deleting a folder keeps its favourites.
    client.post(reverse("personal:folder_delete", args=[folder.pk]))
    assert Favourite.objects.get(key=key(public)).folder is None

    favourite = Favourite.objects.get(key=key(public))
    client.post(reverse("personal:favourite_remove", args=[favourite.pk]))
    assert not Favourite.objects.filter(pk=favourite.pk).exists()


def test_someone_elses_folders_favourites_and_log_entries_are_out_of_reach(portal, client_for, content):
    public = content[0]
    owner, other = portal.users.editor, portal.users.reader
    folder = FavouriteFolder.objects.create(user=owner, name="私人")
    favourite = Favourite.objects.create(user=owner, key=key(public), folder=folder)
    entry = WorkLogEntry.objects.create(user=owner, date=datetime.date.today(), title="私人日志")
    anthology = Anthology.objects.create(owner=owner, title="共享文集", visibility=Visibility.EVERYONE)
    item = AnthologyItem.objects.create(anthology=anthology, key=key(public))
    private = Anthology.objects.create(owner=owner, title="私人文集")

    client = client_for(other)
    assert client.get(reverse("personal:folder_edit", args=[folder.pk])).status_code == 404
    assert client.post(reverse("personal:folder_delete", args=[folder.pk])).status_code == 404
    assert client.post(reverse("personal:favourite_remove", args=[favourite.pk])).status_code == 404
    assert client.post(reverse("personal:favourite_move", args=[favourite.pk]), {}).status_code == 404
    assert client.get(reverse("personal:worklog_edit", args=[entry.pk])).status_code == 404
    assert client.post(reverse("personal:worklog_delete", args=[entry.pk])).status_code == 404
    # A shared anthology may be read but not changed; a private one does not exist for others.
    assert client.get(reverse("personal:anthology_edit", args=[anthology.pk])).status_code == 403
    assert client.post(reverse("personal:anthology_delete", args=[anthology.pk])).status_code == 403
    assert client.post(reverse("personal:anthology_item_remove", args=[anthology.pk, item.pk])).status_code == 403
    assert client.post(reverse("personal:anthology_item_move", args=[anthology.pk, item.pk]),
                       {"direction": "up"}).status_code == 403
    for name in ("personal:anthology", "personal:anthology_edit", "personal:anthology_delete"):
        assert client.get(reverse(name, args=[private.pk])).status_code == 404
    # Adding to someone else's anthology by its id.
    response = client.post(reverse("personal:anthology_add_item"), {"key": key(public), "anthology": anthology.pk})
    assert response.status_code == 404
    assert FavouriteFolder.objects.filter(pk=folder.pk).exists() and Favourite.objects.filter(pk=favourite.pk).exists()
    assert WorkLogEntry.objects.filter(pk=entry.pk).exists() and AnthologyItem.objects.filter(pk=item.pk).exists()


# --- Anthologies -------------------------------------------------------------------------------

def test_anthology_items_are_ordered_and_reorderable(portal, client_for, content):
    public, other, secret, document = content
    client = client_for(portal.users.editor)
    response = client.post(reverse("personal:anthology_add_item"),
                           {"key": key(public), "anthology": "new", "new_title": "装配文集", "next": public.url})
    assert response.status_code == 302 and response.url == public.url
    anthology = Anthology.objects.get(owner=portal.users.editor)
    assert anthology.visibility == Visibility.PRIVATE
    for item in (other, document, public):  # the last one again: nothing changes
        client.post(reverse("personal:anthology_add_item"), {"key": key(item), "anthology": anthology.pk})
    assert list(anthology.items.values_list("key", flat=True)) == [key(public), key(other), key(document)]

    last = anthology.items.get(key=key(document))
    client.post(reverse("personal:anthology_item_move", args=[anthology.pk, last.pk]), {"direction": "up"})
    assert list(anthology.items.values_list("key", flat=True)) == [key(public), key(document), key(other)]
    first = anthology.items.get(key=key(public))
    client.post(reverse("personal:anthology_item_move", args=[anthology.pk, first.pk]), {"direction": "up"})  # no-op
    client.post(reverse("personal:anthology_item_move", args=[anthology.pk, first.pk]), {"direction": "down"})
    assert list(anthology.items.values_list("key", flat=True)) == [key(document), key(public), key(other)]

    client.post(reverse("personal:anthology_item_remove", args=[anthology.pk, first.pk]))
    assert list(anthology.items.values_list("key", flat=True)) == [key(document), key(other)]

    page = client.get(anthology.get_absolute_url()).content.decode()
    assert page.index("装配图纸") < page.index("焊接工艺总结")

    # An item the user may not read cannot be added.
    response = client.post(reverse("personal:anthology_add_item"), {"key": key(secret), "anthology": anthology.pk})
    assert response.status_code == 404


def test_the_article_page_offers_the_item_actions(portal, client_for, content):
    public = content[0]
    client = client_for(portal.users.reader)
    Anthology.objects.create(owner=portal.users.reader, title="我的文集")
    page = client.get(public.url).content.decode()
    for marker in ('id="favourite-add"', 'id="anthology-choice"', 'id="anthology-add"', 'id="subscribe"',
                   "我的文集", f'value="{key(public)}"'):
        assert marker in page, marker
    # Reading the article was recorded.
    record = ReadRecord.objects.get(user=portal.users.reader, key=key(public))
    client.get(public.url)
    record.refresh_from_db()
    assert record.read_count == 2 and record.last_read_at >= record.first_read_at


def test_private_anthology_is_invisible_to_others(portal, client_for, content):
    public = content[0]
    owner, other = portal.users.editor, portal.users.reader
    anthology = Anthology.objects.create(owner=owner, title="涡轮增压器调校心得", description="私人笔记")
    AnthologyItem.objects.create(anthology=anthology, key=key(public))
    index.update_object(anthology)

    assert client_for(other).get(anthology.get_absolute_url()).status_code == 404
    assert "涡轮增压器调校心得" not in client_for(other).get(reverse("personal:anthologies")).content.decode()
    assert "涡轮增压器调校心得" not in client_for(other).get(reverse("personal:home")).content.decode()
    assert search(other, "涡轮增压器调校").total == 0
    assert "涡轮增压器调校心得" not in suggest(other, "涡轮增压器")
    assert search(portal.users.accountant, "涡轮增压器调校").total == 0

    owner_client = client_for(owner)
    assert owner_client.get(anthology.get_absolute_url()).status_code == 200
    assert "涡轮增压器调校心得" in owner_client.get(reverse("personal:anthologies")).content.decode()
    hits = search(owner, "涡轮增压器调校").hits
    assert [h.title for h in hits] == ["涡轮增压器调校心得"] and hits[0].kind == "anthology"
    assert hits[0].url == anthology.get_absolute_url()
    assert "涡轮增压器调校心得" in suggest(owner, "涡轮增压器")


def test_anthology_shared_with_a_group_is_visible_to_its_members_only(portal, client_for, content):
    public = content[0]
    owner, member, outsider = portal.users.editor, portal.users.accountant, portal.users.reader
    group = Group.objects.create(name="发动机小组")
    owner.groups.add(group)
    member.groups.add(group)
    client = client_for(owner)
    response = client.post(reverse("personal:anthology_add"), {
        "title": "缸盖密封经验汇编", "description": "", "visibility": "groups", "groups": [group.pk],
    })
    assert response.status_code == 302
    anthology = Anthology.objects.get(title="缸盖密封经验汇编")
    assert list(anthology.groups.all()) == [group]
    index.update_object(anthology)

    assert client_for(member).get(anthology.get_absolute_url()).status_code == 200
    assert "缸盖密封经验汇编" in client_for(member).get(reverse("personal:anthologies")).content.decode()
    assert search(member, "缸盖密封经验").total == 1
    assert client_for(outsider).get(anthology.get_absolute_url()).status_code == 404
    assert search(outsider, "缸盖密封经验").total == 0

    # A group the owner is not in cannot be chosen.
    foreign = Group.objects.create(name="别人的组")
    response = client.post(reverse("personal:anthology_edit", args=[anthology.pk]), {
        "title": "缸盖密封经验汇编", "visibility": "groups", "groups": [foreign.pk],
    })
    assert response.status_code == 200 and list(anthology.groups.all()) == [group]

    # Shared with everyone: every logged-in user.
    response = client.post(reverse("personal:anthology_edit", args=[anthology.pk]), {
        "title": "缸盖密封经验汇编", "visibility": "everyone",
    })
    assert response.status_code == 302
    anthology.refresh_from_db()
    assert anthology.visibility == Visibility.EVERYONE and not anthology.groups.exists()
    index.update_object(anthology)
    assert client_for(outsider).get(anthology.get_absolute_url()).status_code == 200
    assert search(outsider, "缸盖密封经验").total == 1


def test_a_shared_anthology_does_not_reveal_restricted_items(portal, client_for, content):
    public, other, secret, document = content
    accountant, reader = portal.users.accountant, portal.users.reader
    anthology = Anthology.objects.create(owner=accountant, title="年度材料汇总", visibility=Visibility.EVERYONE)
    AnthologyItem.objects.create(anthology=anthology, key=key(public), sort_order=0)
    AnthologyItem.objects.create(anthology=anthology, key=key(secret), sort_order=1, note="核算口径的说明")
    index.update_object(anthology)

    page = client_for(reader).get(anthology.get_absolute_url()).content.decode()
    assert "发动机装配规范" in page
    assert "年度成本核算机密" not in page and "核算口径" not in page and secret.url not in page
    assert "An item you cannot open" in page or "无法打开" in page
    # Nor through search: the anthology's indexed text holds only what all its readers may read.
    assert search(reader, "年度成本核算机密").total == 0
    assert "年度成本核算机密" not in SearchEntry.objects.get(key=key(anthology)).body
    assert search(reader, "发动机装配规范").total == 2  # the article and the anthology holding it

    owner_page = client_for(accountant).get(anthology.get_absolute_url()).content.decode()
    assert "年度成本核算机密" in owner_page


# --- Reading -----------------------------------------------------------------------------------

def test_reading_is_recorded_for_pages_and_documents_only_when_allowed(portal, client_for, content):
    public, other, secret, document = content
    reader = portal.users.reader
    client = client_for(reader)
    assert client.get(document.url).status_code == 200
    assert client.get(secret.url).status_code != 200
    assert ReadRecord.objects.filter(user=reader, key=key(document)).exists()
    assert not ReadRecord.objects.filter(user=reader, key=key(secret)).exists()
    assert not ReadRecord.objects.filter(user=reader, key__startswith="knowledge.knowledgespacepage").exists()

    record_read(reader, key(public))
    page = client.get(reverse("personal:recent")).content.decode()
    assert "发动机装配规范" in page and "装配图纸" in page


# --- Subscriptions -----------------------------------------------------------------------------

def test_item_subscription_notifies_once_per_change(portal, client_for, content):
    public = content[0]
    reader = portal.users.reader
    client = client_for(reader)
    response = client.post(reverse("personal:subscribe"), {"target_type": "item", "target": key(public),
                                                            "next": public.url})
    assert response.status_code == 302 and response.url == public.url
    client.post(reverse("personal:subscribe"), {"target_type": "item", "target": key(public)})
    assert Subscription.objects.filter(user=reader).count() == 1

    public = republish(public, portal.users.editor, summary="新增第三章")
    reindex(public)
    reindex(public)  # no new content: no second notice
    notices = Notification.objects.filter(user=reader)
    assert notices.count() == 1
    notice = notices.get()
    assert notice.title == "发动机装配规范" and notice.url == public.url and notice.read_at is None
    assert not Notification.objects.filter(user=portal.users.editor).exists()  # not subscribed

    # The same change reported twice still notifies once.
    from personal.services.subscriptions import notify_subscribers

    notify_subscribers(SearchEntry.objects.get(key=key(public)), created=False)
    assert notices.count() == 1

    page = client.get(reverse("personal:notifications")).content.decode()
    assert "发动机装配规范" in page
    assert client.get(reverse("personal:home")).context["unread_count"] == 1
    response = client.get(reverse("personal:notification_open", args=[notice.pk]))
    assert response.status_code == 302 and response.url == public.url
    notice.refresh_from_db()
    assert notice.read_at is not None

    public = republish(public, portal.users.editor, summary="再次修订")
    reindex(public)
    assert notices.count() == 2 and notices.unread().count() == 1
    client.post(reverse("personal:notifications_read_all"))
    assert notices.unread().count() == 0

    client.post(reverse("personal:unsubscribe"), {"target_type": "item", "target": key(public)})
    public = republish(public, portal.users.editor, summary="第三次")
    reindex(public)
    assert notices.count() == 2


def test_space_and_node_subscriptions_notify_readers_only(portal, client_for, content):
    public, other, secret, document = content
    reader, accountant, editor = portal.users.reader, portal.users.accountant, portal.users.editor
    dimension = Dimension.objects.create(name="产品线", slug="product")
    engine = dimension.node_from_path(["发动机"])
    diesel = dimension.node_from_path(["发动机", "柴油机"])

    client_for(reader).post(reverse("personal:subscribe"), {"target_type": "space", "target": portal.research.pk})
    client_for(reader).post(reverse("personal:subscribe"), {"target_type": "node", "target": engine.pk})
    client_for(accountant).post(reverse("personal:subscribe"), {"target_type": "node", "target": engine.pk})
    # A space one may not read cannot be followed...
    response = client_for(reader).post(reverse("personal:subscribe"),
                                       {"target_type": "space", "target": portal.finance.pk})
    assert response.status_code == 404
    # ...and one followed earlier (before losing access) brings no notices about what it holds.
    Subscription.objects.create(user=reader, target_type="space", target=str(portal.finance.pk))
    client_for(accountant).post(reverse("personal:subscribe"), {"target_type": "space", "target": portal.finance.pk})

    # A new article in the followed space: one notice, even though two of the reader's
    # subscriptions (space and node) match it.
    article = add_article(portal.research, "柴油机冷启动", editor, nodes=[diesel])
    reindex(article)
    assert Notification.objects.filter(user=reader).count() == 1
    assert Notification.objects.get(user=reader).verb == "created"
    assert Notification.objects.filter(user=accountant).count() == 1  # via the node, ancestors included

    # A change in the restricted space: the accountant hears of it, the reader does not.
    secret = republish(secret, accountant, summary="更新", nodes=[diesel])
    reindex(secret)
    assert Notification.objects.filter(user=accountant, title="年度成本核算机密").count() == 1
    assert not Notification.objects.filter(user=reader, title="年度成本核算机密").exists()

    page = client_for(reader).get(reverse("personal:subscriptions")).content.decode()
    assert "研究院" in page and "产品线" in page


# --- Work log ----------------------------------------------------------------------------------

def test_work_log_entries_with_linked_items(portal, client_for, content):
    public, other, secret, document = content
    reader = portal.users.reader
    client = client_for(reader)
    client.get(public.url)  # recently viewed: offered as a link
    Favourite.objects.create(user=reader, key=key(document))
    form = client.get(reverse("personal:worklog_add")).context["form"]
    offered = dict(form.fields["links"].choices)
    assert offered[key(public)] == "发动机装配规范" and key(document) in offered and key(secret) not in offered

    response = client.post(reverse("personal:worklog_add"), {
        "date": "2026-03-02", "title": "装配线调试", "body": "调整了拧紧顺序。",
        "experience": "先紧中间再紧两边。", "links": [key(public), key(document)],
    })
    assert response.status_code == 302
    entry = WorkLogEntry.objects.get(user=reader)
    assert entry.date == datetime.date(2026, 3, 2)
    assert set(entry.links.values_list("key", flat=True)) == {key(public), key(document)}
    # An item the writer may not read cannot be linked.
    response = client.post(reverse("personal:worklog_edit", args=[entry.pk]), {
        "date": "2026-03-02", "title": "装配线调试", "links": [key(secret)],
    })
    assert response.status_code == 200 and entry.links.count() == 2

    client.post(reverse("personal:worklog_edit", args=[entry.pk]), {
        "date": "2026-03-03", "title": "装配线调试", "experience": "先紧中间再紧两边。", "links": [key(public)],
    })
    entry.refresh_from_db()
    assert entry.date == datetime.date(2026, 3, 3) and list(entry.links.values_list("key", flat=True)) == [key(public)]
    WorkLogEntry.objects.create(user=reader, date=datetime.date(2026, 3, 1), title="周会")
    page = client.get(reverse("personal:worklog")).content.decode()
    assert page.index("2026-03-03") < page.index("2026-03-01")
    assert "先紧中间再紧两边" in page and "发动机装配规范" in page


# --- Handover ----------------------------------------------------------------------------------

def test_handover_moves_items_anthologies_and_logs_with_a_record(portal, client_for, content):
    public, other, secret, document = content
    leaver, manager = portal.users.editor, portal.users.manager
    successor = make_user("successor", roles.EDITOR)
    anthology = Anthology.objects.create(owner=leaver, title="离职者的私人文集")
    AnthologyItem.objects.create(anthology=anthology, key=key(public))
    index.update_object(anthology)
    entry = WorkLogEntry.objects.create(user=leaver, date=datetime.date(2026, 1, 5), title="交接前的日志")
    Subscription.objects.create(user=leaver, target_type="item", target=key(public))
    Subscription.objects.create(user=leaver, target_type="space", target=str(portal.research.pk))
    Subscription.objects.create(user=successor, target_type="space", target=str(portal.research.pk))
    Favourite.objects.create(user=leaver, key=key(other))
    draft = add_article(portal.research, "未发布的草稿", leaver)
    draft.title = "草稿的新版本"
    draft.save_revision(user=leaver)
    revisions_before = Revision.page_revisions.filter(object_id=str(public.pk)).count()

    # Only managers may hand over.
    assert client_for(portal.users.reader).get(reverse("personal:handover")).status_code == 403
    client = client_for(manager)
    preview = client.get(reverse("personal:handover"), {"from_user": leaver.pk, "to_user": successor.pk})
    assert preview.status_code == 200
    assert preview.context["preview"]["anthologies"] == 1 and preview.context["preview"]["pages"] == 3
    assert Anthology.objects.get(pk=anthology.pk).owner == leaver  # a preview changes nothing

    response = client.post(reverse("personal:handover"),
                           {"from_user": leaver.pk, "to_user": successor.pk, "confirm": "1"})
    assert response.status_code == 302
    record = Handover.objects.get()
    assert (record.from_user, record.to_user, record.performed_by) == (leaver, successor, manager)
    assert record.summary["counts"] == {"pages": 3, "documents": 1, "anthologies": 1, "work_log_entries": 1,
                                        "subscriptions": 2}
    assert public.pk in record.summary["pages"] and anthology.pk in record.summary["anthologies"]

    for page in (public, other):
        page = ArticlePage.objects.get(pk=page.pk)
        assert page.content_owner == successor and page.owner == successor
        assert page.get_latest_revision_as_object().content_owner == successor
        assert not page.has_unpublished_changes
        assert PageLogEntry.objects.filter(page=page, action="zhiku.handover", user=manager).exists()
    revisions = Revision.page_revisions.filter(object_id=str(public.pk)).order_by("created_at", "pk")
    assert revisions.count() == revisions_before + 1, list(revisions)  # the leaver's revisions stay
    assert revisions.first().as_object().content_owner == leaver
    draft = ArticlePage.objects.get(pk=draft.pk)
    assert draft.has_unpublished_changes and draft.title == "未发布的草稿"  # the draft stays a draft
    assert draft.get_latest_revision_as_object().title == "草稿的新版本"
    assert draft.get_latest_revision_as_object().content_owner == successor
    assert ArticlePage.objects.get(pk=secret.pk).content_owner == portal.users.accountant

    document.refresh_from_db()
    assert document.uploaded_by_user == successor
    assert Anthology.objects.get(pk=anthology.pk).owner == successor
    assert WorkLogEntry.objects.get(pk=entry.pk).user == successor
    assert set(Subscription.objects.filter(user=successor).values_list("target_type", flat=True)) == {"item", "space"}
    assert not Subscription.objects.filter(user=leaver).exists()
    assert Favourite.objects.filter(user=leaver).exists()  # personal bookmarks stay

    # The successor now reads the leaver's private anthology; the leaver no longer does.
    index.update_object(Anthology.objects.get(pk=anthology.pk))
    assert client_for(successor).get(anthology.get_absolute_url()).status_code == 200
    assert search(successor, "离职者的私人文集").total == 1
    assert search(leaver, "离职者的私人文集").total == 0
    assert client_for(leaver).get(anthology.get_absolute_url()).status_code == 404

    detail = client_for(manager).get(reverse("personal:handover_detail", args=[record.pk]))
    assert detail.status_code == 200 and "successor" in detail.content.decode()


def test_knowledge_managers_and_administrators_may_hand_over(portal):
    permission = Permission.objects.get(content_type__app_label="personal", codename="add_handover")
    for name in (roles.KNOWLEDGE_MANAGER, roles.ADMINISTRATOR):
        assert permission in Group.objects.get(name=name).permissions.all()
    assert portal.users.manager.has_perm("personal.add_handover")
    assert not portal.users.editor.has_perm("personal.add_handover")


def test_handover_service_refuses_the_same_person(portal):
    with pytest.raises(ValueError):
        handover.perform(portal.users.editor, portal.users.editor, portal.users.manager)


def test_personal_pages_render(portal, client_for, content):
    client = client_for(portal.users.manager)
    for name in ("home", "favourites", "anthologies", "anthology_add", "recent", "subscriptions", "worklog",
                 "worklog_add", "notifications", "folder_add", "handover"):
        assert client.get(reverse(f"personal:{name}")).status_code == 200, name
    assert 'id="nav-my-space"' in client.get("/").content.decode()


# --- Through the worker, as in production ------------------------------------------------------

@pytest.mark.worker
def test_worker_indexes_anthologies_and_notifies_subscribers(worker, portal, client_for):
    from .utils import wait_for

    editor, reader = portal.users.editor, portal.users.reader
    article = add_article(portal.research, "液压系统保养", editor)
    wait_for(lambda: SearchEntry.objects.filter(key=key(article)).exists())

    client = client_for(reader)
    client.post(reverse("personal:subscribe"), {"target_type": "item", "target": key(article)})
    client.post(reverse("personal:anthology_add_item"),
                {"key": key(article), "anthology": "new", "new_title": "设备维护读书笔记"})
    anthology = Anthology.objects.get(owner=reader)
    wait_for(lambda: search(reader, "设备维护读书笔记").total == 1)
    assert search(editor, "设备维护读书笔记").total == 0
    wait_for(lambda: "液压系统保养" in SearchEntry.objects.get(key=key(anthology)).body)

    article.summary = "新增冬季保养"
    article.save_revision(user=editor).publish(user=editor, skip_permission_checks=True)  # as after review
    wait_for(lambda: Notification.objects.filter(user=reader).exists())
    assert Notification.objects.filter(user=reader).count() == 1
    assert not Notification.objects.filter(user=editor).exists()

    anthology_key = key(anthology)
    anthology.delete()
    wait_for(lambda: not SearchEntry.objects.filter(key=anthology_key).exists())


def test_handover_command(portal, content):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("handover", "editor", "reader", "--by", "manager", "--dry-run", stdout=out)
    assert "pages: 2" in out.getvalue() and not Handover.objects.exists()
    call_command("handover", "editor", "reader", "--by", "manager", stdout=out)
    assert Handover.objects.get().to_user == portal.users.reader
    assert ArticlePage.objects.get(pk=content[0].pk).content_owner == portal.users.reader
