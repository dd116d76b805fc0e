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

# township statuses of a night (DHIS2-style completeness), as the merge stores them
REPORTED, LATE, MISSING, REJECTED = "已报", "迟报", "未报", "退回"
# what every output shows: a merged township whose file has errors is 有错待改 (it must fix
# and resubmit), whether it came in time or late (its 说明 says which)
TO_FIX = "有错待改"
# the five words in the order every output counts them (they add up to the townships)
STATUS_WORDS = (REPORTED, LATE, TO_FIX, REJECTED, MISSING)
# per-row check status
ROW_OK, ROW_ERROR, ROW_WARNING = "ok", "error", "warning"
# meta key of a night's figures as its merge computed them (outputs.figures), and of the
# token every store writes anew in the transaction that replaces the night's rows (the
# figures count only with the token they were computed under); neither is copied by a
# transfer (the target's rows have their own)
FIGURES_META = "figures:{night}"
ROWS_TOKEN_META = "rows-token:{night}"
NIGHT_META_KINDS = ("figures:", "rows-token:")


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

    # ---- the one status model every output shows (CLI, 报送情况, 日报, briefing, feedback)
    @property
    def merged(self) -> bool:
        """Its file is in the county's figures tonight (已报, 迟报 or 有错待改)."""
        return self.status in (REPORTED, LATE)

    @property
    def late(self) -> bool:
        """Merged, but its file arrived after the deadline."""
        return self.status == LATE

    @property
    def word(self) -> str:
        """已报 / 迟报 / 有错待改 / 退回 / 未报."""
        return TO_FIX if self.merged and self.errors else self.status

    @property
    def note(self) -> str:
        """The 说明 beside the word: why it is what it is, in one line."""
        when = (f"{self.arrived_at.month}月{self.arrived_at.day}日 {self.arrived_at:%H:%M} 送达"
                if self.arrived_at else "")  # the day too: a late file may come days later
        if self.status == MISSING:
            return "截至汇总时未收到报表"
        if self.status == REJECTED:
            return f"未纳入汇总：{self.reason or '文件无法使用'}"
        parts = [f"迟报（{when}）" if self.late else ""]
        if self.errors:
            parts.append(f"已纳入汇总，错误{self.errors}处，须改正后重新报送")
        elif self.warnings:
            parts.append(f"警告{self.warnings}处，请核实")
        if self.reason:  # e.g. an earlier file it replaced
            parts.append(self.reason)
        return "；".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        """The township's entry in ``gridkit merge --format json``."""
        return {"township": self.township, "status": self.word, "merged": self.merged,
                "late": self.late, "note": self.note, "file": self.file,
                "rows": self.rows, "errors": self.errors, "warnings": self.warnings}


def status_sentence(expected: int, counts: dict[str, int], on_time: int) -> str:
    """The night's reporting in one sentence, the same in the CLI, 报送情况, 日报 and the
    briefing: 应报10个乡镇：已报7个、有错待改1个、未报2个；纳入汇总8个，报送率80%，
    按时报送率70%。"""
    parts = [f"{w}{counts[w]}个" for w in STATUS_WORDS if counts.get(w)]
    merged = sum(counts.get(w, 0) for w in (REPORTED, LATE, TO_FIX))

    def rate(n: int) -> str:
        return f"{n / expected:.0%}" if expected else "—"

    return (f"应报{expected}个乡镇：{'、'.join(parts) or '无'}；纳入汇总{merged}个，"
            f"报送率{rate(merged)}，按时报送率{rate(on_time)}。")


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


def letters_from_json(text: str) -> dict[str, dict[str, str]]:
    """A submission sheet's stored column letters: sheet name in the file -> column id ->
    letter ("" for letters stored before rows kept their sheet's name: a flat map)."""
    stored = json.loads(text)
    if all(isinstance(v, str) for v in stored.values()):
        return {"": dict(stored)}
    return {k: dict(v) for k, v in stored.items()}


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
    "FIGURES_META",
    "LATE",
    "MISSING",
    "NIGHT_META_KINDS",
    "REJECTED",
    "REPORTED",
    "ROWS_TOKEN_META",
    "ROW_ERROR",
    "ROW_OK",
    "ROW_WARNING",
    "STATUS_WORDS",
    "TO_FIX",
    "Conflict",
    "ConflictSource",
    "FindingRecord",
    "NightData",
    "NightRun",
    "RowRecord",
    "StoredRow",
    "Submission",
    "TownshipStatus",
    "letters_from_json",
    "row_json",
    "source_text",
    "status_sentence",
]
