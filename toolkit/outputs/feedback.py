"""What every township gets back each night, into ``outbox/<township>/``: the annotated copy
of its current file when it has problems (or of its rejected file when it can be read) —
every problem cell marked, with the 检查结果 sheet — and a short note
``反馈说明_YYYYMMDD.txt`` (status, counts, what to do; personal data masked). A township that
sent nothing gets a note too."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..annotate.copy import write_annotated
from ..check.run import CheckResult, check_path
from ..config.county import Config
from ..errors import GridkitError, os_reason
from ..files import crash_point, write_text
from ..read import ReadHints
from ..store import LATE, MISSING, REJECTED, Store, Submission, TownshipStatus, open_store
from .privacy import mask_text

log = logging.getLogger("gridkit.feedback")

NOTE_NAME = "反馈说明_{night:%Y%m%d}.txt"
# progress(step, done, total): step is a Chinese label; total 0 when unknown
Progress = Callable[[str, int, int], None]


@dataclass
class Feedback:
    township: str
    status: str
    note: Path
    annotated: Path | None = None
    problem: str | None = None  # why the annotated copy could not be written

    def to_dict(self) -> dict[str, Any]:
        return {"township": self.township, "status": self.status, "note": str(self.note),
                "annotated": None if self.annotated is None else str(self.annotated),
                "problem": self.problem}


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
    (feedback written apart from a merge) is checked again from the archive."""
    with store.snapshot():
        statuses = {s.township: s for s in store.statuses(night)}
        submissions = {s.id: s for s in store.submissions(night)}
        conflicts = store.conflicts(night)
    names = config.county.township_names
    out: list[Feedback] = []
    for i, name in enumerate(names):
        step("反馈", i, len(names))
        status = statuses.get(name)
        sub = submissions.get(status.submission_id) if status else None
        folder = config.paths.outbox / name
        folder.mkdir(parents=True, exist_ok=True)
        fb = Feedback(name, status.status if status else MISSING,
                      folder / NOTE_NAME.format(night=night))
        if sub is not None and _needs_copy(status):
            try:
                fb.annotated = _annotated_copy(config, sub, folder,
                                               (checks or {}).get(sub.id or 0))
            except GridkitError as exc:
                fb.problem = exc.message
            except OSError as exc:
                fb.problem = f"无法写出标注副本:{os_reason(exc)}"
                failures.append(f"{name} 的反馈文件未写出:{fb.problem}")
                log.error("%s 的反馈文件未写出:%s", name, fb.problem)
        mine = [c for c in conflicts if name in c.townships]
        write_text(fb.note, feedback_note(config, night, name, status, sub, fb, mine),
                   bom=True, crlf=True)
        crash_point("feedback-one-written")
        out.append(fb)
    step("反馈", len(names), len(names))
    return out


def _needs_copy(status: TownshipStatus | None) -> bool:
    """A file with nothing to fix needs no annotated copy: its note says so."""
    if status is None:
        return False
    return status.status == REJECTED or bool(status.errors or status.warnings)


def _annotated_copy(config: Config, sub: Submission, folder: Path,
                    result: CheckResult | None) -> Path | None:
    """The annotated copy (the township's own data, so not masked) of the archived file,
    named as it was sent, into ``folder``."""
    if result is None:
        result = check_path(sub.archive_path, config, file_name=sub.file_name,
                            hints=ReadHints(report_date=sub.night))
    if result.status == "unreadable":
        return None
    return write_annotated(result, folder, name=sub.file_name)


def feedback_note(config: Config, night: dt.date, township: str,
                  status: TownshipStatus | None, sub: Submission | None, fb: Feedback,
                  conflicts: list[Any]) -> str:
    """The short 反馈说明 a township receives with its annotated copy (masked)."""
    county = config.county
    day = f"{night.month}月{night.day}日"
    lines = [f"{township}:{day}网格化管理登记表反馈说明", ""]
    state = status.status if status else MISSING
    if state == MISSING:
        lines.append(f"截至汇总时({county.nightly_at:%H:%M})未收到贵乡镇{day}的登记表,"
                     f"请尽快报送(每天 {county.deadline:%H:%M} 前)。")
    elif state == REJECTED:
        reason = (status.reason if status else None) or (sub.reason if sub else "") or ""
        lines.append(f"贵乡镇报送的文件“{status.file if status else ''}”被退回,未纳入汇总:{reason}")
        lines.append("请按上述说明改正后重新报送。")
    else:
        when = f"{status.arrived_at:%H:%M}" if status and status.arrived_at else ""
        late = f"(晚于截止时间 {county.deadline:%H:%M},记为迟报)" if state == LATE else ""
        lines.append(f"已收到贵乡镇的文件“{status.file if status else ''}”,送达时间 {when}"
                     f"{late},已纳入全县汇总,共 {status.rows if status else 0} 行。")
        errors, warnings = (status.errors, status.warnings) if status else (0, 0)
        if errors or warnings:
            lines.append(f"检查发现错误 {errors} 个、警告 {warnings} 个。")
        else:
            lines.append("检查未发现问题,谢谢。")
    if fb.annotated is not None:
        lines.append(f"标注副本:{fb.annotated.name}。打开后先看“检查结果”表,点击链接可跳到"
                     f"问题单元格;红色为错误(必须改正),黄色为警告(请核实)。改正后请在原表上"
                     f"修改并重新报送。")
    elif fb.problem:
        lines.append(f"未能生成标注副本:{fb.problem}")
    if conflicts:
        lines.append("")
        lines.append("以下身份证号同时被其他乡镇登记,请核实是否为同一人、由哪个乡镇负责:")
        for c in conflicts[:50]:
            others = "、".join(t for t in c.townships if t != township)
            lines.append(f"  {mask_text(c.id_number)}(另见:{others})")
        if len(conflicts) > 50:
            lines.append(f"  ……共 {len(conflicts)} 个")
    lines += ["", county.office, f"{night:%Y-%m-%d}"]
    return mask_text("\n".join(lines)) + "\n"

