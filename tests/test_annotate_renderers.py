"""One annotation, three renderers: the annotated copy made by editing the .xlsx package, the
copy made with openpyxl, and the 检查本表 button marking a live workbook through xlwings
give the same 检查结果 sheet and the same marks, cell by cell."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw

from toolkit.annotate import content, workbook, xlsx
from toolkit.annotate.content import RESULT_SHEET
from toolkit.check import check_path
from toolkit.config import Config
from toolkit.excel import live

from . import xlwings_memory as mem
from .factory import clean_register, pid, set_cell, write_workbook

_LINK = re.compile(r'^=HYPERLINK\("#(.*)","(.*)"\)$')


@pytest.fixture
def engine() -> Iterator[None]:
    previous = mem.activate()
    yield
    mem.deactivate(previous)


def _defective(tmp_path: Path) -> Path:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", 5.30629198005170e17)
    set_cell(book, "排查登记", 2, "联系电话", "12345")
    set_cell(book, "排查登记", 2, "健康状况", "发烧")  # two findings on one row, one cell each
    set_cell(book, "网格", 1, "联防队人数", 8)
    set_cell(book, "住户", 2, "身份证号", "530629800517001")  # a warning
    set_cell(book, "排查登记", 3, "身份证号", pid(11))  # the same person twice: both rows
    return write_workbook(tmp_path / "扎西镇_20200204.xlsx", book)


def _plain(value: Any) -> Any:
    """A cell value as a person reads it (dates at the minute, numbers as numbers)."""
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _from_openpyxl(path: Path) -> tuple[list[list[Any]], dict[tuple[str, str], Any]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[RESULT_SHEET]
    grid = [[_plain(c.value) for c in row] for row in ws.iter_rows()]
    links = {(r + 1, c.column): c.hyperlink.location for r, row in enumerate(ws.iter_rows())
             for c in row if c.hyperlink is not None}
    marks = {}
    for sheet in wb.worksheets:
        if sheet.title == RESULT_SHEET:
            continue
        for row in sheet.iter_rows():
            for c in row:
                if c.comment is not None:
                    marks[(sheet.title, c.coordinate)] = (c.fill.fgColor.rgb[-6:].upper(),
                                                          c.comment.text)
    return _trim(grid), {"links": links, "marks": marks}


def _from_live(book: xw.Book) -> tuple[list[list[Any]], dict[tuple[str, str], Any]]:
    values = book.sheets[RESULT_SHEET].used_range.options(ndim=2).value
    links = {}
    grid = []
    for r, row in enumerate(values, start=1):
        out = []
        for c, v in enumerate(row, start=1):
            m = _LINK.match(v) if isinstance(v, str) else None
            if m:
                links[(r, c)] = m[1]
                v = m[2]
            out.append(_plain(v))
        grid.append(out)
    marks = {}
    for sheet in book.sheets:
        if sheet.name in live.OWN_SHEETS:
            continue
        for (r, c), cell in sheet.impl.ws._cells.items():
            if cell.comment is not None:
                rng = sheet.range((r, c))
                marks[(sheet.name, cell.coordinate)] = ("{:02X}{:02X}{:02X}".format(*rng.color),
                                                        rng.note.text)
    return _trim(grid), {"links": links, "marks": marks}


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    out = [[None if v == "" else v for v in row] for row in grid]
    width = max((i + 1 for row in out for i, v in enumerate(row) if v is not None), default=0)
    out = [row[:width] + [None] * (width - len(row[:width])) for row in out]
    while out and all(v is None for v in out[-1]):
        out.pop()
    return out


def test_three_renderers_give_the_same_sheet_and_marks(tmp_path: Path, config: Config,
                                                       engine: None) -> None:
    path = _defective(tmp_path)
    result = check_path(path, config)
    assert result.errors >= 5 and result.warnings >= 1

    fast = tmp_path / "fast.xlsx"
    assert xlsx.fast_copy(path, fast, lambda names: content.build(result, names,
                                                                  file_name=path.name))
    slow = tmp_path / "openpyxl.xlsx"
    wb = openpyxl.load_workbook(path)
    workbook.render(wb, content.build(result, wb.sheetnames, file_name=path.name))
    wb.save(slow)
    book = mem.open_caller(path)
    check = live.check_and_mark(book, config)
    live_result = check.result

    a, b, c = _from_openpyxl(fast), _from_openpyxl(slow), _from_live(book)
    # the check time is the only cell that differs between the file and the live check
    for grid, when in ((a[0], result.checked_at), (b[0], result.checked_at),
                       (c[0], live_result.checked_at)):
        assert grid[4][1] == f"{when:%Y-%m-%d %H:%M}"  # as text, not a locale's date
        grid[4][1] = None
    assert a[0] == b[0] == c[0]
    assert a[1]["links"] == b[1]["links"] == c[1]["links"]
    assert a[1]["marks"] == b[1]["marks"] == c[1]["marks"]
    assert len(a[1]["marks"]) >= 6 and a[1]["links"]
