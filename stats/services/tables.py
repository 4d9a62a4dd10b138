"""A table of figures as the dashboards show it and as it is exported: one object, so the
Excel and CSV files hold exactly what is on the screen."""
import io
import re
from dataclasses import dataclass, field

from portal.services.spreadsheets import append_row, csv_bytes

INT, SHARE, NUMBER, TEXT, DATE = "int", "share", "number", "text", "date"
# Characters Excel refuses in a sheet name (a title such as "By dimension: 产品/服务" has them).
SHEET_TITLE_REFUSED = re.compile(r"[\\*?:/\[\]]")


@dataclass
class Column:
    label: str
    kind: str = INT

    @property
    def numeric(self):
        return self.kind in (INT, SHARE, NUMBER)


@dataclass
class Table:
    slug: str  # its name in export URLs
    title: str
    columns: list
    rows: list = field(default_factory=list)  # lists of values, one per column
    links: list = field(default_factory=list)  # per row: the URL of its first cell, or ""
    note: str = ""

    def cells(self):
        """(value, column, link) per cell, row by row, for the template."""
        for index, row in enumerate(self.rows):
            link = self.links[index] if index < len(self.links) else ""
            yield [(value, column, link if position == 0 else "")
                   for position, (value, column) in enumerate(zip(row, self.columns))]

    @property
    def header(self):
        return [c.label for c in self.columns]

    def csv(self):
        return csv_bytes(self.header, self.rows)

    def xlsx(self):
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = SHEET_TITLE_REFUSED.sub(" ", str(self.title))[:31].strip() or "Sheet"
        sheet.append(self.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        shares = tuple(i + 1 for i, c in enumerate(self.columns) if c.kind == SHARE)
        for row in self.rows:
            append_row(sheet, row, shares)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
