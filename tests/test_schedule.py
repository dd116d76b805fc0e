"""gridkit schedule on a fake clock: catch-up, error handling, stop, reminder, one instance."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from toolkit.errors import LockBusy
from toolkit.run.scheduler import LAST_COMPLETED, LOCK_NAME, NightlyScheduler
from toolkit.store import open_store

D = dt.date(2020, 2, 4)


class FakeClock:
    """The scheduler's clock and sleep: sleeping moves the clock, never waits. Stops the
    scheduler once the clock reaches ``until``."""

    def __init__(self, start: dt.datetime, until: dt.datetime) -> None:
        self.now = start
        self.until = until
        self.slept = 0.0
        self.scheduler: NightlyScheduler | None = None
        self.on_sleep = None

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        # jump ahead: at least the requested second, and straight to the next job when idle
        step = max(seconds, 1.0)
        if self.scheduler is not None:
            idle = self.scheduler.scheduler.idle_seconds
            if idle is not None and idle > step:
                step = idle
        self.now += dt.timedelta(seconds=step)
        self.slept += step
        if self.on_sleep:
            self.on_sleep()
        if self.now >= self.until and self.scheduler is not None:
            self.scheduler.stop("test")


def make(config, start, until, job, **kwargs):
    clock = FakeClock(start, until)
    s = NightlyScheduler(config, job=job, clock=clock, sleep=clock.sleep, **kwargs)
    clock.scheduler = s
    return s, clock


def set_last(config, night):
    store = open_store(config)
    try:
        store.set_meta(LAST_COMPLETED, night.isoformat())
    finally:
        store.close()


def get_last(config):
    store = open_store(config)
    try:
        return store.get_meta(LAST_COMPLETED)
    finally:
        store.close()


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def test_catches_up_missed_nights_then_runs_at_the_configured_time(config):
    ran = []
    set_last(config, D - dt.timedelta(days=3))
    s, clock = make(config, at(D, 10), at(D + dt.timedelta(days=1), 23),
                    lambda night: ran.append((night, clock.now)) or 0, remind=False)
    result = s.run(handle_signals=False)
    nights = [n for n, _ in ran]
    assert nights == [D - dt.timedelta(days=2), D - dt.timedelta(days=1), D,
                      D + dt.timedelta(days=1)]
    # the two missed nights ran at start, the next ones at 22:00 of their own day
    assert ran[0][1] == at(D, 10) and ran[1][1] == at(D, 10)
    assert ran[2][1] == at(D, 22) and ran[3][1] == at(D + dt.timedelta(days=1), 22)
    assert get_last(config) == (D + dt.timedelta(days=1)).isoformat()
    assert result.stopped_by == "test"
    assert clock.slept > 0


def test_start_after_the_nightly_time_runs_tonight_at_once(config):
    ran = []
    set_last(config, D - dt.timedelta(days=1))
    s, _ = make(config, at(D, 23, 30), at(D, 23, 45), lambda n: ran.append(n) or 0,
                remind=False)
    s.run(handle_signals=False)
    assert ran == [D]


def test_first_start_without_a_record_runs_nothing_old(config):
    ran = []
    s, _ = make(config, at(D, 9), at(D, 23), lambda n: ran.append(n) or 0, remind=False)
    assert s.due_nights() == []
    s.run(handle_signals=False)
    assert ran == [D]  # only tonight, at 22:00
    assert get_last(config) == D.isoformat()


def test_a_job_that_raises_is_logged_and_retried_the_next_night(config, caplog):
    calls = []
    failed_once = []

    def job(night):
        calls.append(night)
        if night == D and not failed_once:
            failed_once.append(night)
            raise RuntimeError("disk full")
        return 1

    set_last(config, D - dt.timedelta(days=1))
    s, _ = make(config, at(D, 21), at(D + dt.timedelta(days=1), 23), job, remind=False)
    with caplog.at_level(logging.ERROR, logger="gridkit"):
        result = s.run(handle_signals=False)
    assert calls == [D, D, D + dt.timedelta(days=1)]
    assert "disk full" in caplog.text
    assert [o.exit_code for o in result.outcomes] == [None, 1, 1]
    assert get_last(config) == (D + dt.timedelta(days=1)).isoformat()


def test_catch_up_is_capped(config):
    set_last(config, D - dt.timedelta(days=100))
    s, _ = make(config, at(D, 9), at(D, 9, 1), lambda n: 0, remind=False, max_catch_up=5)
    due = s.due_nights()
    assert due == [D - dt.timedelta(days=k) for k in range(5, 0, -1)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_a_signal(config, signum):
    before = signal.getsignal(signum)
    s, clock = make(config, at(D, 9), at(D + dt.timedelta(days=5), 0), lambda n: 0,
                    remind=False)
    clock.on_sleep = lambda: os.kill(os.getpid(), signum) if clock.slept > 3600 else None
    result = s.run()
    assert result.stopped_by == signal.Signals(signum).name
    assert clock.now < clock.until  # stopped long before the 5 days were up
    assert signal.getsignal(signum) is before
    assert not (config.paths.store.parent / LOCK_NAME).exists()  # lock released


def test_only_one_instance(config):
    # another live gridkit schedule holds the schedule lock
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                              "gridkit", "schedule"])
    try:
        time.sleep(0.2)
        lock_file = config.paths.store.parent / LOCK_NAME
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock_file.write_text(json.dumps({
            "pid": other.pid, "host": socket.gethostname(),
            "started": dt.datetime.now().isoformat(timespec="seconds")}), encoding="utf-8")
        ran = []
        s, _ = make(config, at(D, 9), at(D, 23), lambda n: ran.append(n) or 0, remind=False)
        with pytest.raises(LockBusy) as info:
            s.run(handle_signals=False)
        assert "另一个 gridkit 任务正在运行" in info.value.message
        assert ran == []
    finally:
        other.kill()
        other.wait()


def test_reminder_at_the_deadline_names_townships_without_a_file(config, caplog):
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    names = config.county.township_names
    stamp = at(D, 18).timestamp()
    for name in names[:7]:
        f = inbox / f"{name}_{D:%Y%m%d}.xlsx"
        f.write_bytes(b"x")
        os.utime(f, (stamp, stamp))
    old = inbox / f"{names[7]}_20200203.xlsx"  # yesterday's file does not count
    old.write_bytes(b"x")
    os.utime(old, (stamp - 86400, stamp - 86400))
    s, _ = make(config, at(D, 19), at(D, 21), lambda n: 0, remind=True)
    with caplog.at_level(logging.WARNING, logger="gridkit"):
        result = s.run(handle_signals=False)
    assert result.reminders == [list(names[7:])]
    assert "、".join(names[7:]) in caplog.text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_schedule_command_summarises_each_night(monkeypatch, fmt):
    from click.testing import CliRunner

    from toolkit.cli import main
    from toolkit.cli import schedule as schedule_cli
    from toolkit.run.scheduler import NightOutcome, ScheduleRun

    done = ScheduleRun(outcomes=[NightOutcome(D, 1), NightOutcome(D + dt.timedelta(1), None,
                                                                  "磁盘已满")],
                       reminders=[["扎西镇"]], stopped_by="SIGTERM")
    monkeypatch.setattr(schedule_cli, "run_schedule", lambda config, remind: done)
    result = CliRunner().invoke(main, ["schedule", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output) == {
            "nights": [{"night": "2020-02-04", "exit_code": 1, "error": None},
                       {"night": "2020-02-05", "exit_code": None, "error": "磁盘已满"}],
            "reminders": [["扎西镇"]], "stopped_by": "SIGTERM"}
    else:
        assert result.output.splitlines() == ["2020-02-04  退出码 1", "2020-02-05  出错:磁盘已满",
                                              "计划任务已停止(SIGTERM)。"]


def test_a_night_that_left_files_is_run_again_soon(config):
    """Files still being copied at 22:00 (or the 汇总 button running): the night stays due
    and runs again five minutes later, then is recorded."""
    from toolkit.run.scheduler import RETRY_LATER

    ran = []
    set_last(config, D - dt.timedelta(days=1))

    def job(night):
        ran.append(clock.now)
        return RETRY_LATER if len(ran) == 1 else 0
    s, clock = make(config, at(D, 21, 59), at(D, 22, 20), job, remind=False)
    s.run(handle_signals=False)
    assert ran == [at(D, 22), at(D, 22, 5)]
    assert get_last(config) == D.isoformat()
