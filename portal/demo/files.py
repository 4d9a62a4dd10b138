"""Builders for small but real office files (docx, xlsx, pptx, pdf) with Chinese text.

Pure Python, no Django. Every builder returns ``bytes`` and is deterministic:
identical input gives an identical sha256, so demo data can be re-seeded
without creating "changed" attachments.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile

# One fixed timestamp for every document property and zip entry.
FIXED_DATETIME = datetime.datetime(2025, 1, 1, 9, 0, 0)
FIXED_ZIP_DATE = (2025, 1, 1, 9, 0, 0)
AUTHOR = "智库演示数据"

CJK_FONT_NAME = "STSong-Light"
EAST_ASIAN_FONT = "宋体"


# ---------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------

def _normalize_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed entry timestamps.

    python-docx, python-pptx and openpyxl all call ``ZipFile.writestr(name, ...)``,
    which stamps each entry with the current time, so without this the bytes
    change every two seconds.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _fix_core_properties(props, title: str) -> None:
    # python-docx and python-pptx share the same core-properties API.
    props.title = title
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME
    props.last_printed = FIXED_DATETIME
    props.revision = 1
    props.language = "zh-CN"


def _cell_text(value) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

def _set_east_asian_font(style, font_name: str) -> None:
    # Word picks the CJK font from w:eastAsia; without it Chinese may fall back
    # to a Latin font and render as boxes on some machines.
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), font_name)


def make_docx(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """Word document: title heading, body paragraphs, optional table (first row = header)."""
    from docx import Document

    doc = Document()
    for style_name in ("Normal", "Title", "Heading 1"):
        _set_east_asian_font(doc.styles[style_name], EAST_ASIAN_FONT)
    _fix_core_properties(doc.core_properties, title)

    doc.add_heading(title, level=0)
    for text in paragraphs:
        doc.add_paragraph(text)

    if table:
        width = max(len(row) for row in table)
        grid = doc.add_table(rows=len(table), cols=width)
        grid.style = "Table Grid"
        for r, row in enumerate(table):
            for c in range(width):
                cell = grid.cell(r, c)
                cell.text = _cell_text(row[c]) if c < len(row) else ""
                if r == 0:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True

    buf = io.BytesIO()
    doc.save(buf)
    return _normalize_zip(buf.getvalue())


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_sheet_title(title: str) -> str:
    """Excel sheet names: max 31 chars, none of []:*?/\\, not blank, no edge quotes."""
    cleaned = _SHEET_FORBIDDEN.sub("_", title).strip().strip("'")
    return cleaned[:31] or "Sheet1"


def _display_width(value) -> int:
    # CJK glyphs are roughly two Latin columns wide.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in _cell_text(value))


def make_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    """Single-sheet workbook: bold header row + data rows (numbers stay numeric)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = safe_sheet_title(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"

    widths: dict[int, int] = {}
    for row in [header, *rows]:
        for i, value in enumerate(row, start=1):
            widths[i] = max(widths.get(i, 0), _display_width(value))
    for i, w in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), 60)

    props = wb.properties
    props.title = title
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.created = FIXED_DATETIME
    props.modified = FIXED_DATETIME
    props.language = "zh-CN"

    # Workbook.save() overwrites properties.modified with now(); ExcelWriter does not.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return _normalize_zip(buf.getvalue())


# ---------------------------------------------------------------------------
# PPTX
# ---------------------------------------------------------------------------

def make_pptx(title: str, slides: list[tuple[str, list[str]]]) -> bytes:
    """Title slide, then one "Title and Content" slide per (heading, bullet lines)."""
    from pptx import Presentation

    prs = Presentation()
    _fix_core_properties(prs.core_properties, title)

    title_slide = prs.slides.add_slide(prs.slide_layouts[0])
    title_slide.shapes.title.text = title
    if len(title_slide.placeholders) > 1:
        title_slide.placeholders[1].text = AUTHOR

    for heading, lines in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = heading
        body = slide.placeholders[1].text_frame
        lines = list(lines) or [""]
        body.text = lines[0]
        for line in lines[1:]:
            body.add_paragraph().text = line

    buf = io.BytesIO()
    prs.save(buf)
    return _normalize_zip(buf.getvalue())


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

# Characters that must not start a line / end a line (simple kinsoku rules).
_NO_LINE_START = set("，。、；：！？）》」』】〕〉”’%·…—,.;:!?)]}")
_NO_LINE_END = set("（《「『【〔〈“‘([{")
# Latin words, numbers, part numbers etc. stay unbroken; everything else is one token per char.
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.·/@+%°]*|\s+|.", re.S)


def _register_cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT_NAME))
    return CJK_FONT_NAME


def wrap_cjk(text: str, font_name: str, font_size: float, max_width: float) -> list[str]:
    """Greedy line wrap by measured width.

    Chinese has no spaces, so every CJK character is a break opportunity;
    Latin runs (words, numbers, part numbers) are kept whole unless a single
    run is wider than the line.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def width(s: str) -> float:
        return stringWidth(s, font_name, font_size)

    lines: list[str] = []
    for source_line in text.splitlines() or [""]:
        current = ""
        for token in _TOKEN_RE.findall(source_line):
            if token.isspace() and not current:
                continue  # no leading blanks on a wrapped line
            if width(current + token) <= max_width:
                current += token
                continue
            if token in _NO_LINE_START and current:
                current += token  # hang punctuation slightly into the margin
                continue
            if width(token) > max_width:
                # over-long Latin run: break it character by character
                for ch in token:
                    if width(current + ch) > max_width and current:
                        lines.append(current)
                        current = ""
                    current += ch
                continue
            carry = ""
            while current and current[-1] in _NO_LINE_END:
                carry = current[-1] + carry
                current = current[:-1]
            if current.rstrip():
                lines.append(current.rstrip())
            current = carry + ("" if token.isspace() else token)
        lines.append(current.rstrip())
    return lines


def make_pdf(title: str, paragraphs: list[str], pages: int | None = None) -> bytes:
    """PDF with real (extractable) Chinese text in the built-in STSong-Light CID font.

    Text is wrapped per character and flows onto new pages as needed.
    ``pages`` forces at least that many pages: paragraphs are spread over the
    pages, and pages that would stay empty get a short "intentionally blank" note.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _register_cjk_font()
    page_w, page_h = A4
    margin = 20 * mm
    text_w = page_w - 2 * margin
    body_size, title_size = 11, 18
    leading = body_size * 1.6
    bottom = margin + 12 * mm  # leave room for the footer

    paragraphs = [p for p in paragraphs if p is not None]
    min_pages = max(int(pages or 1), 1)

    # Which paragraph indexes must begin on a fresh page, so content is spread
    # across the forced page count instead of leaving trailing blank pages.
    break_before: set[int] = set()
    if min_pages > 1 and len(paragraphs) > 1:
        chunks = min(min_pages, len(paragraphs))
        for k in range(1, chunks):
            break_before.add(round(k * len(paragraphs) / chunks))

    buf = io.BytesIO()
    # invariant=1 fixes the creation date and document ID -> deterministic bytes.
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(AUTHOR)
    c.setSubject(title)
    c.setCreator("Zhiku demo")
    c.setProducer("Zhiku demo")

    state = {"page": 1, "y": page_h - margin}

    def footer() -> None:
        c.setFont(font, 9)
        # No "·" here: PDFBox/Tika maps U+00B7 in STSong-Light back to U+FFFD.
        c.drawCentredString(page_w / 2, margin, f"{title} — 第 {state['page']} 页")

    def new_page() -> None:
        footer()
        c.showPage()
        state["page"] += 1
        state["y"] = page_h - margin

    def draw_lines(lines: list[str], size: float, line_leading: float) -> None:
        for line in lines:
            if state["y"] - line_leading < bottom:
                new_page()
            state["y"] -= line_leading
            c.setFont(font, size)
            c.drawString(margin, state["y"], line)

    draw_lines(wrap_cjk(title, font, title_size, text_w), title_size, title_size * 1.5)
    state["y"] -= title_size * 0.8

    for i, para in enumerate(paragraphs):
        if i in break_before and state["y"] < page_h - margin:
            new_page()
        draw_lines(wrap_cjk(para, font, body_size, text_w), body_size, leading)
        state["y"] -= body_size * 0.6  # paragraph spacing

    while state["page"] < min_pages:
        new_page()
        draw_lines(["（本页有意留白）"], body_size, leading)

    footer()
    c.showPage()
    c.save()
    return buf.getvalue()


__all__ = ["make_docx", "make_xlsx", "make_pptx", "make_pdf", "safe_sheet_title", "wrap_cjk"]
