"""gridkit fix: a copy with the safe normalisations applied, formatting and other sheets kept,
destroyed IDs listed (never guessed), the original untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.styles import Font, PatternFill

from tests.factory import Book, pid, set_cell, write_workbook
from toolkit.annotate.fix import fix_file
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.errors import UsageError
from toolkit.read import read_register

DATA = Path(__file__).parent / "data"
S = "排查登记"
DESTROYED = 5.30629198005170e17


def _drifted(tmp_path: Path, book: Book) -> Path:
    """A register with harmless drift, a destroyed ID, formatting and extra sheets."""
    set_cell(book, S, 1, "联系电话", "１３６１２３４００１１")       # E3 (title row above)
    set_cell(book, S, 1, "抵威日期", "2020.1.20")                # I3
    set_cell(book, S, 2, "姓名", "黄 丽")                        # B4
    set_cell(book, S, 2, "联系电话", 13612340012.0)              # E4
    set_cell(book, S, 2, "抵威日期", 43855)                      # I4: an Excel serial number
    set_cell(book, S, 3, "身份证号", DESTROYED)                  # D5
    set_cell(book, "住户", 1, "身份证号", pid(1).lower() if pid(1).endswith("X")
             else " " + pid(1))                                   # D2
    book["备用"] = [["说明"], ["本表为乡镇自用"]]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", book,
                          title_rows={S: [["扎西镇返乡人员排查登记表"]]}, hidden=("备用",))
    wb = openpyxl.load_workbook(path)
    ws = wb[S]
    ws.merge_cells("A1:P1")
    ws["A2"].font = Font(bold=True)
    ws["B4"].fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fix_applies_safe_changes_and_keeps_the_rest(tmp_path: Path, clean_book: Book,
                                                     config: Config) -> None:
    src = _drifted(tmp_path, clean_book)
    before = _digest(src)
    result = fix_file(src, tmp_path / "out" / "fixed.xlsx", config)
    assert _digest(src) == before  # the original is never modified
    assert result.out == str(tmp_path / "out" / "fixed.xlsx")
    got = {(c.sheet, c.cell, c.kind) for c in result.changes}
    assert {(S, "E3", "full-width"), (S, "I3", "date-text"), (S, "B4", "spaces"),
            (S, "E4", "phone-float"), (S, "I4", "date-serial")} <= got
    assert ("住户", "D2") in {(c.sheet, c.cell) for c in result.changes}

    wb = openpyxl.load_workbook(result.out)
    ws = wb[S]
    assert ws["E3"].value == "13612340011"
    assert ws["I3"].value == dt.datetime(2020, 1, 20)
    assert ws["I3"].number_format == "yyyy-mm-dd"
    assert ws["I4"].value == dt.datetime(2020, 1, 25)
    assert ws["B4"].value == "黄丽"
    assert ws["E4"].value == "13612340012" and ws["E4"].number_format == "@"
    assert ws["D5"].value == DESTROYED  # never guessed
    assert ws["A2"].font.bold and ws["B4"].fill.fgColor.rgb.endswith("FFFF00")
    assert "A1:P1" in {str(r) for r in ws.merged_cells.ranges}
    assert wb["备用"].sheet_state == "hidden" and wb["备用"]["A2"].value == "本表为乡镇自用"
    assert wb.sheetnames[:2] == ["填报信息", "网格"]


def test_destroyed_ids_are_listed_to_be_re_entered(tmp_path: Path, clean_book: Book,
                                                   config: Config) -> None:
    result = fix_file(_drifted(tmp_path, clean_book), tmp_path / "fixed.xlsx", config)
    (entry,) = result.reenter
    assert (entry.sheet, entry.cell, entry.column, entry.value) == (S, "D5", "身份证号",
                                                                    DESTROYED)
    assert all(c.cell != "D5" or c.sheet != S for c in result.changes)


def test_the_fixed_copy_reads_without_further_changes(tmp_path: Path, clean_book: Book,
                                                      config: Config) -> None:
    result = fix_file(_drifted(tmp_path, clean_book), tmp_path / "fixed.xlsx", config)
    again = read_register(result.out, config)
    assert again.normalisations == []
    assert again.sheets[S].values("抵威日期")[:2] == [dt.date(2020, 1, 20), dt.date(2020, 1, 25)]


def test_clean_register_needs_no_change(clean_file: Path, tmp_path: Path,
                                        config: Config) -> None:
    result = fix_file(clean_file, tmp_path / "fixed.xlsx", config)
    assert result.changes == [] and result.reenter == []
    assert Path(result.out).is_file()


def test_xls_is_written_as_xlsx(tmp_path: Path, config: Config) -> None:
    result = fix_file(DATA / "legacy_office_register.xls", tmp_path / "fixed.xls", config)
    assert result.out.endswith("fixed.xlsx")
    assert [(c.cell, c.after) for c in result.changes] == [("E3", "13612340011")]
    wb = openpyxl.load_workbook(result.out)
    assert wb[S]["E3"].value == "13612340011"
    assert wb[S]["A1"].value == "双河乡返乡人员排查登记表"
    assert wb["填报信息"]["A2"].value == "双河乡"


def test_out_must_not_be_the_original(clean_file: Path, config: Config) -> None:
    before = clean_file.read_bytes()
    with pytest.raises(UsageError) as err:
        fix_file(clean_file, clean_file, config)
    assert "\n" not in err.value.message and "--out" in err.value.message
    assert clean_file.read_bytes() == before  # the township's file is never overwritten


def test_cli_text_lists_changes_and_ids_to_re_enter(tmp_path: Path, clean_book: Book) -> None:
    src = _drifted(tmp_path, clean_book)
    out = tmp_path / "fixed.xlsx"
    result = CliRunner().invoke(main, ["fix", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "排查登记!I3" in result.output and "“2020.1.20” → 2020-01-20" in result.output
    assert "排查登记!D5" in result.output and "重新录入" in result.output
    assert out.is_file()


def test_cli_json(tmp_path: Path, clean_book: Book) -> None:
    src = _drifted(tmp_path, clean_book)
    result = CliRunner().invoke(main, ["fix", str(src), "--out", str(tmp_path / "f.xlsx"),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["township"] == "扎西镇" and data["report_date"] == "2020-02-04"
    change = next(c for c in data["changes"] if c["cell"] == "I3")
    assert change == {"sheet": S, "row": 3, "column": "抵威日期", "cell": "I3",
                      "kind": "date-text", "label": "文字日期改为日期",
                      "before": "2020.1.20", "after": "2020-01-20"}
    assert data["reenter"][0]["cell"] == "D5"


@pytest.mark.parametrize("content", [b"", b"not a workbook at all"], ids=["empty", "text"])
def test_cli_unreadable_file_exits_2_with_one_sentence(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "扎西镇_20200204.xlsx"
    src.write_bytes(content)
    result = CliRunner().invoke(main, ["fix", str(src), "--out", str(tmp_path / "f.xlsx")])
    assert result.exit_code == 2
    assert "扎西镇_20200204.xlsx" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "f.xlsx").exists()
