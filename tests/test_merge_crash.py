"""A run killed with SIGKILL at any point leaves the previous master intact, and a re-run
completes the night with no duplicate and no missing row (a real subprocess each time)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_merge import NIGHT, NOW, send, sheet_values, township_book
from toolkit.config.county import Config
from toolkit.files import CRASH_ENV
from toolkit.night.merge import merge_night
from toolkit.store import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

MERGE = "import sys; from toolkit.cli import main; sys.argv[0] = 'gridkit'; main()"


def store_rows(config: Config) -> tuple[int, int]:
    """(rows, distinct provenance) of the night in the store."""
    store = open_store(config)
    try:
        conn = store.conn  # type: ignore[attr-defined]
        total = conn.execute("SELECT count(*) FROM rows WHERE night = ?",
                             (NIGHT.isoformat(),)).fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT township, sheet, excel_row FROM rows "
            "WHERE night = ?)", (NIGHT.isoformat(),)).fetchone()[0]
        return int(total), int(distinct)
    finally:
        store.close()


@pytest.mark.parametrize("point", ["after-archive", "store-mid-transaction", "before-replace"])
def test_killed_run_then_rerun(config: Config, tmp_path: Path, point: str) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    names = config.county.township_names
    for k, name in enumerate(names[:-2], start=1):
        send(inbox, f"{name}_20200204.xlsx", township_book(name, k))
    merge_night(config, NIGHT, now=NOW)
    before = sheet_values(config.paths.master)
    rows_before, _ = store_rows(config)
    for k, name in enumerate(names[-2:], start=len(names) - 1):
        send(inbox, f"{name}_20200204.xlsx", township_book(name, k))

    env = {**os.environ, CRASH_ENV: point}
    proc = subprocess.run([sys.executable, "-c", MERGE, "merge", "--date", "2020-02-04"],
                          cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    assert sheet_values(config.paths.master) == before  # the previous master, intact
    if point != "before-replace":
        assert store_rows(config)[0] == rows_before  # the night not half-replaced

    result = merge_night(config, NIGHT, now=NOW)  # the stale lock is taken over
    assert result.exit_code == 0
    assert [t.status for t in result.townships] == ["已报"] * len(names)
    total, distinct = store_rows(config)
    assert total == distinct == rows_before + 2 * 16
    after = sheet_values(config.paths.master)
    assert len(after["排查登记"]) == 1 + 3 * len(names)
    assert not list(config.paths.master.parent.glob(".*.tmp*"))
    assert len(list(config.paths.archive.rglob("*.xlsx"))) == len(names)


@pytest.mark.parametrize("point", ["report-workbook-written", "feedback-one-written",
                                   "before-replace"])
def test_killed_nightly_leaves_nothing_half_written(config: Config, tmp_path: Path,
                                                    point: str) -> None:
    """A nightly killed while writing the report or the feedback: the re-run writes every
    output whole and no temporary file of the killed run is left behind."""
    from toolkit.run.nightly import run_nightly

    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    names = config.county.township_names
    for k, name in enumerate(names, start=1):
        book = township_book(name, k)
        if k == 2:  # one township with a problem: it gets an annotated copy
            book["排查登记"][1][book["排查登记"][0].index("联系电话")] = "12345"
        send(inbox, f"{name}_20200204.xlsx", book)
    env = {**os.environ, CRASH_ENV: point}
    proc = subprocess.run([sys.executable, "-c", MERGE, "nightly", "--date", "2020-02-04"],
                          cwd=tmp_path, env=env, capture_output=True, timeout=180)
    assert proc.returncode == -9, proc.stderr.decode()

    result = run_nightly(config, NIGHT, now=NOW, console=False)
    assert result.exit_code == 1  # the township with an error is 有错待改
    assert not result.failures
    assert [t.word for t in result.merge.townships].count("有错待改") == 1
    assert result.report is not None and result.report.workbook.is_file()
    assert [f.annotated is not None for f in result.feedback].count(True) == 1
    assert all(f.note.is_file() for f in result.feedback)
    assert sheet_values(result.report.workbook)  # a whole workbook, readable
    for folder in (config.paths.outbox, config.paths.reports, config.paths.master.parent,
                   config.paths.archive):
        leftovers = [p for p in folder.rglob(".*") if p.is_file()]
        assert leftovers == [], leftovers
    total, distinct = store_rows(config)
    assert total == distinct == 16 * len(names)
