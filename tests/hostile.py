"""Hostile and unlucky files, written byte by byte (no spreadsheet library could write most
of them): zip bombs, a stray cell at the far corner, sheets past Excel's size, huge cells,
numbers JSON cannot hold, error values, names no file system likes.

Each builder writes one file into a folder and returns its path. ``xlsx_package`` is a
minimal valid workbook around sheet XML the caller gives (inline strings, no styles)."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from toolkit.read.table import column_letter

from .factory import Book, clean_register

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_SHEET_CT = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http:'
         '//schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://'
       'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
       'openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets>'
       '</workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            '</Relationships>')
_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
               '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}'
               '<sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def cell_xml(ref: str, value: object) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def rows_xml(rows: Iterable[list[object]], first_row: int = 1) -> Iterable[str]:
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(cell_xml(f"{column_letter(c)}{r}", v) for c, v in enumerate(row)
                        if v is not None and v != "")
        yield f'<row r="{r}">{cells}</row>'


def xlsx_package(path: Path, sheets: dict[str, Callable[[], Iterable[str]]], *,
                 dimensions: dict[str, str] | None = None,
                 level: int = 6) -> Path:
    """A workbook whose sheets' <sheetData> bodies come from the callables (streamed)."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", _CT.format(
            sheets="".join(_SHEET_CT.format(n=i + 1) for i in range(len(names)))))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(sheets="".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(names))))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(
            rels="".join(_REL.format(n=i + 1) for i in range(len(names)))))
        for i, name in enumerate(names):
            dim = (dimensions or {}).get(name)
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                fh.write(_SHEET_HEAD.format(
                    dimension=f'<dimension ref="{dim}"/>' if dim else "").encode())
                for chunk in sheets[name]():
                    fh.write(chunk.encode("utf-8"))
                fh.write(_SHEET_TAIL.encode())
    return path


def register_package(path: Path, book: Book | None = None, *,
                     extra: dict[str, Callable[[], Iterable[str]]] | None = None,
                     dimensions: dict[str, str] | None = None) -> Path:
    """A township register (the factory's clean one unless given) written as raw XML, with
    extra sheets or a changed sheet body."""
    book = book or clean_register()
    sheets: dict[str, Callable[[], Iterable[str]]] = {
        name: (lambda rows=rows: rows_xml(rows)) for name, rows in book.items()}
    sheets.update(extra or {})
    return xlsx_package(path, sheets, dimensions=dimensions)


# -- the hostile files --------------------------------------------------------------------

def zip_bomb(folder: Path, megabytes: int = 300) -> Path:
    """One sheet inflating to hundreds of MB of the same row (a few hundred KB on disk)."""
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    filler = "<!--" + " " * (1 << 20) + "-->"

    def body() -> Iterable[str]:
        yield row
        for _ in range(megabytes):
            yield filler
    return register_package(folder / "三桃乡_20200204.xlsx", extra={"附表": body})


def far_cell(folder: Path, *, declared: bool) -> Path:
    """A register with one stray cell at XFD1048576 (with or without the sheet declaring
    its extent): the parser would allocate 17 billion cells."""
    book = clean_register("三桃乡")
    rows = book["排查登记"]

    def body() -> Iterable[str]:
        yield from rows_xml(rows)
        yield '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return register_package(folder / "三桃乡_20200204.xlsx", book,
                            extra={"排查登记": body},
                            dimensions={"排查登记": "A1:XFD1048576"} if declared else None)


def past_excel(folder: Path) -> Path:
    """A sheet declaring two million rows (Excel stops at 1,048,576)."""
    return register_package(folder / "三桃乡_20200204.xlsx", clean_register("三桃乡"),
                            dimensions={"排查登记": "A1:P2000000"})


def many_rows(folder: Path, rows: int) -> Path:
    """排查登记 with ``rows`` copies of a person (each a duplicate of the first)."""
    book = clean_register("三桃乡")
    header, first, *_ = book["排查登记"]

    def body() -> Iterable[str]:
        yield from rows_xml([header])
        for r in range(2, rows + 2):
            yield next(iter(rows_xml([first], first_row=r)))
    return register_package(folder / "三桃乡_20200204.xlsx", book, extra={"排查登记": body})


def huge_cells(folder: Path) -> Path:
    """32,767-character texts (Excel's most) in a name, an enum and a number cell."""
    book = clean_register("三桃乡")
    rows = book["排查登记"]
    header = rows[0]
    long = "长" * 32767
    for column in ("姓名", "健康状况", "备注"):
        rows[1][header.index(column)] = long
    book["网格"][1][book["网格"][0].index("联防队人数")] = "9" * 32767
    return register_package(folder / "三桃乡_20200204.xlsx", book)


def not_finite(folder: Path) -> Path:
    """Numbers JSON cannot hold: 1e400 (inf) in a count, NaN in an ID, -1e400 in text."""
    book = clean_register("三桃乡")

    class Raw(str):
        """A value written as a number cell with this exact text."""

    grids = book["网格"]
    grids[1][grids[0].index("联防队人数")] = Raw("1e400")
    scr = book["排查登记"]
    scr[1][scr[0].index("身份证号")] = Raw("NaN")
    scr[2][scr[0].index("来源地")] = Raw("-1e400")
    sheets: dict[str, Callable[[], Iterable[str]]] = {}
    for name, rows in book.items():
        def body(rows: list[list[object]] = rows) -> Iterable[str]:
            for r, row in enumerate(rows, start=1):
                cells = "".join(
                    f'<c r="{column_letter(c)}{r}"><v>{v}</v></c>' if isinstance(v, Raw)
                    else cell_xml(f"{column_letter(c)}{r}", v)
                    for c, v in enumerate(row) if v is not None and v != "")
                yield f'<row r="{r}">{cells}</row>'
        sheets[name] = body
    return xlsx_package(folder / "三桃乡_20200204.xlsx", sheets)


def error_values(folder: Path) -> Path:
    """#REF!, #N/A and #DIV/0! stored as error cells in an ID, a count and a text."""
    book = clean_register("三桃乡")
    errors = {("住户", 2, "身份证号"): "#REF!", ("网格", 1, "联防队人数"): "#DIV/0!",
              ("排查登记", 1, "来源地"): "#N/A"}
    sheets: dict[str, Callable[[], Iterable[str]]] = {}
    for name, rows in book.items():
        def body(rows: list[list[object]] = rows, name: str = name) -> Iterable[str]:
            for r, row in enumerate(rows, start=1):
                cells = []
                for c, v in enumerate(row):
                    ref = f"{column_letter(c)}{r}"
                    err = errors.get((name, r - 1, rows[0][c])) if r > 1 else None
                    if err:
                        cells.append(f'<c r="{ref}" t="e"><v>{err}</v></c>')
                    elif v is not None and v != "":
                        cells.append(cell_xml(ref, v))
                yield f'<row r="{r}">{"".join(cells)}</row>'
        sheets[name] = body
    return xlsx_package(folder / "三桃乡_20200204.xlsx", sheets)


def truncated(folder: Path) -> Path:
    """A file cut in the middle (a copy that stopped)."""
    good = register_package(folder / "whole.xlsx", clean_register("三桃乡"))
    data = good.read_bytes()
    good.unlink()
    target = folder / "三桃乡_20200204.xlsx"
    target.write_bytes(data[:len(data) // 2])
    return target


def long_name(folder: Path) -> Path:
    """A 240-byte file name (80 Chinese characters) a township really sent."""
    return register_package(folder / ("三桃乡" + "网格化管理登记表" * 9 + "2020年2月4日.xlsx"),
                            clean_register("三桃乡"))


def gbk_name(folder: Path) -> Path:
    """A name in GBK bytes (copied from an old Windows share), not UTF-8."""
    tmp = register_package(folder / "tmp.xlsx", clean_register("三桃乡"))
    target = os.fsencode(folder) + b"/" + "三桃乡_20200204.xlsx".encode("gbk")
    os.rename(os.fsencode(tmp), target)
    return Path(os.fsdecode(target))


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "zip-bomb": zip_bomb,
    "far-cell-declared": lambda f: far_cell(f, declared=True),
    "far-cell-undeclared": lambda f: far_cell(f, declared=False),
    "past-excel-rows": past_excel,
    "huge-cells": huge_cells,
    "not-finite": not_finite,
    "error-values": error_values,
    "truncated": truncated,
    "long-name": long_name,
    "gbk-name": gbk_name,
}
