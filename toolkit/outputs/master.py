"""The county master workbook (全县汇总表), rebuilt from the history store for one night.

Sheets: 汇总 (one row per township + 全县合计), 报送情况 (completeness, DHIS2-style reporting
and on-time rates), one merged sheet per register sheet with 乡镇 and 来源 columns, 问题清单,
跨乡镇重复. Written with xlsxwriter in constant-memory mode (400,000 rows stay small), with
``strings_to_formulas`` off: a township's "=..." stays text, never a formula. The file is
written aside and moved into place; when the old one cannot be replaced (open in Excel on
Windows) the new one is saved as a dated copy beside it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from math import isfinite
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..config.county import Config
from ..config.schema import ColumnSpec
from ..files import replace_file
from ..findings import ERROR, SEVERITY_TEXT, WARNING
from ..store.protocol import Store
from ..store.records import (
    LATE,
    MISSING,
    REJECTED,
    ROW_ERROR,
    ROW_WARNING,
    STATUS_WORDS,
    TO_FIX,
    Conflict,
    FindingRecord,
    StoredRow,
    Submission,
    TownshipStatus,
)
from .figures import TOTAL, NightFigures, figure_specs, figure_value, night_figures

SUMMARY, STATUS, FINDINGS, CONFLICTS = "汇总", "报送情况", "问题清单", "跨乡镇重复"
ROW_LABELS = {ROW_ERROR: "有错误", ROW_WARNING: "有警告"}
_WIDTHS = {"id-number": 21, "phone": 15, "date": 12, "name": 10, "name-list": 20, "int": 10,
           "number": 12, "enum": 12, "text": 16}
MAX_ROWS = 1_048_576


# one merged row for a data sheet: (township, file, Excel row, check status, values in the
# order of ``Store.columns(night, sheet)``)
MasterRow = tuple[str, str, int, str, Sequence[Any]]
RowSource = Callable[[str], Iterable[MasterRow]]


def write_master(config: Config, night: dt.date, store: Store, *,
                 now: dt.datetime | None = None, rows: RowSource | None = None) -> Path:
    """Rebuild the night's master at ``config.paths.master`` from the store; returns the path
    written (a dated copy beside it when the master could not be replaced). ``rows(sheet)``
    may give the data sheets' rows instead of the store (the merge passes the rows it has
    just stored, in the store's order, so they are not read and decoded again)."""
    target = config.paths.master
    stamp = (now or dt.datetime.now()).strftime("%H%M%S")
    fallback = target.with_name(f"{target.stem}_{night:%Y%m%d}_{stamp}{target.suffix}")
    def write(tmp: Path) -> None:
        if rows is not None:  # the merge's own rows, inside its run
            _write(tmp, config, night, store, rows)
            return
        with store.snapshot():
            _write(tmp, config, night, store, rows)
    return replace_file(target, write, fallback=fallback)


def _stored_rows(store: Any, night: dt.date) -> RowSource:
    def rows(sheet: str) -> Iterator[MasterRow]:
        for r in store.rows(night, sheet):
            yield (r.township, r.place, r.excel_row, r.status, r.values)

    return rows


def write_empty_master(config: Config, path: str | Path) -> Path:
    """An empty master (every sheet with its headers, every township listed) for the
    template folder."""
    p = Path(path)
    return replace_file(p, lambda tmp: _write(tmp, config, None, _EmptyStore()))


class _EmptyStore:
    """Just enough of a Store for an empty master."""

    def statuses(self, night: dt.date) -> list[TownshipStatus]:
        return []

    def columns(self, night: dt.date, sheet: str) -> list[str]:
        return []

    def rows(self, night: dt.date, sheet: str, township: str | None = None
             ) -> Iterator[StoredRow]:
        return iter(())

    def findings(self, night: dt.date) -> list[FindingRecord]:
        return []

    def conflicts(self, night: dt.date) -> list[Conflict]:
        return []

    def submissions(self, night: dt.date) -> list[Submission]:
        return []


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                     "text_wrap": True, "valign": "vcenter",
                                     "align": "center"})
        self.int = wb.add_format({"num_format": "#,##0"})
        self.money = wb.add_format({"num_format": "#,##0.00"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.time = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.total = wb.add_format({"bold": True, "top": 1, "num_format": "#,##0"})
        self.total_money = wb.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"})
        self.error = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.warning = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.bad = {REJECTED: self.error, MISSING: self.error, TO_FIX: self.error,
                    LATE: self.warning}


def _header(ws: Any, row: int, names: list[str], fmt: _Formats,
            widths: list[float] | None = None) -> None:
    ws.write_row(row, 0, names, fmt.header)
    # printable: A4 landscape, one page wide, the header repeated on every page
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, row)
    for i, name in enumerate(names):
        width = widths[i] if widths else max(8.0, min(30.0, len(name) * 2.2))
        ws.set_column(i, i, width)
    ws.set_row(row, 30)


def _write(path: Path, config: Config, night: dt.date | None, store: Any,
           rows: RowSource | None = None) -> None:
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd",
    })
    fmt = _Formats(wb)
    day = night or dt.date.today()
    figures = night_figures(store, config, day) if night else _no_figures(config, day)
    title = f"{config.county.name}疫情防控网格化管理汇总表"
    when = f"({night.year}年{night.month}月{night.day}日)" if night else ""
    _summary(wb.add_worksheet(SUMMARY), config, day, figures, fmt, title + when)
    _status(wb.add_worksheet(STATUS), figures, store, day if night else None, fmt,
            f"{config.county.name}各乡镇报送情况{when}", config)
    source = rows or _stored_rows(store, day)
    for spec in config.schema.sheets:
        ws = wb.add_worksheet(spec.name, worksheet_class=_DataWorksheet)
        _data_sheet(ws, spec.columns, spec.name, store, day, fmt, source)
    _findings(wb.add_worksheet(FINDINGS), store.findings(day) if night else [], fmt)
    _conflicts(wb.add_worksheet(CONFLICTS), store.conflicts(day) if night else [], fmt)
    wb.close()


def _no_figures(config: Config, day: dt.date) -> NightFigures:
    return night_figures(_EmptyStore(), config, day)  # type: ignore[arg-type]


def _summary(ws: Any, config: Config, night: dt.date, figures: NightFigures, fmt: _Formats,
             title: str) -> None:
    specs = figure_specs(config, night)
    ws.write_string(0, 0, title, fmt.title)
    names = ["乡镇", "报送状态", *(s.label for s in specs)]
    _header(ws, 1, names, fmt, [10, 9, *(max(9.0, len(s.label) * 1.8) for s in specs)])
    row = 2
    for tf in figures.townships:
        ws.write_string(row, 0, tf.township)
        ws.write_string(row, 1, tf.status, fmt.bad.get(tf.status))
        for i, spec in enumerate(specs):
            value = figure_value(tf, spec.name)
            ws.write_number(row, 2 + i, value,
                            fmt.money if spec.name == "donation_amount" else fmt.int)
        row += 1
    ws.write_string(row, 0, f"{TOTAL}合计", fmt.total)
    ws.write_string(row, 1, f"{figures.reported}/{figures.expected}", fmt.total)
    for i, spec in enumerate(specs):
        ws.write_number(row, 2 + i, figure_value(figures.total, spec.name),
                        fmt.total_money if spec.name == "donation_amount" else fmt.total)
    ws.freeze_panes(2, 1)
    ws.autofilter(1, 0, row - 1, len(names) - 1)


def _status(ws: Any, figures: NightFigures, store: Any, night: dt.date | None,
            fmt: _Formats, title: str, config: Config) -> None:
    ws.write_string(0, 0, title, fmt.title)
    labels = ["应报乡镇", "已纳入汇总", "报送率", "按时报送", "按时报送率", *STATUS_WORDS,
              "跨乡镇重复"]
    values: list[tuple[float, Any]] = [
        (figures.expected, fmt.int), (figures.reported, fmt.int),
        (figures.reporting_rate, fmt.pct), (figures.on_time, fmt.int),
        (figures.on_time_rate, fmt.pct),
        *((figures.count(w), fmt.int) for w in STATUS_WORDS), (figures.conflicts, fmt.int)]
    ws.write_row(1, 0, labels, fmt.header)
    for i, (value, f) in enumerate(values):
        ws.write_number(2, i, value, f)
    deadline = config.county.deadline.strftime("%H:%M")
    ws.write_string(3, 0, f"报送率 = 已纳入汇总的乡镇数 ÷ 应报乡镇数;按时报送率 = 截止时间 "
                          f"{deadline} 前送达并纳入汇总的乡镇数 ÷ 应报乡镇数。有错待改:已纳入"
                          "汇总但有错误,须改正后重新报送;退回:文件无法使用,未纳入汇总。")
    head = 5
    names = ["乡镇", "状态", "文件", "收到时间", "行数", SEVERITY_TEXT[ERROR],
             SEVERITY_TEXT[WARNING], "说明"]
    _header(ws, head, names, fmt, [12, 12, 34, 18, 10, 10, 10, 60])
    row = head + 1
    for tf in figures.townships:
        ws.write_string(row, 0, tf.township)
        ws.write_string(row, 1, tf.status, fmt.bad.get(tf.status))
        if tf.file:
            ws.write_string(row, 2, tf.file)
        if tf.arrived_at:
            ws.write_datetime(row, 3, tf.arrived_at, fmt.time)
        ws.write_number(row, 4, tf.rows, fmt.int)
        ws.write_number(row, 5, tf.errors, fmt.int)
        ws.write_number(row, 6, tf.warnings, fmt.int)
        if tf.note:
            ws.write_string(row, 7, tf.note)
        row += 1
    names_set = set(config.county.township_names)
    others = [s for s in store.submissions(night) if not s.accepted
              and s.township not in names_set] if night else []
    for s in others:
        ws.write_string(row, 0, s.township or "(未识别)")
        ws.write_string(row, 1, REJECTED, fmt.error)
        ws.write_string(row, 2, s.file_name)
        ws.write_datetime(row, 3, s.arrived_at, fmt.time)
        ws.write_string(row, 7, f"未纳入汇总:{s.reason or '文件无法使用'}")
        row += 1
    ws.freeze_panes(head + 1, 1)
    ws.autofilter(head, 0, max(row - 1, head), len(names) - 1)


# a string the fast row writer hands to xlsxwriter's own escaping: XML specials, control
# characters, text that looks like an escape (_x0041_), leading/trailing whitespace
_UNUSUAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_EDGE_SPACE = re.compile(r"^\s|\s$")  # kept with xml:space="preserve", as xlsxwriter does
_LONG = 16_000  # longer strings take xlsxwriter's own path (it truncates at 32,767)


class _DataWorksheet(Worksheet):
    """A worksheet that writes plain data rows straight into its constant-memory row file.

    The merged data sheets hold ~12 million cells on a county night; xlsxwriter's generic
    cell path (one tuple per cell, then one XML element with attribute lists) was most of the
    merge's time. ``plain_row`` writes one row's XML in one go with the cell references and
    styles precomputed per column, using xlsxwriter's own escaping for any unusual string;
    a row it cannot write this way (very long text, an unexpected type) goes through the
    normal ``write_row``. Everything else (header, widths, filters, printing) is stock.
    """

    def __init__(self) -> None:
        super().__init__()
        self._refs: list[str] = []
        self._dates: dict[dt.date, str] = {}
        self._styles: dict[int, str] = {}  # id(format) -> ' s="n"'
        self._formats: dict[str, Any] = {"": None}  # ' s="n"' -> format
        self._shared: list[bool] = []  # per column: text goes to the shared-string table

    def share_columns(self, columns: Iterable[int], width: int) -> None:
        """Text in ``columns`` (few distinct values: township, file, enums) is written to
        the workbook's shared-string table, the rest inline: a smaller file, faster to
        compress, read back the same."""
        shared = set(columns)
        self._shared = [c in shared for c in range(width)]

    def style_of(self, fmt: Any) -> str:
        """The cell attribute for ``fmt`` (None: ""), for :meth:`plain_row`'s ``styles``."""
        if fmt is None:
            return ""
        style = self._styles.get(id(fmt))
        if style is None:
            style = self._styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
            self._formats[style] = fmt
        return style

    def plain_row(self, row: int, values: list[Any], styles: list[str]) -> None:
        """Write ``values`` (str, int, float, date or None) into ``row`` from column A,
        each cell with the style at its index of ``styles`` (from :meth:`style_of`)."""
        if not self.constant_memory:  # the fast path relies on rows streamed in order
            return self._stock_row(row, values, styles)
        refs = self._refs
        if len(refs) < len(values):
            refs[:] = [xl_col_to_name(c) for c in range(len(values))]
        shared = self._shared
        if len(shared) < len(values):
            shared += [False] * (len(values) - len(shared))
        index = self.str_table._get_shared_string_index
        r = str(row + 1)
        parts = [f'<row r="{r}">']
        add = parts.append
        for col, v in enumerate(values):
            cls = v.__class__
            if cls is str and v:
                if len(v) > _LONG:
                    return self._stock_row(row, values, styles)
                if shared[col]:  # xlsxwriter escapes the table's strings itself
                    add(f'<c r="{refs[col]}{r}"{styles[col]} t="s"><v>{index(v)}</v></c>')
                    continue
                pres = ""
                if _UNUSUAL.search(v):
                    v = self._escape_control_characters(v)
                    if _EDGE_SPACE.search(v):
                        pres = ' xml:space="preserve"'
                    v = self._escape_data(v)
                add(f'<c r="{refs[col]}{r}"{styles[col]} t="inlineStr"><is><t{pres}>{v}</t>'
                    "</is></c>")
            elif v is None or cls is str:  # empty: a blank cell only when formatted
                if styles[col]:
                    add(f'<c r="{refs[col]}{r}"{styles[col]}/>')
            elif cls is int or (cls is float and isfinite(v)):
                add(f'<c r="{refs[col]}{r}"{styles[col]}><v>{v:.16G}</v></c>')
            elif cls is dt.date:
                serial = self._dates.get(v)
                if serial is None:
                    serial = self._dates[v] = f"{self._convert_date_time(v):.16G}"
                add(f'<c r="{refs[col]}{r}"{styles[col]}><v>{serial}</v></c>')
            else:
                return self._stock_row(row, values, styles)
        add("</row>")
        if self._check_dimensions(row, 0) or self._check_dimensions(row, len(values) - 1):
            return None
        if row > self.previous_row:
            self._write_single_row(row)  # flush any row written the stock way
        self.fh.write("".join(parts))
        return None

    def _stock_row(self, row: int, values: list[Any], styles: list[str]) -> None:
        for col, value in enumerate(values):
            self.write(row, col, value, self._formats.get(styles[col]))


def _data_sheet(ws: Any, columns: tuple[ColumnSpec, ...], sheet: str, store: Any,
                night: dt.date, fmt: _Formats, source: RowSource) -> None:
    layout = store.columns(night, sheet)
    ids = [c.id for c in columns]
    pos = [layout.index(i) if i in layout else None for i in ids]
    names = ["乡镇", *(c.name for c in columns), "检查结果", "来源文件", "来源行"]
    _header(ws, 0, names, fmt,
            [10, *(_WIDTHS.get(c.type, 14) for c in columns), 9, 30, 8])
    dates = [k + 1 for k, c in enumerate(columns) if c.type == "date"]
    lists = [k + 1 for k, c in enumerate(columns) if c.type == "name-list"]
    n = len(columns)
    status_col = n + 1
    # one style per column, chosen once: dates get the date format, the check result its
    # colour (set per row)
    styles = [""] * (n + 4)
    for k in dates:
        styles[k] = ws.style_of(fmt.date)
    labels = {ROW_ERROR: (ROW_LABELS[ROW_ERROR], ws.style_of(fmt.error)),
              ROW_WARNING: (ROW_LABELS[ROW_WARNING], ws.style_of(fmt.warning))}
    ws.share_columns([0, *(k + 1 for k, c in enumerate(columns) if c.type == "enum"),
                      status_col, status_col + 1], n + 4)
    getter = [(k + 1, p) for k, p in enumerate(pos) if p is not None]
    same_order = pos == list(range(n))
    fromiso = dt.date.fromisoformat
    row = 0
    for row, (township, file, excel_row, status, src) in enumerate(source(sheet), start=1):
        if row >= MAX_ROWS:
            break
        out: list[Any]
        if same_order and len(src) == n:  # the usual case: the layout is the schema's
            out = [township, *src, None, None, None]
        else:
            size = len(src)
            out = [None] * (n + 4)
            out[0] = township
            for k, p in getter:
                if p < size:
                    out[k] = src[p]
        for k in dates:  # ISO text from the store; dates already from the merge's rows
            v = out[k]
            if v.__class__ is str:
                with contextlib.suppress(ValueError):
                    out[k] = fromiso(v)
        for k in lists:  # a JSON list from the store, a tuple from the merge's rows
            v = out[k]
            if isinstance(v, list | tuple):
                out[k] = "、".join(str(x) for x in v)
        label = labels.get(status)
        if label is not None:
            out[status_col], styles[status_col] = label
        else:
            styles[status_col] = ""
        out[status_col + 1] = file
        out[status_col + 2] = excel_row
        ws.plain_row(row, out, styles)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(row, 0), len(names) - 1)


def _findings(ws: Any, findings: list[FindingRecord], fmt: _Formats) -> None:
    names = ["乡镇", "文件", "工作表", "行", "列", "单元格", "级别", "规则", "说明", "值"]
    _header(ws, 0, names, fmt, [10, 30, 10, 7, 14, 8, 7, 24, 70, 22])
    row = 0
    for row, f in enumerate(findings, start=1):
        ws.write_string(row, 0, f.township or "")
        ws.write_string(row, 1, f.file)
        ws.write_string(row, 2, f.sheet or "")
        if f.row is not None:
            ws.write_number(row, 3, f.row)
        ws.write_string(row, 4, f.column or "")
        ws.write_string(row, 5, f.cell or "")
        err = f.severity == ERROR
        ws.write_string(row, 6, SEVERITY_TEXT[ERROR if err else WARNING],
                        fmt.error if err else fmt.warning)
        ws.write_string(row, 7, f.rule)
        ws.write_string(row, 8, f.message)
        if f.value is not None:
            ws.write_string(row, 9, f.value if isinstance(f.value, str) else str(f.value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(row, 0), len(names) - 1)


def _conflicts(ws: Any, conflicts: list[Conflict], fmt: _Formats) -> None:
    names = ["身份证号", "涉及乡镇", "乡镇", "来源文件", "工作表", "来源行"]
    _header(ws, 0, names, fmt, [21, 22, 10, 30, 10, 8])
    row = 0
    for k in conflicts:
        towns = "、".join(k.townships)
        for s in k.sources:
            row += 1
            ws.write_string(row, 0, k.id_number)
            ws.write_string(row, 1, towns)
            ws.write_string(row, 2, s.township)
            ws.write_string(row, 3, s.file)
            ws.write_string(row, 4, s.sheet)
            ws.write_number(row, 5, s.row)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(row, 0), len(names) - 1)
