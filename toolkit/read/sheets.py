"""Which sheet of a workbook holds which register sheet.

A sheet is recognised by what its header block names (how many of a schema sheet's columns,
how many of its required ones), its name counting only as a tie-break: '排查登记(2月4日)',
'排查登记表 ', 'Sheet1' or '人员名单' holding the screening table are all read as 排查登记.
Several visible sheets of one kind are one register split over sheets (one per village);
a hidden sheet of the same kind is an older copy: the visible one wins, with a warning.
The cover (填报信息) is recognised by name or by the labels it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config.county import SheetPin
from ..config.schema import Schema, SheetSpec, fold_header
from .headers import ColumnLookup, HeaderBlock, HeaderGrid, find_block
from .raw import RawBook, RawSheet
from .text import fold, header_key

MIN_COLUMNS = 3  # a header naming fewer schema columns does not make a register sheet
MIN_REQUIRED_SHARE = 0.4
COPY_SHARE = 0.6  # a hidden sheet naming this share of the visible one's columns is a copy
_NAME_NOISE = re.compile(
    r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|\d{4}[年.\-/]?\d{1,2}[月.\-/]?\d{1,2}日?|\d{1,2}月\d{1,2}日"
    r"|\d+|更新|最新|修改|修订|副本|备份|新|旧")


@dataclass
class SheetMatch:
    raw: RawSheet
    spec: SheetSpec | None  # None: not a register sheet
    block: HeaderBlock | None = None
    grid: HeaderGrid | None = None
    by: str = ""  # "header", "name", "pinned", "cover"
    why: str = ""  # Chinese, for the reading explanation
    copy_of: str | None = None  # hidden older copy of this visible sheet


def name_key(name: str) -> str:
    """A sheet name without dates, brackets, numbers and 更新/副本 words, nor a final 表."""
    text = _NAME_NOISE.sub("", fold_header(fold(name) or name))
    return text[:-1] if text.endswith("表") and len(text) > 1 else text


def spec_by_name(schema: Schema, name: str) -> SheetSpec | None:
    """The schema sheet a sheet name means: exactly (aliases), by its key, or the longest
    schema name it contains ('A村排查登记')."""
    exact = schema.match_sheet(name)
    if exact is not None:
        return exact
    key = name_key(name)
    if not key:
        return None
    for spec in schema.sheets:
        if key in {name_key(n) for n in spec.names}:
            return spec
    found = [(len(n), spec) for spec in schema.sheets for n in spec.names
             if len(name_key(n)) >= 2 and name_key(n) in key]
    return max(found, key=lambda x: x[0])[1] if found else None


class Recogniser:
    """Recognises the sheets of one workbook (for one township's pins, if any)."""

    def __init__(self, schema: Schema, pins: Mapping[str, SheetPin] | None = None) -> None:
        self.schema = schema
        self.pins = dict(pins or {})
        reading = schema.reading
        self.ignored = {fold(n) for n in reading.ignore_sheets}
        synonyms = reading.header_synonyms
        self.lookups = {
            s.name: ColumnLookup(s, synonyms, self.pins[s.name].columns if s.name in self.pins
                                 else None)
            for s in schema.sheets}
        self.cover = next((s for s in schema.sheets if s.is_cover), None)
        self.tables = [s for s in schema.sheets if not s.is_cover]
        self.scan = reading.header_scan_rows

    def lookup(self, spec: SheetSpec) -> ColumnLookup:
        return self.lookups[spec.name]

    def match(self, raw: RawSheet) -> SheetMatch:
        if fold(raw.name) in self.ignored:
            return SheetMatch(raw, None, why="按设置不作为登记表读取")
        if not raw.rows or not any(any(r) for r in raw.rows[:self.scan * 4]):
            return SheetMatch(raw, None, why="空工作表")
        grid = HeaderGrid.of(raw, self.scan)
        pinned = self._pinned(raw, grid)
        if pinned is not None:
            return pinned
        by_name = spec_by_name(self.schema, raw.name)
        if self.cover is not None and by_name is self.cover:
            return SheetMatch(raw, self.cover, grid=grid, by="cover",
                              why="按工作表名识别为填报信息")
        best: tuple[float, SheetSpec, HeaderBlock] | None = None
        for spec in self.tables:
            b = find_block(grid, self.lookup(spec))
            if b is None or not self._enough(spec, b):
                continue
            required = max(1, len(self.lookup(spec).required))
            rank = b.required / required + b.score / (10 * len(spec.columns)) + (
                0.25 if spec is by_name else 0)
            if best is None or rank > best[0]:
                best = (rank, spec, b)
        if best is not None:
            _, spec, b = best
            return SheetMatch(raw, spec, b, grid, "header",
                              f"表头与“{spec.name}”的{b.score}列相符")
        if by_name is not None and not by_name.is_cover:
            b = find_block(grid, self.lookup(by_name))
            return SheetMatch(raw, by_name, b, grid, "name", "按工作表名识别")
        if self.cover is not None and self._cover_labels(grid) >= 2:
            return SheetMatch(raw, self.cover, grid=grid, by="cover",
                              why="含填报单位、填报日期等项,识别为填报信息")
        return SheetMatch(raw, None, grid=grid, why="表头与登记表的任何一张表都不相符,未读取")

    def _enough(self, spec: SheetSpec, b: HeaderBlock) -> bool:
        required = len(self.lookup(spec).required)
        return b.score >= min(MIN_COLUMNS, len(spec.columns)) and (
            b.required >= MIN_REQUIRED_SHARE * required or b.score * 2 >= len(spec.columns))

    def _cover_labels(self, grid: HeaderGrid) -> int:
        assert self.cover is not None
        lookup = self.lookup(self.cover)
        names = set()
        for row in grid.folded:
            for f in row:
                if not f:
                    continue
                head = f.split(":", 1)[0]
                col = lookup.match(head)
                if col is not None and (col.id in ("township", "report_date", "reporter")
                                        or ":" in f):
                    names.add(col.name)
        return len(names)

    def _pinned(self, raw: RawSheet, grid: HeaderGrid) -> SheetMatch | None:
        for spec_name, pin in self.pins.items():
            if not pin.sheets or fold(raw.name) not in {fold(n) for n in pin.sheets}:
                continue
            spec = self.schema.sheet(spec_name)
            rows = [r - raw.first_row for r in pin.header_rows
                    if 0 <= r - raw.first_row < len(grid.folded)]
            b = find_block(grid, self.lookup(spec), rows or None) if not spec.is_cover else None
            return SheetMatch(raw, spec, b, grid, "pinned", "按本乡镇的固定读取设置")
        return None


def assign(book: RawBook, recogniser: Recogniser) -> list[SheetMatch]:
    """Every sheet matched; hidden copies of a visible sheet set aside (``copy_of``)."""
    matches = [recogniser.match(raw) for raw in book.sheets]
    by_spec: dict[str, list[SheetMatch]] = {}
    for m in matches:
        if m.spec is not None:
            by_spec.setdefault(m.spec.name, []).append(m)
    for group in by_spec.values():
        visible = [m for m in group if not m.raw.hidden]
        if not visible or len(visible) == len(group):
            continue
        if group[0].spec is not None and group[0].spec.is_cover:
            for m in group:
                if m.raw.hidden:
                    m.spec, m.why = None, "隐藏的填报信息副本,未读取"
            continue
        top = max((m.block.score if m.block else 0) for m in visible)
        for m in group:
            if not m.raw.hidden:
                continue
            score = m.block.score if m.block else 0
            if score >= COPY_SHARE * top:
                m.copy_of = visible[0].raw.name
                m.why = f"隐藏的旧副本,已按可见的“{visible[0].raw.name}”读取"
            else:
                m.why = "隐藏的工作表,不是登记表"
            m.spec = None
    return matches


def closest_sheet(matches: Sequence[SheetMatch], spec: SheetSpec,
                  recogniser: Recogniser) -> tuple[SheetMatch, HeaderBlock] | None:
    """Among the sheets not used, the one whose header names most of ``spec``'s columns."""
    best: tuple[int, SheetMatch, HeaderBlock] | None = None
    for m in matches:
        if m.spec is not None or m.grid is None:
            continue
        b = find_block(m.grid, recogniser.lookup(spec))
        if b is not None and (best is None or b.score > best[0]):
            best = (b.score, m, b)
    return None if best is None else (best[1], best[2])


def unmapped_headers(block: HeaderBlock | None) -> list[str]:
    return [] if block is None else [text for _j, text, _dup in block.extra]


def header_key_of(text: str, schema: Schema) -> str:
    return header_key(fold(text), schema.reading.header_synonyms)


__all__ = ["Recogniser", "SheetMatch", "assign", "closest_sheet", "name_key",
           "spec_by_name"]
