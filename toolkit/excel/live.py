"""A workbook open in Excel, read and marked through xlwings.

This is the library behind the 检查本表 button: the live workbook becomes a
:class:`toolkit.read.RawBook` (each sheet's used range with its Excel offsets) and goes
through the same ``build_register`` / ``check_register`` as a file; the findings are then put
back in place: each problem cell filled (red for errors, yellow for warnings) with a note,
a 检查结果 sheet listing every problem with a link to its cell, and a hidden sheet remembering
which cells were marked and how they looked, so that the next check first restores them.

Only xlwings' public objects (``xw.Book``, ``xw.Sheet``, ``xw.Range``) are used, so the same
code runs in Excel (Windows COM) and on the in-memory engine the tests use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..annotate import content
from ..annotate.content import (
    ERROR_COLOR,
    LINK_COLUMN,
    NOTE_MARK,
    RESULT_SHEET,
    WARNING_COLOR,
    Annotation,
    Mark,
    location,
)
from ..check.run import CheckResult, check_register
from ..config.county import Config
from ..config.limits import Limits
from ..errors import UnreadableWorkbook
from ..findings import ERROR, WARNING, Finding
from ..read import RawBook, RawSheet, build_register
from ..read.marks import ERROR_TEXTS

if TYPE_CHECKING:
    import xlwings as xw

RESULTS_SHEET = RESULT_SHEET  # 检查结果, the same sheet the annotated copy has
MARKS_SHEET = "gridkit标记"  # hidden: the cells the last check marked
CONF_SHEET = "xlwings.conf"
BUTTONS_SHEET = "操作按钮"
OWN_SHEETS = frozenset({RESULTS_SHEET, MARKS_SHEET, CONF_SHEET, BUTTONS_SHEET,
                        "_xlwings.conf"})



def _rgb(argb: str) -> tuple[int, int, int]:
    return int(argb[-6:-4], 16), int(argb[-4:-2], 16), int(argb[-2:], 16)


ERROR_FILL = _rgb(ERROR_COLOR)  # the colours of the annotated copy (gridkit check --out)
WARNING_FILL = _rgb(WARNING_COLOR)
MARKS_HEADER = ["工作表", "单元格", "原填充色", "原批注"]


@dataclass
class LiveCheck:
    """What 检查本表 did to the workbook."""

    result: CheckResult
    annotation: Annotation
    marked: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, cell) -> severity
    summary: str = ""

    @property
    def unplaced(self) -> list[Finding]:
        """Findings without a cell in this workbook."""
        return self.annotation.unplaced


# -- reading ----------------------------------------------------------------------------

def _cell_value(v: Any) -> Any:
    """A value as python-calamine would give it for the same cell (dates at midnight are
    dates), so that a live check and a file check see the same register."""
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    if isinstance(v, str) and v == "":
        return None
    return v


def raw_book(book: xw.Book, limits: Limits | None = None) -> RawBook:
    """The workbook's sheets (gridkit's own sheets left out) as raw values with their
    Excel offsets, read in one call per sheet; error values (#REF!…) as a file read
    gives them (an empty cell, and the error recorded). A sheet whose used range is past
    ``limits`` is refused before its values are fetched."""
    limits = limits or Limits()
    sheets: list[RawSheet] = []
    for sheet in book.sheets:
        if sheet.name in OWN_SHEETS:
            continue
        used = sheet.used_range
        height, width = used.shape
        if limits.max_cells and height * width > limits.max_cells:
            raise UnreadableWorkbook(
                f"工作表“{sheet.name}”的使用范围达到{height}行×{width}列,超出了县里设定的读取上限:"
                "请删去表格右下方的多余内容(按Ctrl+End可看到最后一个单元格)后保存,再检查一次。",
                f"excel:{book.name}")
        values = used.options(ndim=2, err_to_str=True).value
        r0, c0 = used.row - 1, used.column - 1
        errors: dict[tuple[int, int], str] = {}
        rows: list[list[Any]] = []
        for r, row in enumerate(values):
            out = []
            for c, v in enumerate(row):
                if isinstance(v, str) and v in ERROR_TEXTS:
                    errors[(r0 + r, c0 + c)] = v
                    v = ""
                out.append(_cell_value(v))
            rows.append(out)
        sheets.append(RawSheet(name=sheet.name, rows=rows, first_row=used.row,
                               first_col=c0, hidden=not sheet.visible, errors=errors))
    return RawBook(source=f"excel:{book.name}", sheets=sheets)


def check_book(book: xw.Book, config: Config) -> CheckResult:
    """Check the live workbook exactly as ``gridkit check`` checks a file."""
    register = build_register(raw_book(book, config.limits), config, file_name=book.name)
    return check_register(register, config)


# -- marks of the previous check ---------------------------------------------------------

def _sheet(book: xw.Book, name: str) -> xw.Sheet | None:
    for s in book.sheets:
        if s.name == name:
            return s
    return None


def _hex(color: tuple[int, int, int] | None) -> str:
    return "" if color is None else "#{:02x}{:02x}{:02x}".format(*color)


def clear_marks(book: xw.Book) -> int:
    """Restore every cell the previous check marked (its fill and its note) and remove the
    record of them. Returns the number of cells restored."""
    marks = _sheet(book, MARKS_SHEET)
    if marks is None:
        return 0
    rows = marks.used_range.options(ndim=2).value
    restored = 0
    for row in rows[1:]:
        if not row or not row[0] or not row[1]:
            continue
        target = _sheet(book, str(row[0]))
        if target is None:
            continue
        rng = target[str(row[1])]
        rng.color = str(row[2]) if row[2] else None
        note = rng.note
        original = str(row[3]) if row[3] else ""
        if original:
            if note is not None:
                note.text = original
            else:
                rng.add_note(original)
        elif note is not None and note.text.startswith(NOTE_MARK):
            note.delete()
        restored += 1
    marks.delete()
    return restored


def mark_findings(book: xw.Book, check: LiveCheck) -> None:
    """Fill every problem cell and give it a note. What each cell looked like before is
    recorded in the hidden sheet FIRST, so that even a run that stops half-way can be
    undone by the next one."""
    sheets = {s.name: s for s in book.sheets}
    records: list[list[Any]] = [MARKS_HEADER]
    todo: list[tuple[xw.Range, str, Mark]] = []
    for mark in check.annotation.marks:
        sheet = sheets.get(mark.sheet)
        if sheet is None:
            continue
        rng = sheet[mark.cell]
        note = rng.note
        original = note.text if note is not None else ""
        if original.startswith(NOTE_MARK):  # a mark left over from a check not undone
            original = ""
        records.append([mark.sheet, mark.cell, _hex(rng.color), original])
        todo.append((rng, original, mark))
    marks = book.sheets.add(MARKS_SHEET, after=book.sheets[len(book.sheets) - 1])
    marks["A1"].value = [[as_text(v) for v in row] for row in records]
    marks.visible = False
    for rng, original, mark in todo:
        rng.color = ERROR_FILL if mark.severity == ERROR else WARNING_FILL
        note = rng.note
        if note is not None:
            note.text = f"{original}\n----\n{mark.note}" if original else mark.note
        else:
            rng.add_note(mark.note)
        check.marked[(rng.sheet.name, rng.address.replace("$", ""))] = mark.severity


# -- the 检查结果 sheet -------------------------------------------------------------------

def as_text(value: Any) -> Any:
    """A value written as a value: text that Excel would take for a formula stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return "'" + value
    return value


def _link(sheet_name: str, cell: str) -> str:
    target = "#" + location(sheet_name, cell)
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'


def summary_sentence(result: CheckResult) -> str:
    if not result.issues:
        return "检查完成:没有发现问题。"
    return (f"检查完成:{result.errors}个错误、{result.warnings}个警告,已在单元格上标出(红色为错误,"
            f"黄色为警告),详见“{RESULTS_SHEET}”表。")


_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def write_results(book: xw.Book, check: LiveCheck) -> None:
    """Replace the 检查结果 sheet with the annotation's (the same content as the annotated
    copy's, cell by cell), written in one call; it becomes the first sheet."""
    content = check.annotation.result
    old = _sheet(book, RESULTS_SHEET)
    if old is not None:
        old.delete()
    sheet = book.sheets.add(RESULTS_SHEET, before=book.sheets[0])
    grid = content.grid()
    for r, target, cell in content.links:
        grid[r - 1][LINK_COLUMN - 1] = _link(target, cell)
    linked = {r for r, _, _ in content.links}
    sheet["A1"].value = [[v if (r + 1 in linked and c + 1 == LINK_COLUMN) else as_text(v)
                          for c, v in enumerate(row)] for r, row in enumerate(grid)]
    for (r, c), (_value, kind) in content.cells.items():
        if kind is None or kind == "link":
            continue
        rng = sheet.range((r, c))
        if kind in ("bold", "title"):
            rng.font.bold = True
            if kind == "title":
                rng.font.size = 14
        elif kind in _FORMATS:
            rng.number_format = _FORMATS[kind]
        elif kind in (ERROR, WARNING):
            rng.color = ERROR_FILL if kind == ERROR else WARNING_FILL
        elif kind == "wrap":
            rng.wrap_text = True
    for i, w in enumerate(content.widths):
        sheet.range((1, i + 1)).column_width = w
    sheet.activate()


def check_and_mark(book: xw.Book, config: Config) -> LiveCheck:
    """The whole 检查本表: check (a workbook that cannot be checked is left as it is), clear
    the previous marks, mark, write 检查结果."""
    result = check_book(book, config)
    clear_marks(book)
    names = [s.name for s in book.sheets if s.name not in OWN_SHEETS]
    check = LiveCheck(result, content.build(result, names, file_name=book.name),
                      summary=summary_sentence(result))
    mark_findings(book, check)
    write_results(book, check)
    return check
