"""What every township gets back each night, into ``outbox/<township>/``: the annotated copy
of its current file when it has problems (or of its rejected file when it can be read),
named ``…_检查结果.xlsx`` — every problem cell marked, with the 检查结果 sheet — and the note
``反馈说明_YYYYMMDD.txt``: its status in the county's one status model, every problem of its
file (sheet, row, whose row, field, what to change), the people another township registered
too (its own row, the other township named), when to resend and whom to call. A township
that sent nothing gets a note too.

The note's words are the editable template ``feedback.txt.j2`` (looked up like the
briefing's); :class:`FeedbackContent` is what it sees. The note holds the township's own data
in full (it is its own register); nothing of another township's rows is in it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..annotate.copy import write_annotated
from ..check.isolate import Refused, map_bounded
from ..check.run import CheckResult, check_path
from ..config.county import Config
from ..errors import GridkitError, os_reason
from ..files import crash_point, write_text
from ..findings import SEVERITY_TEXT, display_value
from ..read import ReadHints
from ..store import (
    MISSING,
    REJECTED,
    Conflict,
    FindingRecord,
    Store,
    Submission,
    TownshipStatus,
    open_store,
)
from .templating import load, make_environment, render
from .wording import fullwidth

log = logging.getLogger("gridkit.feedback")

NOTE_NAME = "反馈说明_{night:%Y%m%d}.txt"
TEMPLATE = "feedback.txt.j2"
# progress(step, done, total): step is a Chinese label; total 0 when unknown
Progress = Callable[[str, int, int], None]


@dataclass
class Feedback:
    township: str
    status: str  # the status word (TownshipStatus.word)
    note: Path
    annotated: Path | None = None
    problem: str | None = None  # why the annotated copy could not be written
    problems: int = 0  # problems listed in the note

    def to_dict(self) -> dict[str, Any]:
        return {"township": self.township, "status": self.status, "note": str(self.note),
                "annotated": None if self.annotated is None else str(self.annotated),
                "problem": self.problem, "problems": self.problems}


@dataclass
class FeedbackItem:
    """One problem of the township's file, as its note lists it."""

    severity: str  # 错误 / 警告
    sheet: str  # the sheet's name in the file ("" for the file as a whole)
    row: int | None
    cell: str | None
    who: str  # whose row: 姓名：张三 ("" when the row names nobody)
    field: str  # the column's name ("" for a whole row or sheet)
    message: str
    value: str  # as the clerk sees it in Excel


@dataclass
class SharedPerson:
    """A person the township registered whom another township registered too."""

    id_number: str
    who: str  # 张三 (from the township's own row)
    rows: list[str]  # 排查登记第15行
    others: list[str]  # the other townships


@dataclass
class FeedbackContent:
    """Everything a township's note says (the template's variables)."""

    county: str
    office: str
    contact: str
    township: str
    night: dt.date
    status: str  # 已报 / 迟报 / 有错待改 / 退回 / 未报
    note: str  # the 说明 beside the status
    late: bool
    file: str | None
    arrived_at: dt.datetime | None
    rows: int
    errors: int
    warnings: int
    reason: str  # why the file was 退回
    deadline: dt.time  # the evening's deadline
    nightly_at: dt.time
    resubmit_by: dt.datetime
    items: list[FeedbackItem] = field(default_factory=list)
    shared: list[SharedPerson] = field(default_factory=list)
    annotated: str | None = None  # the annotated copy's file name
    copy_problem: str | None = None


def feedback_for_night(config: Config, night: dt.date) -> list[Feedback]:
    """Every township's feedback for ``night`` written again from the store, apart from a
    nightly run (the 生成反馈 button). A copy that could not be written is in its
    :attr:`Feedback.problem`."""
    store = open_store(config)
    try:
        return write_feedback(config, night, store, lambda _s, _d, _t: None, [])
    finally:
        store.close()


def write_feedback(config: Config, night: dt.date, store: Store, step: Progress,
                   failures: list[str], *, checks: Mapping[int, CheckResult] | None = None
                   ) -> list[Feedback]:
    """The annotated copy and the note of every township, into ``outbox/<township>/``.
    ``checks`` are the merge's check results by submission id; a submission without one
    (feedback written apart from a merge) is checked again from the archive. The template
    is loaded first: a broken one stops before anything is written."""
    env = make_environment(config)
    load(env, TEMPLATE)
    names = config.county.township_names
    with store.snapshot():
        statuses = {s.township: s for s in store.statuses(night)}
        submissions = {s.id: s for s in store.submissions(night)}
        conflicts = store.conflicts(night)
        findings = store.findings(night)
        people = {name: _RowNames(config, store, night, name,
                                  [f for f in findings if f.township == name], conflicts)
                  for name in names}
    out: list[Feedback] = []
    step("反馈", 0, len(names))
    copies = _annotated_copies(config, night, statuses, submissions, checks or {})
    for i, name in enumerate(names):
        step("反馈", i, len(names))
        status = statuses.get(name) or TownshipStatus(name, MISSING)
        folder = config.paths.outbox / name
        folder.mkdir(parents=True, exist_ok=True)
        fb = Feedback(name, status.word, folder / NOTE_NAME.format(night=night))
        if name in copies:
            fb.annotated, fb.problem, failed = copies[name]
            if failed:
                failures.append(f"{name} 的反馈文件未写出:{fb.problem}")
                log.error("%s 的反馈文件未写出:%s", name, fb.problem)
        mine = [f for f in findings if f.township == name
                and status.merged and f.submission_id == status.submission_id]
        content = feedback_content(config, night, status, mine, people[name], conflicts, fb)
        fb.problems = len(content.items)
        write_text(fb.note, render_note(env, content), bom=True, crlf=True)
        crash_point("feedback-one-written")
        out.append(fb)
    step("反馈", len(names), len(names))
    return out


def render_note(env: Any, content: FeedbackContent) -> str:
    text = render(env, TEMPLATE, {"c": content, **vars(content)})
    return fullwidth(text)


def feedback_content(config: Config, night: dt.date, status: TownshipStatus,
                     findings: list[FindingRecord], people: _RowNames,
                     conflicts: list[Conflict], fb: Feedback) -> FeedbackContent:
    """What ``status.township``'s note says, from its stored findings and rows."""
    county = config.county
    items = [FeedbackItem(
        severity=SEVERITY_TEXT.get(f.severity, f.severity),
        sheet=f.source_sheet or f.sheet or "", row=f.row, cell=f.cell,
        who=people.who(f.sheet, f.source_sheet, f.row), field=f.column or "",
        message=f.message, value=display_value(f.value)) for f in findings]
    items.sort(key=lambda x: (x.severity != SEVERITY_TEXT["error"], x.sheet, x.row or 0))
    shared = []
    for c in conflicts:
        own = [s for s in c.sources if s.township == status.township]
        if not own:
            continue
        others = [t for t in c.townships if t != status.township]
        rows = [f"{people.sheet_of(c.id_number) or s.sheet}第{s.row}行" for s in own]
        shared.append(SharedPerson(c.id_number, people.person(c.id_number), rows, others))
    return FeedbackContent(
        county=county.name, office=county.office, contact=county.contact,
        township=status.township, night=night, status=status.word, note=status.note,
        late=status.late, file=status.file, arrived_at=status.arrived_at, rows=status.rows,
        errors=status.errors, warnings=status.warnings,
        reason=(status.reason or "") if status.status == REJECTED else "",
        deadline=county.deadline, nightly_at=county.nightly_at,
        resubmit_by=county.resubmit_deadline(night), items=items, shared=shared,
        annotated=fb.annotated.name if fb.annotated else None, copy_problem=fb.problem)


class _RowNames:
    """Whose row a finding is on (姓名：张三), and the township's own name and sheet for
    each ID number it shares with another township, read from its stored rows."""

    def __init__(self, config: Config, store: Store, night: dt.date, township: str,
                 findings: list[FindingRecord], conflicts: list[Conflict]) -> None:
        self.names: dict[tuple[str, str, int], str] = {}
        self.people: dict[str, tuple[str, str]] = {}  # ID number -> (name, source sheet)
        wanted = {(f.sheet, f.row) for f in findings if f.sheet and f.row}
        shared = {c.id_number for c in conflicts
                  if any(s.township == township for s in c.sources)}
        # the township's own rows of its shared ID numbers: only these rows are read
        wanted |= {(s.sheet, s.row) for c in conflicts for s in c.sources
                   if s.township == township}
        schema = config.schema
        for spec in schema.sheets:
            rows = {r for s, r in wanted if s == spec.name}
            is_screening = spec.id == "screening"
            if not rows:
                continue
            named = next((c for c in spec.columns if c.type == "name"), None)
            ids = next((c for c in spec.columns if c.type == "id-number"), None)
            if named is None:
                continue
            layout = store.columns(night, spec.name)
            if named.id not in layout:
                continue
            at = layout.index(named.id)
            id_at = layout.index(ids.id) if ids is not None and ids.id in layout else None
            for row in store.rows(night, spec.name, township, excel_rows=rows):
                value = row.values[at] if at < len(row.values) else None
                name = display_value(value)
                if row.excel_row in rows and name:
                    self.names[(spec.name, row.source or spec.name, row.excel_row)] = \
                        f"{named.name}：{name}"
                if is_screening and id_at is not None and id_at < len(row.values):
                    number = str(row.values[id_at] or "")
                    if number in shared:
                        self.people.setdefault(number, (name, row.source or spec.name))

    def who(self, sheet: str | None, source: str | None, row: int | None) -> str:
        if not sheet or not row:
            return ""
        return self.names.get((sheet, source or sheet, row), "")

    def person(self, id_number: str) -> str:
        return self.people.get(id_number, ("", ""))[0]

    def sheet_of(self, id_number: str) -> str:
        return self.people.get(id_number, ("", ""))[1]


def _needs_copy(status: TownshipStatus) -> bool:
    """A file with nothing to fix needs no annotated copy: its note says so."""
    return status.status == REJECTED or bool(status.errors or status.warnings)


# a township's annotated copy: (the copy, the sentence why there is none, a failure)
CopyOutcome = tuple[Path | None, str | None, bool]


def _annotated_copies(config: Config, night: dt.date, statuses: dict[str, TownshipStatus],
                      submissions: dict[int | None, Submission],
                      checks: Mapping[int, CheckResult]) -> dict[str, CopyOutcome]:
    """Every township's annotated copy that is needed, each written in its own bounded
    worker, several at once (the copies of a county night decode 60 MB of sheet XML: in
    workers they use every core and the night's own process does not grow)."""
    jobs: list[tuple[str, tuple[Any, ...]]] = []
    towns: list[str] = []
    for name, status in statuses.items():
        sub = submissions.get(status.submission_id) if status.submission_id else None
        if sub is None or not _needs_copy(status) or name not in config.county.township_names:
            continue
        folder = config.paths.outbox / name
        folder.mkdir(parents=True, exist_ok=True)
        jobs.append((sub.file_name, (config, sub, folder, checks.get(sub.id or 0))))
        towns.append(name)
    if config.limits.isolated:
        done: list[Any] = map_bounded(_copy_outcome, jobs, config.limits)
    else:
        done = [_copy_outcome(*args) for _, args in jobs]
    out: dict[str, CopyOutcome] = {}
    for name, outcome in zip(towns, done, strict=True):
        if isinstance(outcome, Refused):
            outcome = (None, f"无法写出标注副本:{outcome.message.split(chr(10), 1)[0]}", True)
        out[name] = outcome
    return out


def _copy_outcome(config: Config, sub: Submission, folder: Path,
                  result: CheckResult | None) -> CopyOutcome:
    try:
        return _annotated_copy(config, sub, folder, result), None, False
    except GridkitError as exc:
        return None, exc.message, False
    except OSError as exc:
        return None, f"无法写出标注副本:{os_reason(exc)}", True


def _annotated_copy(config: Config, sub: Submission, folder: Path,
                    result: CheckResult | None) -> Path | None:
    """The annotated copy (the township's own data, so not masked) of the archived file,
    named after the file it sent, into ``folder``."""
    if result is None:
        result = check_path(sub.archive_path, config, file_name=sub.file_name,
                            hints=ReadHints(report_date=sub.night))
    if result.status == "unreadable":
        return None
    return write_annotated(result, folder, name=sub.file_name)
