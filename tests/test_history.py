"""Checks across nights: a township's register tonight against its own earlier nights in
the store, on consecutive registers merged night after night."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.factory import Book, pid, set_cell
from tests.test_merge import send, sheet_values, township_book
from toolkit.config.county import Config
from toolkit.night.history import modified_z
from toolkit.night.merge import merge_night
from toolkit.store import open_store
from toolkit.store.records import FindingRecord

D3, D4 = dt.date(2020, 2, 3), dt.date(2020, 2, 4)
TOWN = "扎西镇"
CROSS = {"gone-since-last-night", "changed-since-last-night", "measure-backwards",
         "stale-copy", "jump-in-new-rows", "cumulative-fell", "observation-short-across-nights",
         "late-registration", "jump-in-daily-figure"}


def merge(config: Config, night: dt.date, book: Book, name: str | None = None) -> None:
    """One night with ``book`` as 扎西镇's register (sent at 19:00 that day)."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    send(inbox, name or f"{TOWN}_{night:%Y%m%d}.xlsx", book,
         at=dt.datetime.combine(night, dt.time(19, 0)))
    merge_night(config, night, now=dt.datetime.combine(night, dt.time(22, 0)))


def cross_findings(config: Config, night: dt.date) -> list[FindingRecord]:
    with open_store(config) as store:
        return [f for f in store.findings(night) if f.rule in CROSS]


def book_for(night: dt.date) -> Book:
    book = township_book(TOWN, 1, night)
    for sheet in ("卡点值守", "宣传", "捐赠"):  # these sheets' rows are the day's own
        for row in book[sheet][1:]:
            row[0] = night
    return book


def screening_row(book: Book, name: str) -> list[Any]:
    return next(r for r in book["排查登记"][1:] if r[1] == name)


@pytest.fixture
def yesterday(config: Config) -> Book:
    book = book_for(D3)
    merge(config, D3, book)
    return book


def test_a_first_night_is_checked_as_tonight_only(config: Config, yesterday: Book) -> None:
    assert cross_findings(config, D3) == []


def test_an_unchanged_register_a_day_on_gets_no_cross_night_warning(
        config: Config, yesterday: Book) -> None:
    today = book_for(D4)
    today["排查登记"].append([4, "新人", "男", pid(150), "13612340099", "H001", "四川省成都市",
                            "否", D4, "无", "正常", "居家观察", D4, None, "李娜", None])
    merge(config, D4, today)
    assert cross_findings(config, D4) == []


def test_a_person_gone_since_last_night_names_the_earlier_row(config: Config,
                                                              yesterday: Book) -> None:
    today = book_for(D4)
    gone = screening_row(today, "黄丽")
    today["排查登记"].remove(gone)
    merge(config, D4, today)
    found = {f.rule: f for f in cross_findings(config, D4)}
    f, fell = found["gone-since-last-night"], found["cumulative-fell"]
    assert len(found) == 2 and f.severity == "warning"
    assert "2月3日报表排查登记表第3行的黄丽" in f.message and "今日表中没有" in f.message
    assert f.value == gone[3] and f.sheet == "排查登记"
    # the register is cumulative: its rows fell, said once for the sheet
    assert (fell.rule, fell.sheet, fell.severity) == ("cumulative-fell", "排查登记", "warning")
    assert "排查登记表今日 2 行,比2月3日的 3 行少了 1 行" in fell.message


def test_a_household_and_a_grid_gone_are_warned(config: Config, yesterday: Book) -> None:
    today = book_for(D4)
    del today["住户"][3]  # H003 (its person moves to H002)
    set_cell(today, "排查登记", 3, "户编号", "H002")
    merge(config, D4, today)
    found = cross_findings(config, D4)
    assert [(f.rule, f.sheet, f.value) for f in found] == [
        ("cumulative-fell", "住户", None), ("gone-since-last-night", "住户", "H003")]


def test_a_changed_arrival_date_is_warned_at_its_cell_unless_noted(config: Config,
                                                                   yesterday: Book) -> None:
    today = book_for(D4)
    row = set_cell(today, "排查登记", 2, "抵威日期", dt.date(2020, 1, 28))
    merge(config, D4, today)
    [f] = cross_findings(config, D4)
    assert (f.rule, f.row, f.cell, f.column) == ("changed-since-last-night", row, f"I{row}",
                                                  "抵威日期")
    assert "抵威日期是2020-01-25" in f.message and "2020-01-28" in f.message

    noted = book_for(D4)  # the township answers with a note: not warned again
    set_cell(noted, "排查登记", 2, "抵威日期", dt.date(2020, 1, 28))
    set_cell(noted, "排查登记", 2, "备注", "更正:原抵威日期填错")
    merge(config, D4, noted, name=f"{TOWN}_20200204_更正.xlsx")
    assert cross_findings(config, D4) == []


def test_a_changed_id_number_of_the_same_person_is_one_warning(config: Config,
                                                               yesterday: Book) -> None:
    today = book_for(D4)
    row = set_cell(today, "排查登记", 1, "身份证号", pid(160))
    merge(config, D4, today)
    [f] = cross_findings(config, D4)
    assert (f.rule, f.row, f.cell) == ("changed-since-last-night", row, f"D{row}")
    assert "的马小军身份证号是" in f.message and pid(160) in f.message


def test_released_then_under_management_again_is_warned(config: Config) -> None:
    before = book_for(D3)
    set_cell(before, "排查登记", 1, "管控措施", "解除观察")
    merge(config, D3, before)
    today = book_for(D4)  # 居家观察 again, no note
    merge(config, D4, today)
    found = {f.rule: f for f in cross_findings(config, D4)}
    f, fell = found["measure-backwards"], found["cumulative-fell"]
    assert len(found) == 2 and f.cell == "L2"
    assert "已解除观察,今日又是居家观察" in f.message
    assert "累计解除观察今日 0 人,比2月3日的 1 人少了 1 人" \
        in fell.message


def test_released_before_the_observation_days_counted_from_last_nights_start(
        config: Config) -> None:
    """Released tonight, the start date moved back so that tonight's own dates look long
    enough: counted from last night's start, the observation was 10 days."""
    before = book_for(D3)
    set_cell(before, "排查登记", 1, "观察起始日期", dt.date(2020, 1, 25))
    set_cell(before, "排查登记", 1, "观察解除日期", dt.date(2020, 2, 8))
    merge(config, D3, before)
    today = book_for(D4)
    row = set_cell(today, "排查登记", 1, "管控措施", "解除观察")
    set_cell(today, "排查登记", 1, "观察起始日期", dt.date(2020, 1, 20))
    set_cell(today, "排查登记", 1, "观察解除日期", D4)
    merge(config, D4, today)
    found = {f.rule: f for f in cross_findings(config, D4)}
    short = found["observation-short-across-nights"]
    assert (short.row, short.cell, short.severity) == (row, f"L{row}", "warning")
    assert "观察起始日期是1月25日,到2月4日解除观察只有10天,不满14天" in short.message
    assert found["changed-since-last-night"].column == "观察起始日期"
    with open_store(config) as store:  # tonight's own dates are 15 days: no single-night error
        assert not [f for f in store.findings(D4) if f.rule == "observation-too-short"]


def test_yesterdays_register_sent_again_under_todays_date_is_a_stale_copy(
        config: Config, yesterday: Book) -> None:
    again = [list(r) for r in yesterday["填报信息"]]
    again[1][1] = D4  # only the cover's date changed
    merge(config, D4, {**yesterday, "填报信息": again})
    [f] = cross_findings(config, D4)
    assert f.rule == "stale-copy" and "与2月3日的报表完全相同" in f.message


def test_a_jump_in_new_rows_over_the_last_nights(config: Config) -> None:
    start = dt.date(2020, 1, 29)
    book = book_for(start)
    for k in range(7):  # a week of one or two new persons a day
        night = start + dt.timedelta(days=k)
        book = book_for(night) if k == 0 else {**book, **{
            s: book_for(night)[s] for s in ("填报信息", "卡点值守", "宣传", "捐赠")}}
        for i in range(1 + k % 2):
            book["排查登记"].append([0, f"人{k}{i}", "男", pid(200 + 2 * k + i), "13612340099",
                                  "H001", "四川省", "否", night, "无", "正常", "无需管控",
                                  None, None, "李娜", None])
        merge(config, night, book)
        assert cross_findings(config, night) == [], night
    night = start + dt.timedelta(days=7)
    book = {**book, **{s: book_for(night)[s] for s in ("填报信息", "卡点值守", "宣传", "捐赠")}}
    for i in range(40):  # forty at once
        book["排查登记"].append([0, f"新{i}", "男", pid(300 + i), "13612340099", "H001",
                              "四川省", "否", night, "无", "正常", "无需管控", None, None,
                              "李娜", None])
    merge(config, night, book)
    found = {f.rule: f for f in cross_findings(config, night)}
    assert set(found) == {"jump-in-new-rows", "jump-in-daily-figure"}
    assert "今日新增 40 行" in found["jump-in-new-rows"].message
    # the same forty are the day's new arrivals: that figure jumped too
    assert "今日当日新抵达人员 40 人,本乡镇近" in found["jump-in-daily-figure"].message


def test_modified_z_score() -> None:
    assert modified_z(10, [1, 2, 1, 2, 1]) > 3.5
    assert modified_z(3, [1, 2, 1, 2, 1]) < 3.5
    assert modified_z(2, [1, 1, 1, 1]) < 3.5  # no spread: one more is not a jump
    assert modified_z(-50, [1, 2, 3]) < 0


def test_cross_night_findings_reach_the_masters_problem_list(config: Config,
                                                             yesterday: Book) -> None:

    today = book_for(D4)
    today["排查登记"].remove(screening_row(today, "黄丽"))
    merge(config, D4, today)
    text = " ".join(str(c) for r in sheet_values(config.paths.master)["问题清单"] for c in r)
    assert "上次报表有、今日没有" in text and "2月3日报表排查登记表第3行的黄丽" in text


def test_seven_sample_nights_build_on_each_other_without_a_cross_night_warning(
        config: Config, tmp_path: Path) -> None:
    """``generate_nights``: each night's registers hold yesterday's persons plus the new
    arrivals; merged in turn, no township gets a cross-night warning or any error, the
    screened persons only grow, and the last night's planted defects are found."""
    from toolkit.sample import generate_nights

    last = dt.date(2020, 2, 4)
    results = generate_nights(config, tmp_path / "nights", last, 7, scale=0.3,
                              townships=3, defects=0.02)
    assert [r.date for r in results] == [last - dt.timedelta(days=6 - k) for k in range(7)]
    screened = []
    for r in results:
        inbox = config.paths.inbox
        inbox.mkdir(parents=True, exist_ok=True)
        for f in r.files:
            send_file(inbox, f, dt.datetime.combine(r.date, dt.time(19, 0)))
        result = merge_night(config, r.date, now=dt.datetime.combine(r.date, dt.time(22, 0)))
        assert all(t.merged for t in result.townships[:3]), r.date
        screened.append(sum(v.get("排查登记", 0) for v in r.rows.values()))
        found = cross_findings(config, r.date)
        if r.date == last:  # only where a defect was planted (a wrong ID, a wrong date)
            planted = {(t.file, t.row) for t in r.defects}
            assert all((f.file, f.row) in planted for f in found if f.row), found[:3]
        else:
            assert found == [], (r.date, found[:3])
        if r.date < last:
            with open_store(config) as store:
                assert [f for f in store.findings(r.date) if f.severity == "error"] == []
    assert screened == sorted(screened) and screened[0] < screened[-1]
    assert results[-1].defects  # planted on the last night only
    assert not any(r.defects for r in results[:-1])


def send_file(inbox: Path, path: Path, at: dt.datetime) -> None:
    import os
    import shutil

    copy = inbox / path.name
    shutil.copyfile(path, copy)
    os.utime(copy, (at.timestamp(), at.timestamp()))


def test_sample_nights_on_the_command_line(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from toolkit.cli import main

    out = CliRunner().invoke(main, ["sample", str(tmp_path / "s"), "--date", "2020-02-04",
                                    "--nights", "3", "--townships", "2", "--scale", "0.1",
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    nights = json.loads(out.output)
    assert [n["date"] for n in nights] == ["2020-02-02", "2020-02-03", "2020-02-04"]
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "20200202", "20200203", "20200204"]
    assert (tmp_path / "s" / "20200202" / "扎西镇_20200202.xlsx").is_file()
    truth = tmp_path / "truth.json"
    out = CliRunner().invoke(main, ["sample", str(tmp_path / "c"), "--date", "2020-02-04",
                                    "--nights", "2", "--townships", "1", "--scale", "0.3",
                                    "--cross-night", "--truth", str(truth)])
    assert out.exit_code == 0, out.output
    kinds = {t["kind"] for t in json.loads(truth.read_text(encoding="utf-8"))}
    assert {"gone-since-last-night", "changed-since-last-night"} <= kinds
    assert out.output.count(str(truth)) == 1  # written once, for the last night
    alone = CliRunner().invoke(main, ["sample", str(tmp_path / "d"), "--date", "2020-02-04",
                                      "--cross-night"])
    assert alone.exit_code == 2 and "--nights" in alone.output


def test_the_report_names_townships_late_or_missing_on_several_nights(config: Config) -> None:
    """Completeness over the last nights: a township missing two nights of three and one
    late twice are named in 存在问题 with their counts; one late night alone is not."""
    from tests.test_merge import stamp
    from toolkit.outputs.report import build_report

    names = config.county.township_names
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for k, night in enumerate([D4 - dt.timedelta(days=2), D4 - dt.timedelta(days=1), D4]):
        for i, name in enumerate(names, start=1):
            if name == names[0] and k < 2:
                continue  # missing the first two nights
            late = (name == names[1] and k > 0) or (name == names[2] and k == 2)
            at = dt.datetime.combine(night, dt.time(21, 30) if late else dt.time(19, 0))
            path = send(inbox, f"{name}_{night:%Y%m%d}.xlsx", township_book(name, i, night))
            stamp(path, at)
        merge_night(config, night, now=dt.datetime.combine(night, dt.time(22, 0)))
        for f in inbox.iterdir():
            f.unlink()
    report = build_report(config, D4)
    text = report.text
    assert f"近3天多次迟报或未报：{names[0]}未报2次；{names[1]}迟报2次，请重点督促。" in text
    assert f"{names[2]}迟报1次" not in text
    # the 日报 workbook: every township's status each night, the counts and tonight's run
    import openpyxl

    ws = openpyxl.load_workbook(report.workbook)["近14天报送"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["乡镇"] == ("乡镇", "2/2", "2/3", "2/4", "按时", "迟报", "未报", "目前")
    assert rows[names[0]] == (names[0], "未报", "未报", "已报", 1, 0, 2, "按时")
    assert rows[names[1]] == (names[1], "已报", "迟报", "迟报", 1, 2, 0, "连续2天迟报")
    assert rows[names[3]][-1] == "连续3天按时"


def test_a_person_registered_twice_is_not_compared_across_nights(config: Config) -> None:
    """Two rows with one ID (its own duplicate-id error): which of them is 'the' person is
    unknown, so no changed-since-last-night for it, on either night."""
    before = book_for(D3)
    twin = list(screening_row(before, "黄丽"))
    twin[1], twin[8] = "黄莉", dt.date(2020, 1, 26)  # the same ID, another arrival date
    before["排查登记"].append(twin)
    merge(config, D3, before)
    today = book_for(D4)
    today["排查登记"].append(list(twin))
    merge(config, D4, today)
    assert cross_findings(config, D4) == []


def test_a_register_resaved_by_libreoffice_is_the_same_register(
        config: Config, yesterday: Book, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tonight's register saved by another program (LibreOffice, as another office's
    computer would: its own number and date storage, as .xlsx and as .xls) holds the
    same people as last night's openpyxl file: no cross-night warning."""
    from tests.factory import write_workbook
    from tests.layouts import shared_office

    office = shared_office(tmp_path_factory)
    source = tmp_path_factory.mktemp("lo") / f"{TOWN}_20200204.xlsx"
    write_workbook(source, book_for(D4))
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for ext in ("xlsx", "xls"):
        saved = office.convert(source, ext, "history-resaved")
        send_file(inbox, saved, dt.datetime.combine(D4, dt.time(19, 0)))
        result = merge_night(config, D4, now=dt.datetime.combine(D4, dt.time(22, 0)))
        town = next(t for t in result.townships if t.township == TOWN)
        assert town.merged and town.file == saved.name, (ext, town)
        assert cross_findings(config, D4) == [], ext
        (inbox / saved.name).unlink()


def test_a_failing_cross_night_check_does_not_stop_the_night(
        config: Config, yesterday: Book, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Should the checks across nights fail on what one township sent, that township is
    merged with tonight's own checks, the failure logged, and the night goes on."""
    from toolkit.night import history

    def broken(*_args: Any) -> list[Any]:
        raise ValueError("unexpected value")

    monkeypatch.setattr(history, "_kept", broken)
    merge(config, D4, book_for(D4))
    with open_store(config) as store:
        town = next(s for s in store.statuses(D4) if s.township == TOWN)
    assert town.merged
    assert "跨夜检查未能完成" in caplog.text


def test_check_with_history_shows_the_warnings_before_the_file_is_sent(
        config: Config, yesterday: Book, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`gridkit check --history`: the township checks tonight's file against its own last
    merged night before sending it; nothing is written to the store."""
    import json

    from click.testing import CliRunner

    from tests.factory import write_workbook
    from toolkit.cli import main

    today = book_for(D4)
    today["排查登记"].remove(screening_row(today, "黄丽"))
    (tmp_path / "draft").mkdir()
    path = write_workbook(tmp_path / "draft" / f"{TOWN}_20200204.xlsx", today)
    monkeypatch.chdir(tmp_path)  # the built-in county, its store in tmp_path
    plain = CliRunner().invoke(main, ["check", str(path)])
    assert plain.exit_code == 0 and "gone-since-last-night" not in plain.output
    checked = CliRunner().invoke(main, ["check", "--history", str(path)])
    assert checked.exit_code == 0, checked.output  # warnings only
    assert "gone-since-last-night" in checked.output
    assert "2月3日报表排查登记表第3行的黄丽" in checked.output
    as_json = CliRunner().invoke(main, ["check", "--history", "--format", "json", str(path)])
    [result] = json.loads(as_json.output)
    assert {i["rule"] for i in result["issues"]} >= {"gone-since-last-night",
                                                      "cumulative-fell"}
    with open_store(config) as store:
        assert store.nights() == [D3]


def test_check_with_history_and_no_history_yet_says_so(
        tmp_path: Path, clean_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from toolkit.cli import main

    monkeypatch.chdir(tmp_path)
    checked = CliRunner().invoke(main, ["check", "--history", str(clean_file)])
    assert checked.exit_code == 0, checked.output
    assert "历史库中还没有汇总过的报表,只按当日检查。" in checked.output
    assert not (tmp_path / "gridkit.sqlite3").exists()  # no store made by a check


@pytest.mark.parametrize("layouts", [False, True], ids=["template", "own-layouts"])
def test_seven_sample_nights_with_cross_night_defects_planted_are_all_found(
        config: Config, tmp_path: Path, layouts: bool) -> None:
    """``--nights 7 --cross-night``: the last night's planted cross-night defects (a person
    gone, an arrival date changed, a released person under management again, a household
    gone and so a cumulative count fallen) are each found where the truth says, by its
    rule, with no other cross-night warning, no other error, and nothing on the six clean
    nights."""
    from toolkit.sample import generate_nights
    from toolkit.sample.across import KINDS

    last = dt.date(2020, 2, 4)
    # own-layouts: each township lays its file out in its own real-world habits (cover
    # forms, split and renamed sheets, two-level headers, subtotals ...)
    results = generate_nights(config, tmp_path / "nights", last, 7, scale=0.3,
                              townships=3, cross_night=True, layouts=layouts)
    for r in results:
        inbox = config.paths.inbox
        inbox.mkdir(parents=True, exist_ok=True)
        for f in r.files:
            send_file(inbox, f, dt.datetime.combine(r.date, dt.time(19, 0)))
        merge_night(config, r.date, now=dt.datetime.combine(r.date, dt.time(22, 0)))
        if r.date < last:
            assert cross_findings(config, r.date) == [], r.date
    planted = [t for t in results[-1].truth if t.kind in KINDS]
    assert {t.kind for t in planted} == set(KINDS)
    assert {t.township for t in planted} == {t.name for t in config.county.townships[:3]}
    found = cross_findings(config, last)
    for t in planted:  # each at its row (a row still there) or its sheet (a row gone)
        assert any(f.rule == t.kind and f.township == t.township and f.sheet == t.sheet
                   and (f.row == t.row if t.row else True)
                   and (t.row == 0 or f.column == t.column) for f in found), t
    expected = {(t.township, t.kind, t.sheet, t.row if t.row else None) for t in planted}
    for f in found:  # and nothing else
        assert (f.township, f.rule, f.sheet, f.row) in expected, f
    with open_store(config) as store:
        assert [f for f in store.findings(last) if f.severity == "error"] == []


def test_a_person_without_an_id_number_is_followed_by_name_and_household(
        config: Config) -> None:
    """Registered without an ID number: the same name in the same household is the same
    person (still there, or given an ID tonight: nothing to say); gone, it is warned."""
    before = book_for(D3)
    set_cell(before, "排查登记", 2, "身份证号", None)  # 黄丽, H002
    merge(config, D3, before)
    still = book_for(D4)
    set_cell(still, "排查登记", 2, "身份证号", None)
    merge(config, D4, still)
    assert cross_findings(config, D4) == []
    given = book_for(D4)  # her ID filled in tonight
    merge(config, D4, given, name=f"{TOWN}_20200204_补身份证号.xlsx")
    assert cross_findings(config, D4) == []
    gone = book_for(D4)
    gone["排查登记"].remove(screening_row(gone, "黄丽"))
    merge(config, D4, gone, name=f"{TOWN}_20200204_删.xlsx")
    found = {f.rule: f for f in cross_findings(config, D4)}
    assert "2月3日报表排查登记表第3行的黄丽(未填身份证号),今日表中没有" in found[
        "gone-since-last-night"].message


def test_a_new_person_who_arrived_before_last_night_is_a_late_registration(
        config: Config, yesterday: Book) -> None:
    """Today's total is yesterday's plus today's arrivals: a person new tonight whose 抵威日期
    is before last night is warned at that cell, unless 备注 says (补登)."""
    today = book_for(D4)
    today["排查登记"].append([4, "新人", "男", pid(150), "13612340099", "H001", "四川省成都市",
                            "否", dt.date(2020, 1, 30), "无", "正常", "无需管控", None, None,
                            "李娜", None])
    today["排查登记"].append([5, "今到", "男", pid(151), "13612340098", "H001", "四川省成都市",
                            "否", D4, "无", "正常", "无需管控", None, None, "李娜", None])
    merge(config, D4, today)
    [f] = cross_findings(config, D4)
    assert (f.rule, f.severity, f.row, f.cell) == ("late-registration", "warning", 5, "I5")
    assert "抵威日期却是2020-01-30,在2月3日或更早" in f.message
    today["排查登记"][4][15] = "补登"
    merge(config, D4, today, name=f"{TOWN}_20200204_补登.xlsx")
    assert cross_findings(config, D4) == []


def test_a_jump_in_a_days_figure_is_warned(config: Config) -> None:
    """The fever count at the checkpoints, 0 or 1 for a week, then 30: a warning to verify;
    the checkpoints' other figures as usual are not."""
    for k in range(6, 0, -1):
        night = D4 - dt.timedelta(days=k)
        book = book_for(night)
        set_cell(book, "卡点值守", 2, "体温异常人数", k % 2)
        merge(config, night, book)
    book = book_for(D4)
    set_cell(book, "卡点值守", 2, "体温异常人数", 30)
    merge(config, D4, book)
    [f] = cross_findings(config, D4)
    assert f.rule == "jump-in-daily-figure" and f.severity == "warning"
    assert "今日卡点体温异常人数 30 人,本乡镇近6日通常约 0.5 人" in f.message


def test_a_store_the_worker_cannot_open_does_not_refuse_the_file(
        config: Config, yesterday: Book, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The checks across nights open the store in the file's worker: should that fail (a
    server down for a moment), the township is merged with tonight's own checks, never
    退回, and the night logs why."""
    from toolkit.errors import JobFailed
    from toolkit.night import history

    def down(*_args: Any) -> Any:
        raise JobFailed("历史库服务器连不上")

    monkeypatch.setattr(history, "open_store", down)
    merge(config, D4, book_for(D4))
    with open_store(config) as store:
        town = next(s for s in store.statuses(D4) if s.township == TOWN)
    assert town.merged and town.status == "已报"
    assert "跨夜检查未能完成(历史库打不开)" in caplog.text
