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
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..config.county import Config
from ..config.schema import ColumnSpec
from ..files import replace_file, temp_folder
from ..store.protocol import Store
from ..store.records import (
    Conflict,
    FindingRecord,
    StoredRow,
    Submission,
    TownshipStatus,
)
from .figures import NightFigures, figure_specs, night_figures
from .master_rows import DATA_FORMATS, ROW, Lookup, RowXml, SheetRows
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

__all__ = ["CONFLICTS", "FINDINGS", "STATUS", "SUMMARY", "DrawnRow", "MasterBook", "Rendered",
           "StoredNight", "master_fallback", "stored_night",
           "write_empty_master", "write_master"]

# a data sheet's column widths by type (the header wraps onto two lines when wider)
_WIDTHS = {"id-number": 20, "phone": 13, "date": 11, "name": 8, "name-list": 16, "int": 7,
           "number": 9, "enum": 8, "text": 14}
_TAIL_WIDTHS = [7.0, 22.0, 6.0]  # 检查结果, 来源文件, 来源行
FIT_MIN_SCALE = 0.6  # a data sheet printed one page wide only when not shrunk below this
WIDE_SCALE = 85  # else printed at this size over several pages, its first columns repeated
MAX_ROWS = 1_048_576
PER_SHEET = MAX_ROWS - 1  # data rows under the header of one sheet

# one merged row of a data sheet: (township, 来源文件, Excel row, check status, the row
# rendered by master_rows.SheetRows or None (rendered here), its values in the order of
# ``Store.columns(night, sheet)`` or their JSON text, decoded only when needed)
DrawnRow = tuple[str, str, int, str, "str | None", "Sequence[Any] | str"]
RowSource = Callable[[str], Iterable[DrawnRow]]


@dataclass
class Rendered:
    """The data sheets' rows: ``rows(sheet)`` in the store's order, rendered where they were
    read (the merge's workers) or here; ``strings`` the shared strings rendered rows refer
    to by number (registered first, in this order), ``refs`` how many references they
    hold."""

    rows: RowSource
    strings: Sequence[str]
    refs: int


def write_master(config: Config, night: dt.date, store: Store, *,
                 now: dt.datetime | None = None) -> Path:
    """Rebuild the night's master at ``config.paths.master`` from the store; returns the path
    written (a dated copy beside it when the master could not be replaced). The merge
    writes its own master beside the store instead (:mod:`.master_job`)."""
    def write(tmp: Path) -> None:
        with store.snapshot():
            _write(tmp, config, night, store)
    return replace_file(config.paths.master, write, fallback=master_fallback(config, night, now))


def master_fallback(config: Config, night: dt.date, now: dt.datetime | None = None) -> Path:
    """Where the night's master goes when the master cannot be replaced (open in Excel on
    Windows): a dated copy beside it."""
    target = config.paths.master
    stamp = (now or dt.datetime.now()).strftime("%H%M%S")
    return target.with_name(f"{target.stem}_{night:%Y%m%d}_{stamp}{target.suffix}")


def _stored_rows(store: Any, night: dt.date) -> RowSource:
    def rows(sheet: str) -> Iterator[DrawnRow]:
        for r in store.rows(night, sheet):
            yield (r.township, r.place, r.excel_row, r.status, None, r.values)

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


@dataclass
class StoredNight:
    """What the master's pages take from the store once the night is stored: the figures of
    the 汇总 pages and 报送情况, the files of no township of the county, 问题清单 and 跨乡镇重复."""

    figures: NightFigures
    others: list[Submission]
    findings: list[FindingRecord]
    conflicts: list[Conflict]


def stored_night(store: Any, config: Config, night: dt.date | None, *,
                 threads: int = 1, keep: bool = False) -> StoredNight:
    """The night's :class:`StoredNight` read from ``store`` (an empty one for no night);
    ``threads``, ``keep``: see :func:`~toolkit.outputs.figures.night_figures`."""
    day = night or dt.date.today()
    if night is None:
        return StoredNight(_no_figures(config, day), [], [], [])
    names = set(config.county.township_names)
    return StoredNight(night_figures(store, config, night, threads=threads, keep=keep),
                       [s for s in store.submissions(night)
                        if not s.accepted and s.township not in names],
                       store.findings(night), store.conflicts(night))


class MasterBook:
    """One master being written, in two steps: :meth:`write_rows` the data sheets (they need
    only the rows), then :meth:`finish` the pages read from the store and the file itself.
    The merge writes the rows while it stores the night (:mod:`.master_job`).

    ``counts`` and ``layouts`` are each data sheet's number of rows and stored column order,
    ``conflicts`` the night's 跨乡镇重复 (their names are picked out of the rows), ``rows``
    the rows (with the shared strings their XML refers to, when rendered elsewhere)."""

    def __init__(self, path: Path, config: Config, night: dt.date | None,
                 counts: dict[str, int], layouts: dict[str, list[str]],
                 conflicts: list[Conflict], rows: Rendered, tmpdir: str | None = None) -> None:
        # the workbook's temporary files (a data sheet's rows, its XML) in a folder of its
        # own (``tmpdir``, made here unless given): removed with the book (:meth:`discard`),
        # whatever stopped it
        self.tmpdir = tmpdir or temp_folder("master")
        self.data: list[tuple[Any, list[Any]]] = []
        try:
            self._build(path, config, night, counts, layouts, conflicts, rows)
        except BaseException:
            self.discard()
            raise

    def _build(self, path: Path, config: Config, night: dt.date | None,
               counts: dict[str, int], layouts: dict[str, list[str]],
               conflicts: list[Conflict], rows: Rendered) -> None:
        wb = self.wb = _FastZipWorkbook(str(path), {
            "tmpdir": self.tmpdir, "constant_memory": True, "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd",
            "default_format_properties": {"font_name": FONT, "font_size": 11},
        })
        self.config, self.night, self.layouts, self.source = config, night, layouts, rows.rows
        self.day = night or dt.date.today()
        fmt = self.fmt = Formats(wb)
        for number, name in enumerate(DATA_FORMATS, start=1):  # the numbers rendered rows use
            if getattr(fmt, name)._get_xf_index() != number:
                raise RuntimeError(f"xlsxwriter numbered the data format {name} otherwise")
        strings = wb.str_table
        for text in rows.strings:  # their numbers, in the order the workers were given
            strings._get_shared_string_index(text)
        strings.count += rows.refs - len(rows.strings)
        small = {"worksheet_class": SmallWorksheet}
        self.topics = [(topic, wb.add_worksheet(topic.sheet, **small)) for topic in
                       topics(config, figure_specs(config, self.day))]
        self.status_ws = wb.add_worksheet(STATUS, **small)
        # a sheet past Excel's rows goes on in "<name>(续2)" ... placed right after it
        for spec in config.schema.sheets:
            parts: list[Any] = []
            self.data.append((spec, parts))  # each sheet known at once (its row file opened)
            for k in range(_parts(counts.get(spec.name, 0))):
                parts.append(wb.add_worksheet(continued(spec.name, k),
                                              worksheet_class=_DataWorksheet))
        # 问题清单 and 跨乡镇重复 come after the data sheets and are written last (the data
        # pass picks out the names the conflicts show)
        self.findings_ws = wb.add_worksheet(FINDINGS, **small)
        self.conflicts_ws = wb.add_worksheet(CONFLICTS, **small)
        self.watch = _watch(config, conflicts)
        self.names: NamesByRow = {}

    def write_rows(self) -> None:
        """Every data sheet, streamed from the rows, and its XML file made."""
        lookup = lookup_of(self.wb.str_table)
        for spec, parts in self.data:
            _data_sheet(parts, spec.columns, self.layouts.get(spec.name, []), self.fmt,
                        self.source(spec.name), self.watch.get(spec.name), self.names,
                        lookup)
            for ws in parts:
                ws.assemble(self.tmpdir)

    def finish(self, stored: StoredNight, path: Path | None = None) -> None:
        """The pages from the store, then the file (at ``path`` when given)."""
        config, fmt, dated = self.config, self.fmt, bool(self.night)
        when = when_text(self.night)
        try:
            for number, (topic, ws) in enumerate(self.topics):
                summary_page(ws, config, topic, number, stored.figures, fmt, when,
                             dated=dated)
            status_sheet(self.status_ws, config, stored.figures, stored.others, fmt, when)
            findings_sheet(self.findings_ws, stored.findings, fmt, when, dated)
            conflicts_sheet(self.conflicts_ws, stored.conflicts, self.names, fmt, when, dated)
            if path is not None:
                self.wb.filename = str(path)
            self.wb.close()
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the book's temporary files (after :meth:`finish`, or instead of it): the
        data sheets' row files closed first (Windows removes no open file)."""
        for _spec, parts in self.data:
            for ws in parts:
                with contextlib.suppress(Exception):
                    ws._opt_close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _write(path: Path, config: Config, night: dt.date | None, store: Any) -> None:
    """The master of ``night`` (None: an empty one) from ``store``, in one go."""
    day = night or dt.date.today()
    names = [spec.name for spec in config.schema.sheets]
    book = MasterBook(path, config, night,
                      {n: store.row_count(day, n) for n in names} if night else {},
                      {n: store.columns(day, n) for n in names},
                      store.conflicts(day) if night else [],
                      Rendered(_stored_rows(store, day), (), 0))
    try:
        book.write_rows()
        stored = stored_night(store, config, night)
    except BaseException:
        book.discard()
        raise
    book.finish(stored)


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


def lookup_of(table: Any) -> Lookup:
    """A text's number in xlsxwriter's shared-string table (added when new), the reference
    not counted (the renderer counts them)."""
    known = table.string_table

    def lookup(text: str) -> int:
        index = known.get(text)
        if index is None:
            index = table._get_shared_string_index(text)
            table.count -= 1
        return index

    return lookup


class _DataWorksheet(Worksheet):
    """A worksheet that writes data rows rendered as XML (:mod:`.master_rows`) straight
    into its constant-memory row file.

    The merged data sheets hold ~12 million cells on a county night; xlsxwriter's generic
    cell path (one tuple per cell, then one XML element with attribute lists) was most of the
    merge's time. :meth:`put` writes one rendered row (made here or in a township's worker);
    a row that cannot be rendered (very long text, an unexpected type) goes through the
    normal ``write``. Everything else (header, widths, filters, printing) is stock.

    :meth:`assemble` makes the sheet's XML file as soon as its rows are written (the
    packager would make it only when the workbook closes, after the pages): the merge does
    it while the night is still being stored; the packager then takes the file as made.
    """

    previous_row: int  # xlsxwriter's: the row a constant-memory sheet writes next

    def __init__(self) -> None:
        super().__init__()
        self._formats: dict[str, Any] = {"": None}  # ' s="n"' -> format
        self._shared: list[int] = []  # the columns whose text goes to the shared strings
        self._render: RowXml | None = None
        self._assembled: str | None = None  # the sheet's finished XML file
        self._target: str | None = None

    def assemble(self, tmpdir: str | None) -> None:
        """The sheet's XML file made now, as the packager makes it (the last row flushed,
        the rows copied in after the sheet's head); nothing can be written to it after."""
        self._opt_reopen()
        self._write_single_row()
        fd, path = tempfile.mkstemp(dir=tmpdir)
        os.close(fd)
        super()._set_xml_writer(path)
        super()._assemble_xml_file()
        self._assembled = path

    # the packager's calls for a sheet already assembled: take its file
    def _write_single_row(self, current_row_num: int = 0) -> None:
        if self._assembled is None:
            super()._write_single_row(current_row_num)

    def _set_xml_writer(self, filename: Any) -> None:
        if self._assembled is None:
            super()._set_xml_writer(filename)
        else:
            self._target = filename

    def _assemble_xml_file(self) -> None:
        if self._assembled is None or self._target is None:
            super()._assemble_xml_file()
        else:
            os.replace(self._assembled, self._target)

    def share_columns(self, columns: Iterable[int], width: int) -> None:
        """Text in ``columns`` (few distinct values: township, file, enums) is written to
        the workbook's shared-string table, the rest inline: a smaller file, faster to
        compress, read back the same."""
        self._shared = list(columns)
        self._render = RowXml(width, self._shared, lookup_of(self.str_table))

    def style_of(self, fmt: Any) -> str:
        """The cell attribute for ``fmt`` (None: ""), for :meth:`plain_rows`'s ``styles``."""
        if fmt is None:
            return ""
        style = f' s="{fmt._get_xf_index()}"'
        self._formats[style] = fmt
        return style

    def plain_rows(self, first: int, rows: Sequence[Sequence[Any]],
                   styles: Sequence[Sequence[str]]) -> None:
        """Write ``rows`` (str, int, float, date or None from column A) from row ``first``
        (from 0) on, each cell with the style at its index of the row's ``styles`` (from
        :meth:`style_of`); pass a chunk of rows, they are rendered a column at a time."""
        width = max(map(len, rows), default=0)
        if self._render is None or len(self._render.refs) < width:
            self.share_columns(self._shared, width)
        render = self._render
        assert render is not None
        before = render.refs_shared
        made = render.many(rows, styles) if self.constant_memory else [None] * len(rows)
        self.str_table.count += render.refs_shared - before
        for row, (xml, values, st) in enumerate(zip(made, rows, styles, strict=True),
                                                start=first):
            if xml is None:
                self.stock_row(row, values, st)
            else:
                self.put(row, xml, len(values))

    def put(self, row: int, xml: str, width: int) -> None:
        """Write a row rendered by :class:`.master_rows.RowXml` as row ``row`` (from 0)."""
        if self._check_dimensions(row, 0) or self._check_dimensions(row, width - 1):
            return
        if row > self.previous_row:
            self._write_single_row(row)  # flush any row written the stock way
        self.fh.write(xml.replace(ROW, str(row + 1)))

    def put_many(self, first: int, rows: Sequence[str], width: int) -> None:
        """:meth:`put` of consecutive rows from row ``first`` (from 0), in one write."""
        last = first + len(rows) - 1
        if self._check_dimensions(first, 0) or self._check_dimensions(last, width - 1):
            for k, xml in enumerate(rows):  # past the sheet's limits: as put drops them
                self.put(first + k, xml, width)
            return
        if first > self.previous_row:
            self._write_single_row(first)  # flush any row written the stock way
        self.fh.write("".join([xml.replace(ROW, str(r))
                               for r, xml in enumerate(rows, first + 1)]))
        self.previous_row = last  # where put of the last row leaves the writer

    def stock_row(self, row: int, values: Sequence[Any], styles: Sequence[str]) -> None:
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


def _data_sheet(parts: list[Any], columns: tuple[ColumnSpec, ...], layout: list[str],
                fmt: Formats, source: Iterable[DrawnRow],
                watch: _Watch | None, names_found: NamesByRow, lookup: Lookup) -> None:
    """One merged register sheet (乡镇, the schema's columns, 检查结果, 来源文件, 来源行),
    streamed row by row, going on in the next of ``parts`` after PER_SHEET rows; the names
    of the rows ``watch`` asks for go into ``names_found``."""
    cells = SheetRows(columns, layout, lookup)
    names = ["乡镇", *(c.name for c in columns), "检查结果", "来源文件", "来源行"]
    widths = [8.0, *(data_column_width(c) for c in columns), *_TAIL_WIDTHS]
    width = cells.width

    def start(ws: Any) -> None:
        ws.write_row(0, 0, names, fmt.header)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.set_row(0, row_height(2))
        _data_print(ws, columns, widths)
        for f in (fmt.date, fmt.data_wrap, fmt.error, fmt.warning):
            ws.style_of(f)  # the styles rendered rows use, known to the stock writer too
        ws.share_columns(cells.shared, width)

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
    row = part = 0
    batch: list[str] = []  # rendered rows not written yet, the last at ``row``

    def flush() -> None:
        if batch:
            ws.put_many(row - len(batch) + 1, batch, width)
            batch.clear()

    for count, (township, file, excel_row, status, xml, src) in enumerate(
            _rendered(source, cells)):
        k, at = divmod(count, PER_SHEET)
        if k != part:  # this sheet is full: go on in the next part
            if k >= len(parts):
                break  # more rows than counted (cannot happen: one snapshot)
            flush()
            finish(ws, PER_SHEET)
            part, ws = k, parts[k]
            start(ws)
        if xml is None:  # a row only the stock writer can write
            flush()
            row = at + 1
            if src.__class__ is str:
                src = json.loads(src)
            ws.stock_row(row, *cells.cells(township, file, excel_row, status, src))
        else:
            row = at + 1
            batch.append(xml)
            if len(batch) >= CHUNK:
                flush()
        if excel_row in watch_rows:  # a row 跨乡镇重复 names
            wanted_ids = wanted.get((township, excel_row))
            if wanted_ids:
                if src.__class__ is str:
                    src = json.loads(src)
                if len(src) > max(id_pos, name_pos):
                    pid = src[id_pos]
                    if pid.__class__ is str and pid in wanted_ids:
                        names_found[(township, excel_row, pid)] = src[name_pos]
    flush()
    finish(ws, row)
    ws.str_table.count += cells.render.refs_shared


CHUNK = 4096  # rows rendered at once (a column at a time)


def _rendered(source: Iterable[DrawnRow], cells: SheetRows) -> Iterator[DrawnRow]:
    """The rows with their XML: those not rendered yet (from the store) rendered here, a
    chunk at a time."""
    chunk: list[DrawnRow] = []
    for item in source:
        if item[4] is None:
            chunk.append(item)
            if len(chunk) < CHUNK:
                continue
        if chunk:
            yield from _render_chunk(chunk, cells)
            chunk = []
        if item[4] is not None:
            yield item
    if chunk:
        yield from _render_chunk(chunk, cells)


def _render_chunk(chunk: list[DrawnRow], cells: SheetRows) -> Iterator[DrawnRow]:
    values = [json.loads(src) if src.__class__ is str else src
              for *_head, src in chunk]
    made = cells.many([(t, f, r, st, v)
                       for (t, f, r, st, _x, _s), v in zip(chunk, values, strict=True)])
    for (t, f, r, st, _x, _s), v, xml in zip(chunk, values, made, strict=True):
        yield (t, f, r, st, xml, v)
