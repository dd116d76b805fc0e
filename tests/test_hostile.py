"""One township's file never stops the county's night, and nothing hostile gets through:
every hostile file is refused with one sentence or read within its bounds, alone and in a
night beside nine good files; the next night runs clean."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from toolkit.check import check_paths
from toolkit.config import Config
from toolkit.night.merge import merge_night
from toolkit.outputs.master import write_master
from toolkit.store import open_store

from . import hostile
from .test_merge import NIGHT, NOW, ON_TIME, full_night, send, township_book

READABLE = {"huge-cells", "not-finite", "error-values", "long-name", "gbk-name"}
BOUNDS = {"file_memory_mb": 1024, "file_seconds": 60}


@pytest.mark.parametrize("kind", sorted(hostile.HOSTILE))
def test_each_hostile_file_alone_is_refused_or_read(tmp_path: Path, config: Config,
                                                    kind: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    hostile.HOSTILE[kind](folder)
    [result] = check_paths([folder], config.with_limits(**BOUNDS))
    if kind in READABLE:
        assert result.status != "unreadable", result.error
        assert all(len(f.message) < 300 for f in result.issues)
        assert {f.rule for f in result.issues} <= {
            "invalid-number", "invalid-enum", "id-length", "excel-error-value"}
    else:
        assert result.status == "unreadable"
        message = result.error or ""
        assert "三桃乡_20200204.xlsx" in message and message.count("。") == 1, message


@pytest.mark.parametrize("kind", sorted(hostile.HOSTILE))
def test_a_hostile_file_costs_only_its_township_the_night(tmp_path: Path, config: Config,
                                                          kind: str) -> None:
    config = config.with_limits(**BOUNDS)
    inbox = full_night(config)
    (inbox / "三桃乡_20200204.xlsx").unlink()
    hostile.HOSTILE[kind](inbox)
    for p in inbox.iterdir():
        os.utime(p, (ON_TIME.timestamp(),) * 2)
    result = merge_night(config, NIGHT, now=NOW)
    status = {t.township: t for t in result.townships}
    assert [t.status for n, t in status.items() if n != "三桃乡"] == ["已报"] * 9
    santao = status["三桃乡"]
    if kind in READABLE:
        assert santao.status == "已报" and (santao.errors > 0 or kind.endswith("name"))
    else:
        assert santao.status == "退回" and "三桃乡" in (santao.reason or "")
        notes = list((config.paths.quarantine / NIGHT.isoformat()).rglob("*.退回原因.txt"))
        assert len(notes) == 1 and "退回原因" in notes[0].read_text(encoding="utf-8-sig")
    # what was stored is what every later run can read again
    with open_store(config) as store:
        assert write_master(config, NIGHT, store).is_file()
    # the next night runs clean
    night2 = NIGHT + dt.timedelta(days=1)
    for p in inbox.iterdir():
        p.unlink()
    for k, name in enumerate(config.county.township_names, start=1):
        send(inbox, f"{name}_{night2:%Y%m%d}.xlsx", township_book(name, k, night2),
             dt.datetime.combine(night2, dt.time(19)))
    again = merge_night(config, night2, now=dt.datetime.combine(night2, dt.time(22)))
    assert again.exit_code == 0, [(t.township, t.status, t.reason) for t in again.townships]


def test_a_file_still_being_copied_is_left_for_the_next_run(config: Config) -> None:
    inbox = full_night(config)
    fresh = inbox / "三桃乡_20200204.xlsx"
    os.utime(fresh, (NOW.timestamp() - 2,) * 2)  # written two seconds ago
    result = merge_night(config, NIGHT, now=NOW)
    assert {t.township: t.status for t in result.townships}["三桃乡"] == "未报"
    assert [n for n, _ in result.left] == ["三桃乡_20200204.xlsx"]
    os.utime(fresh, (NOW.timestamp() - 60,) * 2)
    later = merge_night(config, NIGHT, now=NOW)
    assert {t.township: t.status for t in later.townships}["三桃乡"] == "迟报"  # at 21:59
    with open_store(config) as store:
        sub = next(s for s in store.submissions(NIGHT) if "三桃乡" in s.file_name)
    from toolkit.night.archive import sha256_file

    assert sha256_file(Path(sub.archive_path)) == sub.sha256


def test_links_and_folders_in_the_inbox_are_passed_over(tmp_path: Path, config: Config) -> None:
    inbox = full_night(config)
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    (inbox / "链接.xlsx").symlink_to(secret)
    (inbox / "子文件夹").mkdir()
    result = merge_night(config, NIGHT, now=NOW)
    assert {n for n, _ in result.skipped} >= {"链接.xlsx", "子文件夹"}
    archived = [p.name for p in config.paths.archive.rglob("*") if p.is_file()]
    assert not any("链接" in n for n in archived)


def test_a_file_that_exhausts_memory_in_the_nights_own_process_costs_only_its_township(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where files are read in the night's own process (file_seconds = 0: no worker, no
    cap), a file whose parse runs out of memory is 退回 with the memory sentence, never
    "corrupt", and the other townships' night goes on."""
    from toolkit.read import raw

    config = config.with_limits(file_seconds=0)
    full_night(config)
    real = raw._parse

    def parse(path: Path, threads: int) -> list[raw.RawSheet]:
        if "三桃乡" in path.name:
            raise MemoryError
        return real(path, threads)

    monkeypatch.setattr(raw, "_parse", parse)
    result = merge_night(config, NIGHT, now=NOW)
    status = {t.township: t for t in result.townships}
    assert [t.status for n, t in status.items() if n != "三桃乡"] == ["已报"] * 9
    santao = status["三桃乡"]
    assert santao.status == "退回" and "内存" in (santao.reason or "")
    assert "三桃乡_20200204.xlsx" in (santao.reason or "") and "损坏" not in santao.reason
