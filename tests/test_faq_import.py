"""Import and export of FAQ entries (KB-13): bad rows, dry runs, re-imports, encodings, broken
files, the admin's upload → preview → confirm, and who may do what."""
import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from wagtail.models import Page, Revision

from faq.models import FAQEntryPage, FAQImport
from faq.services import transfer
from faq.services.entries import create_entry, plain_to_rich_text
from knowledge.models import Audience, Dimension, DimensionNode
from portal import roles

from .factories import make_user
from .utils import assert_refused

HEADER = ["问题", "相似问法", "答案", "分类", "受众"]
GOOD_ROWS = [
    ["如何重置密码？", "忘记密码怎么办\n密码找不回", "打开登录页\n点击“忘记密码”", "客户服务/常见问题", "公开"],
    ["发票多久能开？", "开票时间|什么时候开发票", "三个工作日内。", "财务/发票; 产品线:轻型卡车/发动机", "内部"],
    ["保修期是多久？", "", "整车三年或十万公里。", "", ""],
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def product_line(db):
    return Dimension.objects.create(name="产品线", slug="product-line")


def xlsx_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8-sig"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def entries(space):
    return FAQEntryPage.objects.descendant_of(space)


def snapshot():
    return (Page.objects.count(), Revision.objects.count(), DimensionNode.objects.count(),
            Dimension.objects.count(), FAQImport.objects.count())


def actions(report):
    return [(row.row, row.action) for row in report.rows]


def test_bad_rows_are_reported_and_the_good_ones_imported(portal, product_line):
    data = xlsx_bytes([
        HEADER,
        GOOD_ROWS[0],
        ["", "", "没有问题的答案", "", ""],                       # 3: no question
        ["只有问题没有答案", "", "  ", "", ""],                    # 4: no answer
        ["受众写错了", "", "答案", "", "所有人"],                   # 5: unknown audience
        ["如何重置密碼?", "", "繁体写法，同一个问题", "", ""],         # 6: the same question as row 2
        ["维度没有路径", "", "答案", "产品线:", ""],                 # 7: dimension without a path
        ["维度不存在", "", "答案", "不存在的维度:某节点", ""],          # 8: unknown dimension
        [],                                                       # 9: blank rows are skipped
        GOOD_ROWS[1],
        ["x" * 300, "", "答案", "", ""],                           # 11: question too long
    ])
    report = transfer.import_file(data, "faq.xlsx", portal.research, portal.users.editor, dry_run=False)

    assert actions(report) == [(2, "create"), (3, "error"), (4, "error"), (5, "error"), (6, "error"),
                               (7, "error"), (8, "error"), (10, "create"), (11, "error")]
    messages = {row.row: " ".join(row.messages) for row in report.rows}
    assert "question is missing" in messages[3]
    assert "answer is missing" in messages[4]
    assert "Unknown audience “所有人”" in messages[5]
    assert "same question as row 2" in messages[6]
    assert "names no category" in messages[7]
    assert "no dimension “不存在的维度”" in messages[8]
    assert "longer than 255" in messages[11]
    assert "Row 4: Error “只有问题没有答案” — The answer is missing." in [transfer.row_line(r) for r in report.rows]
    assert report.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 7}

    assert sorted(entries(portal.research).values_list("title", flat=True)) == ["发票多久能开？", "如何重置密码？"]
    password = FAQEntryPage.objects.get(title="如何重置密码？")
    assert password.live and password.audience == Audience.PUBLIC
    assert password.phrasing_list() == ["忘记密码怎么办", "密码找不回"]
    assert password.answer_text == "打开登录页\n点击“忘记密码”"
    assert [n.label for n in password.nodes.all()] == ["Category / 客户服务 / 常见问题"]
    assert password.owner == portal.users.editor and password.content_owner == portal.users.editor
    invoice = FAQEntryPage.objects.get(title="发票多久能开？")
    assert invoice.phrasing_list() == ["开票时间", "什么时候开发票"]
    assert invoice.audience == Audience.INTERNAL
    assert sorted(n.label for n in invoice.nodes.all()) == ["Category / 财务 / 发票", "产品线 / 轻型卡车 / 发动机"]


def test_a_dry_run_writes_nothing(portal, product_line):
    before = snapshot()
    report = transfer.import_file(xlsx_bytes([HEADER, *GOOD_ROWS]), "faq.xlsx", portal.research,
                                  portal.users.editor, dry_run=True)
    assert report.dry_run and actions(report) == [(2, "create"), (3, "create"), (4, "create")]
    assert "New categories: 客户服务/常见问题." in report.rows[0].messages
    assert "Nothing has been saved" in report.summary()
    assert snapshot() == before


def test_re_import_changes_nothing_and_a_changed_answer_is_a_new_revision(portal, product_line):
    data = csv_bytes([HEADER, *GOOD_ROWS])
    transfer.import_file(data, "faq.csv", portal.research, portal.users.editor, dry_run=False)
    before = snapshot()

    again = transfer.import_file(data, "faq.csv", portal.research, portal.users.editor, dry_run=False)
    assert actions(again) == [(2, "unchanged"), (3, "unchanged"), (4, "unchanged")]
    assert snapshot() == before

    changed = [row[:] for row in GOOD_ROWS]
    changed[2][2] = "整车五年或二十万公里。"
    changed[0][4] = ""  # no audience: the entry keeps its own
    report = transfer.import_file(csv_bytes([HEADER, *changed]), "faq.csv", portal.research,
                                  portal.users.editor, dry_run=False)
    assert actions(report) == [(2, "unchanged"), (3, "unchanged"), (4, "update")]
    assert report.rows[2].messages[0] == "Changes: answer."
    assert entries(portal.research).count() == 3
    warranty = FAQEntryPage.objects.get(title="保修期是多久？")
    assert warranty.answer_text == "整车五年或二十万公里。"
    assert FAQEntryPage.objects.get(title="如何重置密码？").audience == Audience.PUBLIC
    revisions = list(warranty.revisions.order_by("created_at", "pk"))
    assert len(revisions) == 2
    assert "整车三年或十万公里。" in revisions[0].content["answer"]


def test_traditional_spelling_and_width_match_the_existing_entry(portal):
    create_entry(portal.research, portal.users.editor, "如何重置密码？", plain_to_rich_text("打开登录页"))
    data = csv_bytes([["Question", "Answer"], ["如何重置密碼?", "打开登录页"], ["ＷＩＦＩ怎麼連接", "见墙上的说明"]])
    report = transfer.import_file(data, "faq.csv", portal.research, portal.users.editor, dry_run=False)
    assert actions(report) == [(2, "unchanged"), (3, "create")]
    report = transfer.import_file(csv_bytes([["question", "answer"], ["wifi怎么连接", "见墙上的说明"]]), "faq.csv",
                                  portal.research, portal.users.editor, dry_run=False)
    assert actions(report) == [(2, "unchanged")]
    assert entries(portal.research).count() == 2
    # The same question in another space is another entry.
    accountant = portal.users.accountant
    report = transfer.import_file(data, "faq.csv", portal.finance, accountant, dry_run=False)
    assert actions(report) == [(2, "create"), (3, "create")]


def test_a_draft_entry_is_matched_too(portal):
    create_entry(portal.research, portal.users.editor, "草稿里的问题", plain_to_rich_text("旧答案"), publish=False)
    report = transfer.import_file(csv_bytes([["问题", "答案"], ["草稿里的问题", "新答案"]]), "faq.csv",
                                  portal.research, portal.users.editor, dry_run=False)
    assert actions(report) == [(2, "update")]
    assert entries(portal.research).count() == 1


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_from_chinese_excel_in_any_encoding(portal, encoding):
    rows = [[" 问题 ", "其他问法", "答案", "受众"], ["怎么申请年假？", "年假申请", "在 OA 里提交“休假申请”。", "内部"]]
    report = transfer.import_file(csv_bytes(rows, encoding), "年假.csv", portal.research, portal.users.editor,
                                  dry_run=False)
    assert actions(report) == [(2, "create")]
    entry = FAQEntryPage.objects.get()
    assert entry.title == "怎么申请年假？" and entry.answer_text == "在 OA 里提交“休假申请”。"
    assert entry.phrasing_list() == ["年假申请"]
    if encoding == "gb18030":
        assert "The file was read as GB18030 text." in report.notes


def test_semicolon_and_tab_separated_csv(portal):
    for delimiter in (";", "\t"):
        text = delimiter.join(["问题", "答案"]) + "\r\n" + delimiter.join([f"分隔符{delimiter!r}", "可以"]) + "\r\n"
        report = transfer.import_file(text.encode("gb18030"), "faq.csv", portal.research, portal.users.editor)
        assert actions(report) == [(2, "create")]


def test_header_below_a_title_row_and_extra_columns(portal):
    data = xlsx_bytes([["常见问题汇总（2025）"], [], ["序号", "问题", "答案", "备注"], [1, "电话多少？", 4008001234, "x"]])
    report = transfer.import_file(data, "faq.xlsx", portal.research, portal.users.editor, dry_run=False)
    assert actions(report) == [(4, "create")]
    assert "These columns are not imported: 序号、备注." in report.notes
    assert FAQEntryPage.objects.get().answer_text == "4008001234"


def test_html_answers_are_cleaned(portal):
    html = '<p>先<b>备份</b>数据</p><script>alert(1)</script><ul><li>再重启</li></ul><p><a href="javascript:x()">链接</a></p>'
    transfer.import_file(csv_bytes([["问题", "答案"], ["怎么升级？", html]]), "faq.csv", portal.research,
                         portal.users.editor, dry_run=False)
    answer = FAQEntryPage.objects.get().answer
    assert "<b>备份</b>" in answer and "<li>再重启</li>" in answer
    assert "script" not in answer and "alert" not in answer and "javascript" not in answer
    again = transfer.import_file(csv_bytes([["问题", "答案"], ["怎么升级？", html]]), "faq.csv", portal.research,
                                 portal.users.editor, dry_run=False)
    assert actions(again) == [(2, "unchanged")]


@pytest.mark.parametrize("name, content, message", [
    ("faq.csv", b"", "The file is empty."),
    ("faq.csv", "\r\n  \r\n".encode(), "The file is empty."),
    ("faq.xlsx", xlsx_bytes([]), "The file is empty."),
    ("faq.csv", csv_bytes([["问题", "答案"]]), "a header row but no entries"),
    ("faq.csv", csv_bytes([["名称", "内容"], ["a", "b"]]), "No header row found"),
    ("faq.csv", csv_bytes([["问题", "答案", "问题"], ["a", "b", "c"]]), "appears twice"),
    ("faq.xlsx", b"PK\x03\x04" + b"\x00" * 200, "damaged"),
    ("faq.xlsx", xlsx_bytes([HEADER])[:-300], "damaged"),
    ("faq.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel 97-2003"),
    ("faq.csv", "问题,答案\n好,的\n".encode("utf-8") + "\udce9".encode("utf-8", "surrogateescape") + b"\xff\xfe\x80",
     "neither UTF-8 nor GB18030"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither a CSV file nor an Excel workbook"),
])
def test_unreadable_files_are_refused_with_a_message(name, content, message):
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer.read_table(content, name)
    assert message in str(refused.value)


def test_a_refused_file_writes_nothing(portal):
    before = snapshot()
    for name, content in [("faq.xlsx", b"PK\x03\x04" + b"\x00" * 200), ("faq.csv", csv_bytes([["问题", "答案"]]))]:
        with pytest.raises(transfer.ImportRefused):
            transfer.import_file(content, name, portal.research, portal.users.editor, dry_run=False)
    assert snapshot() == before


def test_a_word_document_named_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(transfer.ImportRefused, match="not a readable Excel workbook"):
        transfer.read_table(buffer.getvalue(), "faq.xlsx")


def test_mislabelled_files_are_read_by_their_content(portal):
    report = transfer.import_file(xlsx_bytes([HEADER, GOOD_ROWS[2]]), "faq.csv", portal.research,
                                  portal.users.editor, dry_run=False)
    assert actions(report) == [(2, "create")]
    assert "The file is named “faq.csv” but is an Excel workbook; it was read as one." in report.notes
    report = transfer.import_file(csv_bytes([HEADER, GOOD_ROWS[2]], "gb18030"), "faq.xlsx", portal.research,
                                  portal.users.editor)
    assert actions(report) == [(2, "unchanged")]
    assert any("is a CSV text file" in note for note in report.notes)


def test_limits_on_size_and_rows(portal, settings):
    settings.ZHIKU_FAQ_IMPORT_MAX_ROWS = 3
    rows = [HEADER] + [[f"问题{i}", "", "答案", "", ""] for i in range(4)]
    with pytest.raises(transfer.ImportRefused, match="more than 3 rows"):
        transfer.import_file(xlsx_bytes(rows), "faq.xlsx", portal.research, portal.users.editor)
    assert transfer.import_file(xlsx_bytes(rows[:4]), "faq.xlsx", portal.research, portal.users.editor).counts[
        "create"] == 3
    settings.ZHIKU_FAQ_IMPORT_MAX_MB = 1
    big = csv_bytes([["问题", "答案"], ["大文件", "很长" * 400_000]])
    with pytest.raises(transfer.ImportRefused, match="more than the limit of 1 MB"):
        transfer.import_file(big, "faq.csv", portal.research, portal.users.editor)


def test_export_then_import_reports_every_row_unchanged(portal, product_line, tmp_path):
    transfer.import_file(xlsx_bytes([HEADER, *GOOD_ROWS]), "faq.xlsx", portal.research, portal.users.editor,
                         dry_run=False)
    rich = ('<h3>步骤</h3><ol><li>第一步</li><li>第二步</li></ol><ul><li>注意</li></ul>'
            '<p><b>粗体</b>和<a href="https://example.com">链接</a></p>')
    create_entry(portal.research, portal.users.editor, "=1+1 等于几？", rich, phrasings=["@某人", "+86 电话"])
    create_entry(portal.research, portal.users.editor, "列表开头的答案", "<ul><li>第一项</li></ul>")
    before = snapshot()
    for name in ("faq.xlsx", "faq.csv"):
        call_command("faq_export", str(tmp_path / name), space="research", stdout=io.StringIO())
        data = (tmp_path / name).read_bytes()
        report = transfer.import_file(data, name, portal.research, portal.users.editor, dry_run=False)
        assert [row.action for row in report.rows] == ["unchanged"] * 5, [transfer.row_line(r) for r in report.rows]
        assert report.notes == []
    assert snapshot() == before
    # ...and into an empty space every exported entry is new, with the same content.
    report = transfer.import_file((tmp_path / "faq.xlsx").read_bytes(), "faq.xlsx", portal.finance,
                                  portal.users.admin, dry_run=False)
    assert report.counts["create"] == 5
    copy = entries(portal.finance).get(title="发票多久能开？")
    assert sorted(n.label for n in copy.nodes.all()) == ["Category / 财务 / 发票", "产品线 / 轻型卡车 / 发动机"]
    assert entries(portal.finance).get(title="=1+1 等于几？").phrasing_list() == ["@某人", "+86 电话"]


def test_export_never_writes_formulas(portal, tmp_path):
    create_entry(portal.research, portal.users.editor, "=HYPERLINK(\"http://x\",\"点我\")",
                 plain_to_rich_text("=1+1\n第二行"), phrasings=["-2+3", "@SUM(A1)"])
    call_command("faq_export", str(tmp_path / "faq.xlsx"), stdout=io.StringIO())
    sheet = load_workbook(tmp_path / "faq.xlsx").active
    assert [c.value for c in sheet[1]] == ["问题", "相似问法", "答案", "分类", "受众", "空间"] or \
        [c.value for c in sheet[1]] == ["question", "alternative phrasings", "answer", "category", "audience", "space"]
    assert sheet["A2"].value == "=HYPERLINK(\"http://x\",\"点我\")" and sheet["A2"].data_type == "s"
    assert sheet["C2"].value == "=1+1\n第二行" and sheet["C2"].data_type == "s"
    call_command("faq_export", str(tmp_path / "faq.csv"), stdout=io.StringIO())
    raw = (tmp_path / "faq.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    cells = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1]
    assert cells[0].startswith("'=") and cells[1].startswith("'-2+3") and cells[2].startswith("'=1+1")


def test_export_holds_only_what_the_user_may_read(portal, client_for):
    create_entry(portal.research, portal.users.editor, "公开的问题", plain_to_rich_text("答案"))
    create_entry(portal.finance, portal.users.accountant, "财务机密问题", plain_to_rich_text("机密答案"))
    titles = lambda user: [e.title for e in transfer.exportable_entries(user)]  # noqa: E731
    assert titles(portal.users.reader) == ["公开的问题"]
    assert sorted(titles(portal.users.accountant)) == ["公开的问题", "财务机密问题"]

    editor = client_for(portal.users.editor)
    response = editor.get(reverse("faq_admin:export"), {"format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "公开的问题" in text and "机密" not in text
    # Naming the restricted space directly does not help.
    response = editor.get(reverse("faq_admin:export"), {"format": "csv", "space": portal.finance.pk})
    assert response.status_code == 302 and b"\xe6\x9c\xba\xe5\xaf\x86" not in response.content
    response = editor.get(reverse("faq_admin:export"), {"format": "xlsx", "space": portal.research.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "公开的问题"


def upload(client, content, name="faq.xlsx", space=None, audience="internal"):
    return client.post(reverse("faq_admin:transfer"), {
        "file": SimpleUploadedFile(name, content), "space": space, "audience": audience})


def test_admin_upload_preview_confirm_imports_once(portal, client_for, product_line):
    editor = client_for(portal.users.editor)
    assert reverse("faq_admin:transfer") in editor.get(reverse("wagtailadmin_home")).content.decode()  # the menu
    page = editor.get(reverse("faq_admin:transfer"))
    assert page.status_code == 200 and portal.research.title in page.content.decode()
    assert portal.finance.title not in page.content.decode().split("<h2>")[1]  # not offered for import

    response = upload(editor, xlsx_bytes([HEADER, *GOOD_ROWS, ["", "", "缺问题", "", ""]]), space=portal.research.pk,
                      audience="public")
    assert response.status_code == 302, response.content.decode()[:2000]
    record = FAQImport.objects.get()
    assert record.user == portal.users.editor and record.file.name.startswith("faq-imports/")
    assert entries(portal.research).count() == 0  # a preview only

    preview = editor.get(response.url).content.decode()
    assert "如何重置密码？" in preview and "The question is missing." in preview
    assert reverse("faq_admin:import_confirm", args=[record.pk]) in preview

    confirm = reverse("faq_admin:import_confirm", args=[record.pk])
    assert editor.get(confirm).status_code == 405
    response = editor.post(confirm)
    assert response.status_code == 302
    assert entries(portal.research).count() == 3
    assert FAQEntryPage.objects.get(title="保修期是多久？").audience == Audience.PUBLIC  # the default audience
    record.refresh_from_db()
    assert record.status == FAQImport.Status.IMPORTED and record.result["rows"][0]["action"] == "create"
    result = editor.get(response.url).content.decode()
    assert "Imported 4 rows" in result and confirm not in result

    revisions = Revision.objects.count()
    response = editor.post(confirm, follow=True)  # a second click, or the back button
    assert "already been imported" in response.content.decode()
    assert entries(portal.research).count() == 3 and Revision.objects.count() == revisions

    # Uploading the same file again (a double submission) previews it as unchanged.
    upload(editor, xlsx_bytes([HEADER, *GOOD_ROWS]), space=portal.research.pk)
    second = FAQImport.objects.latest("pk")
    assert [row["action"] for row in second.preview["rows"]] == ["unchanged"] * 3
    assert "nothing to import" in editor.get(reverse("faq_admin:import_detail", args=[second.pk])).content.decode()


def test_admin_upload_of_a_bad_file_keeps_nothing(portal, client_for, settings):
    settings.ZHIKU_FAQ_IMPORT_MAX_MB = 1
    editor = client_for(portal.users.editor)
    for name, content, message in [
        ("faq.xlsx", b"PK\x03\x04broken", "The Excel file is damaged"),
        ("faq.csv", b"", "The submitted file is empty."),
        ("faq.csv", csv_bytes([["a"], ["b"]]), "No header row found."),
        ("faq.csv", csv_bytes([["问题", "答案"], ["大", "长" * 400_000]]), "more than the limit of 1 MB"),
    ]:
        response = upload(editor, content, name=name, space=portal.research.pk)
        assert response.status_code == 200
        assert message in response.content.decode(), name
    assert FAQImport.objects.count() == 0 and entries(portal.research).count() == 0
    assert not list((Path(settings.MEDIA_ROOT) / "faq-imports").glob("*"))


def test_admin_import_urls_refuse_who_may_not_add_in_the_space(portal, client_for):
    editor = client_for(portal.users.editor)
    upload(editor, xlsx_bytes([HEADER, *GOOD_ROWS]), space=portal.research.pk)
    record = FAQImport.objects.get()
    detail = reverse("faq_admin:import_detail", args=[record.pk])
    confirm = reverse("faq_admin:import_confirm", args=[record.pk])
    transfer_url = reverse("faq_admin:transfer")

    # The editor may not import into the restricted finance space.
    response = upload(editor, xlsx_bytes([HEADER, *GOOD_ROWS]), space=portal.finance.pk)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert FAQImport.objects.count() == 1

    # A reader has no admin at all; a reviewer has the admin but no rights in any space.
    reviewer = make_user("reviewer", roles.REVIEWER)
    for user in (portal.users.reader, reviewer):
        client = client_for(user)
        assert_refused(upload(client, xlsx_bytes([HEADER, *GOOD_ROWS]), space=portal.research.pk))
        assert_refused(client.get(detail))
        assert_refused(client.post(confirm))
    assert_refused(client_for(portal.users.reader).get(transfer_url))
    assert_refused(client_for(portal.users.reader).get(reverse("faq_admin:export"), {"format": "csv"}))
    # The finance editor may import, but not someone else's upload.
    accountant = client_for(portal.users.accountant)
    assert_refused(accountant.get(detail))
    assert_refused(accountant.post(confirm))
    assert FAQImport.objects.count() == 1 and entries(portal.research).count() == 0

    # An editor who has lost the right to publish in the space may no longer import the upload.
    portal.users.editor.groups.remove(Group.objects.get(name="研究院编辑"))
    editor = client_for(portal.users.editor)
    assert_refused(editor.get(detail))
    assert_refused(editor.post(confirm))
    assert entries(portal.research).count() == 0
    record.refresh_from_db()
    assert record.status == FAQImport.Status.PREVIEWED
    with pytest.raises(PermissionDenied):
        transfer.confirm_upload(record, portal.users.editor)


def test_command_reports_rows_and_exit_codes(portal, tmp_path, capsys, product_line):
    path = tmp_path / "常见问题.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS, ["缺答案", "", "", "", ""]], "gb18030"))

    call_command("faq_import", str(path), space="research", dry_run=True)
    out = capsys.readouterr().out
    assert "Row 2: New “如何重置密码？”" in out and "Row 5: Error “缺答案” — The answer is missing." in out
    assert "Dry run of 4 rows: 3 new, 0 to update, 0 unchanged, 1 with errors. Nothing has been saved." in out
    assert entries(portal.research).count() == 0

    call_command("faq_import", str(path), space=str(portal.research.pk), user="editor", audience="public")
    out = capsys.readouterr().out
    assert "Imported 4 rows: 3 new, 0 updated, 0 unchanged, 1 with errors (not imported)." in out
    assert entries(portal.research).count() == 3
    assert FAQEntryPage.objects.get(title="保修期是多久？").audience == Audience.PUBLIC
    assert FAQEntryPage.objects.get(title="保修期是多久？").owner == portal.users.editor

    call_command("faq_import", str(path), space="research")
    assert "0 new, 0 updated, 3 unchanged, 1 with errors" in capsys.readouterr().out

    with pytest.raises(CommandError, match="may not add and publish"):
        call_command("faq_import", str(path), space="finance", user="editor")
    with pytest.raises(CommandError, match="no knowledge space “nowhere”"):
        call_command("faq_import", str(path), space="nowhere")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("faq_import", str(tmp_path / "missing.csv"), space="research")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("faq_import", str(tmp_path / "empty.csv"), space="research")
    with pytest.raises(CommandError, match="Name the file .xlsx or .csv"):
        call_command("faq_export", str(tmp_path / "out.txt"))


def test_command_exits_non_zero_for_an_unreadable_file(tmp_path):
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook at all")
    done = subprocess.run(
        [sys.executable, "manage.py", "faq_import", str(broken), "--space", "research", "--dry-run"],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "CommandError" in done.stderr or done.stderr.strip()


@pytest.mark.worker
def test_a_large_admin_import_runs_in_the_worker(worker, portal, client_for, settings, product_line):
    from .utils import wait_for

    settings.ZHIKU_FAQ_IMPORT_IN_REQUEST_ROWS = 2  # GOOD_ROWS writes 3: too many for the request
    editor = client_for(portal.users.editor)
    response = upload(editor, xlsx_bytes([HEADER, *GOOD_ROWS]), space=portal.research.pk)
    record = FAQImport.objects.get()
    response = editor.post(reverse("faq_admin:import_confirm", args=[record.pk]), follow=True)
    html = response.content.decode()
    assert "imported in the background" in html, html[html.find("<main"):][:3000]
    assert editor.post(reverse("faq_admin:import_confirm", args=[record.pk]), follow=True).content.decode().count(
        "already been imported") == 1  # a second click while the worker runs imports nothing more

    def imported():
        record.refresh_from_db()
        return record.status == FAQImport.Status.IMPORTED

    wait_for(imported)
    assert entries(portal.research).count() == 3
    assert [row["action"] for row in record.result["rows"]] == ["create"] * 3
    assert "Imported 3 rows" in editor.get(reverse("faq_admin:import_detail", args=[record.pk])).content.decode()
