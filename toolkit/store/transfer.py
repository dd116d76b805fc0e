"""Moving a county's history from its SQLite file onto the city's server.

:func:`copy_history` copies every merged night of a :class:`~.sqlite.SqliteStore` into a
:class:`~.postgres.PostgresStore` (the county the latter was opened for): submissions, the
night's statuses, layouts, letters, rows (their JSON text as stored), findings, conflicts
and run, each night in one transaction; then the meta keys the server lacks (the
scheduler's last night, the report's cached totals). A night the server already has is
left as it is (the server's is the newer or the same), so running it again copies nothing
twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from .protocol import Store
from .records import (
    NIGHT_META_KINDS,
    Conflict,
    ConflictSource,
    FindingRecord,
    NightData,
    RowRecord,
    Submission,
    TownshipStatus,
)
from .sqlite import SqliteStore


@dataclass
class TransferSummary:
    """What :func:`copy_history` copied (ISO dates)."""

    copied: list[str] = field(default_factory=list)  # nights copied now
    skipped: list[str] = field(default_factory=list)  # nights the server already had
    submissions: int = 0
    rows: int = 0
    findings: int = 0
    conflicts: int = 0
    meta: int = 0  # meta keys copied

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def copy_history(source: SqliteStore, target: Store) -> TransferSummary:
    """Copy every night of ``source`` that ``target`` does not have yet (see the module
    docstring); returns what was copied."""
    summary = TransferSummary()
    have = set(target.nights())
    for night in source.nights():
        if night in have:
            summary.skipped.append(night.isoformat())
            continue
        with source.snapshot():
            data = _night(source, target, night)
        target.replace_night(data)
        summary.copied.append(night.isoformat())
        summary.submissions += len(data.submissions)
        summary.rows += target.row_count(night)
        summary.findings += len(data.findings)
        summary.conflicts += sum(len(k.sources) for k in data.conflicts)
    for key, value in source.conn.execute("SELECT key, value FROM meta ORDER BY key"):
        if key.startswith(NIGHT_META_KINDS):
            continue  # of the source's rows: the target's replace_night made its own
        if value is not None and target.get_meta(key) is None:
            target.set_meta(key, value)
            summary.meta += 1
    return summary


def _night(source: SqliteStore, target: Store, night: dt.date) -> NightData:
    """The night as ``source`` holds it, its submissions added to ``target`` (ids mapped)."""
    ids: dict[int | None, int | None] = {None: None}
    subs: list[Submission] = []
    for s in sorted(source.submissions(night), key=lambda s: s.id or 0):
        old = s.id
        copy = Submission(**{**asdict(s), "id": None})
        target.add_submission(copy)  # the same file again is the same submission
        ids[old] = copy.id
        subs.append(copy)
    day = night.isoformat()
    sheets = [r[0] for r in source.conn.execute(
        "SELECT sheet FROM layouts WHERE night = ? ORDER BY sheet", (day,))]
    letters: dict[tuple[int, str], dict[str, dict[str, str]]] = {}
    for sid, sheet in source.conn.execute(
            "SELECT l.submission_id, l.sheet FROM letters l JOIN submissions s "
            "ON s.id = l.submission_id WHERE s.night = ? ORDER BY l.submission_id, l.sheet",
            (day,)):
        letters[(ids.get(sid) or 0, sheet)] = source.letters(sid, sheet)
    rows = [RowRecord(r[0], ids.get(r[1]) or 0, r[2], r[3], r[4], r[5], source=r[6])
            for r in source.conn.execute(
                "SELECT township, submission_id, sheet, excel_row, status, data, source "
                "FROM rows WHERE night = ? ORDER BY id", (day,))]
    findings = [FindingRecord(**{**asdict(f), "submission_id": ids.get(f.submission_id) or 0})
                for f in source.findings(night)]
    conflicts = [Conflict(k.id_number, [
        ConflictSource(c.township, c.file, c.sheet, c.row, ids.get(c.submission_id))
        for c in k.sources]) for k in source.conflicts(night)]
    statuses = [TownshipStatus(**{**asdict(t), "submission_id": ids.get(t.submission_id)})
                for t in source.statuses(night)]
    return NightData(night=night, submissions=subs, statuses=statuses,
                     layouts={sheet: source.columns(night, sheet) for sheet in sheets},
                     letters=letters, rows=rows, findings=findings, conflicts=conflicts,
                     run=source.night_run(night))


__all__ = ["TransferSummary", "copy_history"]
