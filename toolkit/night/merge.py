"""The night's merge: archive every inbox file, check it, judge it, and write the night into
the history store (one transaction) and the county master workbook (written aside, then
replaced).

A township's status for the night follows its LATEST file (by arrival): accepted → 已报, or
迟报 when it arrived after the county's deadline; rejected (unreadable, structurally wrong,
not this county's, another day's) → 退回, the file quarantined with the reason. An earlier
file of the same township is replaced (kept in the archive and the store's history, not in
the master). Row-level problems never block: those rows are merged and marked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..check.isolate import Refused, map_bounded
from ..check.run import CheckResult, check_path, unreadable
from ..config.county import Config
from ..errors import JobFailed, UsageError, os_reason
from ..files import crash_point, sweep, sweep_temp_folders
from ..findings import ERROR, WARNING, Finding, json_value
from ..outputs.figures import NightFigures
from ..outputs.master import Rendered
from ..outputs.master_job import start_master
from ..read import ReadHints
from ..read.table import Register
from ..store import open_store
from ..store.maintenance import backup_after_night
from ..store.protocol import Store
from ..store.records import (
    LATE,
    MISSING,
    REJECTED,
    REPORTED,
    ROW_ERROR,
    ROW_OK,
    ROW_WARNING,
    STATUS_WORDS,
    Conflict,
    ConflictSource,
    FindingRecord,
    NightData,
    NightRun,
    RowRecord,
    Submission,
    TownshipStatus,
    status_sentence,
)
from .archive import ArchiveResult, archive_inbox, quarantine
from .history import Tonight, across_nights_in_worker, daily_figures, daily_key
from .locking import workspace_lock
from .spool import Spool, shared_strings, write_spool
from .unchanged import MERGE, fingerprint, forget, remember, unchanged

log = logging.getLogger("gridkit.history")


@dataclass
class MergeResult:
    date: dt.date
    townships: list[TownshipStatus]  # every expected township, config order
    conflicts: list[Conflict]
    master: Path | None
    master_fallback: str | None = None  # set when the master could not be replaced
    unattributed: list[TownshipStatus] = field(default_factory=list)  # rejected, no township
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, same as)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    left: list[tuple[str, str]] = field(default_factory=list)  # (file, why): the next run's
    inbox_empty: str | None = None  # the sentence when the inbox had no file to take
    rows: int = 0  # rows merged into the master
    # submission id -> its check result (register freed, ``file`` = the archived copy):
    # the nightly feedback annotates these instead of reading every file again
    checks: dict[int, CheckResult] = field(default_factory=dict)
    # the night's figures as the master shows them (the nightly report takes them)
    figures: NightFigures | None = None
    # the night's files and configuration are those of the last merge and its master is
    # as written then: nothing was redone (:mod:`.unchanged`)
    unchanged: bool = False

    @property
    def unchanged_sentence(self) -> str:
        return (f"{self.date:%Y-%m-%d} 的文件和配置与上次汇总时相同,全县汇总表也未改动:"
                "未重新汇总,结果同上次。")

    @property
    def complete(self) -> bool:
        """Every expected township merged on time without errors, no file rejected."""
        return (all(t.word == REPORTED for t in self.townships)
                and not self.unattributed)

    @property
    def status_sentence(self) -> str:
        counts = {w: sum(1 for t in self.townships if t.word == w) for w in STATUS_WORDS}
        on_time = sum(1 for t in self.townships if t.merged and not t.late)
        return status_sentence(len(self.townships), counts, on_time)

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "townships": [t.to_dict() for t in self.townships],
            "unattributed": [t.to_dict() for t in self.unattributed],
            "summary": self.status_sentence,
            "conflicts": [{"id_number": k.id_number,
                           "townships": [s.to_dict() for s in k.sources]}
                          for k in self.conflicts],
            "master": None if self.master is None else str(self.master),
            "inbox_empty": self.inbox_empty is not None,
            "unchanged": self.unchanged,
        }


@dataclass
class _Judged:
    """What reading one submission told us."""

    sub: Submission
    result: CheckResult | None = None
    sheets: dict[str, list[RowRecord]] = field(default_factory=dict)  # sheet -> its rows
    # sheet -> sheet name in the file -> column id -> letter
    letters: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    ids: list[tuple[str, int]] = field(default_factory=list)  # (ID number, Excel row)
    history: list[Finding] = field(default_factory=list)  # against its earlier nights
    history_failed: str | None = None  # why those could not be made (logged by the night)
    daily: dict[str, float] | None = None  # its figures followed across nights
    spool: Spool | None = None  # its rows, written to disk by its worker (then not in sheets)
    spool_failed: str | None = None  # why they could not be (a full disk): the night stops


def deadline_of(config: Config, night: dt.date) -> dt.datetime:
    return dt.datetime.combine(night, config.county.deadline)


def merge_night(config: Config, night: dt.date, *, inbox: Path | str | None = None,
                now: dt.datetime | None = None, redo: bool = False,
                backup: bool = True) -> MergeResult:
    """Merge the night's township files into the store and the county master. A night whose
    files, configuration and master are as at its last merge is not merged again
    (:attr:`MergeResult.unchanged`) unless ``redo``. A night merged is backed up after
    (:func:`back_up`) unless ``backup`` is false:
    the nightly backs it up beside the report instead."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    inbox_dir = Path(inbox) if inbox is not None else config.paths.inbox
    if not inbox_dir.is_dir():
        raise UsageError(f"收件箱文件夹 {inbox_dir} 不存在:请检查 --inbox 或配置中的 inbox 路径"
                         f"(可先运行 gridkit init 创建)。")
    with workspace_lock(config.paths.store):
        clean_leftovers(config, night)
        store = open_store(config)
        try:
            return _merge(config, night, store, inbox_dir, now, redo, backup)
        finally:
            store.close()


def clean_leftovers(config: Config, night: dt.date) -> list[Path]:
    """What a killed run left of its temporary files (the night's archive folder, the
    master's folder, reports/, outbox/, the master's folder in the system's temporary
    folder): removed before this run writes (under the lock)."""
    removed: list[Path] = sweep_temp_folders("master")
    for folder, deep in ((config.paths.archive / night.isoformat(), True),
                         (config.paths.master.parent, False), (config.paths.reports, False),
                         (config.paths.outbox, True)):
        removed += sweep(folder, recursive=deep)
    return removed


def _merge(config: Config, night: dt.date, store: Store, inbox: Path,
           now: dt.datetime, redo: bool, backup: bool) -> MergeResult:
    archived: ArchiveResult = archive_inbox(config, night, store, inbox, now)
    if not archived.received and not redo:
        done = unchanged(store, MERGE, night,
                         fingerprint(config, night, store, archived.recorded))
        if done is not None:
            return _as_before(config, night, store, archived, done[0])
    subs = store.submissions(night)
    folder = config.paths.archive / night.isoformat()  # the workers' rows, beside the copies
    if subs:
        folder.mkdir(parents=True, exist_ok=True)
    shared = shared_strings(config.county.township_names, [s.file_name for s in subs],
                            config.schema.sheets)
    try:
        judged = {s.id: j for s, j in
                  zip(subs, judge_all(config, night, subs, (folder, shared)), strict=True)}
        return _merged(config, night, store, archived, judged, shared, now, backup)
    finally:
        for leftover in folder.glob(".rows-*.tmp"):  # spools, and a killed worker's part
            leftover.unlink(missing_ok=True)


def _merged(config: Config, night: dt.date, store: Store, archived: ArchiveResult,
            judged: dict[int | None, _Judged], shared: dict[str, int],
            now: dt.datetime, backup: bool) -> MergeResult:
    archived.restamp([j.sub for j in judged.values()])  # the clerk's 送达时间.txt
    failed = next((j.spool_failed for j in judged.values() if j.spool_failed), None)
    if failed is not None:
        folder = config.paths.archive / night.isoformat()
        raise JobFailed(f"无法在 {folder} 写出汇总用的临时文件({failed}),这一次的汇总没有完成,"
                        "上一次的结果不变:请清理磁盘空间后重新运行。")
    current, rejected_latest = _choose(config, night, judged)
    for j in current.values():  # against the township's earlier nights (in the worker)
        if j.history_failed is not None:
            log.error("%s", j.history_failed)
        if j.result is not None:
            extra = j.history
            if extra:
                j.result.issues.extend(extra)
                j.sub.errors = j.result.errors
                j.sub.warnings = j.result.warnings
    statuses: list[TownshipStatus] = []
    deadline = deadline_of(config, night)
    for name in config.county.township_names:
        if name in current:
            j = current[name]
            s = j.sub
            s.status = LATE if s.arrived_at > deadline else REPORTED
            st = TownshipStatus(name, s.status, s.id, s.file_name, s.arrived_at, s.rows,
                                s.errors, s.warnings, None)
        elif name in rejected_latest:
            s = rejected_latest[name].sub
            st = TownshipStatus(name, REJECTED, s.id, s.file_name, s.arrived_at, 0, 0, 0,
                                s.reason)
        else:
            st = TownshipStatus(name, MISSING)
        statuses.append(st)
    unattributed: list[TownshipStatus] = []
    for j in judged.values():
        s = j.sub
        if not s.accepted:
            quarantine(config, s, s.reason or "")
            if s.township not in config.county.township_names:
                unattributed.append(TownshipStatus(s.township or "", REJECTED, s.id,
                                                   s.file_name, s.arrived_at,
                                                   reason=s.reason))
    chosen = [current[n] for n in config.county.township_names if n in current]
    conflicts = _conflicts(config, chosen)
    findings = [
        FindingRecord(j.sub.township, j.sub.id or 0, j.sub.file_name, f.sheet, f.row,
                      f.column, f.cell, f.rule, f.severity, f.message, json_value(f.value),
                      f.source_sheet)
        for j in chosen if j.result is not None for f in j.result.issues]
    schema = config.schema
    layouts = {spec.name: [c.id for c in spec.columns] for spec in schema.sheets}
    spools = [j.spool for j in chosen if j.spool is not None]
    data = NightData(
        night=night,
        submissions=[j.sub for j in judged.values()],
        statuses=statuses,
        layouts=layouts,
        letters={(j.sub.id or 0, sheet): m for j in chosen for sheet, m in j.letters.items()},
        rows=(r for s in spools for r in s.records()),
        findings=findings,
        conflicts=conflicts,
    )
    # the master's data sheets are written (beside this process) while the night is stored
    rendered = Rendered(lambda sheet: (r for s in spools for r in s.drawn(sheet)),
                        list(shared), sum(s.shared_refs for s in spools))
    counts = {spec.name: sum(s.counts.get(spec.name, 0) for s in spools)
              for spec in schema.sheets}
    job = start_master(config, night, rendered, counts, layouts, conflicts,
                       background=config.limits.isolated)
    try:
        store.replace_night(data)
        for j in chosen:  # the figures tonight's jumps are judged on, for the nights to come
            if j.daily is not None and j.sub.township:
                store.set_meta(daily_key(night, j.sub.township), json.dumps(j.daily))
        merged = sum(s.rows for s in spools)
        checks = {sid: j.result for sid, j in judged.items()
                  if sid is not None and j.result is not None}
        del data, current, judged
        crash_point("after-store")
        master, stored = job.finish(store)
    finally:
        job.cancel()
    note = None
    if master != config.paths.master:
        note = (f"全县汇总表 {config.paths.master.name} 无法替换(可能正在 Excel 中打开),"
                f"本次结果已另存为 {master.name};请关闭原文件后重新运行汇总。")
    store.record_run(NightRun(night, now, str(master), note))
    store.set_meta("last_merged_night", night.isoformat())
    if note is None:
        remember(store, MERGE, night, fingerprint(config, night, store, archived.recorded),
                 [master])
    else:
        forget(store, MERGE, night)
    if backup:
        back_up(store, config, night, now)
    return MergeResult(date=night, townships=statuses, conflicts=conflicts, master=master,
                       master_fallback=note, unattributed=unattributed,
                       duplicates=archived.duplicates, skipped=archived.skipped,
                       left=archived.left, inbox_empty=archived.empty_inbox, rows=merged,
                       checks=checks, figures=stored.figures)


def back_up(store: Store, config: Config, night: dt.date, now: dt.datetime | None) -> None:
    """The store backed up after ``night`` was merged (SQLite only: a server is the city's
    to back up); a backup that fails forgets the merge, so the next run merges the night
    again and backs it up."""
    try:
        backup_after_night(store, config, now)
    except Exception:
        forget(store, MERGE, night)
        raise


def _as_before(config: Config, night: dt.date, store: Store, archived: ArchiveResult,
               master: Path) -> MergeResult:
    """The result of the night's last merge, read back from the store (nothing redone)."""
    with store.snapshot():
        statuses = store.statuses(night)
        by_name = {s.township: s for s in statuses}
        names = config.county.township_names
        townships = [by_name.get(n) or TownshipStatus(n, MISSING) for n in names]
        unattributed = [TownshipStatus(s.township or "", REJECTED, s.id, s.file_name,
                                       s.arrived_at, reason=s.reason)
                        for s in store.submissions(night)
                        if not s.accepted and s.township not in names]
        conflicts = store.conflicts(night)
        rows = store.row_count(night)
    return MergeResult(date=night, townships=townships, conflicts=conflicts, master=master,
                       unattributed=unattributed, duplicates=archived.duplicates,
                       skipped=archived.skipped, left=archived.left,
                       inbox_empty=archived.empty_inbox, rows=rows, unchanged=True)


# --- reading and judging one file --------------------------------------------------------

def check_submission(sub: Submission, config: Config) -> CheckResult:
    """Check the archived copy of a submission under the name it was sent with (the reader
    takes township and date from that name when the file does not say them), for its
    night."""
    return check_path(sub.archive_path, config, file_name=sub.file_name,
                      hints=ReadHints(report_date=sub.night))


def judge_all(config: Config, night: dt.date, subs: list[Submission],
              spool: tuple[Path, dict[str, int]]) -> list[_Judged]:
    """Every submission read, checked and judged: each file in its own bounded worker
    (:mod:`toolkit.check.isolate`), several at once; a file whose worker did not finish is
    that township's 退回 with the sentence why. Accepted rows are spooled to
    ``spool`` = (folder, the night's shared strings) by the worker."""
    if not config.limits.isolated:
        return [judge(config, night, sub, spool) for sub in subs]
    done = map_bounded(judge, [(sub.file_name, (config, night, sub, spool)) for sub in subs],
                       config.limits)
    out: list[_Judged] = []
    for sub, j in zip(subs, done, strict=True):
        if isinstance(j, Refused):
            sub.status, sub.reason = REJECTED, j.message.split("\n", 1)[0]
            sub.accepted = sub.replaced = False
            j = _Judged(sub, unreadable(sub.archive_path, sub.reason))
        out.append(j)
    return out


def judge(config: Config, night: dt.date, sub: Submission,
          spool: tuple[Path, dict[str, int]]) -> _Judged:
    """Read and check one submission's archived copy and judge it for ``night``: accepted
    (its rows spooled as the store and the master take them, and the checks against the
    township's earlier nights in the store) or rejected with the reason."""
    j = _Judged(sub)
    _read(config, night, j)
    if sub.accepted and sub.township:  # where the rows are: in the file's own worker
        today = Tonight(sub.township, sub.sha256, j.sheets, j.letters)
        today.daily = j.daily = daily_figures(config, night, today)  # kept, and judged on
        j.history, j.history_failed = across_nights_in_worker(config, night, today)
        folder, shared = spool
        try:
            j.spool = write_spool(folder, sub.township, sub.id or 0, sub.file_name, j.sheets,
                                  config.schema.sheets, shared)
        except OSError as exc:  # not the township's fault: the night's, said once
            j.spool_failed = os_reason(exc)
        j.sheets = {}
    return j


def _read(config: Config, night: dt.date, j: _Judged) -> None:
    sub = j.sub
    county = config.county
    result = check_submission(sub, config)
    j.result = result
    reg = result.register
    sub.accepted, sub.replaced, sub.reason = False, False, None
    if result.status == "unreadable" or reg is None:
        sub.status, sub.reason = REJECTED, result.error or "文件无法读取,请重新报送。"
        if result.named_township in county.township_names:
            sub.township = result.named_township  # its 退回, never 未报
        return
    if reg.township:
        sub.township = reg.township
    if not reg.township:
        sub.status = REJECTED
        sub.reason = ("无法确定这是哪个乡镇的报表:请在“填报信息”表的“填报单位”中填写乡镇全称,"
                      "或在文件名中写明乡镇,然后重新报送。")
        return
    if reg.township not in county.township_names:
        sub.status = REJECTED
        sub.reason = (f"填报单位“{reg.township}”不是{county.name}的乡镇,这不是本县的报表:"
                      "请核对后由本乡镇重新报送。")
        return
    if reg.report_date is not None and reg.report_date != night:
        sub.status = REJECTED
        sub.reason = (f"这是{reg.report_date.month}月{reg.report_date.day}日的报表,"
                      f"不是{night.month}月{night.day}日的:请报送当天的登记表。")
        return
    sub.accepted = True
    sub.rows = reg.row_count
    sub.errors = sum(1 for f in result.issues if f.severity == ERROR)
    sub.warnings = sum(1 for f in result.issues if f.severity == WARNING)
    _payload(config, j, reg)
    result.register = None  # rows are in the payload now: free the register's columns


def _payload(config: Config, j: _Judged, reg: Register) -> None:
    assert j.result is not None and j.sub.id is not None
    j.sheets, j.letters, j.ids = register_rows(config, reg, j.result.issues,
                                               j.sub.township or "", j.sub.id)


def register_rows(config: Config, reg: Register, issues: list[Finding], township: str,
                  sub_id: int) -> tuple[dict[str, list[RowRecord]],
                                        dict[str, dict[str, dict[str, str]]],
                                        list[tuple[str, int]]]:
    """The register's rows as value tuples in the schema's column order, each with its
    check status (the store encodes them once; the master is written from them), by sheet;
    the letters of each sheet's columns (sheet -> sheet name in the file -> column id ->
    letter); the ID numbers of 排查登记 with their Excel rows, for the cross-township
    check."""
    sheets: dict[str, list[RowRecord]] = {}
    letters: dict[str, dict[str, dict[str, str]]] = {}
    ids: list[tuple[str, int]] = []
    worst: dict[tuple[str | None, str | None, int | None], str] = {}
    for f in issues:
        key = (f.sheet, f.source_sheet, f.row)
        if f.severity == ERROR:
            worst[key] = ROW_ERROR
        elif worst.get(key) != ROW_ERROR:
            worst[key] = ROW_WARNING
    screening = config.schema.sheet_by_id("screening")
    id_column = next((c.name for c in screening.columns if c.id == "id_number"), None)
    for spec in config.schema.sheets:
        sheet = reg.sheet(spec.name)
        if sheet is None or not sheet.rows:
            continue
        by_name = {c.name: c.id for c in spec.columns}
        letters[spec.name] = {source: {by_name[n]: letter for n, letter in m.items()
                                       if n in by_name}
                              for source, m in sheet.letters().items()}
        cols = [sheet.values(c.name) for c in spec.columns]
        name = spec.name
        if not sheet.segments:
            source = sheet.source_name
            sheets[name] = [
                RowRecord(township, sub_id, name, excel_row,
                          worst.get((name, source, excel_row), ROW_OK), values=values,
                          source=source)
                for excel_row, values in zip(sheet.rows, zip(*cols, strict=True),
                                             strict=True)]
        else:
            sheets[name] = [
                RowRecord(township, sub_id, name, excel_row,
                          worst.get((name, (source := sheet.source_of(i)), excel_row), ROW_OK),
                          values=values, source=source)
                for i, (excel_row, values) in enumerate(zip(sheet.rows, zip(*cols, strict=True),
                                                            strict=True))]
        if spec.name == screening.name and id_column:
            ids = [(v, r) for v, r in zip(sheet.values(id_column), sheet.rows, strict=True)
                   if isinstance(v, str) and v]
    return sheets, letters, ids


def _choose(config: Config, night: dt.date, judged: dict[int | None, _Judged]
            ) -> tuple[dict[str, _Judged], dict[str, _Judged]]:
    """Per township: its current accepted file, or its latest file when that was rejected.
    Earlier files of a township are marked replaced."""
    by_town: dict[str, list[_Judged]] = {}
    for j in judged.values():
        if j.sub.township in config.county.township_names:
            by_town.setdefault(j.sub.township or "", []).append(j)
    current: dict[str, _Judged] = {}
    rejected: dict[str, _Judged] = {}
    for town, items in by_town.items():
        items.sort(key=lambda j: (j.sub.arrived_at, j.sub.id or 0))
        latest = items[-1]
        for j in items[:-1]:
            if j.sub.accepted:
                j.sub.replaced = True
                j.sub.reason = f"已被后报的文件“{latest.sub.file_name}”替换。"
            j.sheets, j.ids = {}, []
            if j.spool is not None:
                j.spool.remove()
                j.spool = None
        if latest.sub.accepted:
            current[town] = latest
        else:
            rejected[town] = latest
    return current, rejected


def _conflicts(config: Config, chosen: list[_Judged]) -> list[Conflict]:
    """The same ID number in the 排查登记 of two or more townships."""
    sheet = config.schema.sheet_by_id("screening").name
    first: dict[str, str] = {}  # ID number -> the first township registering it
    shared: set[str] = set()  # ID numbers registered by two or more townships
    for j in chosen:
        town = j.sub.township or ""
        for id_number, _row in j.ids:
            if first.setdefault(id_number, town) != town:
                shared.add(id_number)
    del first
    # sources only for the few shared IDs (not one object per screened person)
    seen: dict[str, list[ConflictSource]] = {}
    for j in chosen:
        town = j.sub.township or ""
        for id_number, row in j.ids:
            if id_number in shared:
                seen.setdefault(id_number, []).append(
                    ConflictSource(town, j.sub.file_name, sheet, row, j.sub.id))
    return [Conflict(k, v) for k, v in seen.items()]
