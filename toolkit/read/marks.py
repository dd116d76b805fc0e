"""What python-calamine reads as an empty cell but is not: Excel error values (#REF!, #N/A,
#VALUE!, #DIV/0! …) and formulas saved without a cached value (files written by programs
other than Excel, WPS or LibreOffice); and the merged ranges of an .ods, which calamine does
not report.

Each format is looked at once, only where it can hold such cells, and cheaply:

* .xlsx/.xlsm: each sheet's XML is searched for ``t="e"`` and ``<f`` (one C-level search of
  the bytes); only a sheet that has them is parsed, and only around each hit.
* .ods: ``content.xml`` is walked (streamed, repeats counted, never expanded) only when it
  holds an error cell or a merged range.
* .xls: xlrd (the .xls reader of the Python world) lists the error cells; an .xls always
  stores formula results, so there is nothing uncached to find.

A file these scans cannot follow is left as calamine read it: never a failure.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import XMLPullParser

if TYPE_CHECKING:
    from .raw import RawSheet

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"
_SHEET_TAG = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_TAG_ALT = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL_TAG = re.compile(rb"<Relationship\b[^>]*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#UNKNOWN!", "#CONNECT!", "#BUSY!", "#PYTHON!"})

_XML_ESCAPES = {b"&amp;": b"&", b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'"}


def _unescape(raw: bytes) -> str:
    for k, v in _XML_ESCAPES.items():
        raw = raw.replace(k, v)
    return raw.decode("utf-8", "replace")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def collect(path: Path, head: bytes, sheets: list[RawSheet]) -> None:
    """Fill ``errors``, ``uncached`` (and for .ods ``merged``) of the sheets calamine read."""
    by_name = {s.name: s for s in sheets}
    try:
        if head.startswith(_ZIP_MAGIC):
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "xl/workbook.xml" in names:
                    _xlsx(z, by_name)
                elif "content.xml" in names:
                    _ods(z, by_name)
        elif head == _OLE_MAGIC:
            _xls(path, by_name)
    except Exception:
        return


# -- .xlsx -------------------------------------------------------------------------------

def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package."""
    wb = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    for m in _REL_TAG.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(0)))
        rid, target = attrs.get(b"Id"), attrs.get(b"Target")
        if rid is not None and target is not None:
            t = target.decode("utf-8", "replace")
            targets[rid.decode()] = (t[1:] if t.startswith("/")
                                     else posixpath.normpath(posixpath.join("xl", t)))
    parts: dict[str, str] = {}
    for m in _SHEET_TAG.finditer(wb):
        name, rid = m.group(1), m.group(2)
        if rid.decode() in targets:
            parts[_unescape(name)] = targets[rid.decode()]
    if not parts:
        for m in _SHEET_TAG_ALT.finditer(wb):
            rid, name = m.group(1), m.group(2)
            if rid.decode() in targets:
                parts[_unescape(name)] = targets[rid.decode()]
    return parts


def _xlsx(z: zipfile.ZipFile, by_name: dict[str, RawSheet]) -> None:
    for name, part in _sheet_parts(z).items():
        sheet = by_name.get(name)
        if sheet is None:
            continue
        data = z.read(part)
        if b't="e"' in data:
            sheet.errors.update(_xlsx_errors(data))
        if b"<f" in data:
            sheet.uncached.update(_xlsx_uncached(data))


def _xlsx_errors(data: bytes) -> Iterable[tuple[tuple[int, int], str]]:
    for m in _ERROR_CELL.finditer(data):
        ref = _CELL_REF.search(m.group(0))
        if ref is None:
            continue
        end = data.find(b"</c>", m.end())
        v = _VALUE.search(data, m.end(), end if end >= 0 else m.end())
        text = _unescape(v.group(1)) if v else "#VALUE!"
        yield (int(ref.group(2)) - 1, _col_index(ref.group(1))), text


def _xlsx_uncached(data: bytes) -> Iterable[tuple[int, int]]:
    pos = data.find(b"<f")
    while pos >= 0:
        nxt = data[pos + 2:pos + 3]
        if nxt in (b">", b" ", b"/"):
            start = data.rfind(b"<c", 0, pos)
            end = data.find(b"</c>", pos)
            if start >= 0 and end >= 0:
                tag_end = data.find(b">", start)
                if _no_value(data, start, tag_end, pos, end):
                    ref = _CELL_REF.search(data, start, tag_end)
                    if ref is not None:
                        yield int(ref.group(2)) - 1, _col_index(ref.group(1))
                pos = data.find(b"<f", end)
                continue
        pos = data.find(b"<f", pos + 2)


def _no_value(data: bytes, start: int, tag_end: int, pos: int, end: int) -> bool:
    """A formula cell with no cached value: no ``<v>``, or an empty one that is not the
    empty text a text formula may give (``t="str"``)."""
    v = data.find(b"<v", pos, end)
    if v < 0:
        return True
    if data[v:v + 4] in (b"<v/>", b"<v /") or data[v:v + 7] == b"<v></v>":
        return data.find(b't="str"', start, tag_end) < 0
    return False


# -- .ods --------------------------------------------------------------------------------

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_C = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"


def _ods(z: zipfile.ZipFile, by_name: dict[str, RawSheet]) -> None:
    with z.open("content.xml") as fh:
        content = fh.read()
    if not (b'value-type="error"' in content or b"number-rows-spanned" in content
            or b"number-columns-spanned" in content or b"table:formula" in content):
        return
    parser: XMLPullParser = XMLPullParser(events=("start", "end"))
    sheet: RawSheet | None = None
    row = col = 0
    row_repeat = 1
    for chunk in range(0, len(content), 1 << 20):
        parser.feed(content[chunk:chunk + (1 << 20)])
        events: Any = parser.read_events()
        for event, el in events:
            tag = el.tag
            if tag == f"{_T}table":
                if event == "start":
                    sheet, row = by_name.get(el.get(f"{_T}name", "")), 0
                else:
                    sheet = None
            elif tag == f"{_T}table-row":
                if event == "start":
                    col = 0
                    row_repeat = int(el.get(f"{_T}number-rows-repeated", "1"))
                else:
                    row += row_repeat
                    el.clear()
            elif tag in (f"{_T}table-cell", f"{_T}covered-table-cell") and event == "end":
                repeat = int(el.get(f"{_T}number-columns-repeated", "1"))
                if sheet is not None and tag == f"{_T}table-cell":
                    _ods_cell(sheet, el, row, col)
                col += repeat
                el.clear()
    parser.close()


def _ods_cell(sheet: RawSheet, el: object, row: int, col: int) -> None:
    get = el.get  # type: ignore[attr-defined]
    rows = int(get(f"{_T}number-rows-spanned", "1"))
    cols = int(get(f"{_T}number-columns-spanned", "1"))
    if rows > 1 or cols > 1:
        sheet.merged.append(((row, col), (row + rows - 1, col + cols - 1)))
    if get(f"{_C}value-type") == "error":
        texts = [t.text or "" for t in el.iter(_TEXT)]  # type: ignore[attr-defined]
        text = texts[0] if texts else "#VALUE!"
        sheet.errors[(row, col)] = text if text in ERROR_TEXTS else "#VALUE!"
    elif get(f"{_T}formula") is not None and get(f"{_O}value-type") is None:
        sheet.uncached.add((row, col))


# -- .xls --------------------------------------------------------------------------------

def _xls(path: Path, by_name: dict[str, RawSheet]) -> None:
    import xlrd  # only .xls files need it

    book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO(),
                              verbosity=0)
    try:
        error_code = xlrd.XL_CELL_ERROR
        for name in book.sheet_names():
            sheet = by_name.get(name)
            if sheet is None:
                continue
            xs = book.sheet_by_name(name)
            for r in range(xs.nrows):
                types = xs.row_types(r)
                if error_code not in types:
                    continue
                for c, t in enumerate(types):
                    if t == error_code:
                        code = xs.cell_value(r, c)
                        sheet.errors[(r, c)] = xlrd.error_text_from_code.get(code, "#VALUE!")
            book.unload_sheet(name)
    finally:
        book.release_resources()
