"""Import and export of FAQ entries as Excel workbooks and CSV files (KB-13).

A file has a header row naming its columns, in Chinese or English: question (问题), alternative
phrasings (相似问法), answer (答案), category (分类) and audience (受众). Every import is first
a dry run: each row is reported as a new entry, an update, unchanged or an error, and nothing is
written. The real import writes the valid rows in one transaction and reports the bad ones.

A row is the same entry as an existing one of the target space (live or draft) when their
questions are equal after normalisation (traditional to simplified, full to half width, case),
so importing a file again never makes a second entry. The exported file is a valid import file:
importing it again reports every row unchanged.
"""
import csv
import hashlib
import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import PurePath

from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import Page

from knowledge.models import Audience, Dimension, KnowledgeSpacePage
from search.text import normalise

from ..models import ANSWER_FEATURES, FAQEntryPage, FAQImport
from .entries import (
    can_edit_entry, create_entry, plain_to_rich_text, rich_text_as_plain, spaces_for_adding, update_entry,
)

QUESTION_MAX_CHARS = 255  # a page title
NODE_NAME_MAX_CHARS = 100
HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
MAX_COLUMNS = 50
MAX_UNPACK_RATIO = 25  # an xlsx unpacks to 5-10 times its size; far more is a zip bomb

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("New"),
    UPDATE: gettext_lazy("Update"),
    UNCHANGED: gettext_lazy("Unchanged"),
    ERROR: gettext_lazy("Error"),
}

# Column key -> accepted headers (compared after header_key()); the first two are the headers
# the export writes in Chinese and in English.
COLUMNS = {
    "question": ["问题", "question", "标准问题", "标准问法", "questions"],
    "phrasings": ["相似问法", "alternative phrasings", "其他问法", "相似问题", "其他问题", "phrasings",
                  "alternative phrasing", "similar questions"],
    "answer": ["答案", "answer", "回答", "答复", "answers"],
    "category": ["分类", "category", "类别", "categories"],
    "audience": ["受众", "audience", "可见范围"],
}
# Columns the export adds for people; an import skips them without a word.
EXPORT_ONLY_COLUMNS = {"space": ["空间", "space", "知识空间"]}
REQUIRED_COLUMNS = ("question", "answer")

AUDIENCE_VALUES = {
    "internal": Audience.INTERNAL, "内部": Audience.INTERNAL, "对内": Audience.INTERNAL,
    "仅内部": Audience.INTERNAL, "internal only": Audience.INTERNAL,
    "public": Audience.PUBLIC, "公开": Audience.PUBLIC, "对外": Audience.PUBLIC, "对外公开": Audience.PUBLIC,
}
AUDIENCE_EXPORT = {"zh": {Audience.INTERNAL: "内部", Audience.PUBLIC: "公开"},
                   "en": {Audience.INTERNAL: "internal", Audience.PUBLIC: "public"}}

PHRASING_SEPARATORS = re.compile(r"[\n|｜]")
CATEGORY_SEPARATORS = re.compile(r"[;；\n]")
DIMENSION_SEPARATOR = re.compile(r"[:：]")
PATH_SEPARATOR = re.compile(r"[/／]")
LOOKS_LIKE_HTML = re.compile(r"^\s*<(p|ul|ol|h[1-6]|div|blockquote|br|b|strong|i|em|a)\b[^>]*>", re.IGNORECASE)
BLOCK_KEY = re.compile(r'\s+data-block-key="[^"]*"')
# Excel runs a CSV cell starting with one of these as a formula; the export writes such cells
# with a leading apostrophe, which the import takes off again.
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class ImportRefused(Exception):
    """The whole file cannot be imported (unreadable, empty, too big, no header row)."""


class NoHeader(ImportRefused):
    """No row of the file's beginning names the columns."""


class EmptyFile(ImportRefused):
    def __init__(self):
        super().__init__(_("The file is empty."))


def max_bytes():
    return int(getattr(settings, "ZHIKU_FAQ_IMPORT_MAX_MB", 20)) * 1024 * 1024


def max_rows():
    return int(getattr(settings, "ZHIKU_FAQ_IMPORT_MAX_ROWS", 20_000))


def check_size(size):
    if not size:
        raise EmptyFile()
    if size > max_bytes():
        raise ImportRefused(_("The file is %(size).1f MB, more than the limit of %(limit)d MB. Split it into "
                              "smaller files.") % {"size": size / 2**20, "limit": max_bytes() // 2**20})


# ---------------------------------------------------------------------------------------------
# Reading a file into rows


@dataclass
class Table:
    """The rows of a file below its header: ``rows`` holds ``(row number, {column: text})``,
    with the row numbers Excel shows."""

    format: str
    columns: list
    rows: list
    notes: list = field(default_factory=list)


def header_key(text):
    return re.sub(r"[\s_\-*:：（）()]+", "", normalise(str(text or "")))


HEADER_KEYS = {header_key(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
IGNORED_KEYS = {header_key(alias) for aliases in EXPORT_ONLY_COLUMNS.values() for alias in aliases}


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _header_columns(cells):
    """``{column key: index}`` when ``cells`` is a header row (it names the question and the
    answer), else None. Raises ImportRefused when a column is named twice."""
    found, unknown = {}, []
    for index, cell in enumerate(cells):
        key = HEADER_KEYS.get(header_key(cell))
        if key is None:
            if header_key(cell) and header_key(cell) not in IGNORED_KEYS:
                unknown.append(_cell_text(cell))
            continue
        if key in found:
            raise ImportRefused(_("The column “%(name)s” appears twice in the header row.")
                                % {"name": _cell_text(cell)})
        found[key] = index
    if all(key in found for key in REQUIRED_COLUMNS):
        return found, unknown
    return None


def _no_header_message():
    return _("No header row found. The first row must name the columns, at least “问题” (question) and “答案” "
             "(answer); “相似问法” (alternative phrasings), “分类” (category) and “受众” (audience) are optional.")


def _table_from_rows(rows, file_format, notes):
    """``rows``: an iterable of ``(row number, cells)``."""
    header, leading = None, 0
    table_rows = []
    limit = max_rows()
    for number, cells in rows:
        if header is None:
            if not any(_cell_text(cell) for cell in cells):
                continue
            leading += 1
            found = _header_columns(cells)
            if found is None:
                if leading >= HEADER_SEARCH_ROWS:
                    raise NoHeader(_no_header_message())
                continue
            header, unknown = found
            if unknown:
                notes.append(_("These columns are not imported: %(names)s.") % {"names": "、".join(unknown)})
            continue
        values = {key: _cell_text(cells[index]) if index < len(cells) else "" for key, index in header.items()}
        if not any(values.values()):
            continue
        table_rows.append((number, values))
        if len(table_rows) > limit:
            raise ImportRefused(_("The file has more than %(limit)s rows. Split it into files of at most "
                                  "%(limit)s rows.") % {"limit": f"{limit:,}"})
    if header is None:
        raise NoHeader(_no_header_message()) if leading else EmptyFile()
    if not table_rows:
        raise ImportRefused(_("The file has a header row but no entries below it."))
    return Table(file_format, sorted(header, key=header.get), table_rows, notes)


def _read_xlsx(data, notes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(_("The Excel file is damaged and cannot be read (%(error)s).") % {"error": exc}) from exc
    if unpacked > max(len(data), 2**20) * MAX_UNPACK_RATIO:
        raise ImportRefused(_("The Excel file unpacks to %(size)d MB; it is too big to be read.")
                            % {"size": unpacked // 2**20})
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise ImportRefused(_("The file is not a readable Excel workbook (.xlsx). Open it in Excel or WPS and save "
                              "it again as .xlsx or as CSV.")) from exc
    try:
        first_error = None
        for sheet in book.worksheets:
            notes_here = list(notes)
            if len(book.worksheets) > 1:
                notes_here.append(_("Read from the sheet “%(sheet)s”.") % {"sheet": sheet.title})
            try:
                sheet.reset_dimensions()  # some programs write a wrong size; read every row
                rows = enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1)
                return _table_from_rows(rows, "xlsx", notes_here)
            except NoHeader as exc:  # perhaps on the next sheet
                first_error = first_error or exc
            except EmptyFile as exc:
                first_error = first_error or exc
        raise first_error or EmptyFile()
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(_("The Excel file is damaged and cannot be read (%(error)s).") % {"error": exc}) from exc
    finally:
        book.close()


def _decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16"), "UTF-16"
    if b"\x00" in data[:4096]:
        raise ImportRefused(_("The file is neither a CSV file nor an Excel workbook (.xlsx)."))
    for encoding, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise ImportRefused(_("The text of the CSV file is neither UTF-8 nor GB18030 (GBK). Save it from Excel as "
                          "“CSV UTF-8” and upload it again."))


def _csv_value(text):
    if text[:1] == "'" and text[1:2] and text[1:2] in CSV_FORMULA_START:
        return text[1:]
    return text


def _read_csv(data, notes):
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError as exc:
        raise ImportRefused(_("The text of the CSV file is damaged (%(error)s).") % {"error": exc}) from exc
    if encoding != "UTF-8":
        notes.append(_("The file was read as %(encoding)s text.") % {"encoding": encoding})
    if not text.strip():
        raise EmptyFile()
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    candidates = sorted(",\t;", key=lambda d: -head.count(d))
    first_error = None
    if csv.field_size_limit() < max_bytes():  # a long answer is one big field
        csv.field_size_limit(max_bytes())
    for delimiter in candidates:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = ((number, [_csv_value(cell) for cell in cells]) for number, cells in enumerate(reader, start=1))
            return _table_from_rows(rows, "csv", list(notes))
        except csv.Error as exc:
            first_error = first_error or ImportRefused(
                _("The CSV file cannot be read near row %(row)d: %(error)s") % {"row": reader.line_num, "error": exc})
        except NoHeader as exc:  # perhaps another delimiter
            first_error = first_error or exc
    raise first_error


def read_table(data, filename=""):
    """The rows of an uploaded file, read by what it contains, not by its name."""
    check_size(len(data))
    extension = PurePath(filename or "").suffix.lower()
    notes = []
    if data.startswith(b"PK\x03\x04"):
        if extension and extension not in (".xlsx", ".xlsm"):
            notes.append(_("The file is named “%(name)s” but is an Excel workbook; it was read as one.")
                         % {"name": PurePath(filename).name})
        return _read_xlsx(data, notes)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_("This is an Excel 97-2003 workbook (.xls) or a password-protected file. Open it in "
                              "Excel or WPS, remove any password and save it as .xlsx or as CSV."))
    if extension in (".xlsx", ".xlsm", ".xls"):
        notes.append(_("The file is named “%(name)s” but is a CSV text file; it was read as one.")
                     % {"name": PurePath(filename).name})
    return _read_csv(data, notes)


# ---------------------------------------------------------------------------------------------
# Understanding rows


def question_key(text):
    """Two questions are the same when their keys are: 如何重置密碼 = 如何重置密码."""
    return " ".join(normalise(text).split())


def split_phrasings(text, question=""):
    seen, out = {question_key(question)}, []
    for line in PHRASING_SEPARATORS.split(text or ""):
        line = " ".join(line.split())
        if line and question_key(line) not in seen:
            seen.add(question_key(line))
            out.append(line)
    return out


def answer_from_cell(text):
    """Rich text for an answer cell: HTML is cleaned to what the answer editor allows, plain
    text becomes a paragraph per line. Raises ValueError for HTML that cannot be read."""
    if not LOOKS_LIKE_HTML.match(text):
        return plain_to_rich_text(text)
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(["script", "style", "iframe", "object", "embed"]):
        tag.decompose()
    converter = ContentstateConverter(ANSWER_FEATURES)
    try:
        html = converter.to_database_format(converter.from_database_format(str(soup)))
    except Exception as exc:  # the converter asserts on what it cannot nest
        raise ValueError(str(exc)) from exc
    return BLOCK_KEY.sub("", html)


def _same_answer(stored_html, new_html, cell_was_html):
    if cell_was_html:
        return BLOCK_KEY.sub("", stored_html or "") == new_html
    return rich_text_as_plain(stored_html) == rich_text_as_plain(new_html)


@dataclass
class CategoryRef:
    """A category cell's node: ``dimension`` (None: not there yet) and the names of its path."""

    dimension_name: str
    dimension: object
    parts: list
    node: object = None  # the existing node, or None when the import would create it

    @property
    def text(self):
        return "/".join(self.parts)


def _find_node(dimension, parts):
    node = None
    for name in parts:
        siblings = node.get_children() if node else dimension.roots()
        node = siblings.filter(name=name).first()
        if node is None:
            return None
    return node.resolved()


class Categories:
    """Resolves category cells without creating anything; ``node()`` creates what is missing
    (only in a real import)."""

    def __init__(self):
        self.default = Dimension.objects.filter(slug=Dimension.CATEGORY_SLUG).first()
        self.dimensions, self.found = {}, {}
        for dimension in Dimension.objects.all():
            for name in (dimension.name, dimension.slug):
                self.dimensions.setdefault(header_key(name), dimension)

    def parse(self, text):
        """``(refs, errors)`` for a cell: "客户服务/常见问题; 产品线:轻型卡车/发动机"."""
        refs, errors = [], []
        for item in CATEGORY_SEPARATORS.split(text or ""):
            item = item.strip()
            if not item:
                continue
            named = DIMENSION_SEPARATOR.split(item, maxsplit=1)
            if len(named) == 2:
                dimension_name, path = named[0].strip(), named[1]
                if not dimension_name:
                    errors.append(_("“%(value)s” names no dimension before the colon.") % {"value": item})
                    continue
                dimension = self.dimensions.get(header_key(dimension_name))
                if dimension is None:
                    errors.append(_("There is no dimension “%(name)s” (in “%(value)s”).")
                                  % {"name": dimension_name, "value": item})
                    continue
            else:
                dimension_name, dimension, path = "", self.default, item
            parts = [part.strip() for part in PATH_SEPARATOR.split(path) if part.strip()]
            if not parts:
                errors.append(_("“%(value)s” names no category.") % {"value": item})
                continue
            if any(len(part) > NODE_NAME_MAX_CHARS for part in parts):
                errors.append(_("A category name in “%(value)s” is longer than %(max)d characters.")
                              % {"value": item, "max": NODE_NAME_MAX_CHARS})
                continue
            ref = CategoryRef(dimension_name, dimension, parts)
            if dimension is not None:
                key = (dimension.pk, tuple(parts))
                if key not in self.found:
                    self.found[key] = _find_node(dimension, parts)
                ref.node = self.found[key]
            refs.append(ref)
        return refs, errors

    def node(self, ref):
        if ref.node is not None:
            return ref.node
        dimension = ref.dimension or Dimension.for_imports()
        self.default = self.default or dimension
        ref.dimension, ref.node = dimension, dimension.node_from_path(ref.parts).resolved()
        self.found[(dimension.pk, tuple(ref.parts))] = ref.node
        return ref.node


def category_text(nodes):
    """The category cell for ``nodes``: paths of the category dimension as they are, other
    dimensions' as "维度名:路径"."""
    items = []
    for node in nodes:
        node = node.resolved()
        path = "/".join(node.path_names)
        items.append(path if node.dimension.slug == Dimension.CATEGORY_SLUG else f"{node.dimension.name}:{path}")
    return "; ".join(sorted(items))


# ---------------------------------------------------------------------------------------------
# The report


@dataclass
class RowResult:
    row: int
    action: str
    question: str
    messages: list = field(default_factory=list)
    entry_id: int = None

    @property
    def action_label(self):
        return str(ACTION_LABELS.get(self.action, self.action))


@dataclass
class ImportReport:
    file_name: str = ""
    file_format: str = ""
    dry_run: bool = True
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self):
        return {action: self.count(action) for action in ACTION_LABELS}

    @property
    def changes(self):
        return self.count(CREATE) + self.count(UPDATE)

    def summary(self):
        counts, total = self.counts, len(self.rows)
        if self.dry_run:
            text = ngettext(
                "Dry run of %(total)d row: %(create)d new, %(update)d to update, %(unchanged)d unchanged, "
                "%(error)d with errors. Nothing has been saved.",
                "Dry run of %(total)d rows: %(create)d new, %(update)d to update, %(unchanged)d unchanged, "
                "%(error)d with errors. Nothing has been saved.", total)
        else:
            text = ngettext(
                "Imported %(total)d row: %(create)d new, %(update)d updated, %(unchanged)d unchanged, "
                "%(error)d with errors (not imported).",
                "Imported %(total)d rows: %(create)d new, %(update)d updated, %(unchanged)d unchanged, "
                "%(error)d with errors (not imported).", total)
        return text % {"total": total, **counts}

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data or {})
        rows = [RowResult(**row) for row in data.pop("rows", [])]
        return cls(rows=rows, **{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def row_line(row):
    """One row of the report as a line of text: 第 5 行：错误 “…” — 缺少答案。"""
    line = _("Row %(row)d: %(action)s") % {"row": row.row, "action": row.action_label}
    if row.question:
        line += f" “{row.question}”"
    if row.messages:
        line += " — " + " ".join(row.messages)
    return line


# ---------------------------------------------------------------------------------------------
# Planning and carrying out an import


@dataclass
class PlannedRow:
    result: RowResult
    question: str = ""
    answer: str = ""
    phrasings: list = None  # None: the file has no such column, keep the entry's
    categories: list = None
    audience: str = ""  # "": keep the entry's (or the default for a new one)
    entry: object = None
    changes: dict = field(default_factory=dict)


def _existing_entries(space):
    """Entries of ``space``, live or draft, by question key; the oldest wins."""
    entries = {}
    for entry in FAQEntryPage.objects.descendant_of(space).order_by("pk").prefetch_related("nodes"):
        for title in (entry.title, entry.draft_title):
            if title:
                entries.setdefault(question_key(title), entry)
    return entries


def _parse_row(number, values, categories):
    question = " ".join(values.get("question", "").split())
    planned = PlannedRow(RowResult(number, ERROR, question[:QUESTION_MAX_CHARS]))
    errors = planned.result.messages
    if not question:
        errors.append(_("The question is missing."))
    elif len(question) > QUESTION_MAX_CHARS:
        errors.append(_("The question is longer than %(max)d characters.") % {"max": QUESTION_MAX_CHARS})
    answer = values.get("answer", "")
    if not answer.strip():
        errors.append(_("The answer is missing."))
    else:
        try:
            planned.answer = answer_from_cell(answer)
        except ValueError:
            errors.append(_("The answer looks like HTML but cannot be read; write it as plain text."))
        else:
            if not rich_text_as_plain(planned.answer):
                errors.append(_("The answer is missing."))
    if "phrasings" in values:
        planned.phrasings = split_phrasings(values["phrasings"], question)
    if "category" in values:
        planned.categories, category_errors = categories.parse(values["category"])
        errors.extend(category_errors)
    audience = values.get("audience", "")
    if audience:
        planned.audience = AUDIENCE_VALUES.get(" ".join(normalise(audience).split()), "")
        if not planned.audience:
            errors.append(_("Unknown audience “%(value)s”: write 内部 (internal) or 公开 (public).")
                          % {"value": audience})
    planned.question = question
    return planned


def _differences(planned, entry, cell_was_html):
    """What the row would change on ``entry``, as keyword arguments of update_entry."""
    changes = {}
    if not _same_answer(entry.answer, planned.answer, cell_was_html):
        changes["answer"] = planned.answer
    if planned.phrasings is not None and planned.phrasings != entry.phrasing_list():
        changes["phrasings"] = planned.phrasings
    if planned.audience and planned.audience != entry.audience:
        changes["audience"] = planned.audience
    if planned.categories is not None:
        wanted = {ref.node.pk if ref.node is not None else None for ref in planned.categories}
        current = {node.resolved().pk for node in entry.nodes.all()}
        if wanted != current:
            changes["nodes"] = planned.categories
    return changes


CHANGE_LABELS = {
    "answer": gettext_lazy("answer"), "phrasings": gettext_lazy("alternative phrasings"),
    "audience": gettext_lazy("audience"), "nodes": gettext_lazy("category"),
}


def plan_rows(table, space, user, default_audience):
    """Decide what each row does, writing nothing."""
    categories = Categories()
    existing = _existing_entries(space)
    seen = {}
    planned_rows = []
    for number, values in table.rows:
        planned = _parse_row(number, values, categories)
        result = planned.result
        key = question_key(planned.question) if planned.question else ""
        if key and key in seen:
            result.messages.append(_("The same question as row %(row)d.") % {"row": seen[key]})
        elif key:
            seen[key] = number
        if result.messages:
            planned_rows.append(planned)
            continue
        entry = existing.get(key)
        cell_was_html = bool(LOOKS_LIKE_HTML.match(values.get("answer", "")))
        if entry is None:
            result.action = CREATE
            planned.audience = planned.audience or default_audience
        elif user is not None and not can_edit_entry(entry, user):
            result.messages.append(_("An entry with this question exists, but you may not change it."))
            result.entry_id = entry.pk
        else:
            planned.entry, result.entry_id = entry, entry.pk
            changes = _differences(planned, entry, cell_was_html)
            if changes:
                result.action = UPDATE
                result.messages.append(_("Changes: %(fields)s.") % {
                    "fields": "、".join(str(CHANGE_LABELS[name]) for name in changes)})
                if entry.has_unpublished_changes:
                    result.messages.append(_("Its unpublished draft is replaced; the draft stays in its history."))
            else:
                result.action = UNCHANGED
            planned.changes = changes
        new_nodes = [ref for ref in planned.categories or () if ref.node is None]
        if new_nodes and result.action in (CREATE, UPDATE):
            result.messages.append(_("New categories: %(paths)s.") % {"paths": "、".join(ref.text for ref in new_nodes)})
        planned_rows.append(planned)
    return planned_rows, categories


def _write_row(planned, categories, space, user):
    result = planned.result
    nodes = [categories.node(ref) for ref in planned.categories] if planned.categories is not None else None
    if result.action == CREATE:
        entry = create_entry(space, user, planned.question, planned.answer, phrasings=planned.phrasings or (),
                             nodes=nodes or (), audience=planned.audience or Audience.INTERNAL)
        result.entry_id = entry.pk
    elif result.action == UPDATE:
        changes = dict(planned.changes)
        if "nodes" in changes:
            changes["nodes"] = nodes
        update_entry(planned.entry, user, **changes)


def may_import_into(user, space):
    return user is None or any(s.pk == space.pk for s in spaces_for_adding(user))


def import_table(table, space, user=None, default_audience=Audience.INTERNAL, dry_run=True, file_name=""):
    """Report what importing ``table`` into ``space`` does, and unless ``dry_run`` do it as
    ``user`` (None: the command line, with no one to check). The valid rows are written in one
    transaction; a row the database refuses is reported as an error, the others are kept."""
    if not may_import_into(user, space):
        raise PermissionDenied
    report = ImportReport(file_name=file_name, file_format=table.format, dry_run=dry_run, notes=list(table.notes))
    if dry_run:
        planned_rows, _categories = plan_rows(table, space, user, default_audience)
        report.rows = [planned.result for planned in planned_rows]
        return report
    with transaction.atomic():
        # One import into a space at a time, so two of the same file cannot both create an entry.
        list(Page.objects.select_for_update().filter(pk=space.pk).values_list("pk"))
        planned_rows, categories = plan_rows(table, space, user, default_audience)
        for planned in planned_rows:
            if planned.result.action in (CREATE, UPDATE):
                try:
                    with transaction.atomic():
                        _write_row(planned, categories, space, user)
                except (DatabaseError, ValidationError, ValueError) as exc:
                    planned.result.action = ERROR
                    planned.result.messages = [_("The entry could not be saved: %(error)s") % {"error": exc}]
        report.rows = [planned.result for planned in planned_rows]
    return report


def import_file(data, file_name, space, user=None, default_audience=Audience.INTERNAL, dry_run=True):
    """Read ``data`` (the bytes of an uploaded file) and import it; raises ImportRefused when
    the file cannot be read at all."""
    table = read_table(data, file_name)
    return import_table(table, space, user, default_audience, dry_run, file_name)


# ---------------------------------------------------------------------------------------------
# Uploads in the admin: preview, then import exactly that file, once


def stage_upload(uploaded, space, user, default_audience=Audience.INTERNAL):
    """Keep an uploaded file and its dry-run report; raises ImportRefused (nothing is kept)
    or PermissionDenied."""
    if not may_import_into(user, space):
        raise PermissionDenied
    check_size(uploaded.size)
    data = b"".join(uploaded.chunks())
    report = import_file(data, uploaded.name, space, user, default_audience, dry_run=True)
    record = FAQImport(user=user, space=space, original_name=PurePath(uploaded.name).name[:255],
                       sha256=hashlib.sha256(data).hexdigest(), audience=default_audience,
                       preview=report.as_dict())
    record.file.save(record.original_name, ContentFile(data), save=False)
    record.save()
    return record


class AlreadyImported(Exception):
    """The record's file has been imported before."""


def in_request_rows():
    """Imports writing more rows than this run in the worker: at some 30 ms a row, a large
    file would outlast the web server's request timeout."""
    return int(getattr(settings, "ZHIKU_FAQ_IMPORT_IN_REQUEST_ROWS", 200))


def confirm_upload(record, user):
    """Import the file of ``record`` as previewed, here or (large files) in the worker; returns
    the report, or None when the worker does it. A second confirmation imports nothing and
    raises AlreadyImported."""
    if record.user_id != user.pk or not may_import_into(user, record.space):
        raise PermissionDenied
    _checked_data(record)
    queued = ImportReport.from_dict(record.preview).changes > in_request_rows()
    with transaction.atomic():
        claimed = FAQImport.objects.filter(pk=record.pk, status=FAQImport.Status.PREVIEWED).update(
            status=FAQImport.Status.IMPORTING if queued else FAQImport.Status.IMPORTED, imported_at=timezone.now())
        if not claimed:
            raise AlreadyImported
        if queued:
            from ..tasks import import_confirmed_upload

            transaction.on_commit(lambda: import_confirmed_upload.delay(record.pk))
            return None
        report = _import_claimed(record)
    record.refresh_from_db()
    return report


def _checked_data(record):
    with record.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise ImportRefused(_("The uploaded file has changed on the server since its preview; upload it again."))
    return data


def _import_claimed(record):
    report = import_file(_checked_data(record), record.original_name, record.space, record.user, record.audience,
                         dry_run=False)
    FAQImport.objects.filter(pk=record.pk).update(status=FAQImport.Status.IMPORTED, result=report.as_dict(),
                                                  imported_at=timezone.now())
    return report


def run_queued_import(record):
    """The worker's half of ``confirm_upload``: import a claimed file; a file that can no
    longer be imported (changed, rights lost) is recorded as failed, with the reason."""
    if record.status != FAQImport.Status.IMPORTING:
        return None
    try:
        if record.user is None or not may_import_into(record.user, record.space):
            raise ImportRefused(_("The uploader may no longer add and publish entries in this space."))
        with transaction.atomic():
            return _import_claimed(record)
    except ImportRefused as exc:
        FAQImport.objects.filter(pk=record.pk).update(status=FAQImport.Status.FAILED, error=str(exc))
        return None


def imports_of(user):
    return FAQImport.objects.filter(user=user).select_related("space")


# ---------------------------------------------------------------------------------------------
# Export


def exportable_entries(user, space=None):
    """Published entries ``user`` may read, of ``space`` or of every space."""
    entries = FAQEntryPage.objects.live().readable_by(user) if user is not None else FAQEntryPage.objects.live()
    if space is not None:
        entries = entries.descendant_of(space)
    return entries.order_by("path").prefetch_related("nodes__dimension")


def _export_language():
    return "zh" if (translation.get_language() or "zh").startswith("zh") else "en"


def export_rows(entries):
    """The header and a row per entry, as lists of text."""
    language = _export_language()
    column = 0 if language == "zh" else 1
    keys = ["question", "phrasings", "answer", "category", "audience"]
    header = [COLUMNS[key][column] for key in keys] + [EXPORT_ONLY_COLUMNS["space"][column]]
    spaces = {space.path: space.title for space in KnowledgeSpacePage.objects.all()}
    rows = [header]
    for entry in entries:
        space_title = next((title for path, title in spaces.items() if entry.path.startswith(path)), "")
        rows.append([
            entry.title, "\n".join(entry.phrasing_list()), rich_text_as_plain(entry.answer),
            category_text(entry.nodes.all()), AUDIENCE_EXPORT[language].get(entry.audience, entry.audience),
            space_title,
        ])
    return rows


def _xlsx_bytes(rows):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from structured.services.export import write_cell  # text is never a formula

    book = Workbook()
    sheet = book.active
    sheet.title = "FAQ"
    widths = [40, 40, 80, 30, 10, 16]
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = write_cell(sheet, row_number, column, value)
            if row_number == 1:
                cell.font = Font(bold=True)
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _csv_cell(value):
    value = str(value or "")
    return "'" + value if value.startswith(CSV_FORMULA_START) else value


def _csv_bytes(rows):
    output = io.StringIO()
    writer = csv.writer(output)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return output.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


@dataclass
class ExportedFile:
    content: bytes
    name: str
    content_type: str
    count: int


def export_file(user, file_format="xlsx", space=None):
    """The entries ``user`` may read (None: all) as an .xlsx or .csv file."""
    rows = export_rows(exportable_entries(user, space))
    name = f"faq-{space.slug if space is not None else 'all'}-{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "csv":
        return ExportedFile(_csv_bytes(rows), name, CSV_CONTENT_TYPE, len(rows) - 1)
    return ExportedFile(_xlsx_bytes(rows), name, XLSX_CONTENT_TYPE, len(rows) - 1)


def export_formats():
    return [("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV (UTF-8, opens in Excel)"))]
