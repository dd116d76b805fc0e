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

from ..annotate.workbook import ERROR_COLOR, LIST_HEADER, RESULT_SHEET, WARNING_COLOR
from ..check.rules.context import show
from ..config.catalogue import RULE_TITLES
from ..findings import ERROR, SEVERITY_TEXT, Finding
from ..read import RawBook, RawSheet, build_register
from ..read.marks import ERROR_TEXTS

if TYPE_CHECKING:
    import xlwings as xw

    from ..check.run import CheckResult
    from ..config.county import Config

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
NOTE_MARK = "【gridkit】"  # first line of every note the check writes
MARKS_HEADER = ["工作表", "单元格", "原填充色", "原批注"]


@dataclass
class LiveCheck:
    """What 检查本表 did to the workbook."""

    result: CheckResult
    marked: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, cell) -> severity
    unplaced: list[Finding] = field(default_factory=list)  # findings without a cell
    summary: str = ""


# -- reading ----------------------------------------------------------------------------

def _cell_value(v: Any) -> Any:
    """A value as python-calamine would give it for the same cell (dates at midnight are
    dates), so that a live check and a file check see the same register."""
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    if isinstance(v, str) and v == "":
        return None
    return v


def raw_book(book: xw.Book) -> RawBook:
    """The workbook's sheets (gridkit's own sheets left out) as raw values with their
    Excel offsets, read in one call per sheet; error values (#REF!…) as a file read
    gives them (an empty cell, and the error recorded)."""
    sheets: list[RawSheet] = []
    for sheet in book.sheets:
        if sheet.name in OWN_SHEETS:
            continue
        used = sheet.used_range
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
    from ..check.run import check_register

    register = build_register(raw_book(book), config, file_name=book.name)
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


def _note_text(findings: list[Finding]) -> str:
    lines = [f"【{SEVERITY_TEXT.get(f.severity, f.severity)}】{f.message}" for f in findings]
    return NOTE_MARK + "\n" + "\n".join(lines)


def mark_findings(book: xw.Book, check: LiveCheck) -> None:
    """Fill every problem cell and give it a note. What each cell looked like before is
    recorded in the hidden sheet FIRST, so that even a run that stops half-way can be
    undone by the next one."""
    result = check.result
    register = result.register
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in result.issues:
        spec = register.sheet(f.sheet) if (register is not None and f.sheet) else None
        where = f.source_sheet or (spec.source_name if spec is not None else None)
        if where is None or not f.cell:
            check.unplaced.append(f)
            continue
        by_cell.setdefault((where, f.cell), []).append(f)
    sheets = {s.name: s for s in book.sheets}
    records: list[list[Any]] = [MARKS_HEADER]
    todo: list[tuple[xw.Range, str, list[Finding]]] = []
    for (sheet_name, cell), findings in by_cell.items():
        sheet = sheets.get(sheet_name)
        if sheet is None:
            check.unplaced.extend(findings)
            continue
        rng = sheet[cell]
        note = rng.note
        original = note.text if note is not None else ""
        if original.startswith(NOTE_MARK):  # a mark left over from a check not undone
            original = ""
        records.append([sheet_name, cell, _hex(rng.color), original])
        todo.append((rng, original, findings))
    marks = book.sheets.add(MARKS_SHEET, after=book.sheets[len(book.sheets) - 1])
    marks["A1"].value = [[as_text(v) for v in row] for row in records]
    marks.visible = False
    for rng, original, findings in todo:
        severity = ERROR if any(f.severity == ERROR for f in findings) else "warning"
        rng.color = ERROR_FILL if severity == ERROR else WARNING_FILL
        text = _note_text(findings)
        note = rng.note
        if note is not None:
            note.text = f"{original}\n----\n{text}" if original else text
        else:
            rng.add_note(text)
        check.marked[(rng.sheet.name, rng.address.replace("$", ""))] = severity


# -- the 检查结果 sheet -------------------------------------------------------------------

def as_text(value: Any) -> Any:
    """A value written as a value: text that Excel would take for a formula stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return "'" + value
    return value


def _link(sheet_name: str, cell: str) -> str:
    target = "#'" + sheet_name.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'


def summary_sentence(result: CheckResult) -> str:
    if not result.issues:
        return "检查完成:没有发现问题。"
    return (f"检查完成:{result.errors}个错误、{result.warnings}个警告,已在单元格上标出(红色为错误,"
            f"黄色为警告),详见“{RESULTS_SHEET}”表。")


def write_results(book: xw.Book, check: LiveCheck) -> None:
    """Replace the 检查结果 sheet (the same layout as the annotated copy's): the facts, a
    count by rule, and every problem with a link to its cell. It becomes the first sheet."""
    result = check.result
    register = result.register
    old = _sheet(book, RESULTS_SHEET)
    if old is not None:
        old.delete()
    sheet = book.sheets.add(RESULTS_SHEET, before=book.sheets[0])
    grid: list[list[Any]] = [
        ["网格化管理登记表检查结果"],
        ["文件", book.name],
        ["乡镇", result.township or ""],
        ["填报日期", result.report_date],
        ["检查时间", result.checked_at],
        ["结果", f"{result.errors}个错误、{result.warnings}个警告。红色单元格是错误(必须改正),"
                 "黄色是警告(请核实);把鼠标移到单元格上可看到说明,点击下面的单元格地址可跳到该处。"
         if result.issues else "没有发现问题。"],
        [],
        ["按规则汇总"],
        ["规则", "说明", "级别", "条数"],
    ]
    for rule, severity, n in sorted(result.counts_by_rule(),
                                    key=lambda x: (x[1] != ERROR, -x[2], x[0])):
        grid.append([rule, RULE_TITLES.get(rule, ""), SEVERITY_TEXT[severity], n])
    if result.reading is not None:
        grid += [[], ["读取说明"], *[[None, line] for line in result.reading.lines()]]
    grid += [[], ["问题清单"]]
    list_header = len(grid) + 1
    grid.append(list(LIST_HEADER))
    for i, f in enumerate(result.issues, 1):
        spec = register.sheet(f.sheet) if (register is not None and f.sheet) else None
        sheet_name = f.source_sheet or (spec.source_name if spec is not None else (f.sheet or ""))
        placed = spec is not None or f.source_sheet is not None
        cell: Any = _link(sheet_name, f.cell) if (f.cell and placed) else (f.cell or "")
        grid.append([i, sheet_name, cell, f.rule, SEVERITY_TEXT.get(f.severity, f.severity),
                     as_text(f.message), "" if f.value is None else as_text(show(f.value))])
    width = len(LIST_HEADER)
    sheet["A1"].value = [r + [None] * (width - len(r)) for r in grid]
    sheet["A1"].font.bold = True
    sheet["A2:A6"].font.bold = True
    sheet["A8"].font.bold = True
    sheet["A9:D9"].font.bold = True
    if result.reading is not None:
        sheet[f"A{10 + len(result.counts_by_rule()) + 1}"].font.bold = True
    sheet[f"A{list_header - 1}"].font.bold = True
    sheet[f"A{list_header}"].resize(1, width).font.bold = True
    sheet["B4"].number_format = "yyyy-mm-dd"
    sheet["B5"].number_format = "yyyy-mm-dd hh:mm"
    for letter, w in zip("ABCDEFG", (10, 14, 10, 26, 8, 70, 24), strict=True):
        sheet[f"{letter}1"].column_width = w
    sheet.activate()


def check_and_mark(book: xw.Book, config: Config) -> LiveCheck:
    """The whole 检查本表: check (a workbook that cannot be checked is left as it is), clear
    the previous marks, mark, write 检查结果."""
    result = check_book(book, config)
    clear_marks(book)
    check = LiveCheck(result=result, summary=summary_sentence(result))
    mark_findings(book, check)
    write_results(book, check)
    return check
