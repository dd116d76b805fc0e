"""Township registers laid out the way real offices lay them out, built independently of
the reader (the "different hands"), and the expectations a county clerk has of them.

A builder writes ONE layout variant into a folder and returns a :class:`Built`: the file,
the defects planted in it (canonical sheet, the sheet's name in the file, Excel row,
canonical column, rule), the sheets as an inspection should describe them, and which
township and date the file says. The data always start from ``tests.factory``'s
``clean_register()`` (plus a second village, see :func:`register`), so every error the
checker finds beyond the planted ones is a misread layout.

The pieces: :class:`Draft` (a workbook being written, with the data and the plants),
:class:`Grid` (one worksheet: a cursor that writes titles, headers, units rows, data rows,
totals, footers and records which Excel row each data row landed on), small layout
functions (:func:`plain`, :func:`titled`, ...), one builder per variant, :class:`Office`
(LibreOffice conversions, each run once a session) and :func:`verify` (what must hold).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from tests.factory import REPORT_DATE, Book, clean_register, pid
from tests.tools import require_program
from toolkit.check.idcard import check_digit
from toolkit.config.county import Config

if TYPE_CHECKING:
    from toolkit.check.run import CheckResult
    from toolkit.findings import Finding

D = dt.date
TOWNSHIP = "扎西镇"
COVER = "填报信息"
DATA_SHEETS = ("网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠")
NEUTRAL_NAME = "网格化管理登记表.xlsx"  # a file name that names neither township nor date

# ---------------------------------------------------------------------------------------
# The data: clean_register() plus a second village (新街村), a second day of checkpoint
# shifts and publicity, so village and day subtotals, splits and merges have rows to hold.


def zero_ending_id(n: int) -> str:
    """A valid 18-digit ID ending in 000 (a woman's: the sequence digit is 0), the n-th
    one found; what Excel's 15-digit damage looks like, but genuinely valid."""
    found = 0
    for year in range(1960, 2000):
        for day in range(1, 29):
            for seq in range(100, 1000, 100):
                first17 = f"530629{year}03{day:02d}{seq:03d}"
                if check_digit(first17) == "0":
                    if found == n:
                        return first17 + "0"
                    found += 1
    raise AssertionError("no zero-ending ID found")


def x_id(male: bool) -> str:
    """A valid ID whose check digit is X."""
    for n in range(20, 400):
        value = pid(n, male=male)
        if value.endswith("X"):
            return value
    raise AssertionError("no ID with check digit X found")


def wrong_check_digit(value: str) -> str:
    return value[:17] + ("1" if value[17] == "0" else "0")


def register(township: str = TOWNSHIP) -> Book:
    """clean_register() with a second village: grid G03 (新街村一组), households H004/H005,
    screened persons 马小兰 (H001, so H001 has two), 陈亮 and 陈小燕 (H004), 刘伟 (H005); a
    second day (2月3日) in 卡点值守 and 宣传, a second donation and team. Passes every check."""
    book = clean_register(township)
    post = f"{township[:2]}高速路口"
    book["网格"].append(["G03", township, "新街村", "一组", "刘强", "陈芳、杨洋", "黄磊", "周敏",
                        "吴刚", "徐丽", "孙亮", "马超、朱红", 11, 4, "13908702222"])
    book["住户"] += [
        ["H004", "G03", "陈大山", pid(4), "13512340004", 2, "新街村一组8号", "农村住户", "陈芳"],
        ["H005", "G03", "刘长顺", pid(5), "13512340005", 6, "新街村一组21号", "农村住户",
         "杨洋"],
    ]
    head, p1, p2, p3 = book["排查登记"]
    screening = [
        head, p1,
        [2, "马小兰", "女", pid(14, male=False), "13612340014", "H001", "湖北省武汉市", "是",
         D(2020, 1, 20), "无", "正常", "居家观察", D(2020, 1, 20), D(2020, 2, 3), "李娜", None],
        p2, p3,
        [5, "陈亮", "男", pid(15), "13612340015", "H004", "广东省深圳市", "否", D(2020, 1, 28),
         "无", "正常", "无需管控", None, None, "陈芳", None],
        [6, "陈小燕", "女", pid(16, male=False), "13612340016", "H004", "广东省深圳市", "否",
         D(2020, 1, 28), "无", "正常", "无需管控", None, None, "陈芳", None],
        [7, "刘伟", "男", pid(17), "13612340017", "H005", "湖北省孝感市", "是", D(2020, 1, 23),
         "无", "正常", "集中隔离", D(2020, 1, 23), D(2020, 2, 6), "杨洋", "县集中隔离点"],
    ]
    for i, row in enumerate(screening[1:], start=1):
        row[0] = i
    book["排查登记"] = screening
    day3 = D(2020, 2, 3)
    checkpoints = book["卡点值守"]
    checkpoints[1:1] = [[day3, post, "早班", 6, 2, 110, 240, 0, "张伟"],
                        [day3, post, "中班", 6, 3, 140, 300, 0, "孙涛"],
                        [day3, post, "夜班", 5, 2, 35, 70, 0, "李娜"]]
    for row in checkpoints[1:]:
        row[1] = post
    book["宣传"].insert(1, [day3, 800, 20, 3, 5, 10, 1])
    book["队伍"].append(["新街村联防队", "联防队", 11, 4, "徐丽"])
    book["捐赠"][1][6] = f"{township}卫生院"
    book["捐赠"].append([day3, f"{township}商会", "消毒液", 50, "箱", 3000, f"{township}卫生院",
                       "王丽"])
    return book


# which data rows (1-based, as in Book) belong to which village / day
VILLAGES: dict[str, list[tuple[str, list[int]]]] = {
    "网格": [("河坝村", [1, 2]), ("新街村", [3])],
    "住户": [("河坝村", [1, 2, 3]), ("新街村", [4, 5])],
    "排查登记": [("河坝村", [1, 2, 3, 4]), ("新街村", [5, 6, 7])],
}
DAYS: dict[str, list[tuple[str, list[int]]]] = {
    "卡点值守": [("2月3日", [1, 2, 3]), ("2月4日", [4, 5, 6])],
    "宣传": [("2月3日", [1]), ("2月4日", [2])],
}
TITLES = {"网格": "网格化管理人员登记表", "住户": "住户信息登记表", "排查登记": "人员排查登记表",
          "卡点值守": "卡点值守情况登记表", "队伍": "防控队伍情况表", "宣传": "宣传工作情况统计表",
          "捐赠": "爱心捐赠物资登记表"}
UNITS: dict[str, dict[str, str]] = {
    "网格": {"联防队人数": "人", "联防队党员人数": "人"},
    "住户": {"家庭人口数": "人"},
    "卡点值守": {"值守人数": "人", "其中党员": "人", "检查车辆": "辆", "检查人员": "人",
                "体温异常人数": "人"},
    "队伍": {"人数": "人", "党员人数": "人"},
    "宣传": {"宣传资料(份)": "份", "标语横幅(条)": "条", "宣传车(辆次)": "辆次",
           "摩托车(辆次)": "辆次", "应急广播(次)": "次", "取消宴席聚会(户)": "户"},
    "捐赠": {"折合金额(元)": "元"},
}
# the columns a subtotal row adds up (排查登记's subtotal counts the names)
SUMS: dict[str, tuple[str, ...]] = {
    "网格": ("联防队人数", "联防队党员人数"), "住户": ("家庭人口数",), "排查登记": ("姓名",),
    "卡点值守": ("值守人数", "其中党员", "检查车辆", "检查人员", "体温异常人数"),
    "队伍": ("人数", "党员人数"),
    "宣传": ("宣传资料(份)", "标语横幅(条)", "宣传车(辆次)", "摩托车(辆次)", "应急广播(次)",
           "取消宴席聚会(户)"),
    "捐赠": ("数量", "折合金额(元)"),
}

# ---------------------------------------------------------------------------------------
# What a builder returns


@dataclass(frozen=True)
class Planted:
    """A finding the checker must report exactly once; None fields match anything."""
    rule: str
    sheet: str | None = None  # canonical sheet name
    source_sheet: str | None = None  # the sheet's name in the file
    row: int | None = None  # Excel row
    column: str | None = None  # canonical column
    cell: str | None = None  # e.g. "D12"
    severity: str = "error"
    mentions: tuple[str, ...] = ()  # words the message must contain ("a|b": either)

    def matches(self, f: Finding) -> bool:
        got = {"sheet": f.sheet, "source_sheet": getattr(f, "source_sheet", None),
               "row": f.row, "column": f.column, "cell": f.cell}
        want = {"sheet": self.sheet, "source_sheet": self.source_sheet, "row": self.row,
                "column": self.column, "cell": self.cell}
        return f.rule == self.rule and all(w is None or got[k] == w for k, w in want.items())

    def __str__(self) -> str:
        where = "/".join(str(x) for x in (self.sheet, self.source_sheet, self.cell or self.row,
                                          self.column) if x is not None)
        return f"{self.rule}({self.severity}) at {where or 'the file'}"


@dataclass
class SheetPlan:
    """One sheet of the file as an inspection should describe it."""
    name: str
    register_sheet: str | None
    hidden: bool = False
    check_rows: bool = True  # compare header rows, data rows and fields
    header_rows: list[int] = field(default_factory=list)
    data_rows: int = 0
    fields: set[str] = field(default_factory=set)
    layout: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> skip reasons


@dataclass
class Built:
    path: Path
    defects: list[Planted]
    sheets: list[SheetPlan]
    township: str = TOWNSHIP
    report_date: dt.date = REPORT_DATE
    file_name: str | None = None  # the name it was sent under, when path is an archived copy
    warnings: frozenset[str] = frozenset()  # warning rules that may appear besides the defects
    township_source: tuple[str, str] | None = None  # (source, where) inspect must report
    date_source: tuple[str, str] | None = None

    def layout_rows(self) -> set[tuple[str, int]]:
        return {(s.name, r) for s in self.sheets for r in s.layout}

    def sheet(self, name: str) -> SheetPlan:
        return next(s for s in self.sheets if s.name == name)


# ---------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class Cell:
    """A value written with a cell style: a number format, or Excel's quote prefix."""
    value: Any
    number_format: str | None = None
    quote: bool = False


@dataclass(frozen=True)
class Group:
    """An upper header cell merged across the lower header cells of its columns."""
    label: str
    columns: list[str | tuple[str, str]]


Col = str | tuple[str, str | None]  # canonical name, or (header text, canonical or None)
RowValue = Callable[["Grid", int], Any]  # a value computed at write time (a formula)
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


_planting = [True]


def without_defects(build: Callable[..., Built], *args: Any) -> Built:
    """The variant ``build`` makes, with its layout but none of its planted defects."""
    _planting[0] = False
    try:
        return build(*args)
    finally:
        _planting[0] = True


class Draft:
    """A workbook being written: the data (a Book), the defects planted in it and where
    each data row went."""

    def __init__(self, township: str = TOWNSHIP, book: Book | None = None) -> None:
        self.township = township
        self.book = book if book is not None else register(township)
        self.wb = openpyxl.Workbook()
        self.wb.remove(self.wb.active)
        self.plans: list[SheetPlan] = []
        self.expected: list[Planted] = []  # sheet- or file-level findings
        self.warnings: set[str] = set()
        self.township_source: tuple[str, str] | None = None
        self.date_source: tuple[str, str] | None = None
        self._plants: list[tuple[str, int, str, str, str]] = []
        # (canonical sheet, data row) -> (sheet name, Excel row, canonical column -> column)
        self.placed: dict[tuple[str, int], tuple[str, int, dict[str, int]]] = {}

    def set(self, sheet: str, data_row: int, column: str, value: Any) -> None:
        header = self.book[sheet][0]
        self.book[sheet][data_row][header.index(column)] = value

    def get(self, sheet: str, data_row: int, column: str) -> Any:
        return self.book[sheet][data_row][self.book[sheet][0].index(column)]

    def plant(self, sheet: str, data_row: int, column: str, value: Any, rule: str, *,
              at: str | None = None, severity: str = "error") -> None:
        """Put ``value`` in a data cell; the checker must report ``rule`` at column ``at``
        (default: the same column) of that row. Does nothing under :func:`without_defects`
        (the layout stays, the data stay clean)."""
        if not _planting[0]:
            return
        self.set(sheet, data_row, column, value)
        self._plants.append((sheet, data_row, at or column, rule, severity))

    def expect(self, rule: str, *, severity: str = "error", **where: Any) -> None:
        self.expected.append(Planted(rule, severity=severity, **where))

    def sheet(self, name: str, canonical: str | None = None, *, origin: str = "A1",
              hidden: bool = False, check_rows: bool = True) -> Grid:
        ws = self.wb.create_sheet(name)
        if hidden:
            ws.sheet_state = "hidden"
        plan = SheetPlan(name, canonical, hidden=hidden, check_rows=check_rows)
        self.plans.append(plan)
        return Grid(self, ws, plan, canonical, origin)

    def save(self, path: Path, *, file_name: str | None = None) -> Built:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.wb.save(path)
        return self.built(path, file_name=file_name)

    def built(self, path: Path, *, file_name: str | None = None) -> Built:
        defects = list(self.expected)
        for sheet, data_row, column, rule, severity in self._plants:
            name, row, columns = self.placed[(sheet, data_row)]
            cell = f"{get_column_letter(columns[column])}{row}"
            defects.append(Planted(rule, sheet, name, row, column, cell, severity))
        return Built(path, defects, self.plans, self.township, REPORT_DATE, file_name,
                     frozenset(self.warnings), self.township_source, self.date_source)


class Grid:
    """One worksheet, written top to bottom from ``origin``."""

    def __init__(self, draft: Draft, ws: Worksheet, plan: SheetPlan, canonical: str | None,
                 origin: str) -> None:
        letters, row = coordinate_from_string(origin)
        self.draft, self.ws, self.plan, self.canonical = draft, ws, plan, canonical
        self.col0 = column_index_from_string(letters)
        self.row = row
        self.fields: list[str | None] = []
        self.date_format = "yyyy-mm-dd"
        self.values: dict[int, dict[str | None, Any]] = {}  # Excel row -> field -> value
        self.total_rows: set[int] = set()
        for i in range(1, 20):
            ws.column_dimensions[get_column_letter(i)].width = 13

    # -- addresses
    @property
    def name(self) -> str:
        return self.ws.title

    @property
    def width(self) -> int:
        if self.fields:
            return len(self.fields)
        return len(self.draft.book[self.canonical][0]) if self.canonical else 2

    def col(self, field_name: str) -> int:
        return self.col0 + self.fields.index(field_name)

    def ref(self, field_name: str, row: int) -> str:
        return f"{get_column_letter(self.col(field_name))}{row}"

    # -- low level
    def put(self, row: int, col: int, value: Any) -> None:
        cell = self.ws.cell(row=row, column=col)
        if isinstance(value, Cell):
            cell.value = value.value
            if value.number_format:
                cell.number_format = value.number_format
            if value.quote:
                cell.quotePrefix = True
            return
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = self.date_format
        elif isinstance(value, str) and value.isdigit() and len(value) > 10:
            cell.number_format = "@"

    def write(self, values: Sequence[Any]) -> int:
        row = self.row
        for j, value in enumerate(values):
            if value is not None:
                self.put(row, self.col0 + j, value(self, row) if callable(value) else value)
        self.row += 1
        return row

    def merge(self, row: int, first: int, last: int, last_row: int | None = None) -> None:
        if last > first or (last_row or row) > row:
            self.ws.merge_cells(start_row=row, start_column=self.col0 + first,
                                end_row=last_row or row, end_column=self.col0 + last)

    # -- layout rows (never data)
    def skip(self, values: Sequence[Any], *reasons: str) -> int:
        row = self.write(values)
        self.plan.layout[row] = reasons
        return row

    def line(self, text: str, *reasons: str, merge: bool = True) -> int:
        """A one-cell row (a title, a note, a footer), merged across the table; ``reasons``
        are the skip reasons an inspection may give it (none: any)."""
        row = self.write([text])
        if merge:
            self.merge(row, 0, self.width - 1)
        self.ws.cell(row=row, column=self.col0).alignment = Alignment(horizontal="left",
                                                                      vertical="center")
        self.plan.layout[row] = reasons
        return row

    def title(self, text: str, *reasons: str) -> int:
        row = self.line(text, *(reasons or ("title",)))
        cell = self.ws.cell(row=row, column=self.col0)
        cell.font, cell.alignment = TITLE_FONT, CENTER
        self.ws.row_dimensions[row].height = 30
        return row

    def blank(self) -> None:
        self.row += 1

    # -- headers
    def header(self, columns: Sequence[Col] | None = None, *, repeat: bool = False) -> int:
        """One header row; ``columns`` default to the template's. A repeated header (a
        second block pasted below) is a layout row, not a header of the sheet."""
        if columns is None:
            assert self.canonical
            columns = list(self.draft.book[self.canonical][0])
        pairs = [(c, c) if isinstance(c, str) else c for c in columns]
        self.fields = [f for _, f in pairs]
        row = self.write([h for h, _ in pairs])
        for j in range(len(pairs)):
            cell = self.ws.cell(row=row, column=self.col0 + j)
            cell.font, cell.alignment = BOLD, CENTER
        if repeat:
            self.plan.layout[row] = ("repeated-header",)
        else:
            self.plan.header_rows.append(row)
            self.plan.fields |= {f for f in self.fields if f}
        return row

    def header2(self, groups: Sequence[Col | Group]) -> None:
        """A two-level header: a Group's label merged across its columns' short names, a
        single column's name merged down over both rows."""
        top, low = self.row, self.row + 1
        fields: list[str | None] = []
        for item in groups:
            j = len(fields)
            if isinstance(item, Group):
                self.put(top, self.col0 + j, item.label)
                pairs = [(c, c) if isinstance(c, str) else c for c in item.columns]
                for k, (text, name) in enumerate(pairs):
                    self.put(low, self.col0 + j + k, text)
                    fields.append(name)
                self.merge(top, j, j + len(pairs) - 1)
            else:
                text, name = (item, item) if isinstance(item, str) else item
                self.put(top, self.col0 + j, text)
                fields.append(name)
                self.merge(top, j, j, last_row=low)
        for r in (top, low):
            for j in range(len(fields)):
                cell = self.ws.cell(row=r, column=self.col0 + j)
                cell.font, cell.alignment = BOLD, CENTER
        self.fields = fields
        self.plan.header_rows += [top, low]
        self.plan.fields |= {f for f in fields if f}
        self.row = low + 1

    # -- data
    def data(self, indices: Iterable[int] | None = None) -> list[int]:
        """Write data rows of the canonical sheet (1-based, as in the Book) in the header's
        column order; returns their Excel rows."""
        assert self.canonical and self.fields
        rows = self.draft.book[self.canonical]
        head = rows[0]
        written = []
        for i in indices if indices is not None else range(1, len(rows)):
            values = [rows[i][head.index(f)] if f in head else None for f in self.fields]
            row = self.write(values)
            self.values[row] = dict(zip(self.fields, values, strict=True))
            self.draft.placed[(self.canonical, i)] = (
                self.name, row, {f: self.col0 + j for j, f in enumerate(self.fields) if f})
            self.plan.data_rows += 1
            written.append(row)
        return written

    def raw(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows that are not part of the register (an ignored sheet's content)."""
        for values in rows:
            self.write(values)

    def merge_down(self, column: str, rows: Sequence[int]) -> None:
        """Merge a column over consecutive Excel rows (the top cell keeps the value)."""
        j = self.fields.index(column)
        self.merge(rows[0], j, j, last_row=rows[-1])
        self.ws.cell(row=rows[0], column=self.col0 + j).alignment = CENTER

    def total(self, label: str, rows: Sequence[int], *, formulas: bool = False) -> int:
        """A subtotal/total row adding up this sheet's SUMS columns over ``rows`` (data rows,
        or the subtotal rows for a grand total), typed as numbers or as formulas; the label
        is merged over the columns before the first summed one."""
        assert self.canonical
        sums = [f for f in SUMS[self.canonical] if f in self.fields]
        of_totals = rows[0] in self.total_rows
        values: list[Any] = [None] * len(self.fields)
        values[0] = label
        typed: dict[str | None, Any] = {}
        for f in sums:
            if f == "姓名" and not of_totals:  # the number of persons
                typed[f] = len(rows)
                formula = f"=COUNTA({self.ref(f, rows[0])}:{self.ref(f, rows[-1])})"
            else:
                typed[f] = sum(v for r in rows
                               if isinstance(v := self.values[r].get(f), int | float))
                formula = ("=" + "+".join(self.ref(f, r) for r in rows) if of_totals
                           else f"=SUM({self.ref(f, rows[0])}:{self.ref(f, rows[-1])})")
            values[self.fields.index(f)] = formula if formulas else typed[f]
        row = self.skip(values, "total")
        self.values[row] = typed
        self.total_rows.add(row)
        first_sum = min((self.fields.index(f) for f in sums), default=1)
        self.merge(row, 0, max(first_sum - 1, 0))
        self.ws.cell(row=row, column=self.col0).font = BOLD
        return row


# ---------------------------------------------------------------------------------------
# Shared layout pieces


def template_sheets(draft: Draft, layout: Callable[[Grid], None] | None = None, *,
                    names: dict[str, str] | None = None, only: Iterable[str] = DATA_SHEETS,
                    origin: str = "A1") -> dict[str, Grid]:
    """Every data sheet, each laid out by ``layout`` (default: header in the first row)."""
    grids = {}
    for canonical in only:
        grid = draft.sheet((names or {}).get(canonical, canonical), canonical, origin=origin)
        (layout or plain)(grid)
        grids[canonical] = grid
    return grids


def plain(grid: Grid) -> None:
    grid.header()
    grid.data()


def titled(grid: Grid) -> None:
    assert grid.canonical
    grid.title(f"{grid.draft.township}{TITLES[grid.canonical]}")
    plain(grid)


def units_under_header(grid: Grid) -> None:
    assert grid.canonical
    units = UNITS.get(grid.canonical, {})
    grid.skip([units.get(f or "", None) for f in grid.fields], "units")


def cover_table(draft: Draft, *, name: str = COVER, origin: str = "A1") -> Grid:
    """The template's cover: a one-row table."""
    grid = draft.sheet(name, COVER, origin=origin, check_rows=False)
    plain(grid)
    where = f"{name}!{get_column_letter(grid.col0)}{grid.row - 1}"
    draft.township_source = ("cover", where)
    draft.date_source = ("cover", f"{name}!{get_column_letter(grid.col0 + 1)}{grid.row - 1}")
    return grid


def cover_values(draft: Draft) -> dict[str, Any]:
    head, row = draft.book[COVER][:2]
    return dict(zip(head, row, strict=True))


def cover_vertical(draft: Draft, colon: str = "：", *, title: bool = True,
                   date_as_text: bool = False) -> Grid:
    """A vertical form: labels in column A, values in column B, under a title."""
    grid = draft.sheet(COVER, COVER, check_rows=False)
    if title:
        grid.title("填报信息")
    values = cover_values(draft)
    if date_as_text:
        values["填报日期"] = "2020年2月4日"
    rows = {}
    for label, value in values.items():
        rows[label] = grid.write([f"{label}{colon}", value])
    grid.ws.column_dimensions["B"].width = 20
    draft.township_source = ("cover", f"{COVER}!B{rows['填报单位']}")
    draft.date_source = ("cover", f"{COVER}!B{rows['填报日期']}")
    return grid


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def no_cover(draft: Draft) -> None:
    """Drop the 填报信息 data: a file without a cover sheet has no 填报人/联系电话 either."""
    draft.book.pop(COVER, None)


def save_as(draft: Draft, folder: Path, name: str = "扎西镇_20200204.xlsx") -> Built:
    return draft.save(folder / name)


# ---------------------------------------------------------------------------------------
# Cover information


def vertical_cover(folder: Path, colon: str) -> Built:
    """1. 填报信息 as a vertical form, labels ending in ':' or '：'."""
    d = Draft()
    cover_vertical(d, colon, date_as_text=colon == "：")
    d.plant("网格", 1, "联防队人数", 8, "defence-team-too-small")
    template_sheets(d)
    return save_as(d, folder, NEUTRAL_NAME)


def inline_cover(folder: Path) -> Built:
    """2. 'label：value' in one cell, one line each."""
    d = Draft()
    grid = d.sheet(COVER, COVER, check_rows=False)
    values = cover_values(d)
    values["填报日期"] = chinese_date(REPORT_DATE)
    for label, value in values.items():
        row = grid.write([f"{label}：{value}"])
        if label == "填报单位":
            d.township_source = ("cover", f"{COVER}!A{row}")
        if label == "填报日期":
            d.date_source = ("cover", f"{COVER}!A{row}")
    grid.ws.column_dimensions["A"].width = 30
    d.plant("住户", 1, "身份证号", wrong_check_digit(pid(1)), "id-check-digit")
    template_sheets(d)
    return save_as(d, folder, NEUTRAL_NAME)


def form_line(folder: Path, split: bool) -> Built:
    """3. No 填报信息 sheet; '填报单位：扎西镇    填报日期：2020年2月4日' above the data of a
    data sheet, in one merged cell (on 网格) or as two cells left and right (on 排查登记)."""
    d = Draft()
    no_cover(d)
    target = "排查登记" if split else "网格"

    def layout(grid: Grid) -> None:
        if grid.canonical == target:
            grid.title(TITLES[target])
            if split:
                row = grid.write(["填报单位：扎西镇"])
                grid.put(row, grid.col0 + 11, f"填报日期：{chinese_date(REPORT_DATE)}")
                grid.plan.layout[row] = ("cover", "title")
                d.township_source = ("form-line", f"{target}!A{row}")
                d.date_source = ("form-line", f"{target}!L{row}")
            else:
                row = grid.line(f"填报单位：扎西镇    填报日期：{chinese_date(REPORT_DATE)}",
                                "cover", "title")
                d.township_source = d.date_source = ("form-line", f"{target}!A{row}")
        plain(grid)

    d.plant("排查登记", 1, "身份证号", wrong_check_digit(pid(11)), "id-check-digit")
    d.plant("网格", 1, "乡镇工作人员", "李娜", "grid-staffing")
    template_sheets(d, layout)
    return save_as(d, folder, NEUTRAL_NAME)


def dated_title(grid: Grid, township: str = TOWNSHIP) -> None:
    """The first sheet names the township and the date in its merged title; the others
    only say what they are."""
    assert grid.canonical
    if grid.canonical == DATA_SHEETS[0]:
        row = grid.title(f"{township}网格化管理登记表（{chinese_date(REPORT_DATE)}）")
        grid.draft.township_source = grid.draft.date_source = (
            "title", f"{grid.name}!{get_column_letter(grid.col0)}{row}")
    else:
        grid.title(TITLES[grid.canonical])
    plain(grid)


def title_only(folder: Path) -> Built:
    """4. No 填报信息 sheet: township and date only in a merged title row."""
    d = Draft()
    no_cover(d)
    d.plant("住户", 2, "网格编号", "G09", "unknown-grid")
    template_sheets(d, dated_title)
    return save_as(d, folder, NEUTRAL_NAME)


def file_name_only(folder: Path, archived: bool) -> Built:
    """5. Township and date only in the file name; or an archived copy whose name says
    nothing, checked with the name it was sent under."""
    d = Draft()
    no_cover(d)
    d.plant("排查登记", 3, "健康状况", "发烧", "invalid-enum")
    template_sheets(d)
    sent = "扎西镇_20200204.xlsx"
    d.township_source = d.date_source = ("file-name", sent)
    if archived:
        return d.save(folder / "3f9c2a7e.xlsx", file_name=sent)
    return d.save(folder / sent)


def generic_file_name(folder: Path, source: str) -> Built:
    """6. A file name Excel or WPS made up; the township is on the cover or in the title."""
    d = Draft()
    d.plant("卡点值守", 2, "其中党员", 7, "party-members-exceed-size")
    if source == "cover":
        cover_table(d)
        template_sheets(d)
        return save_as(d, folder, "新建 Microsoft Excel 工作表.xlsx")
    no_cover(d)
    template_sheets(d, dated_title)
    return save_as(d, folder, "新建 XLSX 工作表 (2).xlsx")


def conflicting_sources(folder: Path, what: str) -> Built:
    """7. The cover says 扎西镇 / 2月4日, but the title (copied from 旧城镇's template) or the
    file name (yesterday's) says otherwise: one cover-conflict naming both; the cover wins
    (the data, 网格.乡镇 included, are 扎西镇's)."""
    d = Draft()
    cover_table(d)
    if what == "township":
        def layout(grid: Grid) -> None:
            grid.title("旧城镇网格化管理登记表" if grid.canonical == "网格"
                       else TITLES[grid.canonical or ""])
            plain(grid)

        template_sheets(d, layout)
        d.expect("cover-conflict", mentions=("扎西镇", "旧城镇"))
        name = NEUTRAL_NAME
    else:
        template_sheets(d)
        d.expect("cover-conflict", mentions=("2020-02-03|2月3日|20200203|2020年2月3日",
                                             "2020-02-04|2月4日|20200204|2020年2月4日"))
        name = "扎西镇_20200203.xlsx"
    return save_as(d, folder, name)


# ---------------------------------------------------------------------------------------
# Sheets


def suffixed_sheet_names(folder: Path) -> Built:
    """8. Sheet names with suffixes, dates, spaces and brackets."""
    d = Draft()
    cover_table(d, name="填报信息 ")
    names = {"网格": "网格（扎西镇）", "住户": "住户(更新)", "排查登记": "排查登记(2月4日)",
             "卡点值守": "卡点值守表 ", "队伍": " 队伍", "宣传": "宣传2.4", "捐赠": "【捐赠】"}
    d.plant("住户", 3, "住户类别", "农村", "invalid-enum")
    d.plant("排查登记", 2, "性别", "男", "id-sex-mismatch")
    d.plant("宣传", 2, "应急广播(次)", -2, "negative-number")
    template_sheets(d, names=names)
    return save_as(d, folder)


def unlisted_sheet_names(folder: Path) -> Built:
    """9. 网格 in 'Sheet1', 排查登记 in '人员名单': recognised by their header rows."""
    d = Draft()
    cover_table(d)
    d.plant("网格", 2, "联防队党员人数", 13, "party-members-exceed-size")
    d.plant("排查登记", 5, "是否湖北来威", "不详", "invalid-enum")
    template_sheets(d, names={"网格": "Sheet1", "排查登记": "人员名单"})
    return save_as(d, folder)


def split_by_village(folder: Path) -> Built:
    """10. 排查登记 on one sheet per village, each with its own title and header (新街村's
    columns in another order, its 序号 starting again at 1): one table, so an ID on both
    sheets is a duplicate."""
    d = Draft()
    cover_table(d)
    for i, seq in ((5, 1), (6, 2), (7, 3)):
        d.set("排查登记", i, "序号", seq)
    d.plant("排查登记", 1, "身份证号", pid(11), "duplicate-id")
    d.plant("排查登记", 7, "身份证号", pid(11), "duplicate-id")
    d.plant("排查登记", 6, "户编号", "H404", "unknown-household")
    template_sheets(d, only=("网格", "住户"))
    head = list(d.book["排查登记"][0])
    for village, rows in VILLAGES["排查登记"]:
        grid = d.sheet(village, "排查登记")
        grid.title(f"{village}返乡人员排查登记表")
        if village == "新街村":
            order = ["姓名", "性别", "身份证号", "户编号", "联系电话", "序号"]
            grid.header(order + [c for c in head if c not in order])
        else:
            grid.header()
        grid.data(rows)
    template_sheets(d, only=("卡点值守", "队伍", "宣传", "捐赠"))
    return save_as(d, folder)


def hidden_older_copy(folder: Path) -> Built:
    """11. A hidden '排查登记(2月3日)' (yesterday's copy, before today's sheet, with a phone
    fixed since) beside the visible 排查登记: the visible one is read, one warning."""
    d = Draft()
    cover_table(d)
    template_sheets(d, only=("网格", "住户"))
    old = d.sheet("排查登记(2月3日)", None, hidden=True, check_rows=False)
    rows = [list(r) for r in d.book["排查登记"][:6]]
    rows[5][4] = "1361234"  # yesterday's typo, corrected today
    old.raw(rows)
    d.expect("hidden-sheet-ignored", severity="warning", source_sheet="排查登记(2月3日)")
    d.plant("排查登记", 6, "户编号", "H099", "unknown-household")
    template_sheets(d, only=("排查登记", "卡点值守", "队伍", "宣传", "捐赠"))
    return save_as(d, folder)


NOTES = ["填表说明", "1. 身份证号必须填写18位，请先将单元格设置为文本格式再填写。",
         "2. 日期请按2020-02-04的格式填写。", "3. 每个网格的联防队不少于10人。",
         "4. 每晚8点前报送县防控指挥部办公室。"]


def notes_sheet(draft: Draft, name: str = "填表说明") -> None:
    grid = draft.sheet(name, None, check_rows=False)
    grid.raw([[line] for line in NOTES])
    grid.ws.column_dimensions["A"].width = 60


def chart_sheet(draft: Draft, name: str = "统计图") -> None:
    """A summary table with a bar chart, not a register sheet."""
    grid = draft.sheet(name, None, check_rows=False)
    grid.raw([["各村排查人数统计"], ["村(社区)", "排查人数", "其中湖北来威"],
              ["河坝村", 4, 2], ["新街村", 3, 1]])
    chart = BarChart()
    chart.title = "各村排查人数"
    chart.add_data(Reference(grid.ws, min_col=2, min_row=2, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(grid.ws, min_col=1, min_row=3, max_row=4))
    grid.ws.add_chart(chart, "E2")


def shuffled_sheets(folder: Path) -> Built:
    """12. Sheets in another order, an empty sheet, a chart sheet and a notes sheet."""
    d = Draft()
    d.plant("捐赠", 2, "数量", -5, "negative-number")
    d.plant("网格", 3, "乡镇", "旧城镇", "wrong-township")
    d.plant("排查登记", 7, "户编号", "H777", "unknown-household")
    chart_sheet(d)
    template_sheets(d, only=("捐赠", "宣传"))
    d.sheet("Sheet2", None, check_rows=False)
    template_sheets(d, only=("排查登记", "队伍", "住户"))
    notes_sheet(d)
    template_sheets(d, only=("网格", "卡点值守"))
    cover_table(d)
    return save_as(d, folder)


# ---------------------------------------------------------------------------------------
# Header and non-data rows


def merged_title(folder: Path) -> Built:
    """13. A big title merged across each header (排查登记's names '1月8日', a date that is
    not the report date)."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        if grid.canonical == "排查登记":
            grid.title("扎西镇1月8日以来到威人员排查登记表")
            plain(grid)
        else:
            titled(grid)

    d.plant("排查登记", 1, "抵威日期", D(2020, 1, 7), "arrival-before-cutoff")
    d.plant("网格", 1, "村(社区)", None, "required-missing")
    template_sheets(d, layout)
    return save_as(d, folder)


INSTRUCTIONS = "填表说明：1.身份证号填18位，设置为文本格式；2.日期格式为2020-01-28；3.每人一行。"


def instructions_row(folder: Path) -> Built:
    """14. A 填表说明 row between the title and the header, and an example row ('例') under
    排查登记's header whose made-up ID is invalid."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        if grid.canonical in ("住户", "排查登记"):
            grid.title(TITLES[grid.canonical])
            grid.line(INSTRUCTIONS)  # skipped, under whichever reason
            grid.header()
            if grid.canonical == "排查登记":
                grid.skip(["例", "张三", "男", "530629199001011234", "13800000000", "H000",
                           "湖北省武汉市", "是", "2020-01-20", "无", "正常", "居家观察",
                           "2020-01-20", "2020-02-03", "李四", "示例行，请勿删除"], "example")
            grid.data()
        else:
            plain(grid)

    d.plant("排查登记", 1, "管控措施", "居家观查", "invalid-enum")
    d.plant("住户", 1, "家庭人口数", "四口", "invalid-number")
    template_sheets(d, layout)
    return save_as(d, folder)


def units_rows(folder: Path) -> Built:
    """15. A units row under the count headers ('人', '份', ...; 宣传's headers then lose
    their '(份)'), or a '单位：人、辆' line above the header."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        assert grid.canonical
        if grid.canonical in ("卡点值守", "队伍"):
            row = grid.write([None] * (grid.width - 1) + ["单位：人、辆"])
            grid.plan.layout[row] = ("units", "title")
            plain(grid)
        elif grid.canonical in UNITS:
            if grid.canonical == "宣传":
                grid.header([(f.split("(")[0], f) for f in d.book["宣传"][0]])
            else:
                grid.header()
            units_under_header(grid)
            grid.data()
        else:
            plain(grid)

    d.plant("网格", 1, "联防队人数", 8, "defence-team-too-small")
    d.plant("宣传", 1, "标语横幅(条)", "三十", "invalid-number")
    d.plant("卡点值守", 1, "其中党员", 9, "party-members-exceed-size")
    template_sheets(d, layout)
    return save_as(d, folder)


STEMS = "甲乙丙丁戊己庚辛壬癸"


def numbering_rows(folder: Path) -> Built:
    """16. A column-number row under the header: 1 2 3 ... (排查登记, 网格), 甲 乙 丙 ...
    (住户), or 甲 乙 丙 for text and 1 2 3 for counts (卡点值守)."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        grid.header()
        if grid.canonical in ("排查登记", "网格"):
            grid.skip(list(range(1, grid.width + 1)), "numbering")
        elif grid.canonical == "住户":
            grid.skip(list(STEMS[:grid.width]), "numbering")
        elif grid.canonical == "卡点值守":
            grid.skip(["甲", "乙", "丙", 1, 2, 3, 4, 5, "丁"], "numbering")
        grid.data()

    d.plant("排查登记", 1, "身份证号", wrong_check_digit(pid(11)), "id-check-digit")
    d.plant("住户", 1, "网格编号", "G09", "unknown-grid")
    d.plant("卡点值守", 1, "值守人数", -1, "negative-number")
    template_sheets(d, layout)
    return save_as(d, folder)


GRID_ROLES = ["网格长", "乡镇工作人员", "驻村工作队员", "村(社区)干部", "乡村医生",
              "村(居)民小组长", "议事会成员", "包片党员"]
TWO_LEVEL: dict[str, list[Col | Group]] = {
    "网格": ["网格编号", "乡镇", "村(社区)", "村民小组/小区", Group("网格工作人员", GRID_ROLES),
           Group("联防队", [("人数", "联防队人数"), ("党员人数", "联防队党员人数")]), "联系电话"],
    "排查登记": ["序号", Group("基本情况", ["姓名", "性别", "身份证号", "联系电话", "户编号"]),
             "来源地", "是否湖北来威", "抵威日期", "接触史", "健康状况", "管控措施",
             Group("观察情况", [("起始日期", "观察起始日期"), ("解除日期", "观察解除日期")]),
             "包保责任人", "备注"],
    "卡点值守": ["日期", "卡点名称", "班次", Group("值守人员", [("人数", "值守人数"), "其中党员"]),
             "检查车辆", "检查人员", "体温异常人数", "负责人"],
    "队伍": ["队伍名称", "类型", Group("队伍人数", [("总人数", "人数"), ("其中党员", "党员人数")]),
           "负责人"],
}


def two_level(grid: Grid) -> None:
    assert grid.canonical
    if grid.canonical in TWO_LEVEL:
        grid.header2(TWO_LEVEL[grid.canonical])
    else:
        grid.header()


def two_level_headers(folder: Path) -> Built:
    """17. Two-level merged headers whose lower names are short."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        assert grid.canonical
        grid.title(TITLES[grid.canonical])
        two_level(grid)
        grid.data()

    d.plant("网格", 1, "联防队党员人数", 13, "party-members-exceed-size")
    d.plant("网格", 2, "乡镇工作人员", "钱进", "grid-staffing")
    d.plant("排查登记", 1, "观察解除日期", D(2020, 2, 1), "observation-too-short")
    template_sheets(d, layout)
    return save_as(d, folder)


DECORATED: dict[str, dict[str, str]] = {
    "网格": {"网格编号": "网格\n编号", "网格长": "网格长\n(乡镇领导)",
           "乡镇工作人员": "乡镇工作人员\n（2-3名）", "包片党员": "包片党员(2-5名)",
           "联防队人数": "联防队人数(人)", "联防队党员人数": "联防队党员人数(人)"},
    "住户": {"户编号": "*户编号", "身份证号": "身份证号(必填)", "联系电话": "联系\n电话",
           "家庭人口数": "家庭人口数(人)", "住址": "住  址", "住户类别": "住户类别\n（下拉选择）",
           "包保责任人": "*包保责任人"},
    "排查登记": {"姓名": "*姓名", "性别": "性  别", "身份证号": "身份证号(必填)",
             "联系电话": "联系\n电话", "户编号": "*户编号", "是否湖北来威": "是否湖北来威\n(是/否)",
             "抵威日期": "抵威日期（月/日）", "接触史": "接触史(有/无)", "健康状况": "健康状况 ",
             "备注": "备  注"},
}


def decorated_headers(folder: Path) -> Built:
    """18. Headers with asterisks, '(必填)', line breaks, padding spaces and units; 抵威日期
    typed as 月/日."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        assert grid.canonical
        names = DECORATED.get(grid.canonical, {})
        grid.header([(names.get(c, c), c) for c in d.book[grid.canonical][0]])
        if grid.canonical == "排查登记":
            grid.date_format = "m/d"
        grid.data()

    d.plant("住户", 2, "身份证号", pid(2, male=False)[:17], "id-length")
    d.plant("住户", 3, "家庭人口数", 0, "negative-number")
    d.plant("排查登记", 3, "接触史", "有", "unmanaged-risk", at="管控措施")
    template_sheets(d, layout)
    return save_as(d, folder)


SYNONYMS: dict[str, dict[str, str]] = {
    "网格": {"联系电话": "联系手机"},
    "住户": {"身份证号": "户主身份证号码", "联系电话": "手机号码"},
    "排查登记": {"身份证号": "身份证号码(18位)", "联系电话": "联系手机"},
}


def renamed(extra: dict[str, dict[str, str]]) -> Callable[[Grid], None]:
    def layout(grid: Grid) -> None:
        assert grid.canonical
        names = {**SYNONYMS.get(grid.canonical, {}), **extra.get(grid.canonical, {})}
        grid.header([(names.get(c, c), c) for c in grid.draft.book[grid.canonical][0]])
        grid.data()
    return layout


def header_synonyms(folder: Path) -> Built:
    """19a. Header words the alias list lacks but an office writes: read."""
    d = Draft()
    cover_table(d)
    d.plant("排查登记", 4, "身份证号", wrong_check_digit(pid(13)), "id-check-digit")
    d.plant("住户", 3, "联系电话", "1351234", "phone-invalid")
    template_sheets(d, renamed({}))
    return save_as(d, folder)


def homecoming_date(folder: Path) -> Built:
    """19b. 抵威日期 headed '返乡日期': read as 抵威日期, or refused naming '返乡日期'."""
    d = Draft()
    cover_table(d)
    d.plant("排查登记", 3, "抵威日期", D(2020, 1, 5), "arrival-before-cutoff")
    template_sheets(d, renamed({"排查登记": {"抵威日期": "返乡日期"}}))
    return save_as(d, folder)


def wuhan_column(folder: Path) -> Built:
    """19c. An older Wuhan-only form: '是否武汉来威' instead of 是否湖北来威 (a different
    question, so the required column is missing): refused naming '是否武汉来威'."""
    d = Draft()
    cover_table(d)
    template_sheets(d, renamed({"排查登记": {"是否湖北来威": "是否武汉来威"}}))
    return save_as(d, folder)


def merged_down(folder: Path) -> Built:
    """20. Cells merged down: 网格's 乡镇 over every grid and 村(社区) over a village's
    grids; 住户's 网格编号 and 包保责任人 over a grid's households; 排查登记's 户编号 over a
    household's persons and 包保责任人 over the persons one cadre looks after."""
    d = Draft()
    cover_table(d)
    # defects on the rows the merges cover, so an unfilled merge shows up as well
    d.plant("网格", 2, "联防队人数", 9, "defence-team-too-small")
    d.plant("住户", 2, "家庭人口数", "三口", "invalid-number")
    d.plant("排查登记", 2, "身份证号", wrong_check_digit(pid(14, male=False)), "id-check-digit")
    d.plant("排查登记", 6, "抵威日期", D(2020, 2, 5), "arrival-after-report-date")

    def layout(grid: Grid) -> None:
        grid.header()
        rows = grid.data()
        if grid.canonical == "网格":
            grid.merge_down("乡镇", rows)
            grid.merge_down("村(社区)", rows[:2])
        elif grid.canonical == "住户":
            grid.merge_down("网格编号", rows[:2])
            grid.merge_down("包保责任人", rows[:2])
            grid.merge_down("网格编号", rows[3:5])
        elif grid.canonical == "排查登记":
            grid.merge_down("户编号", rows[:2])
            grid.merge_down("包保责任人", rows[:3])
            grid.merge_down("户编号", rows[4:6])
            grid.merge_down("来源地", rows[4:6])

    template_sheets(d, layout)
    return save_as(d, folder)


def repeated_header(folder: Path) -> Built:
    """21. The header block repeated further down: 新街村's persons pasted under 河坝村's
    with their own title and header; 住户's header repeated as on a printed second page."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        if grid.canonical == "排查登记":
            for k, (village, rows) in enumerate(VILLAGES["排查登记"]):
                if k:
                    grid.blank()
                grid.title(f"{village}返乡人员排查登记表", "title", "subtitle")
                grid.header(repeat=k > 0)
                grid.data(rows)
        elif grid.canonical == "住户":
            grid.header()
            grid.data([1, 2, 3])
            grid.header(repeat=True)
            grid.data([4, 5])
        else:
            plain(grid)

    d.plant("排查登记", 4, "抵威日期", D(2020, 1, 7), "arrival-before-cutoff")
    d.plant("排查登记", 5, "健康状况", "发烧", "invalid-enum")
    d.plant("住户", 4, "住户类别", "农村", "invalid-enum")
    template_sheets(d, layout)
    return save_as(d, folder)


def by_village(grid: Grid, *, numerals: str = "一二三") -> None:
    """Village sub-title rows ('一、河坝村') before each village's rows."""
    assert grid.canonical
    for k, (village, rows) in enumerate(VILLAGES[grid.canonical]):
        grid.line(f"{numerals[k]}、{village}", "subtitle")
        grid.data(rows)


def village_subtitles(folder: Path) -> Built:
    """22. Village sub-title rows in 网格, 住户 and 排查登记."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        grid.header()
        if grid.canonical in VILLAGES:
            by_village(grid)
        else:
            grid.data()

    d.plant("网格", 3, "乡村医生", "吴刚、赵六", "grid-staffing")
    d.plant("排查登记", 1, "性别", "女", "id-sex-mismatch")
    d.plant("住户", 4, "网格编号", "G09", "unknown-grid")
    template_sheets(d, layout)
    return save_as(d, folder)


GRAND = {"网格": "合计", "住户": "总计", "排查登记": "累计", "卡点值守": "合计", "队伍": "合计",
         "宣传": "累计", "捐赠": "合计"}


def with_totals(grid: Grid, *, formulas: bool) -> None:
    """Data rows with subtotals per village or day ('河坝村小计', '2月3日小计') and a grand
    total (合计/总计/累计), typed or as formulas."""
    assert grid.canonical
    groups = VILLAGES.get(grid.canonical) or DAYS.get(grid.canonical)
    if not groups:
        rows = grid.data()
        grid.total(GRAND[grid.canonical], rows, formulas=formulas)
        return
    subtotals = []
    for label, indices in groups:
        rows = grid.data(indices)
        subtotals.append(grid.total(f"{label}小计", rows, formulas=formulas))
    grid.total(GRAND[grid.canonical], subtotals, formulas=formulas)


def subtotals(folder: Path, office: Office | None) -> Built:
    """23. Subtotal and total rows in every form, typed as numbers, or as SUM formulas saved
    through LibreOffice (so they carry cached values)."""
    d = Draft()
    cover_table(d)
    formulas = office is not None

    def layout(grid: Grid) -> None:
        grid.header()
        with_totals(grid, formulas=formulas)

    d.plant("网格", 2, "联防队人数", 9, "defence-team-too-small")
    d.plant("卡点值守", 6, "其中党员", 7, "party-members-exceed-size")
    d.plant("队伍", 3, "党员人数", 12, "party-members-exceed-size")
    template_sheets(d, layout)
    if office is None:
        return save_as(d, folder)
    return resaved(d, folder, office, "subtotals")


def footer_rows(folder: Path) -> Built:
    """24. Signature and note lines under the tables."""
    d = Draft()
    cover_table(d)

    def layout(grid: Grid) -> None:
        plain(grid)
        if grid.canonical == "网格":
            grid.blank()
            grid.line("填表人：王丽        审核人：李强", "footer")
            grid.line("联系电话：13887012345", "footer")
        elif grid.canonical == "住户":
            grid.line("注：1.每户一行；2.包保责任人填写姓名。", "footer")
        elif grid.canonical == "排查登记":
            grid.line(f"填表人：王丽    审核人：李强    填报日期：{chinese_date(REPORT_DATE)}",
                      "footer")
        elif grid.canonical == "卡点值守":
            grid.blank()
            grid.line("带班领导签字：", "footer", merge=False)

    d.plant("排查登记", 7, "联系电话", "1361234001", "phone-invalid")
    d.plant("住户", 5, "住户类别", "农村", "invalid-enum")
    d.plant("网格", 3, "包片党员", "马超", "grid-staffing")
    template_sheets(d, layout)
    return save_as(d, folder)


def offset_table(folder: Path, origin: str) -> Built:
    """25. Every table (the cover too) starts at B2 or C3."""
    d = Draft()
    cover_table(d, origin=origin)
    d.plant("排查登记", 1, "身份证号", wrong_check_digit(pid(11)), "id-check-digit")
    d.plant("住户", 1, "家庭人口数", "四口", "invalid-number")
    template_sheets(d, origin=origin)
    return save_as(d, folder)


# ---------------------------------------------------------------------------------------
# Values


def counts_with_units(folder: Path) -> Built:
    """26. Counts typed with their unit ('12人', '3 辆', '5户'); '/', '无', '—', '-', '——' in
    optional count cells."""
    d = Draft()
    cover_table(d)
    for i, (size, party) in enumerate([("12人", "3人"), ("10 人", "2人")], start=1):
        d.set("网格", i, "联防队人数", size)
        d.set("网格", i, "联防队党员人数", party)
    d.plant("网格", 3, "联防队人数", "8人", "defence-team-too-small")
    d.set("网格", 3, "联防队党员人数", "4人")
    for i, members in enumerate(["4人", "3口", "5 人"], start=1):
        d.set("住户", i, "家庭人口数", members)
    d.plant("住户", 4, "家庭人口数", "0人", "negative-number")
    d.set("住户", 5, "家庭人口数", "6人")
    dashes = ["/", "无", "—", "-", "——", "0人"]
    for i in range(1, 7):
        d.set("卡点值守", i, "值守人数", f"{d.get('卡点值守', i, '值守人数')}人")
        d.set("卡点值守", i, "检查车辆", f"{d.get('卡点值守', i, '检查车辆')} 辆")
        d.set("卡点值守", i, "体温异常人数", dashes[i - 1])
    d.set("卡点值守", 5, "体温异常人数", "1人")
    for i in (1, 2, 3):
        d.set("队伍", i, "人数", f"{d.get('队伍', i, '人数')}人")
    units = UNITS["宣传"]
    for column, unit in units.items():
        d.set("宣传", 2, column, f"{d.get('宣传', 2, column)}{unit}")
    d.plant("宣传", 1, "标语横幅(条)", "若干", "invalid-number")
    d.set("宣传", 1, "取消宴席聚会(户)", "1户")
    d.set("捐赠", 1, "折合金额(元)", "5000元")
    d.set("捐赠", 2, "数量", "50箱")
    template_sheets(d, titled)
    return save_as(d, folder)


def spaced(value: str) -> str:
    return f"{value[:6]} {value[6:14]} {value[14:]}"


def full_width(value: str) -> str:
    return value.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})


def id_phone_formats(folder: Path) -> Built:
    """27. IDs with a typed apostrophe, Excel's quote prefix, inner spaces, full-width
    digits, lowercase x; phones with dashes, dots, spaces or +86."""
    d = Draft()
    cover_table(d)
    d.set(COVER, 1, "联系电话", "138 8701 2345")
    d.set("住户", 1, "身份证号", "'" + pid(1))
    d.set("住户", 2, "身份证号", Cell(pid(2, male=False), "@", quote=True))
    d.set("住户", 3, "身份证号", spaced(pid(3)))
    d.set("住户", 4, "身份证号", " " + pid(4) + " ")
    for i, phone in enumerate(["135-1234-0001", "135.1234.0002", "135 1234 0003",
                               "+86 13512340004", "+86-135-1234-0005"], start=1):
        d.set("住户", i, "联系电话", phone)
    d.set("排查登记", 1, "身份证号", full_width(pid(11)))
    d.set("排查登记", 4, "身份证号", x_id(male=True).lower())
    d.set("排查登记", 5, "身份证号", "'" + spaced(pid(15)))
    d.set("排查登记", 1, "联系电话", "+8613612340011")
    d.set("排查登记", 2, "联系电话", "136-1234-0014")
    d.set("网格", 1, "联系电话", "139 0870 1111")
    d.plant("排查登记", 2, "身份证号", full_width(wrong_check_digit(pid(14, male=False))),
            "id-check-digit")
    d.plant("排查登记", 3, "联系电话", "136-1234-001", "phone-invalid")
    template_sheets(d)
    return save_as(d, folder)


def sex_formula(grid: Grid, row: int) -> str:
    cell = grid.ref("身份证号", row)
    return f'=IF(MOD(MID({cell},17,1),2)=1,"男","女")'


def formulas_without_values(folder: Path) -> Built:
    """28. Formulas saved without a cached value (openpyxl, like some converters and
    scripts): 排查登记's 序号 (=ROW()-1) and 性别 (from the ID), 宣传's 宣传资料 (=500+700)."""
    d = Draft()
    cover_table(d)
    for i in range(1, 8):
        d.set("排查登记", i, "序号", "=ROW()-1")
        d.set("排查登记", i, "性别", sex_formula)
    d.set("宣传", 1, "宣传资料(份)", "=300+500")
    d.set("宣传", 2, "宣传资料(份)", "=500+700")
    d.plant("排查登记", 5, "户编号", "H009", "unknown-household")
    d.plant("住户", 2, "包保责任人", None, "no-responsible-person")
    d.expect("formula-no-value", sheet="排查登记", source_sheet="排查登记",
             mentions=("Excel|WPS", "保存"))
    d.expect("formula-no-value", sheet="宣传", source_sheet="宣传",
             mentions=("Excel|WPS", "保存"))
    template_sheets(d)
    return save_as(d, folder)


ERRORS = {  # (sheet, data row, column): (pasted value, formula giving it)
    ("排查登记", 2, "身份证号"): ("#N/A", '=VLOOKUP("马小兰",$Z$1:$AA$2,2,FALSE)'),
    ("排查登记", 4, "来源地"): ("#VALUE!", '="广东"+1'),
    ("住户", 2, "家庭人口数"): ("#DIV/0!", "=3/0"),
    ("住户", 3, "住址"): ("#REF!", "=#REF!"),
}


def excel_error_values(folder: Path, office: Office | None) -> Built:
    """29. Excel error values in an ID, a count and text columns: pasted as values
    (openpyxl writes them as error cells), or as formulas saved through LibreOffice."""
    d = Draft()
    cover_table(d)
    for (sheet, i, column), (pasted, formula) in ERRORS.items():
        d.plant(sheet, i, column, formula if office else pasted, "excel-error-value")
    template_sheets(d)
    if office is None:
        return save_as(d, folder)
    return resaved(d, folder, office, "excel-errors")


def id_ending_000(folder: Path) -> Built:
    """30. Valid 18-digit text IDs that end in 000 (no error; a warning at most), beside
    one ending in 000 whose check digit is wrong (Excel's damage, retyped as text)."""
    d = Draft()
    cover_table(d)
    d.set("住户", 2, "身份证号", zero_ending_id(0))
    d.set("排查登记", 3, "身份证号", zero_ending_id(1))
    d.plant("排查登记", 6, "身份证号", pid(16, male=False)[:15] + "000", "id-stored-as-number")
    d.warnings.add("id-trailing-zeros")
    template_sheets(d)
    return save_as(d, folder)


# ---------------------------------------------------------------------------------------
# Formats and LibreOffice


class Office:
    """LibreOffice conversions, each run once per test session (keyed by name)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def convert(self, src: Path, ext: str, key: str) -> Path:
        exe = require_program("soffice", "this layout is made with LibreOffice")
        out = self.folder / key / ext
        target = out / f"{src.stem}.{ext}"
        if not target.exists():
            out.mkdir(parents=True, exist_ok=True)
            profile = (self.folder / "profile").as_uri()
            subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless",
                            "--convert-to", ext, "--outdir", str(out), str(src)],
                           check=True, capture_output=True, timeout=180)
            assert target.is_file(), f"LibreOffice did not write {target}"
        return target


_OFFICES: dict[Path, Office] = {}


def shared_office(factory: pytest.TempPathFactory) -> Office:
    """The session's one Office (test modules each declare a session fixture calling
    this, so conversions are shared between them)."""
    base = factory.getbasetemp()
    if base not in _OFFICES:
        _OFFICES[base] = Office(factory.mktemp("soffice"))
    return _OFFICES[base]


def converted_copy(draft: Draft, folder: Path, office: Office, key: str, ext: str,
                   name: str) -> Built:
    """Save the draft, convert it with LibreOffice (once a session) and put the converted
    file into ``folder`` under ``name``."""
    source = office.folder / key / "source" / f"{Path(name).stem}.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    if not source.exists():
        draft.wb.save(source)
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(office.convert(source, ext, key), target)
    return draft.built(target)


def resaved(draft: Draft, folder: Path, office: Office, key: str,
            name: str = "扎西镇_20200204.xlsx") -> Built:
    """The draft re-saved by LibreOffice as .xlsx: formulas get cached values."""
    return converted_copy(draft, folder, office, key, "xlsx", name)


def format_base(township: str = TOWNSHIP) -> Draft:
    """31's register: a vertical cover, merged titles, a two-level 网格 header, 住户's
    网格编号 merged down, a units row under 卡点值守; three defects."""
    d = Draft(township)
    cover_vertical(d)

    def layout(grid: Grid) -> None:
        assert grid.canonical
        grid.title(f"{township}{TITLES[grid.canonical]}")
        if grid.canonical == "网格":
            two_level(grid)
        else:
            grid.header()
        if grid.canonical == "卡点值守":
            units_under_header(grid)
        rows = grid.data()
        if grid.canonical == "住户":
            grid.merge_down("网格编号", rows[:2])

    d.plant("住户", 2, "身份证号", wrong_check_digit(pid(2, male=False)), "id-check-digit")
    d.plant("网格", 2, "联防队人数", 9, "defence-team-too-small")
    d.plant("排查登记", 5, "抵威日期", D(2020, 2, 6), "arrival-after-report-date")
    template_sheets(d, layout)
    return d


def same_register(folder: Path, office: Office | None, ext: str = "xlsx") -> Built:
    """31. The same register as written by openpyxl (office None), or as .xls, .ods or an
    .xlsx re-saved by LibreOffice."""
    d = format_base()
    if office is None:
        return save_as(d, folder)
    return converted_copy(d, folder, office, "format-base", ext, f"扎西镇_20200204.{ext}")


def renamed_et(folder: Path, office: Office) -> Built:
    """32. A WPS .et file: the register's .xls renamed to .et (a real .et is an OLE
    compound file like .xls)."""
    built = same_register(folder, office, "xls")
    target = built.path.with_suffix(".et")
    built.path.rename(target)
    built.path = target
    return built


def garbage_et(folder: Path) -> Path:
    path = folder / "扎西镇_20200204.et"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xd0\xcf\x11\xe0WPS Spreadsheets" + bytes(range(256)) * 4)
    return path


# ---------------------------------------------------------------------------------------
# Whole townships: one office's habits at once


def zhaxi_whole(folder: Path) -> Built:
    """33a. 扎西镇: a vertical cover with full-width colons; suffixed sheet names; titles;
    two-level headers; units rows; cells merged down; village and day subtotals; footers."""
    d = Draft()
    cover_vertical(d, "：")
    names = {"网格": "网格（2月4日）", "住户": "住户(更新)", "排查登记": "排查登记(2月4日)",
             "卡点值守": "卡点值守表", "宣传": "宣传 "}

    def layout(grid: Grid) -> None:
        assert grid.canonical
        grid.title(f"扎西镇{TITLES[grid.canonical]}")
        if grid.canonical == "宣传":
            grid.header([(f.split("(")[0], f) for f in d.book["宣传"][0]])
        else:
            two_level(grid)
        if grid.canonical in ("网格", "卡点值守", "宣传"):
            units_under_header(grid)
        start = grid.row
        with_totals(grid, formulas=False)
        data = [r for r in range(start, grid.row) if r not in grid.plan.layout]
        if grid.canonical == "住户":
            grid.merge_down("网格编号", data[:2])
        if grid.canonical == "排查登记":
            grid.merge_down("户编号", data[:2])
            grid.merge_down("包保责任人", data[:3])
        if grid.canonical in ("排查登记", "住户", "捐赠"):
            grid.line("填表人：王丽    审核人：李强    联系电话：13887012345", "footer")

    d.plant("网格", 2, "联防队人数", 9, "defence-team-too-small")
    d.plant("排查登记", 2, "身份证号", wrong_check_digit(pid(14, male=False)), "id-check-digit")
    d.plant("住户", 5, "网格编号", "G04", "unknown-grid")
    d.plant("卡点值守", 3, "其中党员", 6, "party-members-exceed-size")
    template_sheets(d, layout, names=names)
    return save_as(d, folder, "扎西镇2月4日网格化管理登记表.xlsx")


def luobu_whole(folder: Path, office: Office) -> Built:
    """33b. 罗布镇, an older office on .xls: no cover sheet, a form line under each title,
    tables at B2, a numbering row, decorated headers, village sub-titles, counts with units,
    phones with dashes, signature footers."""
    town = "罗布镇"
    d = Draft(town)
    no_cover(d)
    d.set("网格", 1, "联防队人数", "12人")
    d.set("网格", 2, "联防队人数", "10人")
    for i in range(1, 6):
        d.set("住户", i, "家庭人口数", f"{d.get('住户', i, '家庭人口数')}人")
        d.set("住户", i, "联系电话", "135-1234-000" + str(i))
    d.plant("住户", 4, "家庭人口数", "0人", "negative-number")
    d.plant("卡点值守", 4, "其中党员", 8, "party-members-exceed-size")
    d.plant("排查登记", 6, "健康状况", "发热", "unmanaged-risk", at="管控措施")

    def layout(grid: Grid) -> None:
        assert grid.canonical
        grid.title(f"{town}{TITLES[grid.canonical]}")
        row = grid.line(f"填报单位：{town}      填报日期：{chinese_date(REPORT_DATE)}",
                        "cover", "title")
        if grid.canonical == DATA_SHEETS[0]:
            d.township_source = d.date_source = ("form-line", f"{grid.name}!B{row}")
        names = DECORATED.get(grid.canonical, {})
        grid.header([(names.get(c, c), c) for c in d.book[grid.canonical][0]])
        grid.skip(list(range(1, grid.width + 1)), "numbering")
        if grid.canonical in VILLAGES:
            by_village(grid)
        else:
            grid.data()
        grid.blank()
        grid.line("填表人：赵强        审核人：钱明", "footer")

    template_sheets(d, layout, origin="B2")
    return converted_copy(d, folder, office, "luobu", "xls", "罗布镇网格化管理登记表.xls")


def santao_whole(folder: Path, office: Office) -> Built:
    """33c. 三桃乡: a WPS-made file name; township and date only in the first title; sheets
    shuffled with a chart sheet; 排查登记 split by village; a hidden older copy of 住户;
    SUM-formula totals (re-saved so they have values); IDs typed with apostrophes and
    full-width digits."""
    town = "三桃乡"
    d = Draft(town)
    no_cover(d)
    for i in (1, 3):
        d.set("排查登记", i, "身份证号", "'" + str(d.get("排查登记", i, "身份证号")))
    d.set("住户", 2, "身份证号", full_width(pid(2, male=False)))
    for i, seq in ((5, 1), (6, 2), (7, 3)):
        d.set("排查登记", i, "序号", seq)
    d.plant("排查登记", 6, "户编号", "H404", "unknown-household")
    d.plant("队伍", 1, "党员人数", 16, "party-members-exceed-size")
    d.plant("住户", 3, "住户类别", "农户", "invalid-enum")

    def layout(grid: Grid) -> None:
        assert grid.canonical
        if grid.canonical == DATA_SHEETS[0]:
            row = grid.title(f"{town}网格化管理登记表（{chinese_date(REPORT_DATE)}）")
            d.township_source = d.date_source = ("title", f"{grid.name}!A{row}")
        else:
            grid.title(f"{town}{TITLES[grid.canonical]}")
        grid.header()
        if grid.canonical in ("卡点值守", "宣传", "队伍"):
            with_totals(grid, formulas=True)
        else:
            grid.data()

    template_sheets(d, layout, only=("网格",))
    chart_sheet(d)
    old = d.sheet("住户(2月3日)", None, hidden=True, check_rows=False)
    old.raw(d.book["住户"][:4])
    d.expect("hidden-sheet-ignored", severity="warning", source_sheet="住户(2月3日)")
    template_sheets(d, layout, only=("住户",))
    for village, rows in VILLAGES["排查登记"]:
        grid = d.sheet(village, "排查登记")
        grid.title(f"{village}返乡人员排查登记表")
        grid.header()
        grid.data(rows)
    template_sheets(d, layout, only=("宣传", "卡点值守", "捐赠", "队伍"))
    return converted_copy(d, folder, office, "santao", "xlsx", "新建 XLSX 工作表.xlsx")


# ---------------------------------------------------------------------------------------
# What must hold


def check(built: Built | Path, config: Config) -> CheckResult:
    """check_path on the built file (with the name it was sent under, when archived).
    Imported here so the tests are collected while the reader is being rebuilt."""
    from toolkit.check.run import check_path

    if isinstance(built, Path):
        return check_path(built, config)
    if built.file_name:
        return check_path(built.path, config, file_name=built.file_name)
    return check_path(built.path, config)


def locations(result: CheckResult) -> list[tuple[Any, ...]]:
    """Every finding as the clerk sees it in the problem list."""
    return sorted((f.rule, f.severity, f.sheet, getattr(f, "source_sheet", None), f.row,
                   f.column, f.cell) for f in result.issues)


def describe(f: Finding) -> str:
    return (f"{f.rule}({f.severity}) {f.sheet}/{getattr(f, 'source_sheet', None)}!{f.cell} "
            f"row {f.row} column {f.column}: {f.message}")


def _mentions(message: str, words: tuple[str, ...]) -> bool:
    return all(any(w in message for w in alt.split("|")) for alt in words)


def finding_problems(result: CheckResult, built: Built) -> list[str]:
    if result.status == "unreadable":
        return [f"unreadable: {result.error}"]
    problems = []
    if (result.township, result.report_date) != (built.township, built.report_date):
        problems.append(f"township/date {result.township}/{result.report_date}, expected "
                        f"{built.township}/{built.report_date}")
    for p in built.defects:
        hits = [f for f in result.issues if p.matches(f)]
        if len(hits) != 1:
            problems.append(f"expected one {p}, found {len(hits)}")
        for f in hits:
            if f.severity != p.severity:
                problems.append(f"{p}: severity {f.severity}")
            if not _mentions(f.message, p.mentions):
                problems.append(f"{p}: message {f.message!r} should mention {p.mentions}")
    layout = built.layout_rows()
    for f in result.issues:
        if any(p.matches(f) for p in built.defects):
            continue  # (a cover-conflict may well point at a title row)
        if (getattr(f, "source_sheet", None), f.row) in layout:
            problems.append(f"finding on a layout row: {describe(f)}")
        elif not (f.severity == "warning" and f.rule in built.warnings):
            problems.append(f"unexpected {describe(f)}")
    want = "errors" if any(p.severity == "error" for p in built.defects) else "ok"
    if result.status != want and not problems:
        problems.append(f"status {result.status}, expected {want}")
    return problems


def inspect(built: Built, config: Config) -> dict[str, Any]:
    from toolkit.read import inspect_file  # the new reader's inspection

    if built.file_name:
        return inspect_file(built.path, config, file_name=built.file_name).to_dict()
    return inspect_file(built.path, config).to_dict()


def _covered(row: int, skipped: list[dict[str, Any]], reasons: tuple[str, ...]) -> bool:
    return any(s["first"] <= row <= s["last"] and (not reasons or s["reason"] in reasons)
               for s in skipped)


def inspection_problems(built: Built, config: Config) -> list[str]:
    try:
        info = inspect(built, config)
    except ImportError as exc:
        return [f"no inspection: {exc}"]
    return compare_inspection(info, built)


def compare_inspection(info: dict[str, Any], built: Built) -> list[str]:
    """How ``inspect_file(...).to_dict()`` differs from the layout the builder wrote."""
    problems = []
    if info["status"] != "ok":
        return [f"inspect status {info['status']}: {info['error']}"]
    for key, want, source in (("township", built.township, built.township_source),
                              ("report_date", built.report_date.isoformat(),
                               built.date_source)):
        got = info[key]
        if got["value"] != want:
            problems.append(f"inspect {key} {got['value']!r}, expected {want!r}")
        if source and (got["source"], got["where"]) != source:
            problems.append(f"inspect {key} from {got['source']} {got['where']}, "
                            f"expected {source[0]} {source[1]}")
    sheets = {s["name"]: s for s in info["sheets"]}
    for plan in built.sheets:
        got = sheets.get(plan.name)
        if got is None:
            problems.append(f"inspect lists no sheet {plan.name!r} (has {list(sheets)})")
            continue
        label = f"sheet {plan.name!r}"
        if (got["hidden"], got["register_sheet"]) != (plan.hidden, plan.register_sheet):
            problems.append(f"{label}: hidden/register_sheet {got['hidden']}/"
                            f"{got['register_sheet']}, expected {plan.hidden}/"
                            f"{plan.register_sheet} ({got.get('why')})")
        if not plan.check_rows:
            continue
        if got["header_rows"] != plan.header_rows:
            problems.append(f"{label}: header rows {got['header_rows']}, expected "
                            f"{plan.header_rows}")
        if got["data_rows"] != plan.data_rows:
            problems.append(f"{label}: {got['data_rows']} data rows, expected "
                            f"{plan.data_rows}")
        fields = {c["field"] for c in got["columns"] if c["field"]}
        if fields != plan.fields:
            problems.append(f"{label}: columns missing {sorted(plan.fields - fields)}, "
                            f"unexpected {sorted(fields - plan.fields)}")
        for row, reasons in sorted(plan.layout.items()):
            if not _covered(row, got["skipped"], reasons):
                problems.append(f"{label}: row {row} not skipped as {reasons or 'anything'} "
                                f"(skipped: {got['skipped']})")
    return problems


def verify(built: Built, config: Config, *, inspection: bool = True) -> CheckResult:
    """Everything a clerk would notice: the file is read, the township and date found,
    each planted defect reported once at its cell, nothing else (no error, no warning but
    the allowed ones, nothing on a title/units/total/footer row), and the inspection
    describes the sheets as they were laid out."""
    result = check(built, config)
    problems = finding_problems(result, built)
    if inspection and result.status != "unreadable":
        problems += inspection_problems(built, config)
    assert not problems, f"{built.path.name}:\n  " + "\n  ".join(problems)
    return result


def one_sentence(message: str | None) -> bool:
    return message is not None and message.endswith("。") and message.count("。") == 1
