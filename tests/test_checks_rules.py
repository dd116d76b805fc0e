"""Each rule on a register built directly (no reader): a planted defect is found at the
right cell with the right rule and severity; the clean register gives no finding."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from tests.factory import Book, clean_register, pid, set_cell
from tests.regbuild import build
from toolkit.check.idcard import check_digit
from toolkit.check.rules import run_checks
from toolkit.check.rules.context import show
from toolkit.config.county import Config
from toolkit.findings import Finding
from toolkit.read.table import column_letter

D = dt.date


def check(book: Book, config: Config, **kw: Any) -> list[Finding]:
    return run_checks(build(book, config, **kw), config)


def cell_of(book: Book, sheet: str, data_row: int, column: str) -> str:
    return f"{column_letter(book[sheet][0].index(column))}{data_row + 1}"


def test_clean_register_has_no_finding(config: Config) -> None:
    assert check(clean_register(), config) == []


_BAD_BIRTH = "53062919800231123"
_WRONG_CD = pid(1)[:17] + ("0" if pid(1)[17] != "0" else "1")

CASES: list[tuple[str, int, str, Any, str, str, str | None]] = [
    # sheet, data row, column, value, rule, severity, column the finding points at
    ("住户", 1, "户主姓名", None, "required-missing", "error", None),
    ("排查登记", 2, "来源地", "", "required-missing", "error", None),
    ("住户", 1, "家庭人口数", "四口", "invalid-number", "error", None),
    ("住户", 1, "家庭人口数", 2.5, "invalid-number", "error", None),
    ("住户", 1, "家庭人口数", 0, "negative-number", "error", None),
    ("卡点值守", 1, "值守人数", -1, "negative-number", "error", None),
    ("捐赠", 1, "折合金额(元)", -5.5, "negative-number", "error", None),
    ("宣传", 1, "标语横幅(条)", "三十", "invalid-number", "error", None),
    ("排查登记", 1, "抵威日期", "2020-13-45", "invalid-date", "error", None),
    ("宣传", 1, "日期", "昨天", "invalid-date", "error", None),
    ("排查登记", 1, "健康状况", "发烧", "invalid-enum", "error", None),
    ("住户", 1, "住户类别", "农村", "invalid-enum", "error", None),
    ("住户", 1, "联系电话", "1351234000", "phone-invalid", "error", None),
    ("住户", 1, "联系电话", "2158276", "phone-invalid", "error", None),
    ("排查登记", 1, "联系电话", "没有", "phone-invalid", "error", None),
    ("住户", 1, "身份证号", 5.30629198005171e17, "id-stored-as-number", "error", None),
    ("住户", 1, "身份证号", 530629198005170000, "id-stored-as-number", "error", None),
    ("排查登记", 1, "身份证号", "5.30629E+17", "id-stored-as-number", "error", None),
    ("排查登记", 1, "身份证号", pid(11)[:15] + "000", "id-stored-as-number", "error", None),
    ("住户", 1, "身份证号", pid(1)[:17], "id-length", "error", None),
    ("住户", 1, "身份证号", _WRONG_CD, "id-check-digit", "error", None),
    ("住户", 1, "身份证号", _BAD_BIRTH + check_digit(_BAD_BIRTH), "id-birth-date", "error",
     None),
    ("住户", 1, "身份证号", "530629800517123", "id-legacy-15", "warning", None),
    ("排查登记", 1, "性别", "女", "id-sex-mismatch", "error", None),
    ("排查登记", 2, "身份证号", pid(12, male=True), "id-sex-mismatch", "error", "性别"),
    ("网格", 1, "乡镇工作人员", "李娜", "grid-staffing", "error", None),
    ("网格", 1, "包片党员", "甲、乙、丙、丁、戊、己", "grid-staffing", "error", None),
    ("网格", 2, "网格长", "孙涛、王五", "grid-staffing", "error", None),
    ("网格", 1, "乡村医生", "刘洋、赵六", "grid-staffing", "error", None),
    ("网格", 1, "联防队人数", 9, "defence-team-too-small", "error", None),
    ("网格", 1, "联防队党员人数", 13, "party-members-exceed-size", "error", None),
    ("卡点值守", 1, "其中党员", 7, "party-members-exceed-size", "error", None),
    ("队伍", 1, "党员人数", 16, "party-members-exceed-size", "error", None),
    ("网格", 1, "乡镇", "旧城镇", "wrong-township", "error", None),
    ("住户", 1, "网格编号", "G09", "unknown-grid", "error", None),
    ("住户", 1, "包保责任人", None, "no-responsible-person", "error", None),
    ("排查登记", 1, "户编号", "H999", "unknown-household", "error", None),
    ("排查登记", 2, "抵威日期", D(2020, 1, 7), "arrival-before-cutoff", "error", None),
    ("排查登记", 2, "抵威日期", D(2020, 2, 5), "arrival-after-report-date", "error", None),
    ("排查登记", 2, "是否湖北来威", "是", "unmanaged-risk", "error", "管控措施"),
    ("排查登记", 2, "接触史", "有", "unmanaged-risk", "error", "管控措施"),
    ("排查登记", 2, "健康状况", "发热", "unmanaged-risk", "error", "管控措施"),
    ("排查登记", 3, "管控措施", "解除观察", "unmanaged-risk", "error", None),
    ("排查登记", 3, "管控措施", "无需管控", "unmanaged-risk", "error", None),
    ("排查登记", 1, "观察解除日期", D(2020, 2, 2), "observation-too-short", "error", None),
    ("排查登记", 1, "观察起始日期", None, "observation-start-missing", "warning", None),
]


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "rule", "severity", "at"), CASES,
    ids=[f"{c[4]}:{c[0]}.{c[2]}={c[3]!r}" for c in CASES])
def test_planted_defect_is_found_at_its_cell(
        config: Config, sheet: str, row: int, column: str, value: Any, rule: str,
        severity: str, at: str | None) -> None:
    book = clean_register()
    set_cell(book, sheet, row, column, value)
    findings = check(book, config)
    assert [(f.rule, f.severity, f.sheet, f.cell) for f in findings] == [
        (rule, severity, sheet, cell_of(book, sheet, row, at or column))]
    finding = findings[0]
    assert finding.row == row + 1
    assert finding.column == (at or column)
    assert finding.message  # says what is wrong and what to do
    if at is None and value != "":
        assert show(finding.value) == show(value)


def test_stored_as_number_message_says_excel_destroyed_the_digits(config: Config) -> None:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", 5.30629198005171e17)
    (f,) = check(book, config)
    assert "15位有效数字" in f.message and "文本" in f.message and "18位" in f.message


def test_invalid_enum_suggests_the_closest_allowed_value(config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 1, "管控措施", "居家观查")
    (f,) = check(book, config)
    assert f.rule == "invalid-enum" and "“居家观察”" in f.message


def test_duplicate_id_reports_both_rows(config: Config) -> None:
    book = clean_register()
    set_cell(book, "住户", 3, "身份证号", pid(1))
    findings = check(book, config)
    assert [(f.rule, f.cell) for f in findings] == [("duplicate-id", "D2"), ("duplicate-id", "D4")]
    assert "另见第4行" in findings[0].message and "另见第2行" in findings[1].message


def test_a_duplicate_names_a_few_other_rows_never_all(config: Config) -> None:
    """16,000 rows with one ID: each row's message names three others and the count, so the
    findings grow with the rows, never with their square."""
    book = clean_register()
    header, *rows = book["排查登记"]
    book["排查登记"] = [header, *[list(rows[0]) for _ in range(600)]]
    findings = [f for f in check(book, config) if f.rule == "duplicate-id"]
    assert len(findings) == 600
    assert {len(f.message) for f in findings} <= {len(findings[0].message),
                                                   len(findings[0].message) + 1}
    assert "出现600次(另见第3、4、5行等)" in findings[0].message


def test_findings_of_a_rule_beyond_the_cap_are_counted_in_one(config: Config) -> None:
    book = clean_register()
    header, *rows = book["排查登记"]
    bad = list(rows[0])
    bad[header.index("联系电话")] = "12345"
    book["排查登记"] = [header, *[list(bad) for _ in range(30)]]
    capped = config.with_limits(findings_per_rule=10)
    phones = [f for f in check(book, capped) if f.rule == "phone-invalid"]
    assert len(phones) == 11 and phones[-1].cell is None and phones[-1].value == 20
    assert "另有20处" in phones[-1].message


def test_duplicate_key_reports_both_rows(config: Config) -> None:
    book = clean_register()
    set_cell(book, "住户", 2, "户编号", "H001")
    findings = check(book, config)
    assert [(f.rule, f.cell) for f in findings] == [
        ("duplicate-key", "A2"), ("duplicate-key", "A3"),
        ("unknown-household", "F3")]  # H002 is gone, so its screened person is orphaned


def test_missing_shift_points_at_the_first_row_of_the_checkpoint_day(config: Config) -> None:
    book = clean_register()
    set_cell(book, "卡点值守", 3, "班次", "早班")
    (f,) = check(book, config)
    assert (f.rule, f.severity, f.cell, f.value) == ("missing-shift", "error", "C2", "夜班")
    assert "夜班" in f.message


def test_each_checkpoint_day_needs_all_shifts(config: Config) -> None:
    book = clean_register()
    book["卡点值守"].append([D(2020, 2, 3), "扎西高速路口", "夜班", 5, 2, 40, 80, 0, "李娜"])
    (f,) = check(book, config)
    assert (f.rule, f.cell) == ("missing-shift", "C5")
    assert "早班、中班" in f.message


def test_released_after_the_observation_period_is_fine(config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 1, "管控措施", "解除观察")  # started 1-20, report 2-4
    assert check(book, config) == []


def test_released_without_start_date_uses_arrival(config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 3, "管控措施", "解除观察")
    set_cell(book, "排查登记", 3, "观察起始日期", None)
    set_cell(book, "排查登记", 3, "观察解除日期", None)
    assert [f.rule for f in check(book, config)] == ["unmanaged-risk"]


def _with_villages(config: Config, villages: tuple[str, ...]) -> Config:
    towns = tuple(dataclasses.replace(t, villages=villages) if t.name == "扎西镇" else t
                  for t in config.county.townships)
    return dataclasses.replace(config, county=dataclasses.replace(config.county,
                                                                  townships=towns))


def test_village_must_be_configured_one_when_villages_are_listed(config: Config) -> None:
    cfg = _with_villages(config, ("河坝村", "院子村"))
    assert check(clean_register(), cfg) == []
    book = clean_register()
    set_cell(book, "网格", 2, "村(社区)", "河坝")
    (f,) = check(book, cfg)
    assert (f.rule, f.cell) == ("unknown-village", "C3")
    assert "“河坝村”" in f.message


def test_any_village_is_accepted_when_none_are_configured(config: Config) -> None:
    book = clean_register()
    set_cell(book, "网格", 2, "村(社区)", "任何村")
    assert check(book, config) == []


def test_findings_are_sorted_by_sheet_row_column(config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 2, "联系电话", "123")
    set_cell(book, "排查登记", 1, "健康状况", "发烧")
    set_cell(book, "住户", 1, "户主姓名", None)
    cells = [(f.sheet, f.cell) for f in check(book, config)]
    assert cells == [("住户", "C2"), ("排查登记", "K2"), ("排查登记", "E3")]


def test_a_checkpoint_with_an_unreadable_date_is_not_judged_for_shifts(config: Config) -> None:
    book = clean_register()
    set_cell(book, "卡点值守", 1, "日期", "昨天")
    assert [(f.rule, f.cell) for f in check(book, config)] == [("invalid-date", "A2")]


def test_legacy_15_digit_id_still_checks_the_sex(config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 1, "身份证号", "530629800517112")  # even: a woman
    assert [(f.rule, f.severity, f.cell) for f in check(book, config)] == [
        ("id-sex-mismatch", "error", "C2"), ("id-legacy-15", "warning", "D2")]


def test_destroyed_ids_are_not_reported_as_duplicates(config: Config) -> None:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", pid(1)[:15] + "000")
    set_cell(book, "住户", 3, "身份证号", pid(1)[:15] + "000")
    assert {f.rule for f in check(book, config)} == {"id-stored-as-number"}


@pytest.mark.parametrize(("value", "flagged"), [
    ("扎西", False), ("威信县扎西镇", False), ("旧城镇", True), ("", False)])
def test_township_of_a_grid(config: Config, value: str, flagged: bool) -> None:
    book = clean_register()
    set_cell(book, "网格", 1, "乡镇", value)
    rules = [f.rule for f in check(book, config)]
    assert ("wrong-township" in rules) == flagged


@pytest.mark.parametrize(("value", "rule", "severity"), [
    (530629800517111, "id-legacy-15", "warning"),  # 15 digits survive a number cell
    (5306291980, "id-length", "error"),
    (5.30629198005171e17, "id-stored-as-number", "error"),
])
def test_ids_in_number_cells(config: Config, value: Any, rule: str, severity: str) -> None:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", value)
    assert [(f.rule, f.severity, f.cell) for f in check(book, config)] == [
        (rule, severity, "D2")]


@pytest.mark.parametrize("measure", ["居家观察", "解除观察"])
def test_observation_start_typed_as_year_9999_is_flagged_not_a_crash(config: Config,
                                                                      measure: str) -> None:
    # regression (robustness test): start + 14 days overflowed Python's dates
    book = clean_register()
    set_cell(book, "排查登记", 1, "观察起始日期", D(9999, 12, 31))
    set_cell(book, "排查登记", 1, "管控措施", measure)
    found = {(f.rule, f.cell): f.message for f in check(book, config)}
    assert ("observation-too-short", "N2") in found
    assert "9999-12-31" in found[("observation-too-short", "N2")]
    assert (("unmanaged-risk", "L2") in found) == (measure == "解除观察")


def test_birth_dates_are_judged_alike_in_small_and_large_registers() -> None:
    """A small register checks each ID's birth date by itself, a large one looks it up in a
    table of every real date: both accept and refuse the same dates."""
    from toolkit.check.rules.identity import _birth_dates, _BirthDates

    until = dt.date(2020, 2, 4)
    table, each = _birth_dates(until), _BirthDates(until)
    texts = [f"{y}{m:02d}{d:02d}" for y in (1889, 1890, 1900, 1999, 2000, 2019, 2020, 2021)
             for m in range(0, 14) for d in range(0, 33)]
    assert [t in table for t in texts] == [t in each for t in texts]
    assert "20200204" in each and "20200205" not in each and "19000229" not in each
