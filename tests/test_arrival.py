"""送达时间: the clerk's record in 送达时间.txt > when the scheduler first saw the file >
its modification time; and an empty inbox said in one line."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.factory import set_cell
from tests.test_merge import LATE, NIGHT, NOW, ON_TIME, send, stamp, township_book
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.night.archive import inbox_files, passed_over
from toolkit.night.arrival import (
    ARRIVALS_NAME,
    SOURCE_MTIME,
    SOURCE_SEEN,
    InboxWatch,
    load_seen,
    observed_arrival,
    parse_recorded,
    seen_path,
)
from toolkit.night.merge import merge_night
from toolkit.run.scheduler import NightlyScheduler
from toolkit.store import open_store


def at(hh: int, mm: int = 0, ss: int = 0, day: dt.date = NIGHT) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss))


def townships(result) -> dict[str, tuple[str, dt.datetime | None]]:
    return {t.township: (t.status, t.arrived_at) for t in result.townships if t.file}


@pytest.fixture
def inbox(config: Config) -> Path:
    config.paths.inbox.mkdir(parents=True)
    return config.paths.inbox


# --- an empty inbox -----------------------------------------------------------------------

def test_empty_inbox_is_said(config: Config, inbox: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    result = merge_night(config, NIGHT, now=NOW)
    assert result.inbox_empty == f"收件箱 {inbox} 中没有文件:2月4日还没有乡镇报送。"
    assert result.to_dict()["inbox_empty"] is True
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04"])
    assert res.exit_code == 1
    assert f"收件箱 {inbox} 中没有文件:2月4日还没有乡镇报送。" in res.output
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04", "--format", "json"])
    assert json.loads(res.output)["inbox_empty"] is True
    res = CliRunner().invoke(main, ["nightly", "--date", "2020-02-04"])
    assert "2月4日还没有乡镇报送" in res.output


def test_inbox_with_files_is_not_empty(config: Config, inbox: Path) -> None:
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1))
    result = merge_night(config, NIGHT, now=NOW)
    assert result.inbox_empty is None and result.to_dict()["inbox_empty"] is False
    # emptied after the night was merged: what came before is merged again
    (inbox / "扎西镇_20200204.xlsx").unlink()
    again = merge_night(config, NIGHT, now=NOW)
    assert again.inbox_empty is not None and "此前收到的1个文件照旧汇总" in again.inbox_empty
    assert townships(again)["扎西镇"][0] == "已报"


def test_only_temporary_files_is_no_register(config: Config, inbox: Path) -> None:
    (inbox / "~$扎西镇.xlsx").write_bytes(b"lock")
    result = merge_night(config, NIGHT, now=NOW)
    assert result.inbox_empty is not None and "中没有报表文件" in result.inbox_empty


# --- modification time and first seen -----------------------------------------------------

def test_modification_time_without_the_scheduler(config: Config, inbox: Path) -> None:
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), ON_TIME)
    send(inbox, "旧城镇_20200204.xlsx", township_book("旧城镇", 2), LATE)
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result) == {"扎西镇": ("已报", ON_TIME), "旧城镇": ("迟报", LATE)}


def test_a_file_copied_in_with_its_old_time_is_late_by_when_it_was_first_seen(
        config: Config, inbox: Path, tmp_path: Path) -> None:
    """Copied from a USB stick at 21:05 with the 10:00 it was made at: the watcher did not
    see it at 21:04, so 10:00 cannot be its arrival; it arrived by 21:05 (迟报)."""
    watch = InboxWatch(config)
    assert watch.look(inbox_files(inbox), at(21, 4)) == []
    stick = tmp_path / "U盘"
    stick.mkdir()
    send(stick, "三桃乡_20200204.xlsx", township_book("三桃乡", 10), at(10, 0))
    shutil.copy2(stick / "三桃乡_20200204.xlsx", inbox)  # keeps the 10:00
    assert watch.look(inbox_files(inbox), at(21, 5, 0)) == ["三桃乡_20200204.xlsx"]
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result) == {"三桃乡": ("迟报", at(21, 5))}


def test_a_file_saved_between_two_looks_keeps_its_modification_time(
        config: Config, inbox: Path) -> None:
    """Saved at 19:59:30, seen by the look at 20:00:10: it arrived at 19:59:30 (on time),
    not when it happened to be looked at."""
    watch = InboxWatch(config)
    watch.look([], at(19, 59, 10))
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), at(19, 59, 30))
    watch.look(inbox_files(inbox), at(20, 0, 10))
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result) == {"扎西镇": ("已报", at(19, 59, 30))}


def test_observed_arrival_sources(config: Config, inbox: Path) -> None:
    path = send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), at(19, 0))
    st = path.stat()
    assert observed_arrival(path.name, st, NOW, {}) == (at(19, 0), SOURCE_MTIME)
    # a modification time in the future (another machine's clock): never after the merge
    stamp(path, at(23, 0))
    assert observed_arrival(path.name, path.stat(), NOW, {}) == (NOW, SOURCE_MTIME)
    # first seen before its modification time (a clock elsewhere): first seen
    watch = InboxWatch(config)
    watch.look(inbox_files(inbox), at(20, 30))
    seen = load_seen(config, inbox)
    assert observed_arrival(path.name, path.stat(), NOW, seen) == (at(20, 30), SOURCE_SEEN)


def test_watch_record_follows_the_inbox(config: Config, inbox: Path) -> None:
    watch = InboxWatch(config)
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1))
    assert watch.look(inbox_files(inbox), at(19, 1)) == ["扎西镇_20200204.xlsx"]
    assert watch.look(inbox_files(inbox), at(19, 2)) == []
    data = json.loads(seen_path(config).read_text(encoding="utf-8"))
    assert data["inbox"] == str(inbox.resolve()) and len(data["files"]) == 1
    entry = next(iter(data["files"].values()))
    assert entry == {"first_seen": at(19, 1).isoformat(), "absent_at": None}
    # changed in place: a new file to the watcher; gone: forgotten
    stamp(inbox / "扎西镇_20200204.xlsx", at(19, 30))
    assert watch.look(inbox_files(inbox), at(19, 31)) == ["扎西镇_20200204.xlsx"]
    (inbox / "扎西镇_20200204.xlsx").unlink()
    watch.look(inbox_files(inbox), at(19, 32))
    assert json.loads(seen_path(config).read_text(encoding="utf-8"))["files"] == {}
    # a new session starts from the record: a file new to it was absent at its last look
    send(inbox, "旧城镇_20200204.xlsx", township_book("旧城镇", 2))
    InboxWatch(config).look(inbox_files(inbox), at(19, 40))
    seen = load_seen(config, inbox)
    assert [s.absent_at for s in seen.values()] == [at(19, 32)]
    # the record of another inbox is not this one's
    other = config.paths.inbox.parent / "其他收件箱"
    other.mkdir()
    assert load_seen(config, other) == {}


def test_an_unreadable_record_falls_back_to_modification_times(config: Config,
                                                               inbox: Path) -> None:
    seen_path(config).parent.mkdir(parents=True, exist_ok=True)
    seen_path(config).write_bytes(b"\x00 not json")
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), ON_TIME)
    assert load_seen(config, inbox) == {}
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result) == {"扎西镇": ("已报", ON_TIME)}


def test_the_scheduler_looks_at_the_inbox(config: Config, inbox: Path) -> None:
    clock = [at(19, 0)]
    s = NightlyScheduler(config, job=lambda n: 0, clock=lambda: clock[0],
                         sleep=lambda _s: None, remind=False)
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), at(18, 59))
    assert s.look_at_inbox() == ["扎西镇_20200204.xlsx"]
    clock[0] = at(19, 1)
    assert s.look_at_inbox() == []
    assert len(load_seen(config, inbox)) == 1
    shutil.rmtree(inbox)
    assert s.look_at_inbox() == []  # no inbox: nothing to see, no error


# --- recorded by the clerk ----------------------------------------------------------------

def record(inbox: Path, text: str, encoding: str = "utf-8") -> None:
    (inbox / ARRIVALS_NAME).write_bytes(text.replace("\n", "\r\n").encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_recorded_time_wins(config: Config, inbox: Path, encoding: str) -> None:
    """Saved from WeChat at 21:30 (after the deadline); the message came at 19:40."""
    send(inbox, "三桃乡_20200204.xlsx", township_book("三桃乡", 10), LATE)
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1), LATE)
    record(inbox, "# 微信消息上的时间\n三桃乡 2月4日 19:40\n\n"
                  "扎西镇_20200204.xlsx,2020-02-04 19:55\n", encoding)
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result) == {"三桃乡": ("已报", at(19, 40)), "扎西镇": ("已报", at(19, 55))}
    assert result.skipped == [] and result.unattributed == []
    # 送达时间.txt is not a submission, and not passed over with a word
    assert sorted(p.name for p in inbox_files(inbox)) == [
        "三桃乡_20200204.xlsx", "扎西镇_20200204.xlsx"]
    assert passed_over(inbox) == []
    # the store's statuses carry it (the report and the master read them)
    with contextlib.closing(open_store(config)) as store:
        stored = {t.township: t.arrived_at for t in store.statuses(NIGHT) if t.file}
    assert stored == {"三桃乡": at(19, 40), "扎西镇": at(19, 55)}


def test_recorded_after_the_night_ran_takes_effect_when_merged_again(config: Config,
                                                                    inbox: Path) -> None:
    send(inbox, "三桃乡_20200204.xlsx", township_book("三桃乡", 10), LATE)
    assert townships(merge_night(config, NIGHT, now=NOW))["三桃乡"] == ("迟报", LATE)
    record(inbox, "三桃乡 2020年2月4日 19:40\n")
    assert townships(merge_night(config, NIGHT, now=NOW))["三桃乡"] == ("已报", at(19, 40))
    # kept with the night's archive: the inbox cleared, a re-merge still knows it
    kept = config.paths.archive / NIGHT.isoformat() / ARRIVALS_NAME
    assert "三桃乡 2020-02-04 19:40" in kept.read_text(encoding="utf-8-sig")
    (inbox / ARRIVALS_NAME).unlink()
    assert townships(merge_night(config, NIGHT, now=NOW))["三桃乡"] == ("已报", at(19, 40))
    # a line of the inbox wins over the kept one
    record(inbox, "三桃乡 2月4日 20:10\n")
    assert townships(merge_night(config, NIGHT, now=NOW))["三桃乡"] == ("迟报", at(20, 10))


def test_recorded_lines_that_cannot_be_used_are_said(config: Config, inbox: Path,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    send(inbox, "麟凤镇 初稿.xlsx", township_book("麟凤镇", 4), at(17, 0))
    book = township_book("麟凤镇", 4)
    set_cell(book, "排查登记", 1, "姓名", "新文件")
    send(inbox, "麟凤镇_20200204.xlsx", book, LATE)
    record(inbox, "麟凤镇 2月4日 19:00\n"  # two files: a file name is needed
                  "水田镇 2月4日 19:00\n"  # sent nothing
                  "某某镇 2月4日 19:00\n"  # not a township
                  "三桃乡 19:40\n"  # no date
                  "扎西镇 2月30日 19:40\n"  # no such date
                  "随便写的一行\n"
                  "旧城镇 2月3日 19:40\n"  # another night's line: left alone
                  "旧城镇 2月5日 13:00\n")  # the next day's afternoon: another night
    result = merge_night(config, NIGHT, now=NOW)
    why = [w for name, w in result.skipped if name == ARRIVALS_NAME]
    assert len(why) == 6, why
    assert any("第1行" in w and "有2个文件" in w and "请写文件名" in w for w in why)
    assert any("第2行" in w and "没有收到水田镇的文件" in w for w in why)
    assert any("第3行" in w and "“某某镇”既不是" in w for w in why)
    assert any("第4行" in w and "没有写日期" in w for w in why)
    assert any("第5行" in w and "日期或时间不对" in w for w in why)
    assert any("第6行" in w and "看不懂" in w for w in why)
    assert townships(result)["麟凤镇"] == ("迟报", LATE)  # not applied
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["merge", "--date", "2020-02-04"]).output
    assert "跳过:送达时间.txt(第1行:麟凤镇这一晚有2个文件" in out


@pytest.mark.parametrize(("line", "want"), [
    ("三桃乡 2020-02-04 19:40", at(19, 40)),
    ("三桃乡 2020/2/4 19:40", at(19, 40)),
    ("三桃乡 2/4 19:40", at(19, 40)),
    ("三桃乡,2月4日 19:40", at(19, 40)),
    ("三桃乡，2月4日19时40分", at(19, 40)),
    ("三桃乡=2020年2月4日 19：40", at(19, 40)),
    ("“三桃乡 网格登记表.xlsx” 2月4日 19:40", at(19, 40)),
    ("三桃乡 2月5日 00:30", at(0, 30, day=NIGHT + dt.timedelta(days=1))),
])
def test_recorded_line_forms(line: str, want: dt.datetime) -> None:
    rec = parse_recorded(line, NIGHT)
    assert rec.problems == [] and len(rec.lines) == 1
    _where, key, got = rec.lines[0]
    assert got == want and key in ("三桃乡", "三桃乡 网格登记表.xlsx")


def test_recorded_year_end() -> None:
    night = dt.date(2020, 12, 31)
    assert parse_recorded("三桃乡 1月1日 01:00", night).lines[0][2] == dt.datetime(2021, 1, 1, 1)
    assert parse_recorded("三桃乡 12月31日 19:00", night).lines[0][2] == dt.datetime(
        2020, 12, 31, 19)


def test_recorded_file_in_no_encoding_is_said(config: Config, inbox: Path) -> None:
    send(inbox, "三桃乡_20200204.xlsx", township_book("三桃乡", 10), ON_TIME)
    (inbox / ARRIVALS_NAME).write_bytes("三桃乡 2月4日 19:40".encode("utf-16-le"))
    result = merge_night(config, NIGHT, now=NOW)
    assert townships(result)["三桃乡"] == ("已报", ON_TIME)
    assert any(name == ARRIVALS_NAME and "不是能读取的文字文件" in why
               for name, why in result.skipped)


def test_arrival_is_logged_with_its_source(config: Config, inbox: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    send(inbox, "三桃乡_20200204.xlsx", township_book("三桃乡", 10), LATE)
    record(inbox, "三桃乡 2月4日 19:40\n")
    with caplog.at_level("INFO", logger="gridkit"):
        merge_night(config, NIGHT, now=NOW)
    text = caplog.text
    assert f"送达时间 2020-02-04 21:30:00(取自{SOURCE_MTIME})" in text
    assert "按送达时间.txt中登记的时间改为 2020-02-04 19:40" in text


def test_stamp_helper_is_what_the_tests_think(tmp_path: Path) -> None:
    p = tmp_path / "x"
    p.write_bytes(b"")
    stamp(p, ON_TIME)
    assert dt.datetime.fromtimestamp(os.stat(p).st_mtime) == ON_TIME


def test_a_record_that_cannot_be_written_is_tried_again(config: Config, inbox: Path,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    watch = InboxWatch(config)
    seen_path(config).mkdir(parents=True)  # in the way of the record
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1))
    with caplog.at_level("WARNING", logger="gridkit"):
        assert watch.look(inbox_files(inbox), at(19, 1)) == []
    assert "无法写入" in caplog.text
    seen_path(config).rmdir()
    assert watch.look(inbox_files(inbox), at(19, 2)) == ["扎西镇_20200204.xlsx"]
    assert len(load_seen(config, inbox)) == 1
