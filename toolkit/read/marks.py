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
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import XMLPullParser

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


@dataclass
class Marks:
    """What one sheet holds that calamine reads as empty."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


class _Sink(dict[str, Marks]):
    def __missing__(self, key: str) -> Marks:
        value = self[key] = Marks()
        return value


def collect(path: Path, head: bytes) -> dict[str, Marks]:
    """Sheet name -> its marks (only sheets that have some). Never raises."""
    found = _Sink()
    try:
        if head.startswith(_ZIP_MAGIC):
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "xl/workbook.xml" in names:
                    _xlsx(z, found)
                elif "content.xml" in names:
                    _ods(z, found)
        elif head == _OLE_MAGIC:
            _xls(path, found)
    except Exception:
        return {}
    return dict(found)


def collect_in_background(path: Path, head: bytes) -> Callable[[], dict[str, Marks]]:
    """:func:`collect` in a thread (zlib releases the GIL, so the scan runs beside
    calamine's parse); call the result to wait for the marks."""
    box: list[dict[str, Marks]] = []
    thread = threading.Thread(target=lambda: box.append(collect(path, head)), daemon=True,
                              name="gridkit-marks")
    thread.start()

    def wait() -> dict[str, Marks]:
        thread.join()
        return box[0] if box else {}
    return wait


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


def _member(z: zipfile.ZipFile, part: str) -> bytes:
    """A package part's bytes, a deflated one inflated in ONE zlib call (which releases the
    GIL, so this runs beside calamine's parse; ZipFile.read inflates in small steps)."""
    info = z.getinfo(part)
    if info.compress_type != zipfile.ZIP_DEFLATED or z.fp is None:
        return z.read(part)
    fp = z.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return z.read(part)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    data = zlib.decompress(fp.read(info.compress_size), -15)
    if len(data) != info.file_size:
        return z.read(part)
    return data


def _xlsx(z: zipfile.ZipFile, found: _Sink) -> None:
    for name, part in _sheet_parts(z).items():
        data = _member(z, part)
        if b't="e"' in data:
            found[name].errors.update(_xlsx_errors(data))
        if b"<f" in data:
            uncached = set(_xlsx_uncached(data))
            if uncached:
                found[name].uncached.update(uncached)


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


def _ods(z: zipfile.ZipFile, found: _Sink) -> None:
    with z.open("content.xml") as fh:
        content = fh.read()
    if not (b'value-type="error"' in content or b"number-rows-spanned" in content
            or b"number-columns-spanned" in content or b"table:formula" in content):
        return
    parser: XMLPullParser = XMLPullParser(events=("start", "end"))
    sheet: str | None = None
    row = col = 0
    row_repeat = 1
    for chunk in range(0, len(content), 1 << 20):
        parser.feed(content[chunk:chunk + (1 << 20)])
        events: Any = parser.read_events()
        for event, el in events:
            tag = el.tag
            if tag == f"{_T}table":
                if event == "start":
                    sheet, row = el.get(f"{_T}name", ""), 0
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
                    _ods_cell(found, sheet, el, row, col)
                col += repeat
                el.clear()
    parser.close()


def _ods_cell(found: _Sink, sheet: str, el: Any, row: int, col: int) -> None:
    get = el.get
    rows = int(get(f"{_T}number-rows-spanned", "1"))
    cols = int(get(f"{_T}number-columns-spanned", "1"))
    if rows > 1 or cols > 1:
        found[sheet].merged.append(((row, col), (row + rows - 1, col + cols - 1)))
    if get(f"{_C}value-type") == "error":
        texts = [t.text or "" for t in el.iter(_TEXT)]
        text = texts[0] if texts else "#VALUE!"
        found[sheet].errors[(row, col)] = text if text in ERROR_TEXTS else "#VALUE!"
    elif get(f"{_T}formula") is not None and get(f"{_O}value-type") is None:
        found[sheet].uncached.add((row, col))


# -- .xls --------------------------------------------------------------------------------

def _xls(path: Path, found: _Sink) -> None:
    import xlrd  # only .xls files need it (60 ms to import: the others do not pay it)

    book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO(),
                              verbosity=0)
    try:
        error_code = xlrd.XL_CELL_ERROR
        for name in book.sheet_names():
            xs = book.sheet_by_name(name)
            for r in range(xs.nrows):
                types = xs.row_types(r)
                if error_code not in types:
                    continue
                for c, t in enumerate(types):
                    if t == error_code:
                        code = xs.cell_value(r, c)
                        found[name].errors[(r, c)] = xlrd.error_text_from_code.get(
                            code, "#VALUE!")
            book.unload_sheet(name)
    finally:
        book.release_resources()
