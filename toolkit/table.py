"""The one in-memory table model every source is read into.

A :class:`Register` is a township's workbook after reading: canonical sheets, each holding
canonical columns of normalised values (column-oriented, so 400,000 rows stay small), with the
original Excel address of every value kept: ``sheet.rows[i]`` is the Excel row number of data
row ``i`` and ``column.letter`` its Excel column. Checks, merge and reports only see this model;
they never know whether it came from an .xlsx, an .xls or a live Excel workbook via xlwings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding


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
class Sheet:
    name: str  # canonical sheet name
    source_name: str  # the sheet's name in the file
    header_row: int  # Excel row number of the header row
    rows: list[int]  # Excel row number of each data row
    columns: dict[str, Column]  # canonical name -> column (only columns present in the file)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)  # (letter, header)
    hidden: bool = False

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, column: str) -> bool:
        return column in self.columns

    def values(self, column: str) -> list[Any]:
        """The column's values, or a list of ``None`` when the file lacks the column."""
        col = self.columns.get(column)
        return col.values if col is not None else [None] * len(self.rows)

    def cell(self, column: str, i: int) -> str | None:
        """The Excel address (``D12``) of data row ``i`` in ``column``."""
        col = self.columns.get(column)
        if col is None:
            return None
        return f"{col.letter}{self.rows[i]}"

    def records(self) -> Iterator[dict[str, Any]]:
        """Each data row as ``{canonical column: value}`` (slow path, for small sheets)."""
        names = list(self.columns)
        cols = [self.columns[n].values for n in names]
        for i in range(len(self.rows)):
            yield {n: c[i] for n, c in zip(names, cols, strict=True)}


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


@dataclass(slots=True)
class Register:
    """A township's register as read."""

    source: str  # file path, or "excel:<book name>" for a live workbook
    sheets: dict[str, Sheet]  # canonical sheet name -> sheet (only sheets found)
    township: str | None = None
    report_date: dt.date | None = None
    normalisations: list[Normalisation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while reading (extra columns…)

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    @property
    def row_count(self) -> int:
        return sum(len(s) for s in self.sheets.values())
