"""The table of a form as an Excel workbook: the rows and columns the user sees."""
import datetime
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .values import Resolver, excel_value


def _cell_value(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_cell(sheet, row, column, value, hyperlink=""):
    cell = sheet.cell(row=row, column=column, value=_cell_value(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text typed by users is never a formula
    if isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if hyperlink:
        cell.hyperlink = hyperlink
    return cell


def workbook(structured_form, fields, items, user, absolute_url):
    """``items``: the filtered, sorted items; ``absolute_url(path)`` makes links absolute."""
    book = Workbook()
    sheet = book.active
    sheet.title = (ILLEGAL_CHARACTERS_RE.sub("", structured_form.name).translate(
        str.maketrans("", "", "[]:*?/\\")) or "items")[:31]
    headers = [_("Title")] + [f.label for f in fields] + [_("Owner"), _("Updated")]
    for column, header in enumerate(headers, start=1):
        write_cell(sheet, 1, column, header).font = Font(bold=True)
    resolver = Resolver(viewer=user)
    items = list(items)
    resolver.prefetch(fields, [item.data for item in items])
    for row, item in enumerate(items, start=2):
        write_cell(sheet, row, 1, item.title, hyperlink=absolute_url(item.url) if item.url else "")
        data = item.data if isinstance(item.data, dict) else {}
        for column, field in enumerate(fields, start=2):
            write_cell(sheet, row, column, excel_value(field, data.get(field.key), resolver))
        owner = item.content_owner
        write_cell(sheet, row, len(fields) + 2, (owner.get_full_name() or owner.get_username()) if owner else "")
        published = item.last_published_at
        write_cell(sheet, row, len(fields) + 3, timezone.localtime(published).replace(tzinfo=None) if published else "")
    for column in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 20
    sheet.freeze_panes = "A2"
    output = BytesIO()
    book.save(output)
    return output.getvalue()
