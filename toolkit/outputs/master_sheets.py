"""The county master's small sheets, laid out to be read on screen and printed on A4.

The 汇总 pages (one per topic: 报送与网格, 排查管控, 卡点, 队伍, 宣传与捐赠; township rows and
全县合计, the column titles of :func:`..figures.figure_specs` with their units), 报送情况 (the
night's summary as a label / value / explanation block above the township table),
问题清单 and 跨乡镇重复. Every sheet prints A4 landscape with its header repeated on each
page and the page number in the footer (:func:`print_setup`); the widths are chosen so the
汇总 pages print at full size, one page wide. The data sheets' writer is in ``master.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..config.catalogue import RULE_TITLES
from ..config.county import Config
from ..findings import ERROR, SEVERITY_TEXT, WARNING, display_value
from ..store.records import (
    LATE,
    MISSING,
    REJECTED,
    REPORTED,
    STATUS_WORDS,
    TO_FIX,
    Conflict,
    FindingRecord,
    Submission,
)
from ..width import display_width
from .figures import TOTAL, FigureSpec, NightFigures, TownshipFigures, figure_value

STATUS, FINDINGS, CONFLICTS = "报送情况", "问题清单", "跨乡镇重复"
FONT = "宋体"  # the office's font; LibreOffice substitutes a CJK font it has
MEASURE_GROUP = "按管控措施分(人)"

# (sheet name, topic, schema sheet ids whose figures it shows); the first keeps the name
# 汇总 the Excel buttons and older workbooks know
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("汇总", "报送与网格", ("grids", "households")),
    ("汇总-排查管控", "排查管控", ("screening",)),
    ("汇总-卡点", "卡点值守", ("checkpoints",)),
    ("汇总-队伍", "队伍", ("teams",)),
    ("汇总-宣传与捐赠", "宣传与捐赠", ("publicity", "donations")),
)
OTHER_TOPIC = ("汇总-其他", "其他")
SUMMARY = TOPICS[0][0]
_NUMERALS = "一二三四五六七八九十"

# A4 landscape with the margins below, in pixels (96 dpi): what fits at 100 %. A column of
# width w is stored as w + 5/7 (xlsxwriter's padding) and takes that many units: 8 pixels
# each in Excel (宋体 11's digit), 9 with the CJK font LibreOffice substitutes; the wider counts
PAGE_WIDTH_PX = int((11.69 - 0.4 - 0.4) * 96)
UNIT_PX = 9
PADDING = 5 / 7
LINE_HEIGHT = 15.0  # points per line of 11-pt text (宋体 takes 14.25)
TITLE_SIZE = 15
ROW_HEIGHT = 18.0  # a table row on the printed pages


def columns_px(widths: Sequence[float], *, stored: bool = False) -> int:
    """The printed width of columns of ``widths`` (as set, or as ``stored`` in the file)."""
    return round(sum((w if stored else w + PADDING) * UNIT_PX for w in widths))


def text_lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column of ``width`` units. A Chinese character
    (two digits of display width) takes 1.83 units of the stored width in Excel (宋体 11:
    15 pixels of 8) and 1.63 in LibreOffice; counted as 1.92, a little to spare."""
    room = max(1.0, (width + PADDING) * 1.04)
    return sum(max(1, math.ceil(display_width(part) / room))
               for part in str(text).split("\n"))


def row_height(lines: int) -> float:
    return max(ROW_HEIGHT, lines * LINE_HEIGHT + 2)


class SmallWorksheet(Worksheet):
    """A sheet of the master kept in memory (the workbook streams its data sheets): its
    cells may be written in any order (merged headers, a summary block)."""

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": False})
        self.row_data_fh_closed = True  # no row file for the workbook to close


class Formats:
    """Every format of the master, made once per workbook (the font is the workbook's
    default: 宋体 11)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        add = wb.add_format
        box = {"border": 1, "border_color": "#808080", "valign": "vcenter"}
        self.title = add({"bold": True, "font_size": TITLE_SIZE, "align": "center",
                          "valign": "vcenter", "text_wrap": True})
        self.subtitle = add({"font_size": 11, "text_wrap": True, "valign": "vcenter"})
        self.note = add({"font_size": 10, "text_wrap": True, "valign": "top"})
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True,
                           "align": "center", **box})
        self.group = add({"bold": True, "bg_color": "#C9D5EC", "text_wrap": True,
                          "align": "center", **box})
        self.text = add(box)
        self.wrap = add({**box, "text_wrap": True})
        self.center = add({**box, "align": "center"})
        self.int = add({**box, "num_format": "#,##0"})
        self.money = add({**box, "num_format": "#,##0.00"})
        self.pct = add({**box, "num_format": "0.0%"})
        self.time = add({**box, "num_format": "yyyy-mm-dd hh:mm", "align": "center"})
        total = {**box, "bold": True, "bg_color": "#F2F2F2"}
        self.total_text = add(total)
        self.total_center = add({**total, "align": "center"})
        self.total = add({**total, "num_format": "#,##0"})
        self.total_money = add({**total, "num_format": "#,##0.00"})
        self.label = add({**box, "bold": True, "bg_color": "#F2F2F2"})
        self.meaning = add({**box, "indent": 1})
        red = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
        yellow = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
        self.box_error = add({**box, **red, "align": "center"})
        self.box_warning = add({**box, **yellow, "align": "center"})
        self.bad = {REJECTED: self.box_error, MISSING: self.box_error,
                    TO_FIX: self.box_error, LATE: self.box_warning}
        # the data sheets: no borders (their gridlines print), one style per column
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.data_wrap = add({"text_wrap": True})
        self.error = add(red)
        self.warning = add(yellow)


def print_setup(ws: Any, *, header: tuple[int, int] | None, fit: bool = True,
                scale: int = 100, repeat_columns: int = 0) -> None:
    """A4 landscape, the rows ``header`` repeated on every page, 第n页 共m页 in the footer.
    ``fit``: one page wide (as many tall as needed); otherwise printed at ``scale`` %
    over then down, with the first ``repeat_columns`` columns on every page."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&L&A&C第&P页 共&N页", {"margin": 0.25})
    if header is not None:
        ws.repeat_rows(*header)
    if fit:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(scale)
        ws.print_across()
        if repeat_columns:
            ws.repeat_columns(0, repeat_columns - 1)


def put_text(ws: Any, row: int, col: int, text: str, fmt: Any) -> None:
    """A text cell; an empty text is a blank (formatted) cell, never an empty string."""
    if text:
        ws.write_string(row, col, text, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def title_row(ws: Any, text: str, last: int, widths: Sequence[float], fmt: Formats) -> None:
    """The sheet's title across columns A..``last``, on two lines when it is wider than
    the table (a merged cell never spills over)."""
    room = sum(widths[: last + 1]) * 11 / TITLE_SIZE
    ws.merge_range(0, 0, 0, last, text, fmt.title)
    ws.set_row(0, 8 + 22 * text_lines(text, room))


def when_text(night: dt.date | None) -> str:
    return f"({night.year}年{night.month}月{night.day}日)" if night else ""


# --- 汇总 pages ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    """Whose rows a 汇总 page lists: a county's townships (全县合计), or a city's counties
    (全市合计)."""

    place: str  # 威信县 / 昭通市, in the title
    unit: str  # the first column's title: 乡镇 / 县(市、区)
    total: str  # the total row: 全县合计 / 全市合计
    left_out: str  # the note's first sentence: which rows the total leaves out


def county_level(config: Config) -> Level:
    return Level(config.county.name, "乡镇", f"{TOTAL}合计",
                 f"说明:报送状态为“{MISSING}”“{REJECTED}”的乡镇未纳入汇总,其数字为0;"
                 f"“{TO_FIX}”的乡镇已纳入汇总,改正重报后数字可能变化。")

@dataclass
class Topic:
    sheet: str
    title: str  # 报送与网格
    specs: list[FigureSpec]


def topics(config: Config, specs: list[FigureSpec]) -> list[Topic]:
    """The 汇总 pages and the figures on each, in figure order. A figure whose count is
    already a column (解除观察 is one of the 管控措施 counted by measure) is shown once."""
    measures = {s.name.split(":", 1)[1] for s in specs if s.name.startswith("by_measure:")}
    if config.schema.rules.released_measure in measures:
        specs = [s for s in specs if s.name != "released"]
    pages = [Topic(sheet, title, [s for s in specs if s.sheet in ids])
             for sheet, title, ids in TOPICS]
    known = {i for _, _, ids in TOPICS for i in ids}
    rest = [s for s in specs if s.sheet not in known]
    if rest:
        pages.append(Topic(*OTHER_TOPIC, rest))
    return [p for p in pages if p.specs or p.sheet == SUMMARY]


def _figure_width(spec: FigureSpec) -> float:
    label = spec.label
    width = max(8.0, math.ceil(display_width(label) / 2) + 1.0)  # the title on two lines
    return max(width, 13.0) if spec.name == "donation_amount" else min(width, 12.0)


def summary_page(ws: Any, config: Config, topic: Topic, number: int,
                 figures: NightFigures, fmt: Formats, when: str,
                 level: Level | None = None, *, dated: bool = True) -> None:
    """One 汇总 page: title, header (a group row above the counts by 管控措施), a row per
    township and 全县合计 (``level``: a row per county and 全市合计), and what the columns
    mean (``dated``: of a night; the empty master's say no day)."""
    level = level or county_level(config)
    specs = topic.specs
    grouped = [s.name.startswith("by_measure:") for s in specs]
    head = 2 if any(grouped) else 1  # the row of column titles
    last = 1 + len(specs)
    numeral = _NUMERALS[number] if number < len(_NUMERALS) else str(number + 1)
    widths = [8.0, 9.5, *(_figure_width(s) for s in specs)]
    title_row(ws, f"{level.place}疫情防控网格化管理汇总表  {numeral}、{topic.title}{when}",
              last, widths, fmt)
    titles = [level.unit, "报送状态", *(s.label for s in specs)]
    lines = max(text_lines(t, w) for t, w in zip(titles, widths, strict=True))
    for r in range(1, head + 1):
        ws.set_row(r, row_height(lines if r == head else 1))
    for c, (title, width) in enumerate(zip(titles, widths, strict=True)):
        ws.set_column(c, c, width)
        in_group = c >= 2 and grouped[c - 2]
        if head == 2 and not in_group:
            ws.merge_range(1, c, 2, c, title, fmt.header)
        else:
            ws.write_string(head, c, title, fmt.header)
    if head == 2:
        first = 2 + grouped.index(True)
        end = first + sum(grouped) - 1
        if end > first:
            ws.merge_range(1, first, 1, end, MEASURE_GROUP, fmt.group)
        else:
            ws.write_string(1, first, MEASURE_GROUP, fmt.group)
    row = head + 1
    for tf in figures.townships:
        _figure_row(ws, row, tf, tf.township, tf.status, specs, fmt, total=False)
        row += 1
    _figure_row(ws, row, figures.total, level.total,
                f"纳入{figures.reported}/{figures.expected}", specs, fmt, total=True)
    notes = _notes(config, topic, figures, level, dated)
    ws.merge_range(row + 1, 0, row + 1, last, notes, fmt.note)
    ws.set_row(row + 1, row_height(text_lines(notes, sum(widths))))
    ws.freeze_panes(head + 1, 1)
    ws.autofilter(head, 0, row - 1, last)
    ws.center_horizontally()
    print_setup(ws, header=(1, head))


def _figure_row(ws: Any, row: int, tf: TownshipFigures, label: str, status: str,
                specs: list[FigureSpec], fmt: Formats, *, total: bool) -> None:
    ws.set_row(row, ROW_HEIGHT)
    ws.write_string(row, 0, label, fmt.total_text if total else fmt.text)
    ws.write_string(row, 1, status, fmt.total_center if total else fmt.bad.get(status, fmt.center))
    for i, spec in enumerate(specs):
        money = spec.name == "donation_amount"
        style = (fmt.total_money if money else fmt.total) if total else (
            fmt.money if money else fmt.int)
        ws.write_number(row, 2 + i, figure_value(tf, spec.name), style)


def _notes(config: Config, topic: Topic, figures: NightFigures, level: Level,
           dated: bool) -> str:
    notes = [level.left_out]
    names = {s.name for s in topic.specs}
    rules = config.schema.rules
    if "under_management" in names:
        notes.append(f"在管控 = {'、'.join(rules.managed_measures)}人数之和。")
    if any(n.startswith("by_measure:") for n in names):
        notes.append("按管控措施分的各列按排查登记表“管控措施”一列统计。")
    if "new_arrivals" in names:
        day = f"{figures.date.month}月{figures.date.day}日" if dated else "汇总当日"
        notes.append(f"当日新抵威:抵威日期为{day}的人数。")
    if "checkpoints" in names:
        notes.append("卡点(个)按卡点名称计数;值守人次、检查车辆、检查人员为各班次相加。")
    return "".join(notes)


# --- 报送情况 ------------------------------------------------------------------------------

_STATUS_WIDTHS = [10.0, 9.5, 19.0, 15.0, 6.0, 6.0, 6.0, 36.0]
_WORD_MEANING = {
    REPORTED: "截止时间前送达,无错误",
    LATE: "截止时间后送达,无错误,已纳入汇总",
    TO_FIX: "已纳入汇总但有错误,须改正后重新报送",
    REJECTED: "文件无法使用,未纳入汇总",
    MISSING: "截至汇总时未收到报表",
}


def status_sheet(ws: Any, config: Config, figures: NightFigures,
                 others: list[Submission], fmt: Formats, when: str) -> None:
    """报送情况: the night in one sentence, a label / value / explanation block (each on
    its own cells, the explanation across the wide columns), then one row per township."""
    last = len(_STATUS_WIDTHS) - 1
    for c, width in enumerate(_STATUS_WIDTHS):
        ws.set_column(c, c, width)
    title_row(ws, f"{config.county.name}各乡镇报送情况{when}", last, _STATUS_WIDTHS, fmt)
    ws.merge_range(1, 0, 1, last, figures.status_sentence, fmt.subtitle)
    ws.set_row(1, 20)
    deadline = config.county.deadline.strftime("%H:%M")

    def who(word: str) -> str:
        names = figures.names(word)
        return f":{'、'.join(names)}" if names and word != REPORTED else ""

    block: list[tuple[str, float, Any, str]] = [
        ("应报乡镇", figures.expected, fmt.int, "个"),
        ("已纳入汇总", figures.reported, fmt.int, f"个({'、'.join(STATUS_WORDS[:3])})"),
        ("报送率", figures.reporting_rate, fmt.pct, "已纳入汇总的乡镇数 ÷ 应报乡镇数"),
        ("按时报送", figures.on_time, fmt.int, f"个(截止时间 {deadline} 前送达并纳入汇总)"),
        ("按时报送率", figures.on_time_rate, fmt.pct, "按时报送的乡镇数 ÷ 应报乡镇数"),
        *((w, figures.count(w), fmt.int, f"{_WORD_MEANING[w]}{who(w)}") for w in STATUS_WORDS),
        ("跨乡镇重复", figures.conflicts, fmt.int, f"人(同一身份证号被两个及以上乡镇登记,"
                                              f"见“{CONFLICTS}”表)"),
    ]
    row = 2
    for label, value, style, meaning in block:
        ws.write_string(row, 0, label, fmt.label)
        ws.write_number(row, 1, value, style)
        ws.merge_range(row, 2, row, last, meaning, fmt.meaning)
        ws.set_row(row, ROW_HEIGHT)
        row += 1
    head = row + 1
    names = ["乡镇", "状态", "文件", "收到时间", "行数", SEVERITY_TEXT[ERROR],
             SEVERITY_TEXT[WARNING], "说明"]
    ws.write_row(head, 0, names, fmt.header)
    ws.set_row(head, row_height(1))
    row = head + 1
    for tf in figures.townships:
        _status_row(ws, row, tf.township, tf.status, tf.file, tf.arrived_at,
                    (tf.rows, tf.errors, tf.warnings), tf.note, fmt)
        row += 1
    for s in others:
        _status_row(ws, row, s.township or "(未识别)", REJECTED, s.file_name, s.arrived_at,
                    None, f"未纳入汇总:{s.reason or '文件无法使用'}", fmt)
        row += 1
    ws.autofilter(head, 0, max(row - 1, head), last)
    print_setup(ws, header=(head, head))


def _status_row(ws: Any, row: int, township: str, word: str, file: str | None,
                arrived: dt.datetime | None, counts: tuple[int, int, int] | None,
                note: str, fmt: Formats) -> None:
    put_text(ws, row, 0, township, fmt.text)
    put_text(ws, row, 1, word, fmt.bad.get(word, fmt.center))
    put_text(ws, row, 2, file or "", fmt.wrap)
    if arrived:
        ws.write_datetime(row, 3, arrived, fmt.time)
    else:
        ws.write_blank(row, 3, None, fmt.time)
    for k in range(3):
        if counts is None:
            ws.write_blank(row, 4 + k, None, fmt.int)
        else:
            ws.write_number(row, 4 + k, counts[k], fmt.int)
    put_text(ws, row, 7, note, fmt.wrap)
    lines = max(text_lines(file or "", _STATUS_WIDTHS[2]), text_lines(note, _STATUS_WIDTHS[7]))
    ws.set_row(row, row_height(lines))


# --- 问题清单 ------------------------------------------------------------------------------

_FINDING_COLUMNS = [("乡镇", 7.0), ("文件", 20.0), ("工作表", 7.0), ("行", 5.0),
                    ("列", 9.0), ("单元格", 6.0), ("级别", 5.0), ("规则", 12.0),
                    ("说明", 38.0), ("值", 18.0)]
_WRAPPED = (1, 2, 4, 7, 8, 9)  # the columns whose text wraps


def findings_sheet(ws: Any, findings: list[FindingRecord], fmt: Formats, when: str,
                   dated: bool) -> None:
    """问题清单: every problem of the night, one row each, long text wrapped, values as
    the clerk sees them in Excel."""
    names = [n for n, _ in _FINDING_COLUMNS]
    widths = [w for _, w in _FINDING_COLUMNS]
    last = len(names) - 1
    for c, width in enumerate(widths):
        ws.set_column(c, c, width, fmt.wrap if c in _WRAPPED else None)
    errors = sum(1 for f in findings if f.severity == ERROR)
    count = (f",共 {len(findings)} 条:错误 {errors} 条、警告 {len(findings) - errors} 条"
             if dated else "")
    title_row(ws, f"各乡镇登记表问题清单{when}{count}", last, widths, fmt)
    ws.write_row(1, 0, names, fmt.header)
    ws.set_row(1, row_height(1))
    row = 1
    for row, f in enumerate(findings, start=2):
        err = f.severity == ERROR
        texts = [f.township or "", f.file, f.sheet or "", None, f.column or "", f.cell or "",
                 SEVERITY_TEXT[ERROR if err else WARNING], RULE_TITLES.get(f.rule, f.rule),
                 f.message,
                 display_value(f.value)]
        for c, text in enumerate(texts):
            if c == 3:
                if f.row is None:
                    ws.write_blank(row, c, None, fmt.center)
                else:
                    ws.write_number(row, c, f.row, fmt.center)
            elif c == 6:
                put_text(ws, row, c, str(text), fmt.box_error if err else fmt.box_warning)
            else:
                put_text(ws, row, c, str(text), fmt.wrap if c in _WRAPPED else fmt.text)
        lines = max(text_lines(str(texts[c]), widths[c]) for c in _WRAPPED)
        ws.set_row(row, row_height(lines))
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(row, 1), last)
    print_setup(ws, header=(1, 1))


# --- 跨乡镇重复 ----------------------------------------------------------------------------

NamesByRow = dict[tuple[str, int, str], Any]  # (township, Excel row, ID) -> registered name
_CONFLICT_COLUMNS = [("身份证号", 21.0), ("涉及乡镇", 18.0), ("乡镇", 10.0),
                     ("登记姓名", 10.0), ("来源文件", 26.0), ("工作表", 10.0), ("来源行", 7.0)]
NO_CONFLICTS = "本日未发现跨乡镇重复登记。"


def conflicts_sheet(ws: Any, conflicts: list[Conflict], names: NamesByRow, fmt: Formats,
                    when: str, dated: bool) -> None:
    """跨乡镇重复: a title, then for each ID number every township registering it with
    the name it registered, its file, sheet and Excel row; a sentence when there is none."""
    rows = [[k.id_number, "、".join(k.townships), s.township,
             display_value(names.get((s.township, s.row, k.id_number))), s.file, s.sheet, s.row]
            for k in conflicts for s in k.sources]
    places_sheet(ws, f"跨乡镇重复登记的身份证号(同一人被两个及以上乡镇登记){when}",
                 _CONFLICT_COLUMNS, rows, fmt, NO_CONFLICTS if dated else None)


def places_sheet(ws: Any, title: str, columns: list[tuple[str, float]],
                 rows: list[list[Any]], fmt: Formats, empty: str | None) -> None:
    """A sheet of the places one ID number is registered in (跨乡镇重复, 跨县重复): a
    title, the header, a line per place (text, the second column and the file wrapped,
    the last column the Excel row as a number); ``empty`` said when there is none."""
    titles, widths = [n for n, _ in columns], [w for _, w in columns]
    last = len(titles) - 1
    wrapped = (1, titles.index("来源文件"))
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    title_row(ws, title, last, widths, fmt)
    ws.write_row(1, 0, titles, fmt.header)
    ws.set_row(1, row_height(1))
    for row, values in enumerate(rows, start=2):
        for c, value in enumerate(values[:-1]):
            put_text(ws, row, c, value, fmt.wrap if c in wrapped else fmt.text)
        ws.write_number(row, last, values[-1], fmt.center)
        lines = max(text_lines(str(values[c]), widths[c]) for c in wrapped)
        if lines > 1:
            ws.set_row(row, row_height(lines))
    if not rows and empty is not None:
        ws.merge_range(2, 0, 2, last, empty, fmt.text)
    ws.freeze_panes(2, 1)
    if rows:
        ws.autofilter(1, 0, 1 + len(rows), last)
    ws.center_horizontally()
    print_setup(ws, header=(1, 1))
