"""The one in-memory table model every source is read into.

A :class:`Register` is a township's workbook after reading: canonical sheets, each holding
canonical columns of normalised values (column-oriented, so 400,000 rows stay small), with the
original Excel address of every value kept: ``sheet.rows[i]`` is the Excel row number of data
row ``i`` and ``column.letter`` its Excel column. Checks, merge and reports only see this model;
they never know whether it came from an .xlsx, an .xls or a live Excel workbook via xlwings.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..findings import Finding

if TYPE_CHECKING:
    from .explain import Reading


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel letters -> 0-based column index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass(slots=True)
class Column:
    name: str  # canonical column name from the schema
    header: str  # the header text as found in the file
    index: int  # 0-based column index in the sheet as sent
    values: list[Any]  # normalised values, one per data row (None = empty)

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass(slots=True)
class Segment:
    """A run of a sheet's data rows that come from one place in the file: a sheet, or a
    block of it under a repeated header (a register split over village sheets has one per
    village sheet). ``letters`` are the columns' letters there."""

    source_name: str  # the sheet's name in the file
    start: int  # index of its first data row in the :class:`Sheet`
    header_row: int  # Excel row of its (last) header row
    letters: dict[str, str]  # canonical column -> Excel letters in this block


@dataclass(slots=True)
class Sheet:
    name: str  # canonical sheet name
    source_name: str  # the sheet's name in the file (of the first segment)
    header_row: int  # Excel row number of the header row
    rows: list[int]  # Excel row number of each data row (in its own source sheet)
    columns: dict[str, Column]  # canonical name -> column (only columns present in the file)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)  # (letter, header)
    hidden: bool = False
    # more than one place: the segments in order (empty: the whole sheet is one place)
    segments: list[Segment] = field(default_factory=list)
    # one-row sheets read from a form (填报信息): column -> (source sheet, Excel row, letter)
    overrides: dict[str, tuple[str, int, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def _segment(self, i: int) -> Segment | None:
        if not self.segments:
            return None
        k = bisect_right([s.start for s in self.segments], i) - 1
        return self.segments[max(k, 0)]

    def source_of(self, i: int) -> str:
        """The name, in the file, of the sheet data row ``i`` is on."""
        seg = self._segment(i)
        return self.source_name if seg is None else seg.source_name

    def locate(self, column: str, i: int) -> tuple[str, int, str | None]:
        """Where data row ``i`` of ``column`` is in the file: (sheet name in the file,
        Excel row, cell address or None when that place has no such column)."""
        if column in self.overrides:
            source, row, letter = self.overrides[column]
            return source, row, f"{letter}{row}"
        row = self.rows[i]
        seg = self._segment(i)
        if seg is None:
            col = self.columns.get(column)
            return self.source_name, row, None if col is None else f"{col.letter}{row}"
        at = seg.letters.get(column)
        return seg.source_name, row, None if at is None else f"{at}{row}"

    def has(self, column: str) -> bool:
        return column in self.columns

    def values(self, column: str) -> list[Any]:
        """The column's values, or a list of ``None`` when the file lacks the column."""
        col = self.columns.get(column)
        return col.values if col is not None else [None] * len(self.rows)

    def cell(self, column: str, i: int) -> str | None:
        """The Excel address (``D12``) of data row ``i`` in ``column`` (in its own sheet)."""
        if column not in self.columns and column not in self.overrides:
            return None
        return self.locate(column, i)[2]

    def letters(self) -> dict[str, dict[str, str]]:
        """Sheet name in the file -> canonical column -> letter, for every place."""
        if self.segments:
            out: dict[str, dict[str, str]] = {}
            for seg in self.segments:
                out.setdefault(seg.source_name, {}).update(seg.letters)
            return out
        return {self.source_name: {n: c.letter for n, c in self.columns.items()}}


@dataclass(frozen=True, slots=True)
class Normalisation:
    """A harmless change made while reading (full-width digits, a date written as text…)."""

    sheet: str
    row: int
    column: str
    cell: str
    kind: str  # stable code, e.g. "full-width", "date-text", "phone-float"
    before: Any
    after: Any
    source_sheet: str | None = None  # the sheet's name in the file (where the cell is)


@dataclass(slots=True)
class Register:
    """A township's register as read."""

    source: str  # file path, or "excel:<book name>" for a live workbook
    sheets: dict[str, Sheet]  # canonical sheet name -> sheet (only sheets found)
    township: str | None = None
    report_date: dt.date | None = None
    normalisations: list[Normalisation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while reading (extra columns…)
    reading: Reading | None = None  # how the file was read (gridkit inspect, 读取说明)
    # cells the reader could not see (an Excel error value, a formula without a value):
    # (sheet name in the file, cell); checks say nothing about them, the reader said it
    blind: set[tuple[str, str]] = field(default_factory=set)

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    @property
    def row_count(self) -> int:
        return sum(len(s) for s in self.sheets.values())
