"""The in-memory xlwings engine behaves like Excel where the buttons depend on it, and a
register whose data does not start at A1 is read live with the right Excel addresses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw

import macros
from tests import xlwings_memory as mem
from tests.factory import Book, copy_book, set_cell, write_workbook
from toolkit.check.run import check_path
from toolkit.config.county import Config
from toolkit.excel import live


@pytest.fixture
def book(tmp_path: Path, clean_book: Book, monkeypatch: pytest.MonkeyPatch) -> Iterator[xw.Book]:
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    previous = mem.activate()
    yield mem.open_caller(path)
    mem.deactivate(previous)


def test_caller_is_the_opened_book(book: xw.Book) -> None:
    assert xw.Book.caller() == book
    assert book.app.engine.name == "memory"
    assert [s.name for s in book.sheets][:2] == ["填报信息", "网格"]


def test_values_come_back_as_excel_gives_them(book: xw.Book) -> None:
    sheet = book.sheets["网格"]
    assert sheet["M2"].value == 12.0 and isinstance(sheet["M2"].value, float)
    assert book.sheets["填报信息"]["B2"].value == dt.datetime(2020, 2, 4)
    assert sheet["Z99"].value is None
    sheet["Z1"].value = "'=1+1"
    assert sheet["Z1"].value == "=1+1"  # a leading apostrophe keeps text text
    assert sheet.used_range.address == "$A$1:$Z$3"


def test_formats_notes_links_and_sheets(book: xw.Book) -> None:
    rng = book.sheets["住户"]["D2"]
    rng.color = (255, 153, 153)
    assert rng.color == (255, 153, 153)
    rng.color = None
    assert rng.color is None
    rng.add_note("看这里")
    assert rng.note is not None and rng.note.text == "看这里"
    rng.note.delete()
    assert rng.note is None
    new = book.sheets.add("新表", before=book.sheets[0])
    assert book.sheets[0] == new
    new["A1"].add_hyperlink("#'住户'!D2", "D2")
    assert new["A1"].hyperlink == "#'住户'!D2" and new["A1"].value == "D2"
    new["B1"].value = '=HYPERLINK("#\'网格\'!A1","A1")'
    assert new["B1"].hyperlink == "#'网格'!A1"
    new.visible = False
    assert not new.visible
    new.delete()
    assert "新表" not in [s.name for s in book.sheets]


def test_alert_and_status_bar_are_recorded(book: xw.Book) -> None:
    assert book.app.alert("你好", "标题") == "ok"
    book.app.status_bar = "进行中"
    assert book.app.impl.alerts == [{"prompt": "你好", "title": "标题", "buttons": "ok",
                                     "mode": None}]
    assert book.app.status_bar == "进行中"


def test_register_not_starting_at_a1(tmp_path: Path, clean_book: Book, config: Config,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Used ranges that start at C3: live addresses equal the file's."""
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    b = copy_book(clean_book)
    set_cell(b, "住户", 2, "联系电话", "123")
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", b)
    wb = openpyxl.load_workbook(path)
    ws = wb["住户"]
    ws.insert_cols(1, 2)
    ws.insert_rows(1, 2)
    wb.save(path)
    filed = check_path(path, config)
    assert [f.cell for f in filed.issues] == ["G5"]
    previous = mem.activate()
    try:
        book = mem.open_caller(path)
        raw = next(s for s in live.raw_book(book).sheets if s.name == "住户")
        assert (raw.first_row, raw.first_col) == (3, 2)
        macros.check_this_workbook()
        assert book.sheets["住户"]["G5"].color == live.ERROR_FILL
        assert [c.color for c in book.sheets["住户"].used_range if c.address != "$G$5"] == [
            None] * (len(book.sheets["住户"].used_range) - 1)
    finally:
        mem.deactivate(previous)
