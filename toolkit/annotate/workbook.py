"""The annotated copy rendered with openpyxl: for what the fast path (:mod:`.xlsx`) does not
edit (an .xls rebuilt from its values, existing comments, an odd package). A township's own
comment on a problem cell is kept above gridkit's note."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

from ..findings import ERROR, WARNING
from ..read.raw import put_value
from .content import (
    AUTHOR,
    ERROR_COLOR,
    LINK_COLUMN,
    RESULT_SHEET,
    WARNING_COLOR,
    Annotation,
    ResultSheet,
    location,
)

FILLS: dict[str, PatternFill] = {
    ERROR: PatternFill(fill_type="solid", start_color=ERROR_COLOR, end_color=ERROR_COLOR),
    WARNING: PatternFill(fill_type="solid", start_color=WARNING_COLOR, end_color=WARNING_COLOR)}
_FONTS = {"bold": Font(bold=True), "title": Font(bold=True, size=14)}
_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
_WRAP = Alignment(wrap_text=True, vertical="top")


def render(wb: Workbook, annotation: Annotation) -> None:
    """Mark every problem cell of ``wb`` and put the 检查结果 sheet first."""
    if RESULT_SHEET in wb.sheetnames:  # an annotated copy annotated again
        wb.remove(wb[RESULT_SHEET])
    for sheet, marks in annotation.by_sheet().items():
        ws = wb[sheet]
        for m in marks:
            _comment(ws[m.cell], m.severity, m.note)
    _result_sheet(wb, annotation.result)


def _comment(cell: Cell, severity: str, text: str) -> None:
    """Fill the cell and put the findings in its comment (a township's own comment kept)."""
    cell.fill = FILLS[severity]
    old = cell.comment
    if old is not None and old.author != AUTHOR:
        text = f"{old.text}\n----\n{text}"
    lines = sum(1 + len(line) // 22 for line in text.split("\n"))
    cell.comment = Comment(text, AUTHOR, height=min(18 * lines + 10, 400), width=320)


def _result_sheet(wb: Workbook, content: ResultSheet) -> None:
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    ws = wb.create_sheet(RESULT_SHEET, 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    for (r, c), (value, kind) in content.cells.items():
        cell = ws.cell(r, c)
        put_value(cell, ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
        if kind in _FONTS:
            cell.font = _FONTS[kind]
        elif kind in _FORMATS:
            cell.number_format = _FORMATS[kind]
        elif kind in FILLS:
            cell.fill = FILLS[kind]
        elif kind == "wrap":
            cell.alignment = _WRAP
    for r, sheet, ref in content.links:
        cell = ws.cell(r, LINK_COLUMN)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location(sheet, ref),
                                   display=ref)
        cell.style = "Hyperlink"
    for i, width in enumerate(content.widths):
        ws.column_dimensions[chr(65 + i)].width = width
    for r, height in content.heights().items():
        ws.row_dimensions[r].height = height
    ws.page_setup.orientation = "landscape"  # printable: one page wide
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


__all__ = ["FILLS", "render"]
