"""The 检查本表 button, run unchanged through xlwings' own Book/Sheet/Range objects on the
in-memory engine (tests/xlwings_memory.py) over a real .xlsx written by tests/factory.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from click.testing import CliRunner

import macros
from tests import xlwings_memory as mem
from tests.factory import Book, copy_book, pid, set_cell, write_workbook
from toolkit.check.run import check_path
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.excel import live


@pytest.fixture
def excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The memory engine active; the buttons log into tmp_path/logs."""
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    previous = mem.activate()
    yield tmp_path / "logs" / "excel.log"
    mem.deactivate(previous)


def defective(book: Book) -> Book:
    b = copy_book(book)
    set_cell(b, "住户", 1, "身份证号", 5.30629198005170e17)  # Excel destroyed the ID
    set_cell(b, "排查登记", 2, "联系电话", "12345")
    set_cell(b, "排查登记", 3, "管控措施", "无需管控")  # contact 有 but not managed
    set_cell(b, "网格", 1, "联防队人数", 8)
    set_cell(b, "住户", 2, "身份证号", "530629800517001")  # legacy 15 digits: a warning
    return b


def cli_issues(path: Path, config: Config) -> list[dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    return data[0]["issues"]


def results_rows(book: xw.Book) -> list[tuple[int, list]]:
    """(Excel row, values) of the 问题清单 table of 检查结果."""
    values = book.sheets[live.RESULTS_SHEET].used_range.options(ndim=2).value
    start = next(i for i, r in enumerate(values) if r[0] == "序号") + 1
    return [(i + 1, r) for i, r in enumerate(values) if i >= start and r[0] is not None]


def results_list(book: xw.Book) -> list[list]:
    return [r for _, r in results_rows(book)]


def test_check_button_marks_the_same_cells_as_the_cli(excel: Path, tmp_path: Path,
                                                       clean_book: Book, config: Config,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", defective(clean_book))
    monkeypatch.chdir(tmp_path)
    expected = {(i["sheet"], i["cell"], i["rule"], i["severity"])
                for i in cli_issues(path, config)}
    assert {r for _, _, r, _ in expected} >= {"id-stored-as-number", "phone-invalid",
                                              "unmanaged-risk", "defence-team-too-small",
                                              "id-legacy-15"}

    book = mem.open_caller(path)
    message = macros.check_this_workbook()

    errors = sum(1 for e in expected if e[3] == "error")
    assert message.startswith(f"检查完成:{errors}个错误、{len(expected) - errors}个警告")
    assert book.app.impl.alerts[-1]["prompt"] == message  # shown once, as a message box
    assert book.app.status_bar == message
    # every finding's cell is marked in place, with the severity's colour and a note
    for sheet, cell, _rule, severity in expected:
        rng = book.sheets[sheet][cell]
        assert rng.color == (live.ERROR_FILL if severity == "error" or any(
            e[:2] == (sheet, cell) and e[3] == "error" for e in expected) else live.WARNING_FILL)
        assert rng.note is not None and rng.note.text.startswith(live.NOTE_MARK)
    assert book.sheets["住户"]["B2"].color is None  # a clean cell stays as it was
    # the results sheet lists the same findings, each linked to its cell
    assert book.sheets[0].name == live.RESULTS_SHEET
    listed = results_rows(book)
    assert {(r[1], r[3]) for _, r in listed} == {(s, rule) for s, _, rule, _ in expected}
    cells = set()
    for row, r in listed:
        link = book.sheets[live.RESULTS_SHEET].range((row, 3)).hyperlink
        assert link.startswith(f"#'{r[1]}'!")
        cells.add((r[1], link.split("!")[1]))
    assert cells == {(s, c) for s, c, _, _ in expected}
    assert book.sheets[0]["A1"].value == "网格化管理登记表检查结果"


def test_check_button_on_a_saved_workbook_opens_in_openpyxl(excel: Path, tmp_path: Path,
                                                            clean_book: Book) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", defective(clean_book))
    book = mem.open_caller(path)
    macros.check_this_workbook()
    out = tmp_path / "saved.xlsx"
    book.save(str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "检查结果"
    assert wb["gridkit标记"].sheet_state == "hidden"
    cell = wb["住户"]["D2"]
    assert cell.fill.fgColor.rgb.endswith("FF9999") and "Excel" in cell.comment.text
    assert wb["排查登记"]["B2"].value == "马小军"  # the township's data untouched


def test_rerun_clears_the_previous_marks(excel: Path, tmp_path: Path, clean_book: Book) -> None:
    b = defective(clean_book)
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", b)
    # the office's own fill and note on a cell that will be flagged
    wb = openpyxl.load_workbook(path)
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    wb["排查登记"]["E3"].fill = PatternFill("solid", fgColor="00B0F0")
    wb["排查登记"]["E3"].comment = Comment("电话待核实", "王丽")
    wb.save(path)

    book = mem.open_caller(path)
    macros.check_this_workbook()
    e3 = book.sheets["排查登记"]["E3"]
    assert e3.color == live.ERROR_FILL and e3.note.text.startswith("电话待核实\n----\n")
    # the township fixes the ID and the phone in Excel, then presses the button again
    book.sheets["住户"]["D2"].value = "'" + pid(1)
    e3.value = "'13612340012"
    message = macros.check_this_workbook()

    d2 = book.sheets["住户"]["D2"]
    assert d2.color is None and d2.note is None  # our mark and note are gone
    assert e3.color == (0, 176, 240) and e3.note.text == "电话待核实"  # the office's back
    listed = results_list(book)
    assert {r[3] for r in listed} == {"unmanaged-risk", "defence-team-too-small", "id-legacy-15"}
    assert message.startswith("检查完成:2个错误、1个警告")
    assert [s.name for s in book.sheets].count(live.RESULTS_SHEET) == 1
    assert [s.name for s in book.sheets].count(live.MARKS_SHEET) == 1


def test_clean_workbook_says_no_problem(excel: Path, tmp_path: Path, clean_file: Path) -> None:
    book = mem.open_caller(clean_file)
    assert macros.check_this_workbook() == "检查完成:没有发现问题。"
    assert results_list(book) == []
    assert all(c.color is None for c in book.sheets["住户"].used_range)


def test_live_values_read_like_the_file(excel: Path, tmp_path: Path, clean_book: Book,
                                        config: Config) -> None:
    """Title rows, a hidden sheet and dates: the live register equals the file's."""
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book,
                          title_rows={"住户": [["扎西镇住户登记表"], []]}, hidden=("捐赠",))
    book = mem.open_caller(path)
    raw = live.raw_book(xw.Book.caller())
    assert raw.source == "excel:扎西镇_20200204.xlsx"
    households = next(s for s in raw.sheets if s.name == "住户")
    assert households.first_row == 1 and households.rows[2][0] == "户编号"
    assert next(s for s in raw.sheets if s.name == "捐赠").hidden
    filed = check_path(path, config)
    live_result = live.check_book(book, config)
    assert [(f.sheet, f.cell, f.rule) for f in live_result.issues] == [
        (f.sheet, f.cell, f.rule) for f in filed.issues]
    assert live_result.register is not None and filed.register is not None
    assert live_result.register.report_date == dt.date(2020, 2, 4)
    for name, sheet in filed.register.sheets.items():
        other = live_result.register.sheets[name]
        assert other.rows == sheet.rows
        for col, column in sheet.columns.items():
            assert other.columns[col].values == column.values, (name, col)


def test_live_error_values_are_findings_like_the_file(excel: Path, tmp_path: Path,
                                                     clean_book: Book, config: Config) -> None:
    """An #N/A typed over an ID and a #DIV/0! in a count: the button names each cell, as
    gridkit check does, instead of reading them as empty."""
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    wb = openpyxl.load_workbook(path)
    wb["住户"]["D3"].value, wb["住户"]["D3"].data_type = "#N/A", "e"
    wb["网格"]["M2"].value, wb["网格"]["M2"].data_type = "#DIV/0!", "e"
    wb.save(path)
    filed = check_path(path, config)
    book = mem.open_caller(path)
    live_result = live.check_book(book, config)
    found = [(f.rule, f.sheet, f.cell, f.value) for f in live_result.issues]
    assert found == [(f.rule, f.sheet, f.cell, f.value) for f in filed.issues]
    assert found == [("excel-error-value", "网格", "M2", "#DIV/0!"),
                     ("excel-error-value", "住户", "D3", "#N/A")]


def test_broken_workbook_gives_one_sentence(excel: Path, tmp_path: Path, clean_book: Book) -> None:
    b = copy_book(clean_book)
    del b["住户"]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", b)
    book = mem.open_caller(path)
    message = macros.check_this_workbook()
    assert "住户" in message and "Traceback" not in message and "\n" not in message
    assert book.app.impl.alerts == [{"prompt": message, "title": "gridkit", "buttons": "ok",
                                     "mode": "critical"}]
    assert live.RESULTS_SHEET not in [s.name for s in book.sheets]


def test_unexpected_error_is_logged_not_shown(excel: Path, tmp_path: Path, clean_file: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(book: object, config: object) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(live, "check_book", boom)
    book = mem.open_caller(clean_file)
    message = macros.check_this_workbook()
    assert message.startswith("操作没有完成") and str(excel) in message
    assert "internal detail" not in message
    assert book.app.impl.alerts[-1]["mode"] == "critical"
    log = excel.read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: internal detail" in log


def test_button_outside_excel_never_raises(excel: Path) -> None:
    message = macros.check_this_workbook()  # no calling workbook at all
    assert message.startswith("操作没有完成")


def test_config_comes_from_the_conf_sheet(excel: Path, tmp_path: Path, clean_file: Path) -> None:
    wb = openpyxl.load_workbook(clean_file)
    ws = wb.create_sheet("xlwings.conf")
    ws.append(["Interpreter_Win", ""])
    ws.append(["GRIDKIT_CONFIG", str(tmp_path / "nowhere" / "gridkit.toml")])
    wb.save(clean_file)
    book = mem.open_caller(clean_file)
    message = macros.check_this_workbook()
    assert "GRIDKIT_CONFIG" in message and "nowhere" in message
    assert live.RESULTS_SHEET not in [s.name for s in book.sheets]


def test_every_button_is_a_function(excel: Path) -> None:
    for caption, function in macros.BUTTONS.items():
        assert callable(getattr(macros, function)), caption


@pytest.mark.parametrize("mutate", ["extra-column", "title-merged"])
def test_drifted_workbook_same_findings(excel: Path, tmp_path: Path, clean_book: Book,
                                        config: Config, mutate: str) -> None:
    b = defective(clean_book)
    if mutate == "extra-column":
        for r, row in enumerate(b["住户"]):
            row.append("备注" if r == 0 else "x")
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", b,
                          title_rows={"排查登记": [["排查登记表"], ["填表说明:……"]]}
                          if mutate == "title-merged" else None)
    if mutate == "title-merged":
        wb = openpyxl.load_workbook(path)
        wb["排查登记"].merge_cells("A1:P1")
        wb.save(path)
    filed = check_path(path, config)
    book = mem.open_caller(path)
    macros.check_this_workbook()
    assert {(r[1], r[3]) for r in results_list(book)} == {
        (f.sheet, f.rule) for f in filed.issues}
    for f in filed.issues:
        assert book.sheets[f.sheet][f.cell].note is not None


def test_leftover_marks_are_not_nested(excel: Path, tmp_path: Path, clean_book: Book) -> None:
    """The hidden record was deleted by hand: the next check replaces its own old notes."""
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", defective(clean_book))
    book = mem.open_caller(path)
    macros.check_this_workbook()
    book.sheets[live.MARKS_SHEET].delete()
    macros.check_this_workbook()
    note = book.sheets["住户"]["D2"].note
    assert note is not None and note.text.count(live.NOTE_MARK) == 1


def test_a_failed_check_leaves_the_workbook_as_it_was(excel: Path, tmp_path: Path,
                                                      clean_book: Book) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", defective(clean_book))
    book = mem.open_caller(path)
    macros.check_this_workbook()
    book.sheets["住户"].name = "住户(旧)"  # now the register lacks 住户
    book.sheets["住户(旧)"]["A1"].value = "编号"
    message = macros.check_this_workbook()
    assert "住户" in message and not message.startswith("检查完成")
    assert book.sheets["住户(旧)"]["D2"].color == live.ERROR_FILL  # last marks kept
    assert live.MARKS_SHEET in [s.name for s in book.sheets]


def test_a_button_starts_without_pandas_and_numpy(tmp_path: Path) -> None:
    """xlwings would import pandas and numpy where they are installed (Anaconda): a button
    does not pay for them, and code that imports them afterwards still gets them."""
    import os
    import subprocess
    import sys

    for name in ("pandas", "numpy"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(
            f"open({str(tmp_path / 'imported')!r}, 'a').write('{name} ')\n")
    code = ("import sys, macros; from toolkit.excel import runner; "
            "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules)); "
            "import pandas, numpy")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(Path(__file__).resolve().parents[1])])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "imported").read_text() == "pandas numpy "  # only when asked for
