"""Findings: the problems a check finds in a register. Data, not exceptions.

A finding has a stable kebab-case ``rule`` code, a location (sheet, Excel row, column, cell),
a severity, a Chinese message saying what is wrong and how to fix it, and the offending value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
# how a severity is written for office staff (cell comments, problem lists, column headers)
SEVERITY_TEXT: dict[str, str] = {ERROR: "错误", WARNING: "警告"}
VALUE_CHARACTERS = 500  # a finding's value as JSON, the store and the outputs carry it


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    sheet: str | None = None  # canonical sheet name
    row: int | None = None  # Excel row number in the file as sent
    column: str | None = None  # canonical column name
    cell: str | None = None  # e.g. "D12"
    value: Any = None
    source_sheet: str | None = None  # the sheet's name in the file as sent (where the cell is)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "source_sheet": self.source_sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "value": json_value(self.value),
        }


def json_value(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO text, tuples as lists)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf / nan
    if isinstance(value, str) and len(value) > VALUE_CHARACTERS:
        return value[:VALUE_CHARACTERS - 1] + "…"  # a 32,767-character cell: not all of it
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def display_value(value: Any) -> str:
    """A value as the clerk sees it in Excel, for problem lists: a list of names as
    ``刘昌俊、吕翠``, a whole float without ``.0`` or an exponent, a date as 2020-02-04,
    a time as 19:40, 是/否 for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple | list):
        return "、".join(display_value(v) for v in value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return f"{value:.0f}"
        return f"{value:.10g}"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if (value.hour or value.minute) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    text = str(value)
    return text if len(text) <= VALUE_CHARACTERS else text[:VALUE_CHARACTERS - 1] + "…"
