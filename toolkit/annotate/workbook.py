"""The annotated copy of a checked workbook, for the township to fix in Excel.

Every problem cell is filled (red for errors, yellow for warnings) and carries a comment
saying what is wrong; a first sheet 检查结果 lists every problem with a link to its cell, a
summary by rule and when the check ran. The township's data, formatting, other sheets and
macros are kept; the original file is never modified. ``.xlsx``/``.xlsm`` packages are edited
directly (:mod:`toolkit.annotate_xlsx`, fast); when that path cannot, openpyxl loads and saves
the workbook (``keep_vba`` for ``.xlsm``). An ``.xls`` is rebuilt as ``.xlsx`` from its raw
cell values. The reader ignores the 检查结果 sheet and
fills/comments do not change values, so re-checking the copy gives the same findings.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

from ..check.rules.context import show
from ..check.run import CheckResult
from ..config.catalogue import RULE_TITLES
from ..errors import UnreadableWorkbook, UsageError, os_reason
from ..findings import ERROR, SEVERITY_TEXT, Finding
from ..read import read_raw, workbook_from_raw

RESULT_SHEET = "检查结果"
AUTHOR = "gridkit"
ERROR_COLOR = "FFFF9999"  # light red
WARNING_COLOR = "FFFFFF66"  # yellow
_ERROR_FILL = PatternFill(fill_type="solid", start_color=ERROR_COLOR, end_color=ERROR_COLOR)
_WARNING_FILL = PatternFill(fill_type="solid", start_color=WARNING_COLOR,
                            end_color=WARNING_COLOR)
LIST_HEADER = ("序号", "工作表", "单元格", "规则", "级别", "问题说明", "原值")


def annotated_path(source: Path, out_dir: Path, name: str | None = None) -> Path:
    """The copy keeps the file name (so the township can send it back as is), or ``name``
    (the name it was sent under, for an archived copy); in the original's own folder it gets
    a ``_检查结果`` suffix. ``.xls`` becomes ``.xlsx``."""
    suffix = ".xlsx" if source.suffix.lower() == ".xls" else source.suffix
    stem = Path(name).stem if name else source.stem
    out = out_dir / f"{stem}{suffix}"
    if out.resolve() == source.resolve() or (source.suffix.lower() == ".xls"
                                             and out_dir.resolve() == source.parent.resolve()):
        out = out_dir / f"{stem}_{RESULT_SHEET}{suffix}"
    return out


def write_annotated(result: CheckResult, out_dir: str | Path, *,
                    taken: Collection[Path] = (), name: str | None = None) -> Path:
    """Write the annotated copy of a checked file into ``out_dir``; returns its path.
    The copy is named like the file, or ``name`` when given. A path in ``taken`` (already
    written in this run) gets a ``_2``, ``_3``… suffix."""
    if result.status == "unreadable":
        raise UnreadableWorkbook(result.error or f"文件 {result.file} 无法读取。", result.file)
    source = Path(result.file)
    if not source.is_file():
        raise UsageError(f"找不到文件 {source},无法写出标注副本:请检查路径。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = annotated_path(source, out_dir, name)
    n = 1
    while out in taken:
        n += 1
        stem = annotated_path(source, out_dir, name).stem
        out = out.with_name(f"{stem}_{n}{out.suffix}")
    try:
        from .xlsx import fast_copy  # builds on this module

        if source.suffix.lower() in (".xlsx", ".xlsm") and fast_copy(source, out, result):
            return out
        wb = _open(source)
        _mark_cells(wb, result)
        _result_sheet(wb, result)
        wb.save(out)
    except OSError as exc:
        raise UsageError(f"无法写入 {out}:{os_reason(exc)}。如果该文件正在Excel中打开,"
                         f"请先关闭再重试。") from exc
    return out


def _open(source: Path) -> Workbook:
    suffix = source.suffix.lower()
    if suffix == ".xls":
        return workbook_from_raw(read_raw(source))
    with warnings.catch_warnings():  # openpyxl warns about Excel features it drops
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(source, keep_vba=suffix == ".xlsm")
        except Exception as exc:  # the check read it with calamine; openpyxl may still fail
            raise UnreadableWorkbook(
                f"文件 {source.name} 可以检查,但无法写出标注副本({type(exc).__name__}):"
                f"请在Excel中另存为 .xlsx 后重试。", str(source)) from exc
    if RESULT_SHEET in wb.sheetnames:  # an annotated copy annotated again
        wb.remove(wb[RESULT_SHEET])
    return wb


def _sheet_names(sheetnames: list[str], result: CheckResult) -> dict[str, str]:
    """Canonical sheet name -> the sheet's name in the workbook."""
    names = {n: n for n in sheetnames}
    for canonical, source_name in result.sheet_names.items():
        if source_name in names:
            names[canonical] = source_name
    return names


def _where(f: Finding, names: dict[str, str]) -> str | None:
    """The sheet of the workbook a finding is on: its own sheet name in the file, else the
    sheet its canonical sheet was read from."""
    if f.source_sheet is not None and f.source_sheet in names:
        return f.source_sheet
    return names.get(f.sheet or "") if f.sheet in names else None


def _plan(result: CheckResult, names: dict[str, str]) -> dict[str, dict[str, tuple[str, str]]]:
    """Sheet name in the file -> cell -> (severity that wins, the comment text)."""
    found: dict[str, dict[str, list[Finding]]] = {}
    for f in result.issues:
        where = _where(f, names)
        if where is not None and f.cell:
            found.setdefault(where, {}).setdefault(f.cell, []).append(f)
    return {sheet: {ref: (ERROR if any(f.severity == ERROR for f in fs) else "warning",
                          "\n".join(f"【{SEVERITY_TEXT[f.severity]}】{f.message}" for f in fs))
                    for ref, fs in cells.items()}
            for sheet, cells in found.items()}


def _mark_cells(wb: Workbook, result: CheckResult) -> None:
    for sheet_name, cells in _plan(result, _sheet_names(wb.sheetnames, result)).items():
        ws = wb[sheet_name]
        for ref, (severity, text) in cells.items():
            _comment(ws[ref], severity, text)


def _comment(cell: Cell, severity: str, text: str) -> None:
    """Fill the cell and put the findings in its comment (a township's own comment kept)."""
    cell.fill = _ERROR_FILL if severity == ERROR else _WARNING_FILL
    old = cell.comment
    if old is not None and old.author != AUTHOR:
        text = f"{old.text}\n----\n{text}"
    lines = sum(1 + len(line) // 22 for line in text.split("\n"))
    cell.comment = Comment(text, AUTHOR, height=min(18 * lines + 10, 400), width=320)


# The 检查结果 sheet as plain content, rendered by openpyxl or as XML:
# {(row, column): (value, kind)} with kind one of None, bold, title, date, datetime, link,
# wrap, error, warning; and the links (cell, target sheet, target cell).
Content = dict[tuple[int, int], tuple[Any, str | None]]
WIDTHS = (10, 14, 10, 26, 8, 70, 24)
MESSAGE_WIDTH = WIDTHS[5]
LINE_HEIGHT = 15.0


def row_heights(cells: Content) -> dict[int, float]:
    """Heights of the rows whose wrapped text needs more than one line (a Chinese character
    is two width units), so printed messages do not overlap."""
    heights: dict[int, float] = {}
    for (r, _c), (value, kind) in cells.items():
        if kind == "wrap" and isinstance(value, str):
            width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)
            lines = -(-width // (MESSAGE_WIDTH - 2))
            if lines > 1:
                heights[r] = max(heights.get(r, 0.0), LINE_HEIGHT * lines)
    return heights


def _result_content(result: CheckResult, names: dict[str, str], sheetnames: list[str],
                    ) -> tuple[Content, list[tuple[int, str, str]]]:
    cells: Content = {(1, 1): ("网格化管理登记表检查结果", "title")}
    facts: list[tuple[str, Any, str | None]] = [
        ("文件", Path(result.file).name, None),
        ("乡镇", result.township or "", None),
        ("填报日期", result.report_date, "date"),
        ("检查时间", result.checked_at, "datetime"),
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
        sheet_name = _where(f, names) or f.source_sheet or f.sheet or ""
        linked = bool(f.cell) and sheet_name in sheetnames
        cells[(row, 1)] = (n, None)
        cells[(row, 2)] = (sheet_name, None)
        cells[(row, 3)] = (f.cell or "", "link" if linked else None)
        if linked:
            links.append((row, sheet_name, f.cell or ""))
        cells[(row, 4)] = (f.rule, None)
        cells[(row, 5)] = (SEVERITY_TEXT[f.severity], f.severity)
        cells[(row, 6)] = (f.message, "wrap")
        cells[(row, 7)] = ("" if f.value is None else show(f.value), None)
    return cells, links


def _location(sheet: str, ref: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + ref


def _result_sheet(wb: Workbook, result: CheckResult) -> None:
    names = _sheet_names(wb.sheetnames, result)
    cells, links = _result_content(result, names, wb.sheetnames)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    ws = wb.create_sheet(RESULT_SHEET, 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    fonts = {"bold": Font(bold=True), "title": Font(bold=True, size=14)}
    formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
    fills = {ERROR: _ERROR_FILL, "warning": _WARNING_FILL}
    wrap = Alignment(wrap_text=True, vertical="top")
    for (r, c), (value, kind) in cells.items():
        cell = ws.cell(r, c)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"  # text stays text, never a formula
        else:
            cell.value = value
        if kind in fonts:
            cell.font = fonts[kind]
        elif kind in formats:
            cell.number_format = formats[kind]
        elif kind in fills:
            cell.fill = fills[kind]
        elif kind == "wrap":
            cell.alignment = wrap
    for r, sheet, ref in links:
        cell = ws.cell(r, 3)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=_location(sheet, ref),
                                   display=ref)
        cell.style = "Hyperlink"
    for letter, width in zip("ABCDEFG", WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    for r, height in row_heights(cells).items():
        ws.row_dimensions[r].height = height
    ws.page_setup.orientation = "landscape"  # printable: one page wide
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


__all__ = ["ERROR_COLOR", "LIST_HEADER", "RESULT_SHEET", "WARNING_COLOR", "annotated_path",
           "row_heights", "write_annotated"]
