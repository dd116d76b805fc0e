"""The township workers hand their rows to the night on disk, already encoded for the store
and rendered for the master: what the office sees is the same as a master rebuilt from the
store, odd values included, and nothing of it is left behind."""

from __future__ import annotations

import pytest

from tests.factory import set_cell
from tests.test_merge import (
    NIGHT,
    NOW,
    data_styles,
    rebuild_master,
    send,
    sheet_values,
    township_book,
)
from toolkit.config.county import Config
from toolkit.errors import JobFailed
from toolkit.night.merge import merge_night
from toolkit.store import open_store

LONG = "很长的备注" * 4000  # 20,000 characters: past the fast path, written the stock way


def odd_night(config: Config) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(config.county.township_names[:3], start=1):
        book = township_book(name, k)
        if k == 1:
            set_cell(book, "排查登记", 2, "备注", LONG)  # inside a chunk of 3
            set_cell(book, "排查登记", 1, "备注", " 前后空格 ")
            set_cell(book, "排查登记", 3, "备注", "a<b & c>d _x0041_\t")
            set_cell(book, "排查登记", 1, "管控措施", "自行车间隔离")  # not an enum value
        send(inbox, f"{name}_{NIGHT:%Y%m%d}.xlsx", book)


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "small-chunks-and-sheets"])
def test_rows_rendered_in_the_workers_read_back_as_a_master_rebuilt_from_the_store(
        config: Config, monkeypatch: pytest.MonkeyPatch, small: bool) -> None:
    """Also with rows written 3 at a time and 4 to a sheet: a chunk ends at a row written
    the stock way (the long note) and where a sheet goes on in the next."""
    if small:
        from toolkit.outputs import master

        monkeypatch.setattr(master, "CHUNK", 3)
        monkeypatch.setattr(master, "PER_SHEET", 4)
    odd_night(config)
    result = merge_night(config, NIGHT, now=NOW)
    assert result.rows > 0
    merged, merged_styles = sheet_values(config.paths.master), data_styles(config.paths.master)
    if small:
        assert "排查登记(续3)" in merged and "排查登记(续4)" not in merged  # 9 rows, 4 a sheet
    notes = [r[-4] for r in merged["排查登记"][1:]]  # 备注 sits before 检查结果, 来源文件, 来源行
    assert max(len(n or "") for n in notes) > 16_000  # the long note, the stock way
    assert any(n and n.startswith("a<b & c>d") for n in notes)
    assert "自行车间隔离" in {v for r in merged["排查登记"] for v in r}
    rebuild_master(config)
    assert sheet_values(config.paths.master) == merged
    assert data_styles(config.paths.master) == merged_styles


def test_no_rows_are_left_on_disk_after_the_merge(config: Config) -> None:
    odd_night(config)
    merge_night(config, NIGHT, now=NOW)
    night_folder = config.paths.archive / NIGHT.isoformat()
    assert not [p.name for p in night_folder.rglob(".rows-*")]
    assert len([p for p in night_folder.rglob("*.xlsx")]) == 3  # the copies as received


def test_a_full_disk_while_spooling_stops_the_night_in_one_sentence(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a township's fault: no township is 退回 for it, the night stops with one
    sentence and the store and master stay as they were."""
    import errno

    import toolkit.night.merge as merge

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    odd_night(config)
    monkeypatch.setattr(merge, "write_spool", full)  # the forked workers see it too
    with pytest.raises(JobFailed) as caught:
        merge_night(config, NIGHT, now=NOW)
    assert "磁盘已满" in caught.value.message and "上一次的结果不变" in caught.value.message
    assert not config.paths.master.exists()
    store = open_store(config)
    try:
        assert store.row_count(NIGHT) == 0 and store.statuses(NIGHT) == []
    finally:
        store.close()
