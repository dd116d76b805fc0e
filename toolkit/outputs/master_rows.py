"""The master's data rows as sheet XML, made anywhere: in the night's own process or in a
township file's worker, where the rows are (:mod:`toolkit.night.spool`).

A rendered row is the ``<row>`` element with :data:`ROW` standing for its row number; the
sheet puts the number in as it writes the row (:meth:`.master._DataWorksheet.put`). Styles
are the data sheets' four formats, registered first in every master so their numbers are
known without the workbook (:data:`DATA_STYLES`). Text of the columns with few distinct
values (township, enums, 检查结果, 来源文件) goes to the workbook's shared-string table
through ``lookup`` (a worker gets the night's known strings as a dict, any other value is
written inline: it reads back the same). Anything unusual (XML specials, control
characters, edge spaces) goes through xlsxwriter's own escaping; a row the fast path cannot
write (very long text, an unexpected type) renders as None and is written the stock way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from math import isfinite
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..config.schema import ColumnSpec
from ..store.records import ROW_ERROR, ROW_WARNING

ROW = "\x01"  # the row number's place in a rendered row (a control character in a value
# is always escaped, so it never occurs in the text itself)
# the data sheets' formats (attributes of master_sheets.Formats), registered first in every
# master: their xf numbers are 1, 2, 3, 4 (0 is Excel's General)
DATA_FORMATS = ("date", "data_wrap", "error", "warning")
DATA_STYLES = {name: f' s="{k}"' for k, name in enumerate(DATA_FORMATS, start=1)}
ROW_LABELS = {ROW_ERROR: ("有错误", DATA_STYLES["error"]),
              ROW_WARNING: ("有警告", DATA_STYLES["warning"])}
WRAPPED_TYPES = ("name-list", "text")

# a string handed to xlsxwriter's own escaping: XML specials, control characters, text that
# looks like an escape (_x0041_), leading/trailing whitespace
_UNUSUAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
# the same test over a whole row's texts joined by newlines (^ and $ at each text's edges):
# one search per row instead of one per cell; a hit sends the row's texts through _UNUSUAL
_UNUSUAL_ROW = re.compile(_UNUSUAL.pattern, re.MULTILINE)
_EDGE_SPACE = re.compile(r"^\s|\s$")  # kept with xml:space="preserve", as xlsxwriter does
_LONG = 16_000  # longer strings take xlsxwriter's own path (it truncates at 32,767)

_STOCK = "\x00"  # a cell only the stock writer can write (its row is left to it)
# a text's number in the shared-string table (None: written inline); it does not count the
# reference: RowXml.refs_shared does, for the table's count
Lookup = Callable[[str], "int | None"]


class RowXml:
    """Renders rows of ``width`` cells: ``shared`` the columns whose text goes through
    ``lookup`` into the shared-string table."""

    def __init__(self, width: int, shared: Sequence[int], lookup: Lookup) -> None:
        self.refs = [xl_col_to_name(c) for c in range(width)]
        self.shared = [c in set(shared) for c in range(width)]
        self.lookup = lookup
        self.refs_shared = 0  # shared-string references written (the table's count)
        self._dates: dict[dt.date, str] = {}
        self._helper = Worksheet()  # xlsxwriter's escaping and date serials

    def many(self, rows: Sequence[Sequence[Any]], styles: Sequence[Sequence[str]]
             ) -> list[str | None]:
        """Each row's ``values`` (str, int, float, date or None) from column A as one
        ``<row>``, each cell with the style at its index of the row's ``styles``; None for
        a row with a value only the stock writer can write. Made a column at a time (a
        chunk of rows, not one: a column's cells share their reference, style and usually
        type, so most cells are one string concatenation; a column holding anything unusual
        is made cell by cell)."""
        width = max(map(len, rows), default=0)
        if width > len(self.refs):
            return [None] * len(rows)
        if any(len(r) != width for r in rows):
            rows = [[*r, *[None] * (width - len(r))] for r in rows]
            styles = [[*s, *[""] * (width - len(s))] for s in styles]
        return self.columns(list(zip(*rows, strict=True)), list(zip(*styles, strict=True)),
                            len(rows))

    def columns(self, values: Sequence[Sequence[Any]], styles: Sequence[Sequence[str]],
                n: int) -> list[str | None]:
        """:meth:`many` for rows given as their columns: ``values[c]`` and ``styles[c]``
        the ``n`` cells of column ``c`` and their styles."""
        if len(values) > len(self.refs):
            return [None] * n
        columns = [self._column(c, col, st) for c, (col, st) in
                   enumerate(zip(values, styles, strict=True))]
        stock = any(_STOCK in col for col in columns)
        out: list[str | None] = ["".join(cells) for cells in zip(
            [f'<row r="{ROW}">'] * n, *columns, ["</row>"] * n, strict=True)]
        if stock:
            out = [None if x is None or _STOCK in x else x for x in out]
        return out

    def _column(self, c: int, values: Sequence[Any], styles: Sequence[str]) -> list[str]:
        style = styles[0]
        if styles.count(style) != len(styles):  # the check result's colour, row by row
            return [self._cell(c, v, s) for v, s in zip(values, styles, strict=True)]
        if self.shared[c]:
            return self._shared_column(c, values, style)
        texts = "\n".join([v for v in values if v.__class__ is str])
        if texts and ((len(texts) > _LONG and max(map(len, texts.split("\n"))) > _LONG)
                      or _UNUSUAL_ROW.search(texts)):
            return [self._cell(c, v, style) for v in values]
        ref = self.refs[c]
        text = f'<c r="{ref}{ROW}"{style} t="inlineStr"><is><t>'
        number = f'<c r="{ref}{ROW}"{style}><v>'
        empty = f'<c r="{ref}{ROW}"{style}/>' if style else ""
        cell, dates, serial = self._cell, self._dates, self._serial
        return [(text + v + "</t></is></c>" if v else empty) if (k := v.__class__) is str
                else empty if v is None
                else number + f"{v:.16G}</v></c>" if k is int
                else number + (dates.get(v) or serial(v)) + "</v></c>" if k is dt.date
                else cell(c, v, style) for v in values]

    def _serial(self, day: dt.date) -> str:
        serial = self._dates[day] = f"{self._helper._convert_date_time(day):.16G}"
        return serial

    def _shared_column(self, c: int, values: Sequence[Any], style: str) -> list[str]:
        """A column of few distinct values: each made once."""
        try:
            counts = Counter(values)
        except TypeError:  # an unhashable value
            counts = Counter()
        if not counts or any(v is not None and v.__class__ is not str for v in counts):
            return [self._cell(c, v, style) for v in values]  # (1 and True are one key)
        made = {}
        for v, times in counts.items():
            cell = made[v] = self._cell(c, v, style)
            if ' t="s"' in cell:
                self.refs_shared += times - 1  # _cell counted the first
        return [made[v] for v in values]

    def _cell(self, c: int, v: Any, style: str) -> str:
        """One cell, any value: :data:`_STOCK` when it needs the stock writer."""
        ref = self.refs[c]
        cls = v.__class__
        if cls is str and v:
            if len(v) > _LONG:
                return _STOCK
            if self.shared[c]:
                index = self.lookup(v)
                if index is not None:  # the table's strings are escaped by xlsxwriter
                    self.refs_shared += 1
                    return f'<c r="{ref}{ROW}"{style} t="s"><v>{index}</v></c>'
            pres = ""
            if _UNUSUAL.search(v):
                v = self._helper._escape_control_characters(v)
                if _EDGE_SPACE.search(v):
                    pres = ' xml:space="preserve"'
                v = self._helper._escape_data(v)
            return f'<c r="{ref}{ROW}"{style} t="inlineStr"><is><t{pres}>{v}</t></is></c>'
        if v is None or cls is str:  # empty: a blank cell only when formatted
            return f'<c r="{ref}{ROW}"{style}/>' if style else ""
        if cls is int or (cls is float and isfinite(v)):
            return f'<c r="{ref}{ROW}"{style}><v>{v:.16G}</v></c>'
        if cls is dt.date:
            return f'<c r="{ref}{ROW}"{style}><v>{self._dates.get(v) or self._serial(v)}</v></c>'
        return _STOCK


class SheetRows:
    """One merged data sheet's rows: 乡镇, the schema's ``columns`` (taken from values in the
    stored ``layout`` order), 检查结果, 来源文件, 来源行 — as cell values with their styles
    (:meth:`cells`) and as rendered XML (:meth:`many`)."""

    def __init__(self, columns: Sequence[ColumnSpec], layout: Sequence[str],
                 lookup: Lookup) -> None:
        ids = [c.id for c in columns]
        n = self.n = len(columns)
        pos = [layout.index(i) if i in layout else None for i in ids]
        self.getter = [(k + 1, p) for k, p in enumerate(pos) if p is not None]
        self.same_order = pos == list(range(n))
        self.status_col = n + 1
        self.width = n + 4
        self.dates = [k + 1 for k, c in enumerate(columns) if c.type == "date"]
        self.lists = [k + 1 for k, c in enumerate(columns) if c.type == "name-list"]
        self.shared = [0, *(k + 1 for k, c in enumerate(columns) if c.type == "enum"),
                       self.status_col, self.status_col + 1]
        styles = [""] * self.width
        for k in self.dates:
            styles[k] = DATA_STYLES["date"]
        for k, col in enumerate(columns, start=1):  # names and text wrap within their width
            if col.type in WRAPPED_TYPES:
                styles[k] = DATA_STYLES["data_wrap"]
        self.styles = styles
        self.render = RowXml(self.width, self.shared, lookup)

    def cells(self, township: str, file: str, excel_row: int, status: str,
              src: Sequence[Any]) -> tuple[list[Any], list[str]]:
        """The row's cells and their styles (dates from ISO text, name lists joined)."""
        n = self.n
        out: list[Any]
        if self.same_order and len(src) == n:  # the usual case: the layout is the schema's
            out = [township, *src, None, None, None]
        else:
            size = len(src)
            out = [None] * self.width
            out[0] = township
            for k, p in self.getter:
                if p < size:
                    out[k] = src[p]
        for k in self.dates:  # ISO text from the store; dates already from the reader
            v = out[k]
            if v.__class__ is str:
                with contextlib.suppress(ValueError):
                    out[k] = dt.date.fromisoformat(v)
        for k in self.lists:  # a JSON list from the store, a tuple from the reader
            v = out[k]
            if isinstance(v, list | tuple):
                out[k] = "、".join(str(x) for x in v)
        styles = self.styles
        label = ROW_LABELS.get(status)
        if label is not None:
            styles = list(styles)
            out[self.status_col], styles[self.status_col] = label
        out[self.status_col + 1] = file
        out[self.status_col + 2] = excel_row
        return out, styles

    def many(self, rows: Sequence[tuple[str, str, int, str, Sequence[Any]]]
             ) -> list[str | None]:
        """Rows (township, file, Excel row, status, values) rendered (:meth:`RowXml.many`):
        made a column at a time from the chunk's columns when the values are in the
        schema's order (the usual case), else row by row through :meth:`cells`."""
        n = self.n
        if not rows or not self.same_order or any(len(r[4]) != n for r in rows):
            made = [self.cells(*r) for r in rows]
            return self.render.many([v for v, _s in made], [s for _v, s in made])
        count = len(rows)
        towns, files, excel_rows, statuses, values = zip(*rows, strict=True)
        columns: list[Sequence[Any]] = [towns, *zip(*values, strict=True)] if n else [towns]
        for k in self.dates:  # ISO text from the store; dates already from the reader
            if any(v.__class__ is str for v in columns[k]):
                columns[k] = [_iso_date(v) for v in columns[k]]
        for k in self.lists:  # a JSON list from the store, a tuple from the reader
            if any(isinstance(v, list | tuple) for v in columns[k]):
                columns[k] = [_joined(v) for v in columns[k]]
        plain = self.styles[self.status_col]
        labels = [ROW_LABELS.get(st, (None, plain)) for st in statuses]
        columns += [[t for t, _s in labels], files, excel_rows]
        styles: list[Sequence[str]] = [[st] * count for st in self.styles]
        styles[self.status_col] = [s for _t, s in labels]
        return self.render.columns(columns, styles, count)


def _iso_date(v: Any) -> Any:
    if v.__class__ is str:
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(v)
    return v


def _joined(v: Any) -> Any:
    return "、".join(str(x) for x in v) if isinstance(v, list | tuple) else v
