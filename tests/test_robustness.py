"""A bad file gets one clear sentence, never a traceback.

Property-based: the clean register of tests/factory.py, corrupted and drifted the way real
township workbooks are (odd values of every type in any cell including headers, headers
deleted/duplicated/renamed, title and blank rows, sheets deleted/hidden/renamed/emptied,
merged cells), written with openpyxl or xlsxwriter, must give a CheckResult whose findings
all point inside the sheet, or one Chinese sentence; the annotated copy raises nothing but
gridkit's own errors. Garbled bytes (a cut zip, random bytes, HTML or CSV under an Excel
name, an empty file) are refused with one sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.factory import Book, clean_register, copy_book, write_workbook
from toolkit.annotate.copy import write_annotated
from toolkit.check.run import CheckResult, check_path
from toolkit.config.catalogue import RULE_TITLES
from toolkit.config.county import Config, load_config
from toolkit.errors import GridkitError
from toolkit.findings import ERROR, WARNING
from toolkit.read.table import column_index

CLEAN = clean_register()
SHEETS = list(CLEAN)
WORDS = ["合计", "小计", "总计", "填表说明:按模板填写", "网格化管理登记表", "扎西镇", "居家观察",
         "无需管控", "是", "否", "有", "男", "女", "2020.1.28", "1月28日", "20200128",
         "5.30629E+17", "１３８ ００００ ００００", "〇", "G01", "H001", "身份证号码", "手机号码",
         "序号", "网格编号", "户编号", "姓名", "日期", "班次", "早班", "=1+1", "=SUM(A1:A3)",
         "#DIV/0!", "  ", "\u3000", "x", "NaN", "inf", "-1", "1e400", "0870-2158276"]
SHEET_NAMES = [*SHEETS, "Sheet1", "排查", "排查登记 (2)", "住户信息", "检查结果", "gridkit标记",
               "说明", "x"]

texts = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=20),
    st.integers(min_value=200, max_value=5000).map(lambda n: "长" * n),  # very long text
    st.sampled_from(["\x01", "a\x0bb", "\x1f", "\t", "\r\n", "\x00x"]),  # control chars
)
values = st.one_of(
    texts,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5.30629198005170e17, 13800000000.0, 0.5, -0.0, 1e-300]),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from([dt.date(1900, 1, 1), dt.date(9999, 12, 31), dt.date(1900, 2, 28)]),
    st.none(),
)
index = st.integers(min_value=0, max_value=40)

set_cell = st.tuples(st.just("set"), index, index, index, values)
operations = st.one_of(
    set_cell, set_cell, set_cell, set_cell,  # odd values are the commonest damage
    st.tuples(st.just("set-header"), index, index, values),
    st.tuples(st.just("del-header"), index, index),
    st.tuples(st.just("dup-header"), index, index, index),
    st.tuples(st.just("insert-row"), index, index,
              st.lists(values, max_size=4) | st.just([]) | st.just(["网格化管理登记表"])),
    st.tuples(st.just("del-row"), index, index),
    st.tuples(st.just("del-sheet"), index),
    st.tuples(st.just("hide-sheet"), index),
    st.tuples(st.just("rename-sheet"), index, st.sampled_from(SHEET_NAMES)),
    st.tuples(st.just("empty-sheet"), index),
    st.tuples(st.just("add-sheet"), st.sampled_from(SHEET_NAMES)),
    st.tuples(st.just("merge"), index, index, index, st.integers(0, 3), st.integers(0, 5)),
)


def _pick(seq: list[Any], i: int) -> Any:
    return seq[i % len(seq)]


def _apply(book: Book, ops: list[tuple[Any, ...]]) -> tuple[Book, set[str],
                                                            list[tuple[str, int, int, int, int]]]:
    """The corrupted book (sheet order kept), hidden sheets and merged ranges
    (sheet, first row, first col, last row, last col; 0-based in the written grid)."""
    hidden: set[str] = set()
    merges: list[tuple[str, int, int, int, int]] = []
    for op in ops:
        kind, names = op[0], list(book)
        if kind == "add-sheet":
            if op[1] not in book:
                book[op[1]] = [["说明"], ["本表为空"]]
            continue
        if not names:
            continue
        name = _pick(names, op[1])
        rows = book[name]
        if kind == "set" and rows:
            row = _pick(rows, op[2])
            if row:
                row[op[3] % len(row)] = op[4]
        elif kind == "set-header" and rows and rows[0]:
            rows[0][op[2] % len(rows[0])] = op[3]
        elif kind == "del-header" and rows and rows[0]:
            rows[0][op[2] % len(rows[0])] = None
        elif kind == "dup-header" and rows and rows[0]:
            header = rows[0]
            header[op[3] % len(header)] = header[op[2] % len(header)]
        elif kind == "insert-row":
            rows.insert(op[2] % (len(rows) + 1), list(op[3]))
        elif kind == "del-row" and rows:
            del rows[op[2] % len(rows)]
        elif kind == "del-sheet":
            del book[name]
        elif kind == "hide-sheet":
            hidden.add(name)
        elif kind == "rename-sheet" and op[2] not in book:
            book = {(op[2] if n == name else n): r for n, r in book.items()}
            if name in hidden:
                hidden.discard(name)
                hidden.add(op[2])
        elif kind == "empty-sheet":
            book[name] = []
        elif kind == "merge" and rows:
            r = op[2] % len(rows)
            c = op[3] % max(1, max(map(len, rows)))
            if op[4] or op[5]:
                merges.append((name, r, c, r + op[4], c + op[5]))
    merges = [m for m in merges if m[0] in book]
    return book, hidden & set(book), _disjoint(merges)


def _disjoint(merges: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    kept: list[tuple[str, int, int, int, int]] = []
    for m in merges:
        if not any(k[0] == m[0] and not (m[3] < k[1] or k[3] < m[1] or m[4] < k[2] or k[4] < m[2])
                   for k in kept):
            kept.append(m)
    return kept


def _excel_value(v: Any) -> Any:
    """What openpyxl can store: no XML-illegal characters, no NaN/inf (Excel has none)."""
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)[:32767]
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "#NUM!"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return float(v)
    return v


def _write_openpyxl(path: Path, book: Book, hidden: set[str],
                    merges: list[tuple[str, int, int, int, int]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    cell = ws.cell(r, c, _excel_value(v))
                    if isinstance(v, str) and v.startswith("="):
                        cell.data_type = "s"  # text that looks like a formula
                    if isinstance(v, dt.date):
                        cell.number_format = "yyyy-mm-dd"
        for _, r1, c1, r2, c2 in (m for m in merges if m[0] == name):
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1,
                           end_column=c2 + 1)
        if name in hidden:
            ws.sheet_state = "hidden"
    if book and all(n in hidden for n in book):
        wb[next(iter(book))].sheet_state = "visible"  # Excel needs one visible sheet
    wb.save(path)


def _write_xlsxwriter(path: Path, book: Book, hidden: set[str],
                      merges: list[tuple[str, int, int, int, int]]) -> None:
    """xlsxwriter keeps control characters (as _x0001_) and writes NaN/inf as error cells."""
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True,
                                         "strings_to_numbers": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in book.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v[:32767])
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, v, date_format)
                else:
                    ws.write_number(r, c, v)
        for _, r1, c1, r2, c2 in (m for m in merges if m[0] == name):
            first = rows[r1][c1] if r1 < len(rows) and c1 < len(rows[r1]) else None
            ws.merge_range(r1, c1, r2, c2, None)
            if first is not None:  # merge_range blanks the range: keep the top-left value
                ws.write(r1, c1, first if not isinstance(first, str) else first[:32767])
        if name in hidden and not all(n in hidden for n in book):
            ws.hide()
    if not book:
        wb.add_worksheet("Sheet1")
    wb.close()


def _grid_size(rows: list[list[Any]], merges: list[tuple[str, int, int, int, int]],
               name: str) -> tuple[int, int]:
    height = len(rows)
    width = max(map(len, rows), default=0)
    for m in merges:
        if m[0] == name:
            height, width = max(height, m[3] + 1), max(width, m[4] + 1)
    return height, width


_CJK = re.compile(r"[\u4e00-\u9fff]")
_CELL = re.compile(r"^([A-Z]+)([1-9]\d*)$")


def assert_one_sentence(text: str | None) -> None:
    assert isinstance(text, str) and text
    assert _CJK.search(text), text
    assert "\n" not in text and "Traceback" not in text, text
    assert text.endswith("。"), text


def assert_sound(result: CheckResult, sizes: dict[str, tuple[int, int]] | None = None) -> None:
    assert isinstance(result, CheckResult)
    assert result.status in ("ok", "errors", "unreadable")
    if result.status == "unreadable":
        assert_one_sentence(result.error)
        assert result.issues == []
        return
    assert result.error is None
    assert result.status == ("errors" if any(f.severity == ERROR for f in result.issues)
                             else "ok")
    json.dumps(result.to_dict(), ensure_ascii=False)
    for f in result.issues:
        assert f.rule in RULE_TITLES, f
        assert f.severity in (ERROR, WARNING), f
        assert isinstance(f.message, str) and _CJK.search(f.message), f
        if f.row is None:
            continue
        assert f.sheet in result.sheet_names, f
        m = _CELL.match(f.cell or "")
        assert m, f
        assert int(m[2]) == f.row, f
        if sizes is not None:
            height, width = sizes[result.sheet_names[f.sheet]]
            assert f.row <= height, (f, height)
            assert column_index(m[1]) < width, (f, width)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(cwd=tmp_path_factory.mktemp("robust"))


@settings(derandomize=True, database=None, max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ops=st.lists(operations, min_size=1, max_size=12), writer=st.booleans())
@example(ops=[("set", 3, 1, 12, dt.date(9999, 12, 31))], writer=True)  # start + 14 days
def test_any_corrupted_register_gives_a_result_or_one_sentence(
        config: Config, ops: list[tuple[Any, ...]], writer: bool) -> None:
    book, hidden, merges = _apply(copy_book(CLEAN), ops)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "扎西镇_20200204.xlsx"
        (_write_xlsxwriter if writer else _write_openpyxl)(path, book, hidden, merges)
        sizes = {name: _grid_size(rows, merges, name) for name, rows in book.items()}
        result = check_path(path, config)
        assert_sound(result, sizes)
        if result.status == "unreadable":
            return
        try:
            out = write_annotated(result, Path(tmp) / "out")
        except GridkitError as exc:
            assert_one_sentence(exc.message)
            return
        again = check_path(out, config)  # the annotated copy reads, its marks not counted
        assert again.status == result.status
        assert [(f.rule, f.cell) for f in again.issues] == [(f.rule, f.cell)
                                                            for f in result.issues]


def _xlsx_bytes(tmp_path: Path) -> bytes:
    return write_workbook(tmp_path / "clean.xlsx", clean_register()).read_bytes()


def _zip_without(data: bytes, part: str) -> bytes:
    import io

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            if item.filename != part:
                dst.writestr(item, src.read(item))
    return buf.getvalue()


GARBLED = {
    "cut-in-half": lambda b: b[: len(b) // 2],
    "cut-near-end": lambda b: b[:-40],
    "random-bytes": lambda b: random.Random(3).randbytes(4096),
    "zip-magic-then-noise": lambda b: b"PK\x03\x04" + random.Random(4).randbytes(2000),
    "ole-magic-then-noise": lambda b: (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                                       + random.Random(5).randbytes(3000)),
    "bytes-flipped-inside": lambda b: b[:600] + bytes(x ^ 0x5A for x in b[600:1600]) + b[1600:],
    "no-workbook-part": lambda b: _zip_without(b, "xl/workbook.xml"),
    "no-sheet-part": lambda b: _zip_without(b, "xl/worksheets/sheet1.xml"),
    "html": lambda b: "<html><body><table><tr><td>身份证号</td></tr></table></body></html>"
                      .encode(),
    "csv": lambda b: "户编号,网格编号,户主姓名\nH001,G01,马云飞\n".encode("gbk"),
    "empty": lambda b: b"",
    "one-byte": lambda b: b"P",
}
MAYBE_READABLE = {"bytes-flipped-inside"}


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".xlsm"])
@pytest.mark.parametrize("garble", sorted(GARBLED))
def test_garbled_bytes_are_refused_with_one_sentence(tmp_path: Path, config: Config,
                                                     garble: str, suffix: str) -> None:
    path = tmp_path / f"扎西镇_20200204{suffix}"
    path.write_bytes(GARBLED[garble](_xlsx_bytes(tmp_path)))
    result = check_path(path, config)
    if garble in MAYBE_READABLE and result.status != "unreadable":
        assert_sound(result)  # the damage missed every part the reader needs
        return
    assert result.status == "unreadable"
    assert_one_sentence(result.error)
    assert path.name in (result.error or "")
