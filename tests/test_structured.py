"""Structured knowledge (KB-02): a form designed in the portal, items published through it,
found by search on any field, listed, filtered, sorted and exported per form, versioned, kept
readable when the form changes, and hidden from whoever may not read their space."""
import io
from datetime import datetime

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import Dimension
from knowledge.services import dimensions
from search import index
from search.models import SearchEntry
from search.service import search
from structured.models import FieldType, StructuredForm, StructuredItemPage

from .factories import add_article, add_document
from .utils import wait_for

FIELDS = [
    # label, key, type, required, choices
    ("型号", "model", FieldType.TEXT, True, ""),
    ("说明", "notes", FieldType.LONG_TEXT, False, ""),
    ("功率", "power", FieldType.NUMBER, False, ""),
    ("发布日期", "released", FieldType.DATE, False, ""),
    ("状态", "status", FieldType.CHOICE, False, "在研\n量产\n停产"),
    ("适用市场", "markets", FieldType.MULTI_CHOICE, False, "国内\n欧洲\n北美"),
    ("负责人", "engineer", FieldType.PERSON, False, ""),
    ("图纸", "drawing", FieldType.DOCUMENT, False, ""),
    ("相关条目", "related", FieldType.ITEM, False, ""),
    ("备注 信息", "", FieldType.TEXT, False, ""),  # no key: made from the label
]


def design_data(name, space, rows, structured_form=None, extra=1):
    """POST data of the designer: ``rows`` are dicts of field values (with "id" for existing
    fields, "DELETE": True to remove one)."""
    rows = list(rows) + [{}] * extra
    data = {
        "name": name, "description": "发动机型号的结构化资料", "space": space.pk,
        "fields-TOTAL_FORMS": len(rows), "fields-MIN_NUM_FORMS": 0, "fields-MAX_NUM_FORMS": 1000,
        "fields-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
    }
    for i, row in enumerate(rows):
        if not row:
            continue
        prefix = f"fields-{i}-"
        data.update({
            prefix + "id": row.get("id", ""), prefix + "form": structured_form.pk if structured_form else "",
            prefix + "sort_order": row.get("sort_order", i), prefix + "label": row["label"],
            prefix + "key": row.get("key", ""), prefix + "field_type": row["field_type"],
            prefix + "choices": row.get("choices", ""), prefix + "help_text": row.get("help_text", ""),
        })
        for flag in ("required", "retired", "DELETE"):
            if row.get(flag):
                data[prefix + flag] = "on"
    return data


def rows_of(structured_form, **changes):
    """The designer rows of a saved form, with ``changes`` by key (a dict of field values)."""
    rows = []
    for field in structured_form.fields.all():
        row = {"id": field.pk, "label": field.label, "key": field.key, "field_type": field.field_type,
               "required": field.required, "choices": field.choices, "retired": field.retired,
               "sort_order": field.sort_order}
        row.update(changes.get(field.key, {}))
        rows.append(row)
    return rows


def design(client, space, fields=FIELDS, name="发动机型号"):
    rows = [{"label": label, "key": key, "field_type": kind, "required": required, "choices": choices}
            for label, key, kind, required, choices in fields]
    response = client.post(reverse("structured:create"), design_data(name, space, rows))
    assert response.status_code == 302, (response.context["form"].errors,
                                         [(i, f.errors) for i, f in enumerate(response.context["formset"]) if f.errors],
                                         response.context["formset"].non_form_errors())
    return StructuredForm.objects.get(name=name)


def item_data(title, **values):
    data = {"title": title}
    for key, value in values.items():
        data[f"f_{key}"] = value
    return data


@pytest.fixture
def client_for(settings):
    """A client of its own per user (several users act in one test), in English, the source
    language, so messages can be asserted (the portal defaults to zh-Hans)."""
    def login(user):
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


@pytest.fixture
def kit(portal):
    """A document and an article in each space, for the link fields."""
    return {
        "drawing": add_document(portal.research, "总装图纸", "总装图纸.txt", "BJ1032 总装图纸".encode()),
        "secret_doc": add_document(portal.finance, "工资表", "工资表.txt", "工资".encode()),
        "article": add_article(portal.research, "柴油机选型指南", portal.users.editor),
        "secret_article": add_article(portal.finance, "成本核算机密", portal.users.accountant),
    }


@pytest.fixture
def engine_form(portal, client_for):
    return design(client_for(portal.users.manager), portal.research)


def publish(client, structured_form, data):
    response = client.post(reverse("structured:item_create", args=[structured_form.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return StructuredItemPage.objects.get(title=data["title"])


def full_item(portal, kit, title="BJ1032 柴油机", **overrides):
    values = dict(model="BJ1032-EN", notes="适用于轻型卡车的四缸柴油机。", power="120.5", released="2026-03-01",
                  status="量产", markets=["国内", "欧洲"], engineer=portal.users.editor.pk,
                  drawing=kit["drawing"].pk, related=kit["article"].pk, **{"备注_信息": "第一批"})
    values.update(overrides)
    return item_data(title, **values)


def table_titles(client, structured_form, **params):
    response = client.get(reverse("structured:table", args=[structured_form.pk]), params)
    assert response.status_code == 200
    return [item.title for item, _values in response.context["rows"]]


def export_rows(client, structured_form, **params):
    response = client.get(reverse("structured:export", args=[structured_form.pk]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_form_design_item_table_search_export(portal, client_for, kit, engine_form):
    manager, editor, reader = (client_for(u) for u in (portal.users.manager, portal.users.editor, portal.users.reader))
    fields = list(engine_form.fields.all())
    assert [f.field_type for f in fields] == [kind for _l, _k, kind, _r, _c in FIELDS]
    assert fields[-1].key == "备注_信息"  # made from the label

    # An editor of the space publishes an item through the form.
    editor = client_for(portal.users.editor)
    assert editor.get(reverse("structured:item_create", args=[engine_form.pk])).status_code == 200
    item = publish(editor, engine_form, full_item(portal, kit))
    assert item.live and item.get_parent().pk == portal.research.pk
    assert item.data == {
        "model": "BJ1032-EN", "notes": "适用于轻型卡车的四缸柴油机。", "power": 120.5, "released": "2026-03-01",
        "status": "量产", "markets": ["国内", "欧洲"], "engineer": portal.users.editor.pk,
        "drawing": kit["drawing"].pk, "related": kit["article"].pk, "备注_信息": "第一批",
    }
    assert item.content_owner == portal.users.editor
    page = client_for(portal.users.reader).get(item.url).content.decode()
    for text in ["BJ1032-EN", "120.5", "2026-03-01", "量产", "国内、欧洲", "editor", "总装图纸", "柴油机选型指南", "第一批"]:
        assert text in page, text
    assert kit["drawing"].url in page and kit["article"].url in page

    # The table: filter and sort by fields.
    publish(editor, engine_form, full_item(portal, kit, "BJ2040 汽油机", model="BJ2040-GA", power="85",
                                           released="2025-07-15", status="在研", markets=["北美"]))
    publish(editor, engine_form, full_item(portal, kit, "BJ3000 电驱", model="BJ3000-EV", power="200",
                                           released="2026-11-30", status="停产", markets=[]))
    assert set(table_titles(reader, engine_form)) == {"BJ1032 柴油机", "BJ2040 汽油机", "BJ3000 电驱"}
    assert table_titles(reader, engine_form, **{"f-status": "量产"}) == ["BJ1032 柴油机"]
    assert table_titles(reader, engine_form, **{"f-model": "2040"}) == ["BJ2040 汽油机"]
    assert table_titles(reader, engine_form, **{"f-markets": "欧洲"}) == ["BJ1032 柴油机"]
    assert set(table_titles(reader, engine_form, **{"f-power-min": "100"})) == {"BJ1032 柴油机", "BJ3000 电驱"}
    assert table_titles(reader, engine_form, **{"f-power-min": "100", "f-power-max": "150"}) == ["BJ1032 柴油机"]
    assert table_titles(reader, engine_form, **{"f-released-min": "2026-01-01", "f-released-max": "2026-06-30"}) == [
        "BJ1032 柴油机"]
    assert table_titles(reader, engine_form, sort="f_power") == ["BJ2040 汽油机", "BJ1032 柴油机", "BJ3000 电驱"]
    assert table_titles(reader, engine_form, sort="-f_power") == ["BJ3000 电驱", "BJ1032 柴油机", "BJ2040 汽油机"]
    assert table_titles(reader, engine_form, sort="f_released") == ["BJ2040 汽油机", "BJ1032 柴油机", "BJ3000 电驱"]
    assert table_titles(reader, engine_form, sort="-title")[0] == "BJ3000 电驱"
    assert table_titles(reader, engine_form, sort="f_markets")[0] == "BJ3000 电驱"  # empty first
    # A bad filter value is shown with its error and ignored, never a server error.
    response = reader.get(reverse("structured:table", args=[engine_form.pk]), {"f-power-min": "很多"})
    assert response.status_code == 200 and response.context["filter_form"].errors
    assert len(response.context["rows"]) == 3

    # Search finds the item by any field's value.
    for obj in StructuredItemPage.objects.all():
        index.update_object(obj)
    for query in ["BJ1032-EN", "四缸柴油机", "量产", "第一批"]:
        hits = search(portal.users.reader, query, log=False).hits
        assert "BJ1032 柴油机" in [h.title for h in hits], query
    hit = next(h for h in search(portal.users.reader, "四缸柴油机", log=False).hits if h.title == "BJ1032 柴油机")
    assert hit.kind == "structured" and hit.url == item.url
    assert search(portal.users.reader, "BJ1032", {"kind": ["structured"]}, log=False).total == 1

    # Excel: the rows and columns of the table, with the same filters.
    rows = export_rows(reader, engine_form, **{"f-status": "量产"})
    assert rows[0][:11] == ["Title", "型号", "说明", "功率", "发布日期", "状态", "适用市场", "负责人", "图纸", "相关条目", "备注 信息"]
    assert len(rows) == 2
    row = rows[1]
    assert row[:11] == ["BJ1032 柴油机", "BJ1032-EN", "适用于轻型卡车的四缸柴油机。", 120.5, datetime(2026, 3, 1), "量产",
                        "国内、欧洲", "editor", "总装图纸", "柴油机选型指南", "第一批"]
    assert len(export_rows(reader, engine_form)) == 4


def test_changing_the_form_keeps_old_items_readable(portal, client_for, kit, engine_form):
    manager, editor = client_for(portal.users.manager), client_for(portal.users.editor)
    item = publish(editor, engine_form, full_item(portal, kit))
    notes = engine_form.fields.get(key="notes")

    # Remove "说明", change the choices of "状态", change "功率" to text, rename a label, add a field.
    rows = rows_of(engine_form, notes={"DELETE": True}, status={"choices": "在研\n批产\n停产"},
                   power={"field_type": FieldType.TEXT}, model={"label": "产品型号", "key": "changed"})
    rows.append({"label": "保修期", "key": "warranty", "field_type": FieldType.NUMBER})
    response = manager.post(reverse("structured:design", args=[engine_form.pk]),
                            design_data("发动机型号", portal.research, rows, engine_form))
    assert response.status_code == 302, response.content.decode()[:3000]
    notes.refresh_from_db()  # retired, not deleted: the item has a value for it
    assert notes.retired
    assert engine_form.fields.get(key="model").label == "产品型号"  # the key cannot change
    assert engine_form.fields.filter(key="warranty").exists()
    item.refresh_from_db()
    assert item.data["notes"] == "适用于轻型卡车的四缸柴油机。"

    reader = client_for(portal.users.reader)
    response = reader.get(item.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "产品型号" in page and "BJ1032-EN" in page
    assert "适用于轻型卡车的四缸柴油机。" in page and "retired field" in page  # the retired field's value
    assert "量产" in page and "as stored" in page  # a choice no longer offered, shown as stored
    assert "120.5" in page  # a number under a field that is now text

    # The table and the export still carry it; the retired column is gone.
    assert table_titles(reader, engine_form) == ["BJ1032 柴油机"]
    rows = export_rows(reader, engine_form)
    assert "说明" not in rows[0] and "保修期" in rows[0]
    assert rows[1][rows[0].index("状态")] == "量产" and rows[1][rows[0].index("功率")] == "120.5"

    # Editing the item offers the new choices and keeps the retired value.
    response = editor.get(reverse("structured:item_edit", args=[item.pk]))
    assert response.status_code == 200 and "量产" in response.content.decode()  # named as stored earlier
    response = editor.post(reverse("structured:item_edit", args=[item.pk]),
                           full_item(portal, kit, status="批产", power="130", warranty="3"))
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.data["status"] == "批产" and item.data["warranty"] == 3 and item.data["power"] == "130"
    assert item.data["notes"] == "适用于轻型卡车的四缸柴油机。"

    # Search indexes retired values too, labelled.
    entry = index.update_object(item)
    assert "说明: 适用于轻型卡车的四缸柴油机。" in entry.body and "状态: 批产" in entry.body


def test_items_are_versioned(portal, client_for, kit, engine_form):
    editor, reader = client_for(portal.users.editor), client_for(portal.users.reader)
    item = publish(editor, engine_form, full_item(portal, kit))
    first_revision = item.live_revision_id
    response = editor.post(reverse("structured:item_edit", args=[item.pk]),
                           full_item(portal, kit, "BJ1032 柴油机（改）", power="140"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "BJ1032 柴油机（改）" and item.data["power"] == 140
    assert item.revisions.count() == 2 and item.live_revision_id != first_revision

    versions = reader.get(item.url + "versions/")
    assert versions.status_code == 200 and len(versions.context["versions"]) == 2
    old = reader.get(item.url + f"versions/{first_revision}/").content.decode()
    assert "120.5" in old and "BJ1032 柴油机" in old
    compare = reader.get(item.url + f"versions/compare/{first_revision}/{item.live_revision_id}/")
    assert compare.status_code == 200
    assert any(kind == "replace" and "120.5" in old_line and "140" in new_line
               for kind, old_line, new_line in compare.context["rows"])


@pytest.mark.parametrize("field, value, message", [
    ("model", "", "This field is required."),
    ("power", "很大", "Enter a number."),
    ("released", "2026-13-45", "Enter a valid date."),
    ("status", "报废", "Select a valid choice."),
    ("markets", ["火星"], "Select a valid choice."),
    ("drawing", "secret_doc", "Choose a document you may read."),
    ("related", "secret_article", "Choose a published item you may read."),
    ("engineer", "99999", "Choose an active user."),
])
def test_bad_input_gets_a_clear_message_and_saves_nothing(portal, client_for, kit, engine_form, field, value,
                                                         message):
    editor = client_for(portal.users.editor)
    value = kit[value].pk if value in ("secret_doc", "secret_article") else value
    response = editor.post(reverse("structured:item_create", args=[engine_form.pk]),
                           full_item(portal, kit, **{field: value}))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[f"f_{field}"])
    assert message.split(".")[0] in response.content.decode().replace("&#x27;", "'")
    assert not StructuredItemPage.objects.exists()


def test_bad_designs_are_refused_with_messages(portal, client_for):
    manager = client_for(portal.users.manager)
    rows = [{"label": "状态", "key": "status", "field_type": FieldType.CHOICE},
            {"label": "甲", "key": "same", "field_type": FieldType.TEXT},
            {"label": "乙", "key": "same", "field_type": FieldType.TEXT},
            {"label": "丙", "key": "not a key!", "field_type": FieldType.TEXT}]
    response = manager.post(reverse("structured:create"), design_data("坏表单", portal.research, rows))
    assert response.status_code == 200
    errors = [form.errors for form in response.context["formset"]]
    assert "List at least one choice, one per line." in str(errors[0])
    assert "Two fields have the key “same”." in str(errors[2])
    assert "A key has only letters" in str(errors[3])
    assert not StructuredForm.objects.exists()

    # Without items, removing a field deletes it; two fields from one label get distinct keys.
    structured_form = design(manager, portal.research, [("名称", "", FieldType.TEXT, False, ""),
                                                        ("名称", "", FieldType.TEXT, False, "")], name="草稿")
    assert sorted(structured_form.fields.values_list("key", flat=True)) == ["名称", "名称_2"]
    rows = rows_of(structured_form, 名称_2={"DELETE": True})
    manager.post(reverse("structured:design", args=[structured_form.pk]),
                 design_data("草稿", portal.research, rows, structured_form))
    assert list(structured_form.fields.values_list("key", flat=True)) == ["名称"]


def test_only_authorised_users_design_and_publish(portal, client_for, engine_form, kit):
    reader, editor, accountant = (client_for(u) for u in (portal.users.reader, portal.users.editor,
                                                          portal.users.accountant))
    # Designing needs the right given to knowledge managers.
    assert editor.get(reverse("structured:create")).status_code == 403
    assert editor.get(reverse("structured:design", args=[engine_form.pk])).status_code == 403
    response = reader.post(reverse("structured:create"), design_data("偷偷", portal.research, []))
    assert response.status_code == 403 and not StructuredForm.objects.filter(name="偷偷").exists()
    assert "Design a new form" not in reader.get(reverse("structured:list")).content.decode()
    assert "Design a new form" in client_for(portal.users.manager).get(reverse("structured:list")).content.decode()

    # Publishing needs add and publish rights in the form's space.
    assert reader.get(reverse("structured:item_create", args=[engine_form.pk])).status_code == 403
    response = accountant.post(reverse("structured:item_create", args=[engine_form.pk]), full_item(portal, kit))
    assert response.status_code == 403 and not StructuredItemPage.objects.exists()
    item = publish(client_for(portal.users.editor), engine_form, full_item(portal, kit))
    assert reader.get(reverse("structured:item_edit", args=[item.pk])).status_code == 403
    assert "structured:item_edit" not in reader.get(item.url).content.decode()
    assert reverse("structured:item_edit", args=[item.pk]) not in reader.get(item.url).content.decode()
    assert reverse("structured:item_edit", args=[item.pk]) in editor.get(item.url).content.decode()


def test_items_of_a_restricted_space_are_invisible_to_outsiders(portal, client_for, kit):
    manager = client_for(portal.users.manager)
    salaries = design(manager, portal.finance, [("岗位", "post", FieldType.TEXT, True, ""),
                                                ("月薪", "salary", FieldType.NUMBER, True, "")], name="薪资标准")
    accountant = client_for(portal.users.accountant)
    item = publish(accountant, salaries, item_data("高级工程师薪资", post="高级工程师", salary="38000"))
    index.update_object(item)
    assert accountant.get(item.url).status_code == 200
    assert table_titles(accountant, salaries) == ["高级工程师薪资"]
    assert [r[0] for r in export_rows(accountant, salaries)] == ["Title", "高级工程师薪资"]
    assert "高级工程师薪资" in [h.title for h in search(portal.users.accountant, "38000", log=False).hits]

    for user in (portal.users.reader, portal.users.editor):
        outsider = client_for(user)
        response = outsider.get(item.url)
        assert response.status_code != 200 and "38000" not in response.content.decode()
        assert outsider.get(reverse("structured:table", args=[salaries.pk])).status_code == 404
        assert outsider.get(reverse("structured:export", args=[salaries.pk])).status_code == 404
        assert outsider.get(reverse("structured:item_create", args=[salaries.pk])).status_code == 404
        assert outsider.get(reverse("structured:item_edit", args=[item.pk])).status_code == 404
        assert outsider.get(item.url + "versions/").status_code != 200
        assert "薪资标准" not in outsider.get(reverse("structured:list")).content.decode()
        assert search(user, "38000", log=False).total == 0
        assert search(user, "高级工程师", log=False).total == 0


def test_linked_targets_are_shown_only_to_who_may_read_them(portal, client_for, kit, engine_form):
    """A knowledge manager may link a Finance document from a Research item; Research readers
    see that something is linked, never its title, in the page, the table, the export or search."""
    manager = client_for(portal.users.manager)
    item = publish(manager, engine_form, full_item(portal, kit, drawing=kit["secret_doc"].pk,
                                                   related=kit["secret_article"].pk))
    entry = index.update_object(item)
    assert "工资表" not in entry.body and "成本核算机密" not in entry.body
    reader = client_for(portal.users.reader)
    for content in (reader.get(item.url).content.decode(),
                    reader.get(reverse("structured:table", args=[engine_form.pk])).content.decode()):
        assert "工资表" not in content and "成本核算机密" not in content and "not visible to you" in content
    assert "工资表" not in str(export_rows(reader, engine_form))
    assert search(portal.users.reader, "工资表", {"kind": ["structured"]}, log=False).total == 0
    page = client_for(portal.users.accountant).get(item.url)
    assert page.status_code == 200 and "工资表" in page.content.decode()


def test_items_sit_in_dimensions(portal, client_for, kit, engine_form):
    dimension = Dimension.objects.create(name="产品线", slug="product-line")
    engines = dimension.node_from_path(["发动机"])
    diesel = dimension.node_from_path(["发动机", "柴油机"])
    other = dimension.node_from_path(["柴油"])
    item = publish(client_for(portal.users.editor), engine_form, {**full_item(portal, kit), "nodes": [diesel.pk]})
    assert list(item.nodes.all()) == [diesel]
    entry = index.update_object(item)
    assert set(entry.node_rows.values_list("node_id", flat=True)) == {engines.pk, diesel.pk}
    assert "发动机 / 柴油机" in client_for(portal.users.reader).get(item.url).content.decode()
    assert search(portal.users.reader, "BJ1032", {"node": [engines.pk]}, log=False).total == 1

    dimensions.merge_nodes(portal.users.manager, diesel, other)
    assert list(StructuredItemPage.objects.get(pk=item.pk).nodes.all()) == [other]


def test_export_never_turns_text_into_formulas(portal, client_for, kit, engine_form):
    editor = client_for(portal.users.editor)
    publish(editor, engine_form, full_item(portal, kit, "公式", model="=HYPERLINK(\"http://x\")", notes="=1+1"))
    response = editor.get(reverse("structured:export", args=[engine_form.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).data_type == "s" and sheet.cell(row=2, column=3).data_type == "s"
    assert sheet.cell(row=2, column=3).value == "=1+1"


def test_items_are_pages_of_their_space_and_open_in_the_admin(portal, client_for, kit, engine_form):
    from knowledge.models import KnowledgeSpacePage

    assert StructuredItemPage in KnowledgeSpacePage.allowed_subpage_models()
    item = publish(client_for(portal.users.editor), engine_form, full_item(portal, kit))
    manager = client_for(portal.users.manager)
    response = manager.get(reverse("wagtailadmin_pages:edit", args=[item.pk]))
    assert response.status_code == 200 and "BJ1032-EN" in response.content.decode()
    # Items are created through their form, which validates every value, not in the admin.
    response = manager.get(reverse("wagtailadmin_pages:add_subpage", args=[portal.research.pk]))
    if response.status_code == 302:  # one creatable type: Wagtail goes straight to it
        assert "articlepage" in response.url
    else:
        assert "articlepage" in response.content.decode() and "structureditempage" not in response.content.decode()


@pytest.mark.worker
def test_index_follows_publish_redesign_and_unpublish(worker, portal, client_for, kit):
    """Through the real worker: a published item is found, a renamed field is found under its
    new label, an unpublished item is no longer found."""
    structured_form = design(client_for(portal.users.manager), portal.research)
    item = publish(client_for(portal.users.editor), structured_form, full_item(portal, kit))

    def body():
        entry = SearchEntry.objects.filter(kind="structured", object_id=str(item.pk)).first()
        return entry.body if entry else None

    wait_for(lambda: "BJ1032 柴油机" in [h.title for h in search(portal.users.reader, "四缸柴油机", log=False).hits])
    rows = rows_of(structured_form, notes={"label": "技术说明"})
    client_for(portal.users.manager).post(reverse("structured:design", args=[structured_form.pk]),
                                          design_data("发动机型号", portal.research, rows, structured_form))
    wait_for(lambda: "技术说明: 适用于轻型卡车的四缸柴油机。" in (body() or ""))
    StructuredItemPage.objects.get(pk=item.pk).unpublish()
    wait_for(lambda: body() is None)
