"""The county master workbook (全县汇总表), rebuilt from the history store for one night.

Sheets: the 汇总 pages (汇总 = 报送与网格, 汇总-排查管控, 汇总-卡点, 汇总-队伍, 汇总-宣传与捐赠:
one row per township + 全县合计 each), 报送情况 (completeness, reporting and on-time rates),
one merged sheet per register sheet with 乡镇 and 来源 columns, 问题清单, 跨乡镇重复 (the small
sheets are laid out in ``master_sheets.py``). Every sheet prints on A4 landscape with its
header on each page. Written with xlsxwriter, the data sheets in constant-memory mode
(400,000 rows stay small) through a fast row writer, with ``strings_to_formulas`` off: a
township's "=..." stays text, never a formula. The file is written aside and moved into
place; when the old one cannot be replaced (open in Excel on Windows) the new one is saved
as a dated copy beside it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from math import isfinite
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..config.county import Config
from ..config.schema import ColumnSpec
from ..files import replace_file
from ..store.protocol import Store
from ..store.records import (
    ROW_ERROR,
    ROW_WARNING,
    Conflict,
    FindingRecord,
    StoredRow,
    Submission,
    TownshipStatus,
)
from .figures import NightFigures, figure_specs, night_figures
from .master_sheets import (
    CONFLICTS,
    FINDINGS,
    FONT,
    PAGE_WIDTH_PX,
    STATUS,
    SUMMARY,
    Formats,
    NamesByRow,
    SmallWorksheet,
    columns_px,
    conflicts_sheet,
    display_width,
    findings_sheet,
    print_setup,
    row_height,
    status_sheet,
    summary_page,
    topics,
    when_text,
)

__all__ = ["CONFLICTS", "FINDINGS", "STATUS", "SUMMARY", "MasterRow", "RowSource",
           "write_empty_master", "write_master"]

ROW_LABELS = {ROW_ERROR: "有错误", ROW_WARNING: "有警告"}
# a data sheet's column widths by type (the header wraps onto two lines when wider)
_WIDTHS = {"id-number": 20, "phone": 13, "date": 11, "name": 8, "name-list": 16, "int": 7,
           "number": 9, "enum": 8, "text": 14}
_TAIL_WIDTHS = [7.0, 22.0, 6.0]  # 检查结果, 来源文件, 来源行
FIT_MIN_SCALE = 0.6  # a data sheet printed one page wide only when not shrunk below this
WIDE_SCALE = 85  # else printed at this size over several pages, its first columns repeated
MAX_ROWS = 1_048_576
PER_SHEET = MAX_ROWS - 1  # data rows under the header of one sheet
WRAPPED_TYPES = ("name-list", "text")


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

    def rows(self, night: dt.date, sheet: str, township: str | None = None,
             excel_rows: Collection[int] | None = None) -> Iterator[StoredRow]:
        return iter(())

    def row_count(self, night: dt.date, sheet: str | None = None,
                  township: str | None = None) -> int:
        return 0

    def findings(self, night: dt.date) -> list[FindingRecord]:
        return []

    def conflicts(self, night: dt.date) -> list[Conflict]:
        return []

    def submissions(self, night: dt.date) -> list[Submission]:
        return []


ZIP_LEVEL = 1  # deflate level of the master's parts: 3x faster than 6, the file ~25% larger


class _FastZipWorkbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook, packed at deflate level ZIP_LEVEL instead of zlib's default 6
    (the master's 400 MB of sheet XML: compressing was a fifth of the night). xlsxwriter
    has no option for it: its module's ZipFile is given the level while it packs."""

    def _store_workbook(self) -> None:
        original = xlsxwriter.workbook.ZipFile
        xlsxwriter.workbook.ZipFile = functools.partial(
            original, compresslevel=ZIP_LEVEL)
        try:
            super()._store_workbook()
        finally:
            xlsxwriter.workbook.ZipFile = original


def _write(path: Path, config: Config, night: dt.date | None, store: Any,
           rows: RowSource | None = None) -> None:
    wb = _FastZipWorkbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd",
        "default_format_properties": {"font_name": FONT, "font_size": 11},
    })
    fmt = Formats(wb)
    day = night or dt.date.today()
    figures = night_figures(store, config, day) if night else _no_figures(config, day)
    when = when_text(night)
    small = {"worksheet_class": SmallWorksheet}
    for number, topic in enumerate(topics(config, figure_specs(config, day))):
        summary_page(wb.add_worksheet(topic.sheet, **small), config, topic, number, figures,
                     fmt, when)
    names_set = set(config.county.township_names)
    others = [s for s in store.submissions(day) if not s.accepted
              and s.township not in names_set] if night else []
    status_sheet(wb.add_worksheet(STATUS, **small), config, figures, others, fmt, when)
    conflicts = store.conflicts(day) if night else []
    watch = _watch(config, conflicts)
    names: NamesByRow = {}
    source = rows or _stored_rows(store, day)
    # 问题清单 and 跨乡镇重复 come after the data sheets and are written last (the data
    # pass picks out the names the conflicts show)
    # a sheet past Excel's rows goes on in "<name>(续2)" ... placed right after it
    data = [(spec, [wb.add_worksheet(continued(spec.name, k), worksheet_class=_DataWorksheet)
                    for k in range(_parts(store.row_count(day, spec.name) if night else 0))])
            for spec in config.schema.sheets]
    findings_ws = wb.add_worksheet(FINDINGS, **small)
    conflicts_ws = wb.add_worksheet(CONFLICTS, **small)
    for spec, parts in data:
        _data_sheet(parts, spec.columns, spec.name, store, day, fmt, source,
                    watch.get(spec.name), names)
    findings_sheet(findings_ws, store.findings(day) if night else [], fmt, when, bool(night))
    conflicts_sheet(conflicts_ws, conflicts, names, fmt, when, bool(night))
    wb.close()


def continued(sheet: str, part: int) -> str:
    """The name of part ``part`` (from 0) of a data sheet: 排查登记, 排查登记(续2), ..."""
    return sheet if part == 0 else f"{sheet}(续{part + 1})"


def _parts(rows: int) -> int:
    return max(1, math.ceil(rows / PER_SHEET))


def _no_figures(config: Config, day: dt.date) -> NightFigures:
    return night_figures(_EmptyStore(), config, day)  # type: ignore[arg-type]


@dataclass
class _Watch:
    """The rows of a data sheet whose registered name 跨乡镇重复 shows: the ID column's
    and the name column's ids, and the wanted (township, Excel row) -> ID numbers."""

    id_column: str
    name_column: str
    wanted: dict[tuple[str, int], set[str]]

    @property
    def rows(self) -> set[int]:
        return {r for _, r in self.wanted}


def _watch(config: Config, conflicts: list[Conflict]) -> dict[str, _Watch]:
    watch: dict[str, _Watch] = {}
    for k in conflicts:
        for s in k.sources:
            w = watch.get(s.sheet)
            if w is None:
                spec = next((sp for sp in config.schema.sheets if sp.name == s.sheet), None)
                if spec is None:
                    continue
                ids = [c.id for c in spec.columns if c.id == "id_number"]
                people = [c.id for c in spec.columns if c.type == "name"]
                if not ids or not people:
                    continue
                w = watch[s.sheet] = _Watch(ids[0], people[0], {})
            w.wanted.setdefault((s.township, s.row), set()).add(k.id_number)
    return watch


# a string the fast row writer hands to xlsxwriter's own escaping: XML specials, control
# characters, text that looks like an escape (_x0041_), leading/trailing whitespace
_UNUSUAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
# the same test over a whole row's texts joined by newlines (^ and $ at each text's edges):
# one search per row instead of one per cell; a hit sends the row's texts through _UNUSUAL
_UNUSUAL_ROW = re.compile(_UNUSUAL.pattern, re.MULTILINE)
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
        unusual = _UNUSUAL_ROW.search(
            "\n".join([v for v in values if v.__class__ is str and v])) is not None
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
                if unusual and _UNUSUAL.search(v):
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


def data_column_width(col: ColumnSpec) -> float:
    """A data column wide enough for its values' usual width and its title on two lines."""
    width = float(_WIDTHS.get(col.type, 14))
    if col.type == "enum" and col.values:
        width = max(5.0, max(display_width(v) for v in col.values) + 2.0)
    return max(width, math.ceil(display_width(col.name) / 2) + 1.0)


def _data_print(ws: Any, columns: tuple[ColumnSpec, ...], widths: list[float]) -> None:
    """One page wide when that stays readable; a very wide register prints at WIDE_SCALE
    over then down, 乡镇 (and the columns up to the person's or household's name) on
    every page."""
    fit = PAGE_WIDTH_PX / columns_px(widths) >= FIT_MIN_SCALE
    marks = [k for k, c in enumerate(columns[:4]) if c.key or c.type == "name"]
    print_setup(ws, header=(0, 0), fit=fit, scale=WIDE_SCALE,
                repeat_columns=marks[-1] + 2 if marks else 1)
    ws.hide_gridlines(0)  # the grid prints: these rows have no borders of their own


def _data_sheet(parts: list[Any], columns: tuple[ColumnSpec, ...], sheet: str, store: Any,
                night: dt.date, fmt: Formats, source: RowSource, watch: _Watch | None,
                names_found: NamesByRow) -> None:
    """One merged register sheet (乡镇, the schema's columns, 检查结果, 来源文件, 来源行),
    streamed row by row, going on in the next of ``parts`` after PER_SHEET rows; the names
    of the rows ``watch`` asks for go into ``names_found``."""
    layout = store.columns(night, sheet)
    ids = [c.id for c in columns]
    pos = [layout.index(i) if i in layout else None for i in ids]
    names = ["乡镇", *(c.name for c in columns), "检查结果", "来源文件", "来源行"]
    widths = [8.0, *(data_column_width(c) for c in columns), *_TAIL_WIDTHS]
    n = len(columns)
    status_col = n + 1

    def start(ws: Any) -> None:
        ws.write_row(0, 0, names, fmt.header)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.set_row(0, row_height(2))
        _data_print(ws, columns, widths)
        for f in (fmt.date, fmt.data_wrap, fmt.error, fmt.warning):
            ws.style_of(f)  # the styles below, known to this sheet's stock writer too
        ws.share_columns([0, *(k + 1 for k, c in enumerate(columns) if c.type == "enum"),
                          status_col, status_col + 1], n + 4)

    def finish(ws: Any, last: int) -> None:
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(last, 0), len(names) - 1)

    ws = parts[0]
    start(ws)
    watch_rows: set[int] = set()
    wanted: dict[tuple[str, int], set[str]] = {}
    id_pos = name_pos = 0
    if watch is not None and watch.id_column in layout and watch.name_column in layout:
        watch_rows, wanted = watch.rows, watch.wanted
        id_pos, name_pos = layout.index(watch.id_column), layout.index(watch.name_column)
    dates = [k + 1 for k, c in enumerate(columns) if c.type == "date"]
    lists = [k + 1 for k, c in enumerate(columns) if c.type == "name-list"]
    # one style per column, chosen once: dates get the date format, the check result its
    # colour (set per row)
    styles = [""] * (n + 4)
    for k in dates:
        styles[k] = ws.style_of(fmt.date)
    for k, col in enumerate(columns, start=1):  # names and text wrap within their width
        if col.type in WRAPPED_TYPES:
            styles[k] = ws.style_of(fmt.data_wrap)
    labels = {ROW_ERROR: (ROW_LABELS[ROW_ERROR], ws.style_of(fmt.error)),
              ROW_WARNING: (ROW_LABELS[ROW_WARNING], ws.style_of(fmt.warning))}
    getter = [(k + 1, p) for k, p in enumerate(pos) if p is not None]
    same_order = pos == list(range(n))
    fromiso = dt.date.fromisoformat
    row = part = 0
    for count, (township, file, excel_row, status, src) in enumerate(source(sheet)):
        k, row = divmod(count, PER_SHEET)
        row += 1
        if k != part:  # this sheet is full: go on in the next part
            if k >= len(parts):
                break  # more rows than counted (cannot happen: one snapshot)
            finish(ws, PER_SHEET)
            part, ws = k, parts[k]
            start(ws)
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
        if excel_row in watch_rows:  # a row 跨乡镇重复 names
            wanted_ids = wanted.get((township, excel_row))
            if wanted_ids and len(src) > max(id_pos, name_pos):
                pid = src[id_pos]
                if pid.__class__ is str and pid in wanted_ids:
                    names_found[(township, excel_row, pid)] = src[name_pos]
    finish(ws, row)
