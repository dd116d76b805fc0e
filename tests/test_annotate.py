"""The annotated copy a township fixes in Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.factory import clean_register, set_cell, write_workbook
from toolkit.annotate.content import ERROR_COLOR, LIST_HEADER, RESULT_SHEET, WARNING_COLOR
from toolkit.annotate.copy import write_annotated
from toolkit.check.run import check_path
from toolkit.config.county import Config
from toolkit.errors import UnreadableWorkbook, UsageError


@pytest.fixture
def checked(tmp_path: Path, config: Config) -> Any:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", 5.30629198005171e17)
    set_cell(book, "排查登记", 2, "健康状况", "发烧")  # invalid-enum at K3
    set_cell(book, "排查登记", 1, "观察起始日期", None)  # warning at M2
    set_cell(book, "住户", 3, "身份证号", book["住户"][1][3])  # duplicate of row 2's ID
    path = write_workbook(tmp_path / "in" / "扎西镇_20200204.xlsx", book,
                          title_rows={"排查登记": [["扎西镇返乡人员排查登记表"]]},
                          hidden=("捐赠",))
    wb = openpyxl.load_workbook(path)
    wb["住户"]["G2"].font = openpyxl.styles.Font(bold=True)
    wb.create_sheet("说明").append(["乡镇自己的备注"])
    wb.save(path)
    return path, check_path(path, config)


def _list_rows(ws: Any) -> list[tuple[Any, ...]]:
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if tuple(r[:7]) == LIST_HEADER)
    return [r[:7] for r in rows[start + 1:] if r[0] is not None]


def test_problem_cells_are_filled_and_commented(checked: Any, tmp_path: Path) -> None:
    _path, result = checked
    out = write_annotated(result, tmp_path / "out")
    wb = openpyxl.load_workbook(out)
    household, screening = wb["住户"], wb["排查登记"]
    assert household["D2"].fill.fgColor.rgb == ERROR_COLOR
    assert "15位有效数字" in household["D2"].comment.text
    assert screening["K4"].fill.fgColor.rgb == ERROR_COLOR
    assert "发热" in screening["K4"].comment.text
    assert screening["M3"].fill.fgColor.rgb == WARNING_COLOR
    assert screening["A3"].comment is None and screening["A3"].fill.fgColor.rgb != ERROR_COLOR


def test_several_findings_on_one_cell_share_one_comment(tmp_path: Path,
                                                        config: Config) -> None:
    book = clean_register()
    set_cell(book, "住户", 1, "身份证号", "530629800517111")  # legacy (warning) ...
    set_cell(book, "住户", 2, "身份证号", "530629800517111")  # ... and duplicate (error)
    result = check_path(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    assert sorted(f.rule for f in result.issues if f.cell == "D2") == [
        "duplicate-id", "id-legacy-15"]
    wb = openpyxl.load_workbook(write_annotated(result, tmp_path / "out"))
    cell = wb["住户"]["D2"]
    assert cell.fill.fgColor.rgb == ERROR_COLOR  # the error wins
    assert "【错误】" in cell.comment.text and "【警告】" in cell.comment.text
    assert "15位旧身份证号码" in cell.comment.text and "出现2次" in cell.comment.text


def test_xls_input_gives_an_xlsx_copy_at_the_same_addresses(tmp_path: Path,
                                                            config: Config) -> None:
    source = Path(__file__).parent / "data" / "legacy_office_register.xls"
    result = check_path(source, config)
    out = write_annotated(result, tmp_path / "out")
    assert out.suffix == ".xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == RESULT_SHEET
    again = check_path(out, config)
    assert [f.to_dict() for f in again.issues] == [f.to_dict() for f in result.issues]
    assert (again.township, again.report_date) == (result.township, result.report_date)


def test_result_sheet_lists_every_problem_with_a_link(checked: Any, tmp_path: Path) -> None:
    _path, result = checked
    wb = openpyxl.load_workbook(write_annotated(result, tmp_path / "out"))
    assert wb.sheetnames[0] == RESULT_SHEET
    ws = wb[RESULT_SHEET]
    rows = _list_rows(ws)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (f.sheet, f.cell, f.rule) for f in result.issues]
    assert [r[4] for r in rows] == ["错误" if f.severity == "error" else "警告"
                                    for f in result.issues]
    links = {c.value: c.hyperlink.location for c in ws["C"] if c.hyperlink is not None}
    assert links["K4"] == "'排查登记'!K4" and links["D2"] == "'住户'!D2"
    values = [c for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    assert "检查时间" in values and "invalid-enum" in values  # when, and the summary
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(grid) if r[0] == "按规则汇总") + 2
    end = next(i for i, r in enumerate(grid) if r[0] == "问题清单")
    summary = {(r[3], r[4]): r[0] for r in grid[start:end] if r[3]}
    assert summary == {(f.rule, "错误" if f.severity == "error" else "警告"):
                       sum(1 for g in result.issues if (g.rule, g.severity) == (f.rule, f.severity))
                       for f in result.issues}
    # dates as a clerk writes them, not in a locale's date format (2/4/2020)
    assert f"{result.checked_at:%Y-%m-%d %H:%M}" in values
    d = result.report_date
    assert d is not None and f"{d.year}年{d.month}月{d.day}日" in values


def test_data_formatting_and_other_sheets_are_kept(checked: Any, tmp_path: Path) -> None:
    path, result = checked
    before = openpyxl.load_workbook(path)
    after = openpyxl.load_workbook(write_annotated(result, tmp_path / "out"))
    assert after.sheetnames == [RESULT_SHEET, *before.sheetnames]
    for name in before.sheetnames:
        assert [list(r) for r in after[name].iter_rows(values_only=True)] == [
            list(r) for r in before[name].iter_rows(values_only=True)]
    assert after["住户"]["G2"].font.bold
    assert after["捐赠"].sheet_state == "hidden"
    assert after["住户"]["D3"].number_format == "@"


def test_original_is_never_modified(checked: Any, tmp_path: Path) -> None:
    path, result = checked
    data = path.read_bytes()
    write_annotated(result, tmp_path / "out")
    write_annotated(result, path.parent)  # even into its own folder
    assert path.read_bytes() == data
    assert (path.parent / f"{path.stem}_{RESULT_SHEET}.xlsx").is_file()


def test_rechecking_the_annotated_copy_gives_the_same_findings(
        checked: Any, tmp_path: Path, config: Config) -> None:
    _path, result = checked
    out = write_annotated(result, tmp_path / "out")
    again = check_path(out, config)
    assert [f.to_dict() for f in again.issues] == [f.to_dict() for f in result.issues]
    # annotating the annotated copy replaces the old 检查结果 sheet, it does not add one
    twice = openpyxl.load_workbook(write_annotated(again, tmp_path / "out2"))
    assert twice.sheetnames.count(RESULT_SHEET) == 1
    assert "【错误】" in twice["住户"]["D2"].comment.text
    assert twice["住户"]["D2"].comment.text.count("15位有效数字") == 1


def test_clean_file_copy_says_no_problem(clean_file: Path, config: Config,
                                         tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_annotated(check_path(clean_file, config),
                                                tmp_path / "out"))
    values = [c for r in wb[RESULT_SHEET].iter_rows(values_only=True) for c in r]
    assert "没有发现问题。" in values


def test_unreadable_file_has_no_annotated_copy(tmp_path: Path, config: Config) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"garbage")
    with pytest.raises(UnreadableWorkbook):
        write_annotated(check_path(bad, config), tmp_path / "out")


def test_a_townships_own_comment_is_kept(tmp_path: Path, config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 2, "健康状况", "发烧")
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", book)
    wb = openpyxl.load_workbook(path)
    wb["排查登记"]["K3"].comment = openpyxl.comments.Comment("已电话核实", "王丽")
    wb["排查登记"]["A2"].comment = openpyxl.comments.Comment("第一个", "王丽")
    wb.save(path)
    result = check_path(path, config)
    out = openpyxl.load_workbook(write_annotated(result, tmp_path / "out"))
    text = out["排查登记"]["K3"].comment.text
    assert text.startswith("已电话核实") and "发热" in text
    assert out["排查登记"]["A2"].comment.text == "第一个"
    assert out["排查登记"]["K3"].fill.fgColor.rgb == ERROR_COLOR


def test_a_problem_cell_keeps_its_value_and_number_format(tmp_path: Path,
                                                          config: Config) -> None:
    book = clean_register()
    set_cell(book, "排查登记", 1, "观察解除日期", dt.date(2020, 2, 1))  # too short
    result = check_path(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    out = openpyxl.load_workbook(write_annotated(result, tmp_path / "out"))
    cell = out["排查登记"]["N2"]
    assert cell.value == dt.datetime(2020, 2, 1)
    assert cell.number_format == "yyyy-mm-dd" and cell.fill.fgColor.rgb == ERROR_COLOR


def test_write_failure_is_explained_in_chinese(checked: Any, tmp_path: Path) -> None:
    """Staff read why the copy could not be written in Chinese, not the system's English."""
    path, result = checked
    from toolkit.annotate.copy import annotated_path

    annotated_path(path, tmp_path / "out").mkdir(parents=True)  # a folder where the file goes
    with pytest.raises(UsageError) as exc:
        write_annotated(result, tmp_path / "out")
    assert "这是一个文件夹,不是文件" in exc.value.message
    assert "directory" not in exc.value.message.lower()


def test_xls_copy_shows_dates_as_dates(tmp_path: Path, config: Config) -> None:
    """An .xls rebuilt as .xlsx (the same conversion gridkit fix uses) shows its dates as
    yyyy-mm-dd, not as Excel's date-time default."""
    source = Path(__file__).parent / "data" / "legacy_office_register.xls"
    out = write_annotated(check_path(source, config), tmp_path / "out")
    wb = openpyxl.load_workbook(out)
    dates = [c for ws in wb.worksheets if ws.title != RESULT_SHEET for row in ws.iter_rows()
             for c in row if isinstance(c.value, dt.date)]
    assert dates and all(c.number_format == "yyyy-mm-dd" for c in dates)


@pytest.mark.parametrize("order", ["address after other attributes", "rows out of order"])
def test_problem_cells_are_marked_whatever_order_a_program_writes_rows_in(
        checked: Any, tmp_path: Path, config: Config, order: str) -> None:
    """Another program may write a row's address after its other attributes, or rows out
    of order: the copy is marked at the same cells."""
    import re
    import zipfile

    path, _result = checked
    odd = tmp_path / "odd" / path.name
    odd.parent.mkdir()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                if order == "rows out of order":
                    rows = re.findall(r"<row\b.*?</row>", text, re.DOTALL)
                    if len(rows) > 2:
                        text = text.replace("".join(rows), "".join([rows[0], *rows[:0:-1]]))
                else:
                    text = re.sub(r'<row r="(\d+)"', r'<row customFormat="0" r="\1"', text)
                data = text.encode()
            z.writestr(info, data)
    out = write_annotated(check_path(odd, config), tmp_path / "out")
    wb = openpyxl.load_workbook(out)
    assert wb["住户"]["D2"].fill.fgColor.rgb == ERROR_COLOR
    assert wb["排查登记"]["K4"].fill.fgColor.rgb == ERROR_COLOR
    assert "发热" in wb["排查登记"]["K4"].comment.text
    assert wb["排查登记"]["A3"].fill.fgColor.rgb != ERROR_COLOR
