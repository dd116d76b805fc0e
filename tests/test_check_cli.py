"""`gridkit check`: text and JSON output, annotated copies, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.factory import clean_register, set_cell, write_workbook
from toolkit.annotate.content import RESULT_SHEET
from toolkit.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.output


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    book = clean_register()
    set_cell(book, "排查登记", 2, "健康状况", "发烧")
    set_cell(book, "排查登记", 1, "观察起始日期", None)
    return write_workbook(tmp_path / "扎西镇_20200204.xlsx", book)


@pytest.fixture
def warning_file(tmp_path: Path) -> Path:
    book = clean_register("旧城镇")
    set_cell(book, "排查登记", 1, "观察起始日期", None)
    return write_workbook(tmp_path / "旧城镇_20200204.xlsx", book)


def test_clean_file_exits_0(clean_file: Path) -> None:
    code, out = run(str(clean_file))
    assert code == 0 and "没有发现问题" in out


def test_warnings_only_exit_0(warning_file: Path) -> None:
    code, out = run(str(warning_file))
    assert code == 0 and "observation-start-missing" in out


def test_errors_exit_1_and_text_lists_cells(bad_file: Path) -> None:
    code, out = run(str(bad_file))
    assert code == 1
    assert "1个错误、1个警告" in out
    assert "invalid-enum" in out and "排查登记!K3" in out and "发热" in out


def test_unreadable_file_exits_2_with_one_sentence(tmp_path: Path, clean_file: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("hello", encoding="utf-8")
    code, out = run(str(clean_file), str(bad))
    assert code == 2
    assert "坏文件.xlsx" in out and "Traceback" not in out


def test_no_path_is_a_usage_error() -> None:
    code, _ = run()
    assert code == 2


def test_json_shape(bad_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("hello", encoding="utf-8")
    code, out = run("--format", "json", str(bad_file), str(bad))
    assert code == 2
    data = json.loads(out)
    assert [set(d) for d in data] == [
        {"file", "township", "report_date", "status", "error", "issues"}] * 2
    first, second = data
    assert (first["township"], first["report_date"], first["status"], first["error"]) == (
        "扎西镇", "2020-02-04", "errors", None)
    assert first["issues"][1] == {
        "sheet": "排查登记", "source_sheet": "排查登记", "row": 3, "column": "健康状况",
        "cell": "K3", "rule": "invalid-enum", "severity": "error",
        "message": first["issues"][1]["message"],
        "value": "发烧"}
    assert first["issues"][0]["severity"] == "warning"
    assert second["status"] == "unreadable" and second["issues"] == []
    assert "坏文件.xlsx" in second["error"]


def test_json_exit_codes(clean_file: Path, warning_file: Path) -> None:
    assert run("--format", "json", str(clean_file))[0] == 0
    code, out = run("--format", "json", str(warning_file))
    assert code == 0 and json.loads(out)[0]["status"] == "ok"


def test_long_lists_are_cut_with_a_count(tmp_path: Path) -> None:
    book = clean_register()
    for n in range(25):
        book["住户"].append([f"H1{n:02d}", "G01", "某人", "530629800517111", "13512340001",
                           2, "", "农村住户", "李娜"])
    code, out = run(str(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book)))
    assert code == 1 and "…还有" in out


def test_out_writes_annotated_copies(bad_file: Path, warning_file: Path,
                                     tmp_path: Path) -> None:
    out_dir = tmp_path / "feedback"
    code, out = run("--out", str(out_dir), str(bad_file.parent))
    assert code == 1
    copies = sorted(p.name for p in out_dir.iterdir())
    named = {f: f"{f.stem}_检查结果{f.suffix}" for f in (bad_file, warning_file)}
    assert copies == sorted(named.values())  # never the name of the file that was sent
    wb = openpyxl.load_workbook(out_dir / named[bad_file])
    assert wb.sheetnames[0] == RESULT_SHEET and wb["排查登记"]["K3"].comment is not None
    assert str(out_dir / named[bad_file]) in out


def test_a_folder_without_workbooks_exits_2(tmp_path: Path) -> None:
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    code, out = run(str(tmp_path))
    assert code == 2 and "没有表格文件" in out


def test_out_skips_unreadable_files(tmp_path: Path, clean_file: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("hello", encoding="utf-8")
    out_dir = tmp_path / "feedback"
    code, _ = run("--out", str(out_dir), str(clean_file), str(bad))
    assert code == 2
    assert [p.name for p in out_dir.iterdir()] == [f"{clean_file.stem}_检查结果.xlsx"]
