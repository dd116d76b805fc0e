"""The checks end to end on real workbooks: written with tests.factory, read by the reader,
checked by check_path / check_paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.factory import Book, clean_register, pid, set_cell, write_workbook
from tests.test_checks_rules import CASES, cell_of
from toolkit.check.run import check_path, check_paths, exit_code
from toolkit.config.county import Config
from toolkit.errors import UsageError

D = dt.date


def test_clean_file_is_ok(clean_file: Path, config: Config) -> None:
    result = check_path(clean_file, config)
    assert (result.status, result.error, result.issues) == ("ok", None, [])
    assert (result.township, result.report_date) == ("扎西镇", D(2020, 2, 4))


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "rule", "severity", "at"), CASES,
    ids=[f"{c[4]}:{c[0]}.{c[2]}={c[3]!r}" for c in CASES])
def test_planted_defect_in_a_file_is_found_at_its_cell(
        tmp_path: Path, config: Config, sheet: str, row: int, column: str, value: Any,
        rule: str, severity: str, at: str | None) -> None:
    book = clean_register()
    set_cell(book, sheet, row, column, value)
    result = check_path(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    assert [(f.rule, f.severity, f.sheet, f.cell) for f in result.issues] == [
        (rule, severity, sheet, cell_of(book, sheet, row, at or column))]
    assert result.status == ("errors" if severity == "error" else "ok")


def test_cells_keep_their_excel_address_under_title_rows(tmp_path: Path,
                                                         config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 2, "健康状况", "发烧")
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", book,
                          title_rows={"排查登记": [["扎西镇返乡人员排查登记表"],
                                                   ["填表说明:每人一行"]]})
    (f,) = check_path(path, config).issues
    assert (f.sheet, f.row, f.cell) == ("排查登记", 5, "K5")


def _id_book(value: Any) -> Book:
    book = clean_register()
    set_cell(book, "排查登记", 1, "身份证号", value)
    return book


@pytest.mark.parametrize(("value", "rule"), [
    (float(pid(11)), "id-stored-as-number"),  # a number cell: Excel kept 15 digits
    ("5.30629E+17", "id-stored-as-number"),  # what Excel shows, typed back as text
    (pid(11)[:15] + "000", "id-stored-as-number"),  # 15 significant digits then 000
    (pid(11)[:16], "id-length"),
    (pid(11)[:17] + ("1" if pid(11)[17] == "0" else "0"), "id-check-digit"),
    ("530629800517111", "id-legacy-15"),
])
def test_id_variants_in_a_file(tmp_path: Path, config: Config, value: Any, rule: str) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", _id_book(value))
    rules = [(f.rule, f.cell) for f in check_path(path, config).issues]
    assert rules == [(rule, "D2")]


def test_full_width_id_is_harmless_drift(tmp_path: Path, config: Config) -> None:
    full = pid(11).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", _id_book(full))
    assert check_path(path, config).issues == []


def test_unreadable_file_gives_one_sentence(tmp_path: Path, config: Config) -> None:
    bad = tmp_path / "扎西镇_20200204.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    result = check_path(bad, config)
    assert result.status == "unreadable" and result.issues == []
    assert result.error and "扎西镇_20200204.xlsx" in result.error
    assert result.to_dict()["error"] == result.error


def test_missing_file_is_unreadable(tmp_path: Path, config: Config) -> None:
    result = check_path(tmp_path / "无.xlsx", config)
    assert result.status == "unreadable" and "找不到文件" in (result.error or "")


def test_reader_warnings_are_included_in_sheet_row_order(tmp_path: Path,
                                                         config: Config) -> None:
    book = clean_register()
    for r, row in enumerate(book["住户"]):
        row.append("备用列" if r == 0 else "x")
    set_cell(book, "住户", 1, "户主姓名", None)
    result = check_path(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    assert [(f.rule, f.cell) for f in result.issues] == [
        ("extra-column", "J1"), ("required-missing", "C2")]


def test_folders_expand_to_their_workbooks(tmp_path: Path, config: Config) -> None:
    folder = tmp_path / "inbox"
    write_workbook(folder / "扎西镇_20200204.xlsx", clean_register())
    write_workbook(folder / "旧城镇_20200204.xlsx", clean_register("旧城镇"))
    (folder / "~$扎西镇_20200204.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("x", encoding="utf-8")
    results = check_paths([folder], config)
    assert sorted(r.township or "" for r in results) == ["扎西镇", "旧城镇"]
    assert exit_code(results) == 0


def test_a_folder_without_workbooks_is_a_usage_error(tmp_path: Path, config: Config) -> None:
    with pytest.raises(UsageError):
        check_paths([tmp_path], config)


def _parse_threads(_: int) -> int:
    from toolkit.read import raw
    return raw._parse_threads


@pytest.mark.parametrize(("files", "workers", "expected"), [
    (1, 0, [4]),  # one file checked on four cores: its sheets parsed on four threads
    (3, 2, [2, 2, 2]),  # two at once on four cores: two threads each
    # a county night: the first four cores have a file each (the last files may get the
    # cores of those done by the time they start)
    (8, 0, [1] * 4),
])
def test_a_lone_file_is_parsed_on_the_idle_cores(monkeypatch: pytest.MonkeyPatch,
                                                 config: Config, files: int, workers: int,
                                                 expected: list[int]) -> None:
    import dataclasses

    from toolkit.check import isolate

    monkeypatch.setattr(isolate.os, "cpu_count", lambda: 4)
    limits = dataclasses.replace(config.limits, workers=workers)
    threads = isolate.map_bounded(_parse_threads, [(str(n), (n,)) for n in range(files)],
                                  limits)
    assert threads[:len(expected)] == expected
