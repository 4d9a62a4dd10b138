"""Writing figures to Excel and CSV files people open in Excel: values people typed stay text
(never formulas), percentages and dates get their formats."""
import csv
import io
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def append_row(sheet, values, percent_columns=()):
    """Append ``values`` to an openpyxl sheet; ``percent_columns``: 1-based columns holding
    shares (0.25 shows as 25%)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"  # names typed by people are text, never formulas
        elif cell.column in percent_columns:
            cell.number_format = "0%"
        elif cell.is_date:
            cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(cell.value, datetime) else "yyyy-mm-dd"


def csv_cell(value):
    """A value as CSV text; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def csv_bytes(header, rows):
    """UTF-8 with a byte order mark, so Excel opens Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
