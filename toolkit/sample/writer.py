"""Write sample tables to .xlsx with xlsxwriter in constant-memory mode (rows streamed to
disk in order: 40,000-row sheets stay fast and small in memory).

Cells are written as their Python type says: ``str`` as text (ID and phone columns get the
text number format, as the template has), ``int``/``float`` as numbers (so an ID planted as a
float is a real number cell, and a phone as a float is a number), dates as date-formatted
numbers. :func:`row_numbers` says where each row object lands (``id(row) -> Excel row``)
without writing, so files can be written in worker processes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from ..config import Config
from .model import Table

_EPOCH = dt.date(1899, 12, 30)
TEXT_TYPES = ("id-number", "phone")


def _width(header: str) -> int:
    return max(8, min(30, 2 * len(header) + 2))


def row_numbers(tables: list[Table]) -> dict[int, int]:
    """``id(row object) -> Excel row`` for the title rows, header and data rows of each
    table, exactly as :func:`write_workbook` lays them out."""
    rows_at: dict[int, int] = {}
    for t in tables:
        r = 1
        for row in (*t.pre_rows, t.headers, *t.rows):
            rows_at[id(row)] = r
            r += 1
    return rows_at


def write_workbook(path: Path, tables: list[Table], config: Config) -> Path:
    """Write ``tables`` (in order) to ``path``: per table the title rows, the header, the
    rows (an empty row stays blank)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        note_fmt = wb.add_format({"italic": True, "font_color": "#666666"})
        head_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                  "text_wrap": True, "valign": "vcenter"})
        text_fmt = wb.add_format({"num_format": "@"})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for t in tables:
            ws = wb.add_worksheet(t.written_name)
            try:
                spec = config.schema.sheet(t.name)
                types = {c.name: c.type for c in spec.columns}
            except KeyError:
                types = {}
            text_cols = {i for i, c in enumerate(t.columns) if types.get(c) in TEXT_TYPES}
            width = len(t.headers)
            for i, header in enumerate(t.headers):
                ws.set_column(i, i, _width(str(header)), text_fmt if i in text_cols else None)
            r = 0
            for pre in t.pre_rows:
                fmt = note_fmt if str(pre[0]).startswith("填表说明") else title_fmt
                if width > 1:
                    ws.merge_range(r, 0, r, width - 1, str(pre[0]), fmt)
                else:
                    ws.write_string(r, 0, str(pre[0]), fmt)
                r += 1
            ws.write_row(r, 0, [str(h) for h in t.headers], head_fmt)
            ws.freeze_panes(r + 1, 0)
            r += 1
            write_string, write_number = ws.write_string, ws.write_number
            for row in t.rows:
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        write_string(r, c, value, text_fmt if c in text_cols else None)
                    elif isinstance(value, dt.date):
                        write_number(r, c, (value - _EPOCH).days, date_fmt)
                    else:
                        write_number(r, c, value)
                r += 1
            if t.hidden:
                ws.hide()
    finally:
        wb.close()
    return path
