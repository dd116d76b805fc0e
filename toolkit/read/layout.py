"""The body of a recognised sheet: which rows are data, which are not and why, and where a
header block repeated further down (a second village pasted below) starts a new segment.

Vertically merged data cells (a household's 户编号 merged down over its persons) give their
value to every row of the merge first, on a copy of the rows (the raw book is not changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ..config.schema import Schema
from . import rows as kinds
from .explain import ColumnReading, SheetReading
from .headers import ColumnLookup, HeaderBlock, HeaderGrid, find_block, row_texts
from .raw import RawSheet
from .rows import RowClassifier, flagged_values
from .sheets import SheetMatch
from .table import column_letter
from .text import fold

UNDER_HEADER_ROWS = 3  # rows right under a header checked for units / numbering / examples
KEY_COLUMNS = 3  # rows whose first required cells are all empty are looked at closely
FLAG_COLUMNS = 2  # the first columns whose texts may say a row is not data (合计, 注：…)


@dataclass
class Segment:
    """A run of data rows read with one header block (a sheet, or a block of it)."""

    raw: RawSheet
    block: HeaderBlock
    kept: list[int] = field(default_factory=list)  # indices into the (filled) rows

    @property
    def mapping(self) -> dict[str, tuple[int, str]]:
        return self.block.mapping

    def header_row(self) -> int:
        return self.raw.first_row + self.block.last


@dataclass
class SheetLayout:
    match: SheetMatch
    rows: list[list[Any]]  # the raw rows, vertical merges filled in the data
    segments: list[Segment]
    reading: SheetReading
    form_rows: list[int] = field(default_factory=list)  # rows that may hold cover facts
    title_rows: list[int] = field(default_factory=list)


def _fill_merges(raw: RawSheet, after: int) -> tuple[list[list[Any]], int]:
    """The rows with every vertically merged range below row index ``after`` filled with
    its value (copied rows only where changed); and how many ranges were filled."""
    rows = list(raw.rows)
    r0, c0 = raw.first_row - 1, raw.first_col
    copied: set[int] = set()
    filled = 0
    for (a, b), (c, d) in raw.merged:
        top, left, bottom, right = a - r0, b - c0, c - r0, d - c0
        if bottom <= top or top <= after or top >= len(rows) or left < 0:
            continue
        value = rows[top][left] if left < len(rows[top]) else ""
        if value == "" or value is None:
            continue
        filled += 1
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            if r not in copied:
                rows[r] = list(rows[r])
                copied.add(r)
            row = rows[r]
            if len(row) <= right:
                row.extend([""] * (right + 1 - len(row)))
            for k in range(left, right + 1):
                if row[k] == "" or row[k] is None:
                    row[k] = value
    return rows, filled


def _column(rows: Sequence[Sequence[Any]], j: int, start: int) -> list[Any]:
    body = rows[start:]
    if body and all(len(row) > j for row in (body[0], body[-1])):
        try:
            return list(map(itemgetter(j), body))  # C speed; calamine rows are rectangular
        except IndexError:
            pass
    return [row[j] if j < len(row) else "" for row in body]


def _same_places(a: HeaderBlock, b: HeaderBlock) -> bool:
    return {k: v[0] for k, v in a.mapping.items()} == {k: v[0] for k, v in b.mapping.items()}


def analyse(match: SheetMatch, schema: Schema, lookup: ColumnLookup) -> SheetLayout:
    """Split a recognised table sheet into header blocks, data rows and skipped rows."""
    raw, first = match.raw, match.block
    assert first is not None and match.spec is not None
    rows, merged = _fill_merges(raw, first.last)
    reading = SheetReading(raw.name, raw.hidden, match.spec.name, match.why,
                           merged_cells=merged)
    cls = RowClassifier(schema.reading, schema.rules.total_markers, first.texts)
    layout = SheetLayout(match, rows, [Segment(raw, first)], reading)
    base = raw.first_row
    for i in range(first.first):
        _note(layout, i, cls.classify(rows[i], above_header=True) or kinds.TITLE)
    skip: dict[int, str] = {i: kinds.REPEATED for i in first.rows}
    body_start = first.last + 1
    n = len(rows)
    _under_header(rows, body_start, cls, skip)

    candidates: set[int] = set()
    left = min((j for j, _ in first.mapping.values()), default=0)
    for c in range(left, left + FLAG_COLUMNS):
        col = _column(rows, c, body_start)
        hits = flagged_values(col, cls)
        if hits:
            candidates.update(body_start + k for k, v in enumerate(col) if v in hits)
    body = rows[body_start:]
    for k in [k for k, row in enumerate(body) if not any(row)]:  # C-level any over each row
        if all(v == "" or v is None for v in body[k]):
            skip.setdefault(body_start + k, kinds.BLANK)
        else:
            candidates.add(body_start + k)  # zeros or FALSE only
    keys = [first.mapping[name][0] for name in lookup.required if name in first.mapping]
    if keys:
        columns = [_column(rows, j, body_start) for j in keys[:KEY_COLUMNS]]
        candidates.update(body_start + k for k, cells in enumerate(zip(*columns, strict=True))
                          if not any(cells))
    threshold = max(2, (lookup.score(row_texts(rows[first.last])) + 1) // 2)
    current = first
    for i in sorted(candidates):
        if i in skip:
            continue
        reason = cls.classify(rows[i])
        if reason in (None, kinds.REPEATED) and lookup.score(row_texts(rows[i])) >= threshold:
            block = _block_at(raw, rows, i, lookup)
            if block is not None:
                for k in block.rows:
                    skip[k] = kinds.REPEATED
                _title_above(rows, block.first, body_start, skip)
                if not _same_places(block, current):
                    layout.segments.append(Segment(raw, block))
                    current = block
                    cls.header_texts = cls.header_texts | block.texts
                _under_header(rows, block.last + 1, cls, skip)
                continue
        if reason is not None:
            skip[i] = reason
    # data rows, each in the segment of the header block above it
    for i in sorted(k for k in skip if k >= body_start):
        _note(layout, i, skip[i])
    bounds = [s.block.last + 1 for s in layout.segments[1:]] + [n]
    start = body_start
    for seg, stop in zip(layout.segments, bounds, strict=True):
        seg.kept = ([i for i in range(start, stop) if i not in skip] if skip
                    else list(range(start, stop)))
        start = stop
    reading.header_rows = [base + i for i in first.rows]
    reading.data_rows = sum(len(s.kept) for s in layout.segments)
    reading.columns = _columns_read(raw, first)
    reading.skipped.sort(key=lambda s: s.first)
    return layout


def _note(layout: SheetLayout, i: int, reason: str) -> None:
    layout.reading.skip(layout.match.raw.first_row + i, reason)
    if reason in (kinds.COVER, kinds.FOOTER):
        layout.form_rows.append(i)
    elif reason in (kinds.TITLE, kinds.SUBTITLE):
        layout.title_rows.append(i)


def _title_above(rows: list[list[Any]], first: int, body_start: int,
                 skip: dict[int, str]) -> None:
    """The row or two above a repeated header that hold one text each (its title, such as
    '2月4日卡点值守情况' or '住户登记表(续)') are titles, not data."""
    for k in (first - 1, first - 2):
        if k < body_start or k in skip:
            if k in skip and skip[k] == kinds.BLANK:
                continue
            return
        cells = [v for v in rows[k] if v != "" and v is not None]
        if not cells or len(cells) > 2 or not all(isinstance(v, str) for v in cells):
            return
        skip[k] = kinds.TITLE


def _under_header(rows: list[list[Any]], start: int, cls: RowClassifier,
                  skip: dict[int, str]) -> None:
    for i in range(start, min(len(rows), start + UNDER_HEADER_ROWS)):
        reason = cls.classify(rows[i], under_header=True)
        if reason not in (kinds.UNITS, kinds.NUMBERING, kinds.EXAMPLE, kinds.BLANK):
            return
        skip[i] = reason


def _block_at(raw: RawSheet, rows: list[list[Any]], i: int,
              lookup: ColumnLookup) -> HeaderBlock | None:
    """The header block around a repeated header row ``i`` (indices into ``rows``)."""
    lo = max(0, i - 1)
    window = RawSheet(raw.name, rows[lo:i + 3], raw.first_row + lo, raw.first_col,
                      merged=raw.merged)
    grid = HeaderGrid.of(window, len(window.rows))
    b = find_block(grid, lookup)
    if b is None:
        return None
    return HeaderBlock(b.first + lo, b.last + lo, b.mapping, b.extra, b.score, b.required,
                       b.texts)


def _columns_read(raw: RawSheet, b: HeaderBlock) -> list[ColumnReading]:
    row = raw.first_row + b.last
    out = [(j, ColumnReading(f"{column_letter(raw.first_col + j)}{row}", text, name))
           for name, (j, text) in b.mapping.items()]
    out += [(j, ColumnReading(f"{column_letter(raw.first_col + j)}{row}", text, None))
            for j, text, _dup in b.extra]
    return [c for _j, c in sorted(out, key=lambda x: x[0])]


def fold_row(row: Sequence[Any]) -> list[str]:
    return [fold(v) for v in row]


__all__ = ["Segment", "SheetLayout", "analyse"]
