"""Write sample sheets to .xlsx with xlsxwriter in constant-memory mode (rows streamed to
disk in order: 40,000-row sheets stay fast and small in memory).

Cells are written as their Python type says: ``str`` as text (ID and phone columns get the
text number format, as the template has), ``int``/``float`` as numbers (so an ID planted as a
float is a real number cell, and a phone as a float is a number), dates as date-formatted
numbers. Each worksheet is a :class:`SheetPlan`: :func:`plain_plan` lays a table out as the
template does (title rows, header, rows), ``layouts.py`` as a township's own habits.
:func:`positions` says where each row object lands (``id(row) -> (sheet, Excel row)``)
without writing, so files can be written in worker processes.

Merges in constant-memory mode: xlsxwriter flushes a row as soon as a later row is written,
and ``merge_range`` pads the covered cells with *formatted* blanks, which would flush the
rows below before they are written. So a merge over several rows is padded without a format
(no cell is written under it) and its top-left cell is written with the line's format; a
merge within one row keeps its formatted padding (same row).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from ..config.county import Config
from .model import SheetPlan, Table

_EPOCH = dt.date(1899, 12, 30)
TEXT_TYPES = ("id-number", "phone")


def header_width(header: object) -> int:
    return max(8, min(30, 2 * len(str(header or "")) + 2))


def plain_plan(t: Table) -> SheetPlan:
    """The template's layout: title rows merged across, the header, the rows."""
    width = len(t.headers)
    plan = SheetPlan(t.written_name, t.name, [*t.pre_rows, t.headers, *t.rows],
                     columns=list(t.columns), widths=[header_width(h) for h in t.headers],
                     hidden=t.hidden)
    for i, pre in enumerate(t.pre_rows):
        plan.styles[i] = "note" if str(pre[0]).startswith("填表说明") else "title"
        if width > 1:
            plan.merge(i, 0, i, width - 1)
    plan.styles[len(t.pre_rows)] = "head"
    plan.freeze = len(t.pre_rows) + 1
    return plan


def positions(plans: list[SheetPlan]) -> dict[int, tuple[str, int]]:
    """``id(row object) -> (worksheet name, Excel row)`` for every line of every sheet (the
    first place a row object is written; older copies never count)."""
    at: dict[int, tuple[str, int]] = {}
    for plan in plans:
        if plan.copy:
            continue
        for i, line in enumerate(plan.lines, start=plan.row0 + 1):
            at.setdefault(id(line), (plan.name, i))
    return at


def write_workbook(path: Path, plans: list[SheetPlan], config: Config) -> Path:
    """Write ``plans`` (in order) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        formats = {
            "title": wb.add_format({"bold": True, "font_size": 14, "align": "center"}),
            "note": wb.add_format({"italic": True, "font_color": "#666666"}),
            "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                   "text_wrap": True, "valign": "vcenter",
                                   "align": "center"}),
            "sub": wb.add_format({"bold": True}),
            "plain": None,
        }
        text_fmt = wb.add_format({"num_format": "@"})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for plan in plans:
            _write_sheet(wb.add_worksheet(plan.name), plan, config, formats, text_fmt,
                         date_fmt)
    finally:
        wb.close()
    return path


def _write_sheet(ws: Any, plan: SheetPlan, config: Config, formats: dict[str, Any],
                 text_fmt: Any, date_fmt: Any) -> None:
    try:
        types = {c.name: c.type for c in config.schema.sheet(plan.canonical).columns}
    except KeyError:
        types = {}
    text_cols = {i for i, c in enumerate(plan.columns) if types.get(c) in TEXT_TYPES}
    c0, r0 = plan.col0, plan.row0
    for i, w in enumerate(plan.widths):
        ws.set_column(c0 + i, c0 + i, w, text_fmt if i in text_cols else None)
    if plan.freeze is not None:
        ws.freeze_panes(r0 + plan.freeze, 0)
    write_string, write_number = ws.write_string, ws.write_number
    merges, covered, styles = plan.merges, plan.covered, plan.styles
    for i, line in enumerate(plan.lines):
        r = r0 + i
        style = styles.get(i)
        fmt = None if style is None else formats[style]
        for c, last_line, last_col in merges.get(i, ()):
            # padding with a format only within the row (see the module docstring)
            ws.merge_range(r, c0 + c, r0 + last_line, c0 + last_col, "",
                           fmt if last_line == i else None)
        skip = covered.get(i)
        if style is None and skip is None:  # a data row: the fast path
            for c, value in enumerate(line, c0):
                if value is None:
                    continue
                if isinstance(value, str):
                    write_string(r, c, value, text_fmt if c - c0 in text_cols else None)
                elif isinstance(value, dt.date):
                    write_number(r, c, (value - _EPOCH).days, date_fmt)
                else:
                    write_number(r, c, value)
            continue
        for c, value in enumerate(line):
            if value is None or (skip is not None and c in skip):
                continue
            if isinstance(value, str):
                cell_fmt = fmt if style else text_fmt if c in text_cols else None
                write_string(r, c0 + c, value, cell_fmt)
            elif isinstance(value, dt.date):
                write_number(r, c0 + c, (value - _EPOCH).days, date_fmt)
            else:
                write_number(r, c0 + c, value, fmt)
    if plan.hidden:
        ws.hide()
