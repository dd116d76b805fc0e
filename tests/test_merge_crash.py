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
