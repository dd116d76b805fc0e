"""What the history store holds: submissions, township statuses of a night, merged rows
with their provenance, findings, conflicts, and the status words.

A night's merge writes everything it produces for that night as one :class:`NightData`
(:meth:`toolkit.store.protocol.Store.replace_night`, ONE transaction), so a killed run leaves
the previous night intact and a re-run replaces it with no duplicate and no missing row.
Rows are stored compactly: one JSON array per row, the values in the order of the night's
layout for that sheet (the schema's column ids).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# township statuses of a night (DHIS2-style completeness)
REPORTED, LATE, MISSING, REJECTED = "已报", "迟报", "未报", "退回"
# per-row check status
ROW_OK, ROW_ERROR, ROW_WARNING = "ok", "error", "warning"


@dataclass
class Submission:
    """One file received for a night, as archived (before it was read)."""

    night: dt.date
    file_name: str  # the name it arrived under
    archive_path: str
    sha256: str
    arrived_at: dt.datetime  # file modification time when archived
    township: str | None = None  # from the register once read, else from the file name
    status: str = ""  # "" not judged yet; 已报 / 迟报 / 退回
    reason: str | None = None  # why it was rejected or replaced
    accepted: bool = False  # readable, this county's, this night's
    replaced: bool = False  # a later file of the same township replaced it
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    id: int | None = None


@dataclass
class TownshipStatus:
    """One township on one night (a row of 报送情况); ``township`` is "" for a rejected
    file whose township could not be told."""

    township: str
    status: str  # 已报 / 迟报 / 未报 / 退回
    submission_id: int | None = None
    file: str | None = None
    arrived_at: dt.datetime | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The township's entry in ``gridkit merge --format json``."""
        return {"township": self.township, "status": self.status, "file": self.file,
                "rows": self.rows, "errors": self.errors, "warnings": self.warnings}


@dataclass(slots=True)
class RowRecord:
    """A merged row ready for the store: its values in the night's layout order, either as
    Python values (``values``: the store encodes them, dates as ISO text) or already as
    JSON text (``data``)."""

    township: str
    submission_id: int
    sheet: str
    excel_row: int
    status: str  # ok / error / warning
    data: str = ""  # JSON array in the night's layout order ("" when ``values`` is given)
    values: tuple[Any, ...] | None = None
    source: str = ""  # the sheet's name in the file ("" = the canonical name)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates (and datetimes) as ISO text
        return value.isoformat()
    return str(value)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                           default=_json_default).encode
# the C encoder made once (json.dumps builds one per call: half the cost of a short row);
# markers=None skips the circular-reference check a flat row of values does not need
_C_ENCODE = None if c_make_encoder is None else c_make_encoder(
    None, _json_default, encode_basestring, None, ":", ",", False, False, False)


def row_json(row: RowRecord) -> str:
    """The row's values as the compact JSON array the store keeps (the same text as
    ``json.dumps(values, ensure_ascii=False, separators=(",", ":"))``, dates as ISO). A
    non-finite number (which the reader never gives) is stored as null: the store only ever
    holds JSON every reader can read back."""
    if row.values is None:
        return row.data
    try:
        if _C_ENCODE is not None:
            return "".join(_C_ENCODE(row.values, 0))
        return _ENCODE(row.values)
    except ValueError:  # inf or nan
        return _ENCODE(tuple(None if isinstance(v, float) and not math.isfinite(v) else v
                             for v in row.values))


@dataclass
class StoredRow:
    """A merged row read back, with its provenance."""

    township: str
    submission_id: int
    file: str
    sha256: str
    sheet: str
    excel_row: int
    status: str
    values: list[Any]  # JSON-decoded, in the order of ``Store.columns(night, sheet)``
    source: str = ""  # the sheet's name in the file ("" = the canonical name)

    @property
    def place(self) -> str:
        """The file, and the sheet in it when that is not named as in the template."""
        return source_text(self.file, self.source, self.sheet)


def source_text(file: str, source: str, sheet: str) -> str:
    """``扎西镇_20200204.xlsx`` or ``扎西镇_20200204.xlsx/河坝村`` (a renamed or split sheet)."""
    return file if not source or source == sheet else f"{file}/{source}"


@dataclass
class FindingRecord:
    township: str | None
    submission_id: int
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    cell: str | None
    rule: str
    severity: str
    message: str
    value: Any = None
    source_sheet: str | None = None  # the sheet's name in the file


@dataclass
class ConflictSource:
    township: str
    file: str
    sheet: str
    row: int
    submission_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"township": self.township, "file": self.file, "sheet": self.sheet,
                "row": self.row}


@dataclass
class Conflict:
    """The same ID number registered by more than one township."""

    id_number: str
    sources: list[ConflictSource]

    @property
    def townships(self) -> list[str]:
        return list(dict.fromkeys(s.township for s in self.sources))


@dataclass
class NightRun:
    night: dt.date
    completed_at: dt.datetime
    master: str | None = None
    master_note: str | None = None


@dataclass
class NightData:
    """Everything a night's merge writes; replaces the night in one transaction."""

    night: dt.date
    submissions: list[Submission]  # judged submissions (status, township, counts)
    statuses: list[TownshipStatus]
    layouts: dict[str, list[str]]  # sheet -> column ids, the order of every row's JSON
    # (submission, sheet) -> sheet name in the file -> column id -> letter
    letters: dict[tuple[int, str], dict[str, dict[str, str]]]
    rows: Iterable[RowRecord]
    findings: list[FindingRecord]
    conflicts: list[Conflict]
    run: NightRun | None = None
    extra: dict[str, Any] = field(default_factory=dict)




__all__ = [
    "LATE",
    "MISSING",
    "REJECTED",
    "REPORTED",
    "ROW_ERROR",
    "ROW_OK",
    "ROW_WARNING",
    "Conflict",
    "ConflictSource",
    "FindingRecord",
    "NightData",
    "NightRun",
    "RowRecord",
    "StoredRow",
    "Submission",
    "TownshipStatus",
    "row_json",
    "source_text",
]
