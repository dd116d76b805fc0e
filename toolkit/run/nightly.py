"""``gridkit nightly``: the unit of work of a night — merge, then report, then feedback.

1. merge (:func:`toolkit.night.merge.merge_night`): archive, check, judge, store, master;
2. report (:func:`toolkit.outputs.report.build_report`): the 日报 workbook and briefings,
   while the store is backed up beside it (:func:`toolkit.store.maintenance.backup_beside`);
3. feedback (:mod:`toolkit.outputs.feedback`): every township's annotated copy and note.

Everything is logged to ``<logs>/gridkit.log`` and the console. The exit code is the
merge's (0 every township reported on time, 1 otherwise); a report or feedback step that
fails is logged and also makes it 1. The whole night holds the workspace lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.county import Config
from ..errors import GridkitError
from ..night.locking import workspace_lock
from ..night.merge import MergeResult, back_up, merge_night
from ..night.unchanged import OUTPUTS, fingerprint, forget, remember, templates_state, unchanged
from ..outputs.feedback import Feedback, Progress, write_feedback
from ..outputs.report import ReportResult, build_report
from ..outputs.report.data import HISTORY_NIGHTS
from ..outputs.templating import templates_dir
from ..store import Store, open_store
from ..store.maintenance import backup_beside
from .joblog import job_logging

log = logging.getLogger("gridkit.nightly")



@dataclass
class NightlyResult:
    night: dt.date
    merge: MergeResult
    report: ReportResult | None
    feedback: list[Feedback]
    log_file: Path
    failures: list[str] = field(default_factory=list)  # steps that failed, one sentence each
    # nothing the night depends on changed since its last run: nothing was redone, the
    # outputs listed are those of that run
    unchanged: list[Path] | None = None

    @property
    def unchanged_sentence(self) -> str:
        return (f"{self.night:%Y-%m-%d} 的文件、配置和模板与上次夜间任务时相同,汇总表、日报和反馈"
                "也未改动:未重做,结果同上次。")

    @property
    def exit_code(self) -> int:
        return max(self.merge.exit_code, 1 if self.failures else 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.night.isoformat(),
            "merge": self.merge.to_dict(),
            "report": None if self.report is None else {
                "workbook": str(self.report.workbook),
                "briefing_text": str(self.report.briefing_text),
                "briefing_html": str(self.report.briefing_html)},
            "feedback": [f.to_dict() for f in self.feedback],
            "log": str(self.log_file),
            "failures": self.failures,
            "unchanged": self.unchanged is not None,
            "exit_code": self.exit_code,
        }


# ---------------------------------------------------------------- the night
def run_nightly(config: Config, night: dt.date, *, now: dt.datetime | None = None,
                progress: Progress | None = None, console: bool = True,
                redo: bool = False) -> NightlyResult:
    """Merge, report and feedback for one night (see the module docstring)."""
    step = progress or (lambda _s, _d, _t: None)
    failures: list[str] = []
    with job_logging(config, console=console) as log_file, workspace_lock(config.paths.store):
        log.info("夜间任务开始:%s。", night)
        step("汇总", 0, 1)
        merge = merge_night(config, night, now=now, redo=redo, backup=False)
        files = sum(1 for t in merge.townships if t.file) + len(merge.unattributed)
        step(f"汇总 {files} 个文件、{merge.rows} 行", 1, 1)
        _log_merge(merge)
        report = None
        with contextlib.ExitStack() as stack:
            # the night merged is backed up while the report is written
            wait = (lambda: None) if merge.unchanged else stack.enter_context(
                backup_beside(config, lambda s: back_up(s, config, night, now)))
            store = stack.enter_context(contextlib.closing(open_store(config)))
            print_ = _outputs_print(config, night, store)
            done = unchanged(store, OUTPUTS, night, print_) if merge.unchanged else None
            if done is not None:
                result = NightlyResult(night, merge, None, [], log_file, unchanged=done)
                log.info(result.unchanged_sentence)
                log.info("夜间任务结束:%s,退出码 %d。", night, result.exit_code)
                return result
            forget(store, OUTPUTS, night)
            step("日报", 0, 1)
            try:
                report = build_report(config, night, store=store, now=now,
                                      figures=merge.figures)
                log.info("日报已生成:%s", report.workbook)
            except GridkitError as exc:
                failures.append(f"日报未生成:{exc.message}")
                log.error("日报未生成:%s", exc.message)
            wait()  # the backup done (or its failure raised) before the feedback
            step("日报", 1, 1)
            feedback = write_feedback(config, night, store, step, failures,
                                      checks=merge.checks)
            if report is not None and not failures:
                written = [*report.paths, *(f.note for f in feedback),
                           *(f.annotated for f in feedback if f.annotated)]
                remember(store, OUTPUTS, night, print_, written)
        log.info("反馈文件已写入 %s(%d 个乡镇)。", config.paths.outbox, len(feedback))
        result = NightlyResult(night, merge, report, feedback, log_file, failures)
        log.info("夜间任务结束:%s,退出码 %d。", night, result.exit_code)
    return result


def _outputs_print(config: Config, night: dt.date, store: Store) -> str:
    """What the report and the feedback of ``night`` depend on besides the merge: the
    county's templates and the runs of the nights the report compares and charts."""
    runs = []
    for d in store.nights():
        if night - dt.timedelta(days=HISTORY_NIGHTS) <= d <= night:
            run = store.night_run(d)
            runs.append((d, run.completed_at if run else None))
    return fingerprint(config, night, store, templates_state(templates_dir(config)), runs)


def _log_merge(merge: MergeResult) -> None:
    if merge.inbox_empty:
        log.warning("  %s", merge.inbox_empty)
    for t in merge.townships:
        extra = f",{t.note}" if t.note else ""
        log.info("  %s:%s %s 行 %d,错误 %d,警告 %d%s", t.township, t.word, t.file or "",
                 t.rows, t.errors, t.warnings, extra)
    for t in merge.unattributed:
        log.warning("  无法归属的文件 %s 被退回:%s", t.file, t.reason)
    for file, same in merge.duplicates:
        log.info("  %s 与 %s 内容相同,只汇总一次。", file, same)
    for file, why in merge.skipped:
        log.info("  跳过 %s:%s。", file, why)
    for file, why in merge.left:
        log.warning("  暂不汇总 %s:%s。", file, why)
    if merge.conflicts:
        log.warning("  跨乡镇重复登记的身份证号 %d 个。", len(merge.conflicts))
    if merge.master_fallback:
        log.warning("  %s", merge.master_fallback)
    log.info("汇总完成:合并 %d 行,全县汇总表 %s。", merge.rows, merge.master)
