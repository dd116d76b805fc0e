"""What every check module shares: the check context and the way a finding is recorded.

Checks work column by column over the plain lists of :class:`~toolkit.table.Column`; they
refer to sheets and columns by their stable schema ``id`` (``grids.defence_size``) and take
the names office staff see from the schema, so renaming a column in the TOML needs no code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ...config.catalogue import severity
from ...config.county import Config
from ...config.schema import ColumnSpec, SheetSpec
from ...findings import Finding
from ...read.table import Register, Sheet

__all__ = ["Context", "is_empty", "show"]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


SHOWN_CHARACTERS = 60  # a value quoted in a message: a 32,767-character cell is cut


def show(value: Any) -> str:
    """A value as office staff would recognise it in a message (at most
    SHOWN_CHARACTERS of it: no message grows with what a cell holds)."""
    if isinstance(value, tuple):
        text = "、".join(str(v) for v in value)
    elif isinstance(value, dt.datetime):
        text = f"{value:%Y-%m-%d %H:%M}"
    elif isinstance(value, dt.date):
        text = f"{value:%Y-%m-%d}"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"


class Context:
    """One register being checked: lookups by schema id and the findings collected."""

    def __init__(self, register: Register, config: Config) -> None:
        self.register = register
        self.config = config
        self.schema = config.schema
        self.rules = config.schema.rules
        self.findings: list[Finding] = []
        self._specs = {s.id: s for s in self.schema.sheets}
        self._blind = register.blind
        # findings of one rule beyond the cap are only counted (a hostile file never grows
        # the findings without bound): rule -> how many were not listed
        self._cap = config.limits.findings_per_rule
        self._counts: Counter[str] = Counter()
        self.unlisted: Counter[str] = Counter()

    # -- lookups -------------------------------------------------------------------------
    def spec(self, sheet_id: str) -> SheetSpec | None:
        return self._specs.get(sheet_id)

    def sheet(self, sheet_id: str) -> Sheet | None:
        """The register's sheet with this schema id, when the file has it."""
        spec = self._specs.get(sheet_id)
        return None if spec is None else self.register.sheets.get(spec.name)

    def present_columns(self) -> Iterator[tuple[SheetSpec, Sheet, ColumnSpec, list[Any]]]:
        """Every schema column the file has, on a sheet with data rows, in schema order:
        (sheet spec, sheet, column spec, the column's values)."""
        for spec in self.schema.sheets:
            sheet = self.register.sheets.get(spec.name)
            if sheet is None or not sheet.rows:
                continue
            for col in spec.columns:
                column = sheet.columns.get(col.name)
                if column is not None:
                    yield spec, sheet, col, column.values

    def column_spec(self, sheet_id: str, column_id: str) -> ColumnSpec | None:
        spec = self._specs.get(sheet_id)
        if spec is None:
            return None
        return next((c for c in spec.columns if c.id == column_id), None)

    def name(self, sheet_id: str, column_id: str) -> str:
        """The canonical column name of ``sheet_id.column_id`` (what staff read)."""
        col = self.column_spec(sheet_id, column_id)
        return col.name if col is not None else column_id

    def values(self, sheet: Sheet, sheet_id: str, column_id: str) -> list[Any] | None:
        """The column's values, or None when the file lacks the column."""
        col = self.column_spec(sheet_id, column_id)
        if col is None:
            return None
        column = sheet.columns.get(col.name)
        return None if column is None else column.values

    @property
    def township(self) -> str | None:
        return self.register.township

    @property
    def report_date(self) -> dt.date | None:
        return self.register.report_date

    # -- recording -----------------------------------------------------------------------
    def report(self, rule: str, message: str, sheet: Sheet, i: int, column: str,
               value: Any) -> None:
        """A finding of ``rule`` (its severity from the rule catalogue) at data row ``i`` of
        ``sheet`` in the canonical ``column``; nothing when the reader could not see that
        cell (it said so itself)."""
        source, row, cell = sheet.locate(column, i)
        if self._blind and (source, cell) in self._blind:
            return
        if self._cap:
            self._counts[rule] += 1
            if self._counts[rule] > self._cap:
                self.unlisted[rule] += 1
                return
        self.findings.append(Finding(
            rule=rule, severity=severity(rule), message=message, sheet=sheet.name,
            row=row, column=column, cell=cell, value=value, source_sheet=source))


def duplicate_rows(values: list[Any], counts_as: Callable[[Any], bool]) -> dict[Any, list[int]]:
    """Each value that stands on more than one row (and ``counts_as`` accepts), with the
    indexes of all its rows, in sheet order."""
    dups = {v for v, n in Counter(values).items() if n > 1 and counts_as(v)}
    rows: dict[Any, list[int]] = {}
    if dups:
        for i, v in enumerate(values):
            if v in dups:
                rows.setdefault(v, []).append(i)
    return rows


OTHERS_NAMED = 3  # a duplicate's finding names this many of the other rows


def report_duplicates(ctx: Context, sheet: Sheet, column: str, rows: dict[Any, list[int]],
                      rule: str, fix: str) -> None:
    """One error on EVERY row of each duplicated value, naming a few of its other rows and
    how many there are (the message never grows with the file)."""
    for v, idx in rows.items():
        n = len(idx)
        head = idx[:OTHERS_NAMED + 1]
        for i in idx:
            others = [str(sheet.rows[k]) for k in head if k != i][:OTHERS_NAMED]
            more = "等" if n - 1 > len(others) else ""
            ctx.report(rule, f"{column}“{show(v)}”在本表出现{n}次(另见第{'、'.join(others)}行"
                             f"{more}):{fix}", sheet, i, column, v)


def party_members_exceed_size(ctx: Context, sheet_id: str, size_id: str, party_id: str,
                              what: str) -> None:
    """``party-members-exceed-size`` at the party-member cell when it is above the size."""
    sheet = ctx.sheet(sheet_id)
    if sheet is None:
        return
    sizes = ctx.values(sheet, sheet_id, size_id)
    party = ctx.values(sheet, sheet_id, party_id)
    if sizes is None or party is None:
        return
    size_name, party_name = ctx.name(sheet_id, size_id), ctx.name(sheet_id, party_id)
    numeric = (int, float)
    size_spec = ctx.column_spec(sheet_id, size_id)
    floor = size_spec.min if size_spec is not None and size_spec.min is not None else 0
    for i in [i for i, (p, s) in enumerate(zip(party, sizes, strict=True))
              if type(p) in numeric and type(s) in numeric and p > s >= floor]:
        ctx.report("party-members-exceed-size",
                  f"{what}的{party_name}({show(party[i])})多于{size_name}({show(sizes[i])}),"
                  f"党员是{size_name}中的一部分,不可能更多:请核对后改正{party_name}或"
                  f"{size_name}。", sheet, i, party_name, party[i])
