"""The county master workbook's buttons (汇总, 生成日报, 生成反馈) on the in-memory xlwings
engine: each does what the library/CLI does for the same night, and a failure is one
sentence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import macros
from tests import xlwings_memory as mem
from tests.factory import set_cell
from tests.test_merge import NIGHT, full_night, send, sheet_values, township_book
from toolkit.config.county import Config
from toolkit.excel import attach as at
from toolkit.outputs.feedback import NOTE_NAME

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def master_book(tmp_path: Path, config: Config,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """全县汇总表.xlsm with the county buttons, in the county's workbooks folder, open in
    the memory engine as the calling book; the night is set in its xlwings.conf sheet."""
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    xlsm = config.paths.master.with_suffix(".xlsm")
    at.attach(REPO / "workbooks" / "全县汇总表.xlsx", xlsm, actions=at.MASTER_ACTIONS,
              night=NIGHT.isoformat(), write_bas=False)
    previous = mem.activate()
    yield mem.open_caller(xlsm)
    mem.deactivate(previous)


def _plain(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def test_merge_button_runs_the_night_and_refreshes(master_book: Any, config: Config) -> None:
    full_night(config)
    message = macros.merge_now()
    n = len(config.county.townships)
    assert message.startswith(f"2020-02-04 汇总完成:应报{n}个乡镇：已报{n}个")
    assert master_book.app.impl.alerts[-1]["mode"] == "info"
    master = sheet_values(config.paths.master)
    for name in ("汇总", "报送情况"):
        shown = master_book.sheets[name].used_range.options(ndim=2).value
        expected = [[_plain(v) for v in row] for row in master[name]]
        got = [[_plain(v) for v in row] for row in shown]
        assert got[: len(expected)] == expected, name
    assert master_book.sheets[0].name == "操作按钮"  # the buttons stay
    assert "汇总完成" in (config.paths.logs / "gridkit.log").read_text(encoding="utf-8")


def test_report_button_opens_the_report(master_book: Any, config: Config) -> None:
    full_night(config)
    macros.merge_now()
    message = macros.make_report()
    report = config.paths.reports / "疫情防控工作日报_20200204.xlsx"
    assert report.is_file()
    assert str(report) in message
    assert master_book.app.impl.opened_files[-1] == str(report)


def merged_with_one_bad_phone(config: Config) -> str:
    """Merge a full night (through the 汇总 button) in which the first township's file has
    one bad phone; returns that township."""
    inbox = full_night(config)
    first = config.county.township_names[0]
    book = township_book(first, 1)
    set_cell(book, "排查登记", 1, "联系电话", "12345")
    send(inbox, f"{first}_20200204.xlsx", book)
    macros.merge_now()
    return first


def test_feedback_button_writes_every_township(master_book: Any, config: Config) -> None:
    first = merged_with_one_bad_phone(config)
    message = macros.make_feedback()
    n = len(config.county.townships)
    assert f"已为{n}个乡镇写出反馈说明(其中1个附标注副本)" in message
    for name in config.county.township_names:
        assert (config.paths.outbox / name / NOTE_NAME.format(night=NIGHT)).is_file()
    copies = list((config.paths.outbox / first).glob("*.xlsx"))
    assert len(copies) == 1


def test_merge_button_without_inbox_is_one_sentence(master_book: Any, config: Config) -> None:
    message = macros.merge_now()
    assert "收件箱" in message and "\n" not in message and "Traceback" not in message
    assert master_book.app.impl.alerts == [
        {"prompt": message, "title": "gridkit", "buttons": "ok", "mode": "critical"}]


def test_bad_date_in_conf_sheet(master_book: Any) -> None:
    master_book.sheets["xlwings.conf"]["B6"].value = "昨天"
    message = macros.make_report()
    assert "GRIDKIT_DATE" in message and "昨天" in message


def test_big_sheets_are_left_to_the_master_file(master_book: Any, config: Config,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.excel import county

    monkeypatch.setattr(county, "REFRESH_MAX_CELLS", 100)
    full_night(config)
    message = macros.merge_now()
    assert "排查登记" in message and str(config.paths.master) in message
    assert master_book.sheets["排查登记"]["A1"].value.startswith("本表数据量大")
    assert master_book.sheets["排查登记"]["A2"].value is None


def test_feedback_button_names_a_copy_it_could_not_write(
        master_book: Any, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import toolkit.outputs.feedback

    first = merged_with_one_bad_phone(config)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(toolkit.outputs.feedback, "_annotated_copy", refuse)
    message = macros.make_feedback()
    assert f"标注副本未写出:{first}:无法写出标注副本:没有访问权限" in message
    assert "Permission denied" not in message
