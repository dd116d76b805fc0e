"""What an annotated workbook shows, built once from a check result and rendered three ways
(the .xlsx package edited directly, openpyxl, a live workbook through xlwings):

* the marks: every problem cell with the worse severity of its findings (red for errors,
  yellow for warnings) and one note listing them;
* the 检查结果 sheet: the facts (file, township, date, when checked, the verdict), a count
  by rule, how the file was read (读取说明), and every problem with a link to its cell.

The content is plain data (values and a style kind per cell), so the three renderers can be
compared cell by cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..check.run import CheckResult
from ..config.catalogue import RULE_TITLES
from ..findings import ERROR, SEVERITY_TEXT, WARNING, Finding, Severity, display_value
from ..read.raw import display_name
from ..width import display_width

RESULT_SHEET = "检查结果"
AUTHOR = "gridkit"
NOTE_MARK = "【gridkit】"  # first line of every note a check writes (so it can be undone)
ERROR_COLOR = "FFFF9999"  # light red
WARNING_COLOR = "FFFFFF66"  # yellow
LIST_HEADER = ("序号", "工作表", "单元格", "规则", "级别", "问题说明", "原值")
WIDTHS = (10, 14, 10, 26, 8, 70, 24)
MESSAGE_WIDTH = WIDTHS[5]
LINE_HEIGHT = 15.0
LINK_COLUMN = 3

# (row, column) -> (value, kind); kind: None, bold, title, date, datetime, link, wrap,
# error, warning
Cells = dict[tuple[int, int], tuple[Any, str | None]]


@dataclass(frozen=True)
class Mark:
    """One problem cell of the workbook."""

    sheet: str  # the sheet's name in the workbook
    cell: str  # "D12"
    severity: Severity  # the worse of its findings
    note: str  # the note: every finding of the cell


@dataclass
class ResultSheet:
    """The 检查结果 sheet."""

    cells: Cells
    links: list[tuple[int, str, str]]  # (row of the link cell, target sheet, target cell)
    widths: tuple[float, ...] = WIDTHS

    def heights(self) -> dict[int, float]:
        """Heights of the rows whose wrapped text needs more than one line (a Chinese
        character is two width units), so printed messages do not overlap."""
        heights: dict[int, float] = {}
        for (r, _c), (value, kind) in self.cells.items():
            if kind == "wrap" and isinstance(value, str):
                width = display_width(value)
                lines = -(-width // (MESSAGE_WIDTH - 2))
                if lines > 1:
                    heights[r] = max(heights.get(r, 0.0), LINE_HEIGHT * lines)
        return heights

    def grid(self) -> list[list[Any]]:
        """The values as rows (None where empty), from A1."""
        rows = max((r for r, _ in self.cells), default=0)
        cols = max((c for _, c in self.cells), default=0)
        out: list[list[Any]] = [[None] * cols for _ in range(rows)]
        for (r, c), (value, _kind) in self.cells.items():
            out[r - 1][c - 1] = value
        return out


@dataclass
class Annotation:
    marks: list[Mark]
    result: ResultSheet
    unplaced: list[Finding] = field(default_factory=list)  # no cell in this workbook

    def by_sheet(self) -> dict[str, list[Mark]]:
        out: dict[str, list[Mark]] = {}
        for m in self.marks:
            out.setdefault(m.sheet, []).append(m)
        return out


def note_text(findings: Iterable[Finding]) -> str:
    lines = [f"【{SEVERITY_TEXT[f.severity]}】{f.message}" for f in findings]
    return NOTE_MARK + "\n" + "\n".join(lines)


def worst(findings: Iterable[Finding]) -> Severity:
    return ERROR if any(f.severity == ERROR for f in findings) else WARNING


def sheet_names(sheetnames: Sequence[str], result: CheckResult) -> dict[str, str]:
    """Every name a finding may give (the workbook's sheet names, and each canonical
    sheet name) -> the workbook sheet it is on."""
    names = {n: n for n in sheetnames}
    for canonical, source_name in result.sheet_names.items():
        if source_name in names:
            names.setdefault(canonical, source_name)
    return names


def where(f: Finding, names: dict[str, str]) -> str | None:
    """The workbook sheet a finding is on: its own sheet name in the file, else the sheet
    its canonical sheet was read from."""
    if f.source_sheet is not None and f.source_sheet in names:
        return names[f.source_sheet]
    return names.get(f.sheet or "")


def build(result: CheckResult, sheetnames: Sequence[str], *,
          file_name: str | None = None) -> Annotation:
    """The marks and the 检查结果 sheet of ``result`` for a workbook with ``sheetnames``
    (the 检查结果 sheet itself left out)."""
    sheetnames = [n for n in sheetnames if n != RESULT_SHEET]
    names = sheet_names(sheetnames, result)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    unplaced: list[Finding] = []
    for f in result.issues:
        sheet = where(f, names)
        if sheet is None or not f.cell:
            unplaced.append(f)
            continue
        by_cell.setdefault((sheet, f.cell), []).append(f)
    marks = [Mark(sheet, cell, worst(fs), note_text(fs)) for (sheet, cell), fs in
             by_cell.items()]
    return Annotation(marks, _result_sheet(result, names, file_name), unplaced)


def _result_sheet(result: CheckResult, names: dict[str, str],
                  file_name: str | None) -> ResultSheet:
    cells: Cells = {(1, 1): ("网格化管理登记表检查结果", "title")}
    facts: list[tuple[str, Any, str | None]] = [
        ("文件", file_name or display_name(result.file), None),
        ("乡镇", result.township or "", None),
        # written as text the way a clerk writes them: a date format of the file would
        # print 2/4/2020 on an English system
        ("填报日期", f"{d.year}年{d.month}月{d.day}日" if (d := result.report_date) else "",
         None),
        ("检查时间", f"{result.checked_at:%Y-%m-%d %H:%M}" if result.checked_at else "", None),
        ("结果", f"{result.errors}个错误、{result.warnings}个警告。红色单元格是错误(必须改正),"
                 f"黄色是警告(请核实);把鼠标移到单元格上可看到说明,点击下面的单元格地址可跳到该处。"
         if result.issues else "没有发现问题。", None),
    ]
    for r, (label, value, kind) in enumerate(facts, start=2):
        cells[(r, 1)] = (label, "bold")
        cells[(r, 2)] = (value, kind)
    row = len(facts) + 3
    cells[(row, 1)] = ("按规则汇总", "bold")
    row += 1
    # the same columns as the list below: rule (D), severity (E), what it means (F)
    for c, title in ((1, "条数"), (4, "规则"), (5, "级别"), (6, "说明")):
        cells[(row, c)] = (title, "bold")
    counts = Counter((f.rule, f.severity) for f in result.issues)
    for (rule, severity), n in sorted(counts.items(), key=lambda kv: (kv[0][1] != ERROR,
                                                                       -kv[1], kv[0][0])):
        row += 1
        cells[(row, 1)] = (n, None)
        cells[(row, 4)] = (rule, None)
        cells[(row, 5)] = (SEVERITY_TEXT[severity], severity)
        cells[(row, 6)] = (RULE_TITLES.get(rule, ""), None)
    if result.reading is not None:
        row += 2
        cells[(row, 1)] = ("读取说明", "bold")
        for line in result.reading.lines():
            row += 1
            cells[(row, 2)] = (line, None)
    row += 2
    cells[(row, 1)] = ("问题清单", "bold")
    row += 1
    for c, title in enumerate(LIST_HEADER, start=1):
        cells[(row, c)] = (title, "bold")
    links: list[tuple[int, str, str]] = []
    for n, f in enumerate(result.issues, start=1):
        row += 1
        sheet = where(f, names)
        linked = bool(f.cell) and sheet is not None
        cells[(row, 1)] = (n, None)
        cells[(row, 2)] = (sheet or f.source_sheet or f.sheet or "", None)
        cells[(row, LINK_COLUMN)] = (f.cell or "", "link" if linked else None)
        if linked and sheet is not None:
            links.append((row, sheet, f.cell or ""))
        cells[(row, 4)] = (f.rule, None)
        cells[(row, 5)] = (SEVERITY_TEXT[f.severity], f.severity)
        cells[(row, 6)] = (f.message, "wrap")
        cells[(row, 7)] = (display_value(f.value), None)
    return ResultSheet(cells, links)


def location(sheet: str, ref: str) -> str:
    """``'排查登记'!D12``: a link's target inside the workbook."""
    return "'" + sheet.replace("'", "''") + "'!" + ref


__all__ = ["AUTHOR", "ERROR_COLOR", "LIST_HEADER", "NOTE_MARK", "RESULT_SHEET", "WARNING_COLOR",
           "WIDTHS", "Annotation", "Cells", "Mark", "ResultSheet", "build", "location",
           "note_text"]
