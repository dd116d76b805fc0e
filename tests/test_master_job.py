"""The merge's master is written beside the store (its data sheets in a forked child while
the night is stored): the same workbook as written in one process, nothing half-written
when either side fails, and no child left behind when the merge is killed."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.test_merge import NIGHT, NOW, data_styles, full_night, sheet_values
from toolkit.config.county import Config
from toolkit.errors import JobFailed
from toolkit.files import CRASH_ENV
from toolkit.night.merge import merge_night
from toolkit.outputs import master_sheets
from toolkit.outputs.master_job import background_possible
from toolkit.store import open_store

MERGE = "import sys; from toolkit.cli import main; sys.argv[0] = 'gridkit'; main()"
linux_only = pytest.mark.skipif(not background_possible(), reason="fork: Linux only")


def in_one_process(config: Config) -> Config:
    """The same county with files read in the merge's own process (no fork: the master is
    written after the store, as where there is no fork)."""
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits,
                                                                  file_seconds=0))


def _processes_with(marker: str) -> list[int]:
    """The live processes whose environment holds ``marker``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                stat = (proc / "stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] != "Z":  # not a zombie
                    found.append(int(proc.name))
        except OSError:
            continue
    return found


@linux_only
def test_the_master_written_beside_the_store_is_the_one_written_after_it(
        config: Config, tmp_path: Path) -> None:
    full_night(config)
    result = merge_night(config, NIGHT, now=NOW)
    assert result.exit_code == 0 and result.figures is not None
    beside = sheet_values(config.paths.master)
    styles = data_styles(config.paths.master)

    other = in_one_process(config)
    merge_night(other, NIGHT, now=NOW, redo=True)
    assert sheet_values(other.paths.master) == beside
    assert data_styles(other.paths.master) == styles
    assert beside["汇总"][3:] and beside["排查登记"][1:]  # figures and rows, not just titles
    assert not list(config.paths.master.parent.glob(".*"))


@linux_only
def test_a_failing_page_leaves_the_previous_master_and_no_writer(
        config: Config, monkeypatch: pytest.MonkeyPatch, temp_dir: Path) -> None:
    """The child fails writing a page (a full disk, say): the merge says so with the
    child's own error, the previous master stays, no temporary file, no child left."""
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    before = sheet_values(config.paths.master)

    def full_disk(*_args: object, **_kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("toolkit.outputs.master.status_sheet", full_disk)
    with pytest.raises(OSError, match="No space left"):
        merge_night(config, NIGHT, now=NOW, redo=True)
    assert sheet_values(config.paths.master) == before
    assert not list(config.paths.master.parent.glob(".*"))
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]
    assert list(temp_dir.iterdir()) == []  # the child's row files gone with it
    monkeypatch.setattr("toolkit.outputs.master.status_sheet", master_sheets.status_sheet)
    assert merge_night(config, NIGHT, now=NOW, redo=True).exit_code == 0


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder for this test alone (the master's row files go
    there)."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@linux_only
def test_a_failing_store_stops_the_master_writer(
        config: Config, monkeypatch: pytest.MonkeyPatch, temp_dir: Path) -> None:
    full_night(config)
    store_class = type(open_store(config))

    def broken(self: object, data: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store_class, "replace_night", broken)
    with pytest.raises(OSError, match="Input/output"):
        merge_night(config, NIGHT, now=NOW)
    assert not config.paths.master.exists()
    assert not list(config.paths.master.parent.glob(".*"))
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]
    assert list(temp_dir.iterdir()) == []


@linux_only
@pytest.mark.parametrize("point", ["after-store", "master-rows-written", "before-replace"])
def test_a_killed_merge_takes_its_master_writer_along(config: Config, tmp_path: Path,
                                                      point: str) -> None:
    """Killed (SIGKILL) while the child writes or waits: the child leaves too, the master
    is never replaced by a half-made one, and the next run completes the night."""
    full_night(config)
    marker = f"GRIDKIT_TEST_RUN={uuid.uuid4().hex}"
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, CRASH_ENV: point, "GRIDKIT_TEST_RUN": marker.split("=", 1)[1],
           "TMPDIR": str(temp)}
    proc = subprocess.run([sys.executable, "-c", MERGE, "merge", "--date", "2020-02-04"],
                          cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    deadline = time.monotonic() + 20
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == []
    assert not config.paths.master.exists()  # never a half-made master in its place
    assert list(temp.iterdir()) == []  # nor the child's row files left in the temp folder

    result = merge_night(config, NIGHT, now=NOW)
    assert result.exit_code == 0
    assert len(sheet_values(config.paths.master)["排查登记"]) == 1 + 3 * len(
        config.county.township_names)
    assert not list(config.paths.master.parent.glob(".*"))


def _at_store(config: Config, monkeypatch: pytest.MonkeyPatch, act: object) -> None:
    """Run ``act(child)`` on the master's child just before the night is stored."""
    store_class = type(open_store(config))
    real = store_class.replace_night

    def replace_night(self: object, data: object) -> None:
        for child in multiprocessing.active_children():
            if child.name == "gridkit-master":
                act(child)  # type: ignore[operator]
        real(self, data)  # type: ignore[arg-type]

    monkeypatch.setattr(store_class, "replace_night", replace_night)


@linux_only
def test_signals_to_the_child_are_the_merges_to_act_on(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop signal reaching the whole process group (Ctrl-C's SIGINT, a service stop's
    SIGTERM) is the merge's to handle: the child goes on and the master is written."""
    full_night(config)

    def signal_it(child: object) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            os.kill(child.pid, signum)  # type: ignore[attr-defined]

    _at_store(config, monkeypatch, signal_it)
    result = merge_night(config, NIGHT, now=NOW)
    assert result.exit_code == 0
    assert len(sheet_values(config.paths.master)["排查登记"]) > 1


@linux_only
def test_a_child_killed_from_outside_fails_the_master_in_one_sentence(
        config: Config, monkeypatch: pytest.MonkeyPatch, temp_dir: Path) -> None:
    """The child killed (the kernel's out-of-memory killer, say): the night is stored, the
    master stays as it was, and the merge says so in Chinese."""
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    before = sheet_values(config.paths.master)

    def kill_it(child: object) -> None:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        child.join()  # type: ignore[attr-defined]

    _at_store(config, monkeypatch, kill_it)
    with pytest.raises(JobFailed, match="全县汇总表未更新") as failed:
        merge_night(config, NIGHT, now=NOW, redo=True)
    assert "历史库中已保存" in failed.value.message
    assert sheet_values(config.paths.master) == before
    assert list(temp_dir.iterdir()) == []  # its temporary folder removed by the merge


@linux_only
def test_no_fork_possible_the_master_is_written_after_the_store(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking fails (no memory for it): the master is written in the merge's process."""
    real = multiprocessing.context.ForkProcess.start

    def no_memory(self: multiprocessing.context.ForkProcess) -> None:
        if self.name == "gridkit-master":
            raise OSError(12, "Cannot allocate memory")
        real(self)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", no_memory)
    full_night(config)
    result = merge_night(config, NIGHT, now=NOW)
    assert result.exit_code == 0
    assert len(sheet_values(config.paths.master)["排查登记"]) > 1


@linux_only
def test_a_master_folder_left_by_a_merge_killed_with_its_child_is_removed_next_run(
        config: Config, temp_dir: Path) -> None:
    """Power lost while the child wrote (merge and child gone at once): the master's folder
    in the system's temporary folder is removed by a later merge once it is 10 minutes old,
    as is any such folder a day old; a folder of a merge still running (another county's)
    and one of a merge just killed are left alone."""
    full_night(config)

    def left_by_killed_merge() -> Path:
        killed = subprocess.run(
            [sys.executable, "-c", "import os; from toolkit.files import temp_folder; "
             "open(os.path.join(temp_folder('master'), 'rows.xml'), 'w').write('<row/>'); "
             "os.kill(os.getpid(), 9)"],
            env={**os.environ, "TMPDIR": str(temp_dir)}, timeout=60)
        assert killed.returncode == -9
        [made] = set(temp_dir.iterdir()) - seen
        seen.add(made)
        return made

    def aged(path: Path, seconds: float) -> Path:
        then = time.time() - seconds
        os.utime(path, (then, then))
        return path

    seen: set[Path] = set()
    old = aged(left_by_killed_merge(), 3600)
    just_now = left_by_killed_merge()
    running = aged(Path(tempfile.mkdtemp(prefix=f"gridkit-master-{os.getpid()}-")), 3600)
    seen.add(running)
    before = aged(Path(tempfile.mkdtemp(prefix="gridkit-master-")), 2 * 86400)  # no number
    assert merge_night(config, NIGHT, now=NOW).exit_code == 0
    assert not old.exists() and not before.exists()
    assert sorted(temp_dir.iterdir()) == sorted([just_now, running])
