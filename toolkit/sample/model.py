"""The in-memory shape of a sample workbook before it is written, and the truth records.

A :class:`Table` is one sheet: canonical column names, header texts as they will be written,
and rows as plain lists (column order = ``columns``). Truth is recorded against row *objects*
(``Mark``), not indices, so rows can be deleted (a missing shift) or inserted (blank rows, a
totals row) afterwards. A :class:`SheetPlan` is one worksheet exactly as written (the lines
from the top, merges, offsets): the plain layout of a table or a township's own layout
(``layouts.py``); :func:`writer.positions` turns each row object into its sheet and Excel row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Row = list[Any]


@dataclass(frozen=True)
class PlantedDefect:
    """One planted defect or one piece of harmless drift, where a check must (or must not)
    report it. ``row`` is the Excel row as written (0 for a whole sheet), ``column`` the
    canonical column name ("" for a whole row or sheet; a whole column: row 0 and the
    column), ``sheet`` the canonical sheet name (an extra sheet: its own name; "" for the
    whole file), ``source_sheet`` the worksheet's name as written (one of several village
    sheets, a sheet named ``Sheet1``, ...), ``file`` the file name inside the output folder.
    ``kind`` is a rule code from docs/architecture.md, or ``drift-...`` for harmless drift
    (``drift-layout-<feature>`` for a township's layout habit)."""

    file: str
    township: str
    sheet: str
    row: int
    column: str
    kind: str
    source_sheet: str = ""

    @property
    def is_drift(self) -> bool:
        return self.kind.startswith("drift-")

    def to_dict(self) -> dict[str, Any]:
        """The truth file's record; ``source_sheet`` only where it differs from ``sheet``."""
        d = asdict(self)
        if d["source_sheet"] in ("", self.sheet):
            del d["source_sheet"]
        return d


@dataclass
class SampleResult:
    out_dir: Path
    date: dt.date
    files: list[Path]
    truth: list[PlantedDefect]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> sheet -> data rows
    truth_file: Path | None = None
    layouts: dict[str, list[str]] = field(default_factory=dict)  # file -> layout features

    @property
    def defects(self) -> list[PlantedDefect]:
        return [t for t in self.truth if not t.is_drift]

    @property
    def drift(self) -> list[PlantedDefect]:
        return [t for t in self.truth if t.is_drift]

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.truth:
            counts[t.kind] = counts.get(t.kind, 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        """The ``gridkit sample --format json`` shape: counts, not every planted defect
        (those are in the truth file)."""
        return {
            "out_dir": str(self.out_dir),
            "date": self.date.isoformat(),
            "files": [str(f) for f in self.files],
            "truth": None if self.truth_file is None else str(self.truth_file),
            "defects": len(self.defects),
            "drift": len(self.drift),
            "by_kind": self.by_kind(),
            "rows": self.rows,
            "layouts": self.layouts,
        }


@dataclass
class Mark:
    """Pending truth: resolved to an Excel row when the sheet is written."""

    sheet: str  # canonical sheet name
    row: Row | None  # the row object (data row, header, title row); None = the whole sheet
    column: str
    kind: str
    # the worksheet (as written) of a whole-sheet mark; None = every sheet holding ``sheet``
    source: str | None = None


@dataclass
class Table:
    """One sheet to write."""

    name: str  # canonical sheet name
    columns: list[str]  # canonical column names (extra columns: their header text)
    rows: list[Row]
    title: str | None = None  # the sheet name as written (an alias), default ``name``
    headers: Row = field(default_factory=list)  # header texts as written
    pre_rows: list[Row] = field(default_factory=list)  # title / 填表说明 rows above the header
    hidden: bool = False
    # rows that carry a planted defect or drift: drift avoids them, defects avoid each other
    tainted: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.headers:
            self.headers = list(self.columns)
        self._index = {c: i for i, c in enumerate(self.columns)}

    @property
    def written_name(self) -> str:
        return self.title or self.name

    def col(self, name: str) -> int:
        return self._index[name]

    def get(self, row: Row, column: str) -> Any:
        return row[self._index[column]]

    def set(self, row: Row, column: str, value: Any) -> None:
        row[self._index[column]] = value

    def is_clean(self, row: Row) -> bool:
        return id(row) not in self.tainted and bool(row)

    def taint(self, row: Row) -> None:
        self.tainted.add(id(row))

    def insert_column(self, position: int, name: str, values: list[Any]) -> None:
        """Insert an extra column (its header ``name``) at ``position``; ``values`` has one
        entry per row (blank rows stay empty lists)."""
        self.columns.insert(position, name)
        self.headers.insert(position, name)
        for row, value in zip(self.rows, values, strict=True):
            if row:
                row.insert(position, value)
        self._index = {c: i for i, c in enumerate(self.columns)}


@dataclass
class SheetPlan:
    """One worksheet exactly as written. ``lines[i]`` is Excel row ``row0 + i + 1``, its cell
    ``k`` is column ``col0 + k`` (0-based). Lines not in ``styles`` are data rows (the
    ``columns`` give their types); styled lines are titles, headers, notes, subtotals. A merge
    ``merges[i] = [(first col, last line, last col)]`` starts at line ``i``; its value is the
    top-left cell, the cells it covers are listed in ``covered`` and never written."""

    name: str  # as written
    canonical: str  # canonical sheet name (an extra sheet: its own name; "" = empty sheet)
    lines: list[Row]
    columns: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)  # column widths, from col0
    row0: int = 0
    col0: int = 0
    styles: dict[int, str] = field(default_factory=dict)  # "title" "note" "head" "sub" "plain"
    merges: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    covered: dict[int, set[int]] = field(default_factory=dict)
    freeze: int | None = None  # the first line below the header block (frozen panes)
    hidden: bool = False
    copy: bool = False  # an older copy of a sheet: the truth never points into it

    def merge(self, line: int, col: int, last_line: int, last_col: int) -> None:
        self.merges.setdefault(line, []).append((col, last_line, last_col))
        for i in range(line, last_line + 1):
            for c in range(col, last_col + 1):
                if (i, c) != (line, col):
                    self.covered.setdefault(i, set()).add(c)
