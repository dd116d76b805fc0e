"""``gridkit schedule``: run the nightly job every day at ``county.nightly_at``, in the
foreground, with the ``schedule`` package.

What the ``schedule`` package does not do, this module adds:

* persistence and catch-up: the last completed night is kept in the history store
  (meta key ``last_completed_night``); on start, and at each nightly run, every night from
  the last completed + 1 up to yesterday (or today once ``nightly_at`` has passed) is run in
  order, so a night missed while the machine was off is caught up, never silently skipped;
* a job that raises is logged and the loop goes on (the night is not recorded as completed,
  so it is tried again at the next run);
* a clean stop on Ctrl-C and SIGTERM (the running night finishes first; a second Ctrl-C
  stops at once);
* one instance at a time (a lock file beside the store);
* an optional reminder at ``county.deadline`` naming the townships that have not sent a file;
* a look at the inbox every minute recording when each file first appeared
  (:class:`toolkit.night.arrival.InboxWatch`): the arrival of a file copied in with an old
  modification time;
* an injectable clock and sleep, so tests run whole days on a fake clock without sleeping.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import schedule

from ..config.county import Config
from ..errors import LockBusy
from ..night.archive import inbox_files, township_from_name
from ..night.arrival import InboxWatch
from ..night.locking import RunLock
from ..store import open_store
from .joblog import job_logging
from .nightly import run_nightly

log = logging.getLogger("gridkit.schedule")

LAST_COMPLETED = "last_completed_night"
LOCK_NAME = "gridkit-schedule.lock"
MAX_CATCH_UP = 31  # nights; a longer gap runs only the latest ones (and says so)
MAX_SLEEP = 1.0  # seconds per sleep, so a stop request is seen quickly
# a night whose run was busy or left files still being copied is run again this often
RETRY_MINUTES = 5
RETRY_LATER = 75  # what the job returns for that (EX_TEMPFAIL; not an exit code gridkit shows)
WATCH_SECONDS = 60  # how often the inbox is looked at for new files (0: never)

Job = Callable[[dt.date], int]  # runs one night, returns its exit code


@dataclass
class NightOutcome:
    night: dt.date
    exit_code: int | None  # None when the job raised
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"night": self.night.isoformat(), "exit_code": self.exit_code,
                "error": self.error}


@dataclass
class ScheduleRun:
    """What one ``gridkit schedule`` session did, for the final summary."""

    outcomes: list[NightOutcome] = field(default_factory=list)
    reminders: list[list[str]] = field(default_factory=list)
    stopped_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"nights": [o.to_dict() for o in self.outcomes], "reminders": self.reminders,
                "stopped_by": self.stopped_by}


class NightlyScheduler:
    def __init__(self, config: Config, *, job: Job | None = None,
                 clock: Callable[[], dt.datetime] | None = None,
                 sleep: Callable[[float], None] | None = None,
                 remind: bool | None = None, max_catch_up: int = MAX_CATCH_UP,
                 watch_seconds: int = WATCH_SECONDS) -> None:
        self.config = config
        self.job = job or _default_job(config)
        self.clock = clock or dt.datetime.now
        self.sleep = sleep or time.sleep
        self.remind = config.county.remind_at_deadline if remind is None else remind
        self.max_catch_up = max_catch_up
        self.watch_seconds = watch_seconds
        self.watch = InboxWatch(config)
        self.scheduler = schedule.Scheduler()
        self.result = ScheduleRun()
        self._stop_reason: str | None = None
        self._interrupts = 0

    # ------------------------------------------------------------ the store
    def _store(self) -> contextlib.closing[Any]:
        return contextlib.closing(open_store(self.config))

    def last_completed(self) -> dt.date | None:
        with self._store() as store:
            value = store.get_meta(LAST_COMPLETED)
        return dt.date.fromisoformat(value) if value else None

    def _record(self, night: dt.date) -> None:
        with self._store() as store:
            last = store.get_meta(LAST_COMPLETED)
            if not last or dt.date.fromisoformat(last) < night:
                store.set_meta(LAST_COMPLETED, night.isoformat())

    # ------------------------------------------------------------ nights
    def due_nights(self, now: dt.datetime | None = None) -> list[dt.date]:
        """Nights not completed yet, oldest first: from the last completed + 1 up to
        yesterday, or today once the nightly time has passed. Without any record, only
        tonight (when its time has passed) is due."""
        now = now or self.clock()
        target = now.date() if now.time() >= self.config.county.nightly_at else (
            now.date() - dt.timedelta(days=1))
        last = self.last_completed()
        if last is None:
            return [target] if target == now.date() else []
        nights = []
        night = last + dt.timedelta(days=1)
        while night <= target:
            nights.append(night)
            night += dt.timedelta(days=1)
        if len(nights) > self.max_catch_up:
            log.warning("有 %d 晚未运行,只补跑最近 %d 晚(%s 起)。", len(nights),
                        self.max_catch_up, nights[-self.max_catch_up])
            nights = nights[-self.max_catch_up:]
        return nights

    def run_due(self) -> list[NightOutcome]:
        """Run every due night in order; stop at the first night that raised (it stays due
        and is tried again at the next run)."""
        outcomes = []
        for night in self.due_nights():
            if self._stop_reason:
                break
            outcome = self.run_night(night)
            outcomes.append(outcome)
            if outcome.exit_code is None:
                break
        return outcomes

    def run_night(self, night: dt.date) -> NightOutcome:
        log.info("开始运行 %s 的夜间任务。", night)
        try:
            code = self.job(night)
        except Exception as exc:  # the loop must go on: log it, keep the night due
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            log.exception("%s 的夜间任务出错:%s 该晚会在下次运行时补跑。", night, message)
            outcome = NightOutcome(night, None, str(message))
        else:
            if code == RETRY_LATER:
                log.info("%s 的收件箱中还有正在复制的文件(或另一个任务在运行),"
                         "%d 分钟后再运行一次。", night, RETRY_MINUTES)
                self._retry_soon()
                code = 1
            else:
                self._record(night)
            log.info("%s 的夜间任务完成,退出码 %s。", night, code)
            outcome = NightOutcome(night, code)
        self.result.outcomes.append(outcome)
        return outcome

    def _retry_soon(self) -> None:
        """Run the due nights once more in RETRY_MINUTES (one pending retry at a time)."""
        if any("retry" in job.tags for job in self.scheduler.get_jobs()):
            return

        def once() -> Any:
            self._safe(self.run_due)()
            return schedule.CancelJob
        self.scheduler.every(RETRY_MINUTES).minutes.do(once).tag("retry")

    # ------------------------------------------------------------ the inbox
    def look_at_inbox(self) -> list[str]:
        """Record when each inbox file was first seen; returns the names new since the
        last look."""
        inbox = self.config.paths.inbox
        try:
            files = inbox_files(inbox) if inbox.is_dir() else []
        except OSError:  # a file went while the folder was listed: the next look sees it
            return []
        new = self.watch.look(files, self.clock())
        for name in new:
            log.info("收件箱中出现新文件:%s。", name)
        return new

    # ------------------------------------------------------------ reminder
    def missing_townships(self, night: dt.date) -> list[str]:
        """Townships with no file for ``night`` yet: none in the inbox (by file name,
        modified that day) and none received by the store for that night."""
        seen: set[str] = set()
        inbox = self.config.paths.inbox
        if inbox.is_dir():
            for path in inbox_files(inbox):
                if dt.datetime.fromtimestamp(path.stat().st_mtime).date() == night:
                    town = township_from_name(path.name, self.config)
                    if town:
                        seen.add(town)
        with self._store() as store:
            seen.update(s.township for s in store.submissions(night) if s.township)
        return [t for t in self.config.county.township_names if t not in seen]

    def send_reminder(self) -> list[str]:
        night = self.clock().date()
        missing = self.missing_townships(night)
        if missing:
            log.warning("已到报送截止时间 %s,尚未报送的乡镇(%d 个):%s。请督促报送。",
                        self.config.county.deadline.strftime("%H:%M"), len(missing),
                        "、".join(missing))
        else:
            log.info("已到报送截止时间,%d 个乡镇都已报送。", len(self.config.county.townships))
        self.result.reminders.append(missing)
        return missing

    # ------------------------------------------------------------ the loop
    def stop(self, reason: str = "stop") -> None:
        self._stop_reason = reason

    def _safe(self, func: Callable[[], Any]) -> Callable[[], None]:
        def wrapped() -> None:
            try:
                func()
            except Exception:  # a scheduled job never ends the loop
                log.exception("计划任务出错,继续等待下一次。")
        return wrapped

    def _on_signal(self, signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        self._interrupts += 1
        if signum == signal.SIGINT and self._interrupts > 1:
            raise KeyboardInterrupt
        log.info("收到 %s,当前任务结束后停止。", name)
        self.stop(name)

    def run(self, *, handle_signals: bool = True) -> ScheduleRun:
        """Take the lock, catch up, then run until stopped."""
        nightly_at = self.config.county.nightly_at.strftime("%H:%M")
        with RunLock(self.config.paths.store.parent / LOCK_NAME, what="计划任务"), \
                _schedule_clock(self.clock), \
                (_signals(self._on_signal) if handle_signals else contextlib.nullcontext()):
            self.scheduler.every().day.at(nightly_at).do(self._safe(self.run_due))
            if self.watch_seconds:
                self.scheduler.every(self.watch_seconds).seconds.do(
                    self._safe(self.look_at_inbox))
                self._safe(self.look_at_inbox)()
            if self.remind:
                deadline = self.config.county.deadline.strftime("%H:%M")
                self.scheduler.every().day.at(deadline).do(self._safe(self.send_reminder))
            log.info("计划任务已启动:每天 %s 运行夜间任务%s。按 Ctrl-C 停止。", nightly_at,
                     f",{self.config.county.deadline:%H:%M} 提醒未报乡镇" if self.remind else "")
            self._safe(self.run_due)()  # catch up nights missed while not running
            while not self._stop_reason:
                self.scheduler.run_pending()
                if self._stop_reason:
                    break
                idle = self.scheduler.idle_seconds
                self.sleep(MAX_SLEEP if idle is None else min(max(idle, 0.0), MAX_SLEEP))
            self.scheduler.clear()
        self.result.stopped_by = self._stop_reason
        log.info("计划任务已停止(%s)。", self._stop_reason)
        return self.result


def _default_job(config: Config) -> Job:
    def job(night: dt.date) -> int:
        try:
            result = run_nightly(config, night)
        except LockBusy:
            return RETRY_LATER  # another run (the 汇总 button) holds the lock: try again
        return RETRY_LATER if result.merge.left else result.exit_code
    return job


@contextlib.contextmanager
def _signals(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Install the stop handler for SIGINT and SIGTERM (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextlib.contextmanager
def _schedule_clock(clock: Callable[[], dt.datetime]) -> Iterator[None]:
    """Make the ``schedule`` package read the injected clock. It calls
    ``datetime.datetime.now()`` itself, so a fake clock (tests) is installed into its
    module for the duration of the run; with the real clock nothing is changed."""
    if clock is dt.datetime.now:
        yield
        return

    class _Now(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Any:
            return clock()

    shim = types.SimpleNamespace(**{k: getattr(dt, k) for k in dir(dt)
                                    if not k.startswith("__")})
    shim.datetime = _Now
    original = schedule.datetime
    setattr(schedule, "datetime", shim)  # noqa: B010 - the module attribute schedule reads
    try:
        yield
    finally:
        setattr(schedule, "datetime", original)  # noqa: B010


def run_schedule(config: Config, **kwargs: Any) -> ScheduleRun:
    """The library entry of ``gridkit schedule``: logging to the logs folder and the console,
    then :class:`NightlyScheduler` until stopped."""
    with job_logging(config):
        return NightlyScheduler(config, **kwargs).run()
