"""An in-memory xlwings engine for tests: no Excel exists on Linux.

The classes below subclass xlwings' own ``base_classes`` (the interface every xlwings engine
implements: App, Books, Book, Sheets, Sheet, Range, Note, Font) and keep the workbook in an
openpyxl ``Workbook`` loaded from a real .xlsx/.xlsm. Registered as the ``memory`` engine and
made active, it lets the Excel entry points in ``macros/`` run UNCHANGED through xlwings' own
``xw.Book`` / ``xw.Sheet`` / ``xw.Range`` objects and its conversion pipeline.

It behaves like Excel over COM where that matters to gridkit:
- numbers are read back as ``float`` (Excel stores every number as a double), dates as
  ``datetime``, empty cells as ``None``; a text that starts with ``'`` is stored without it;
- ``used_range`` is the rectangle of cells that hold a value or a format, ``A1`` when empty;
- in a merged area only the top-left cell holds a value: clearing contents passes over the
  rest, and writing nothing (None) into them is accepted, anything else refused;
- a message box (``app.alert``) and the status bar are recorded in ``app.impl.alerts`` /
  ``app.impl.status_bar`` instead of being shown.

Only what gridkit's buttons use is implemented; everything else raises NotImplementedError
from the base classes. Pinned to xlwings 0.37.8 (see pyproject.toml).
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import xlwings as xw
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment as XlComment
from openpyxl.styles import Font as XlFont
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from xlwings import base_classes, utils

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
ENGINE_NAME = "memory"


class Engine:
    """The engine impl xlwings' ``xw.Engine`` wraps."""

    def __init__(self) -> None:
        self.apps = Apps()

    name = ENGINE_NAME
    type = "desktop"

    @staticmethod
    def clean_value_data(data: Any, datetime_builder: Any, empty_as: Any,
                         number_builder: Any, err_to_str: Any) -> Any:
        def clean(v: Any) -> Any:
            if isinstance(v, CellError):  # COM gives an error code: None, or its text
                return str(v) if err_to_str else empty_as
            if v is None:
                return empty_as
            if isinstance(v, dt.datetime) and datetime_builder is not dt.datetime:
                return datetime_builder(year=v.year, month=v.month, day=v.day, hour=v.hour,
                                        minute=v.minute, second=v.second,
                                        microsecond=v.microsecond, tzinfo=None)
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            return v
        return [[clean(v) for v in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x: Any, options: Any) -> Any:
        return x


class Apps(base_classes.Apps):
    def __init__(self) -> None:
        self._apps: list[App] = []

    def keys(self) -> list[int]:
        return [a.pid for a in self._apps]

    def add(self, spec: Any = None, add_book: Any = None, xl: Any = None,
            visible: Any = None) -> App:
        app = App(self)
        self._apps.insert(0, app)
        return app

    def __iter__(self) -> Iterator[App]:
        return iter(list(self._apps))

    def __len__(self) -> int:
        return len(self._apps)

    def __getitem__(self, pid: int) -> App:
        for a in self._apps:
            if a.pid == pid:
                return a
        raise KeyError(pid)


class App(base_classes.App):
    _next_pid = 90_000

    def __init__(self, apps: Apps) -> None:
        self._apps = apps
        self._pid = App._next_pid
        App._next_pid += 1
        self._books = Books(self)
        self.alerts: list[dict[str, Any]] = []  # every message box shown
        self.status_bar_value: Any = False
        self.screen_updating_value = True
        self.calculation_value = "automatic"
        self.opened_files: list[str] = []  # files the code asked Excel to open

    @property
    def engine(self) -> Engine:
        return engine

    @property
    def api(self) -> App:
        return self

    @property
    def books(self) -> Books:
        return self._books

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def version(self) -> str:
        return "16.0"

    @property
    def visible(self) -> bool:
        return True

    @visible.setter
    def visible(self, visible: bool) -> None:
        pass

    def activate(self, steal_focus: bool = False) -> None:
        if self in self._apps._apps:
            self._apps._apps.remove(self)
            self._apps._apps.insert(0, self)

    def quit(self) -> None:
        self.kill()

    def kill(self) -> None:
        if self in self._apps._apps:
            self._apps._apps.remove(self)

    @property
    def screen_updating(self) -> bool:
        return self.screen_updating_value

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.screen_updating_value = value

    @property
    def display_alerts(self) -> bool:
        return True

    @display_alerts.setter
    def display_alerts(self, value: bool) -> None:
        pass

    @property
    def calculation(self) -> str:
        return self.calculation_value

    @calculation.setter
    def calculation(self, value: str) -> None:
        self.calculation_value = value

    def calculate(self) -> None:
        pass

    @property
    def status_bar(self) -> Any:
        return self.status_bar_value

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self.status_bar_value = value

    def alert(self, prompt: str, title: Any, buttons: Any, mode: Any, callback: Any) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"


class Books(base_classes.Books):
    def __init__(self, app: App) -> None:
        self.app = app
        self.books: list[Book] = []

    @property
    def api(self) -> list[Book]:
        return self.books

    @property
    def active(self) -> Book | None:
        return self.books[-1] if self.books else None

    def __call__(self, name_or_index: int | str) -> Book:
        if isinstance(name_or_index, numbers.Number):
            return self.books[int(name_or_index) - 1]
        for b in self.books:
            if name_or_index.lower() in (b.name.lower(), b.fullname.lower()):
                return b
        raise KeyError(name_or_index)

    def __len__(self) -> int:
        return len(self.books)

    def __iter__(self) -> Iterator[Book]:
        return iter(list(self.books))

    def add(self) -> Book:
        wb = openpyxl.Workbook()
        wb.active.title = "Sheet1"
        book = Book(self, wb, f"Book{len(self.books) + 1}", None)
        self.books.append(book)
        return book

    def open(self, fullname: str, *args: Any, **kwargs: Any) -> Book:
        path = Path(fullname)
        keep_vba = path.suffix.lower() in (".xlsm", ".xltm")
        wb = openpyxl.load_workbook(path, keep_vba=keep_vba)
        book = Book(self, wb, path.name, path)
        self.books.append(book)
        self.app.opened_files.append(str(path))
        return book


class Book(base_classes.Book):
    def __init__(self, books: Books, wb: openpyxl.Workbook, name: str, path: Path | None):
        self.books = books
        self.wb = wb
        self._name = name
        self.path = path

    @property
    def api(self) -> openpyxl.Workbook:
        return self.wb

    @property
    def name(self) -> str:
        return self._name

    @property
    def fullname(self) -> str:
        return str(self.path) if self.path is not None else self._name

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def app(self) -> App:
        return self.books.app

    def close(self) -> None:
        if self in self.books.books:
            self.books.books.remove(self)

    def save(self, path: Any = None, password: Any = None) -> None:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("A new book needs a path to be saved.")
        self.wb.save(target)
        self.path = target
        self._name = target.name

    def activate(self) -> None:
        if self in self.books.books:
            self.books.books.remove(self)
            self.books.books.append(self)


class Sheets(base_classes.Sheets):
    def __init__(self, book: Book) -> None:
        self.book = book

    @property
    def api(self) -> Any:
        return self.book.wb.worksheets

    @property
    def active(self) -> Sheet:
        return Sheet(self.book, self.book.wb.active)

    def __call__(self, name_or_index: int | str) -> Sheet:
        wss = self.book.wb.worksheets
        if isinstance(name_or_index, numbers.Number):
            return Sheet(self.book, wss[int(name_or_index) - 1])
        for ws in wss:
            if ws.title.lower() == str(name_or_index).lower():
                return Sheet(self.book, ws)
        raise KeyError(name_or_index)

    def __contains__(self, key: str) -> bool:
        return any(ws.title.lower() == key.lower() for ws in self.book.wb.worksheets)

    def __len__(self) -> int:
        return len(self.book.wb.worksheets)

    def __iter__(self) -> Iterator[Sheet]:
        for ws in self.book.wb.worksheets:
            yield Sheet(self.book, ws)

    def add(self, before: Sheet | None = None, after: Sheet | None = None,
            name: str | None = None) -> Sheet:
        wb = self.book.wb
        if before is not None:
            index = wb.worksheets.index(before.ws)
        elif after is not None:
            index = wb.worksheets.index(after.ws) + 1
        else:  # Excel inserts before the active sheet
            index = wb.worksheets.index(wb.active)
        ws = wb.create_sheet(name or f"Sheet{len(wb.worksheets) + 1}", index)
        wb.active = index
        return Sheet(self.book, ws)


class Sheet(base_classes.Sheet):
    def __init__(self, book: Book, ws: Any) -> None:
        self._book = book
        self.ws = ws

    @property
    def api(self) -> Any:
        return self.ws

    @property
    def name(self) -> str:
        return str(self.ws.title)

    @name.setter
    def name(self, value: str) -> None:
        self.ws.title = value

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book.wb.worksheets.index(self.ws) + 1

    def range(self, arg1: Any, arg2: Any = None) -> Range:
        return Range(self, arg1, arg2)

    @property
    def cells(self) -> Range:
        return Range(self, (1, 1), (MAX_ROWS, MAX_COLUMNS))

    @property
    def used_range(self) -> Range:
        ws = self.ws
        if not ws._cells:
            return Range(self, (1, 1))
        rows = [r for r, _ in ws._cells]
        cols = [c for _, c in ws._cells]
        return Range(self, (min(rows), min(cols)), (max(rows), max(cols)))

    @property
    def visible(self) -> bool:
        return self.ws.sheet_state == "visible"

    @visible.setter
    def visible(self, value: bool) -> None:
        self.ws.sheet_state = "visible" if value else "hidden"

    def activate(self) -> None:
        self._book.wb.active = self._book.wb.worksheets.index(self.ws)

    def select(self) -> None:
        self.activate()

    def delete(self) -> None:
        wb = self._book.wb
        if len([w for w in wb.worksheets if w.sheet_state == "visible"]) <= 1 and self.visible:
            raise ValueError("A workbook must contain at least one visible worksheet.")
        wb.remove(self.ws)

    def clear(self) -> None:
        for row in list(self.ws._cells):
            del self.ws._cells[row]
        self.ws._hyperlinks = []
        self.ws.merged_cells.ranges = set()

    def clear_contents(self) -> None:
        for cell in list(self.ws._cells.values()):
            if not isinstance(cell, MergedCell):
                cell.value = None

    def autofit(self, axis: Any = None) -> None:
        pass


class Note(base_classes.Note):
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    @property
    def api(self) -> Any:
        return self.cell.comment

    @property
    def text(self) -> str:
        return str(self.cell.comment.text) if self.cell.comment is not None else ""

    @text.setter
    def text(self, value: str) -> None:
        self.cell.comment = XlComment(value, "gridkit")

    @property
    def author(self) -> str:
        return str(self.cell.comment.author) if self.cell.comment is not None else ""

    def delete(self) -> None:
        self.cell.comment = None


class Font(base_classes.Font):
    def __init__(self, rng: Range) -> None:
        self.rng = rng

    @property
    def api(self) -> Any:
        return None

    def _first(self) -> Any:
        return self.rng._cell(self.rng.r1, self.rng.c1).font

    def _set(self, **kw: Any) -> None:
        for cell in self.rng._cells():
            f = cell.font
            params = {"name": f.name, "size": f.size, "bold": f.bold, "italic": f.italic,
                      "color": f.color, "underline": f.underline}
            params.update(kw)
            cell.font = XlFont(**params)

    @property
    def bold(self) -> bool:
        return bool(self._first().bold)

    @bold.setter
    def bold(self, value: bool) -> None:
        self._set(bold=value)

    @property
    def italic(self) -> bool:
        return bool(self._first().italic)

    @italic.setter
    def italic(self, value: bool) -> None:
        self._set(italic=value)

    @property
    def size(self) -> float:
        return float(self._first().size or 11)

    @size.setter
    def size(self, value: float) -> None:
        self._set(size=value)

    @property
    def color(self) -> Any:
        c = self._first().color
        rgb = getattr(c, "rgb", None) if c is not None else None
        return utils.hex_to_rgb("#" + rgb[-6:]) if isinstance(rgb, str) else None

    @color.setter
    def color(self, value: Any) -> None:
        self._set(color=_to_hex(value))

    @property
    def name(self) -> str:
        return str(self._first().name)

    @name.setter
    def name(self, value: str) -> None:
        self._set(name=value)


def _to_hex(color: Any) -> str | None:
    """An xlwings colour (RGB tuple, '#rrggbb', an Excel BGR int or None) as 'RRGGBB'."""
    if color is None:
        return None
    if isinstance(color, str):
        return color.lstrip("#").upper()
    if isinstance(color, int):
        color = utils.int_to_rgb(color)
    r, g, b = color
    return f"{r:02X}{g:02X}{b:02X}"


class Range(base_classes.Range):
    def __init__(self, sheet: Sheet, arg1: Any, arg2: Any = None) -> None:
        self.sheet = sheet
        self.options: Any = None  # set by xw.Range
        if isinstance(arg1, Range) and isinstance(arg2, Range):
            arg1, arg2 = ((min(arg1.r1, arg2.r1), min(arg1.c1, arg2.c1)),
                          (max(arg1.r2, arg2.r2), max(arg1.c2, arg2.c2)))
        elif isinstance(arg1, Range):
            arg1, arg2 = (arg1.r1, arg1.c1), (arg1.r2, arg1.c2) if arg2 is None else arg2
        if isinstance(arg2, Range):
            arg2 = (arg2.r2, arg2.c2)
        if isinstance(arg1, str):
            t1, t2 = utils.a1_to_tuples(arg1)
            if not t1:
                raise KeyError(f"The address/named range '{arg1}' doesn't exist.")
            arg1, arg2 = t1, t2 if t2 is not None else arg2
        if isinstance(arg2, str):
            arg2 = utils.a1_to_tuples(arg2)[0]
        if len(arg1) == 4:
            row, col, nrows, ncols = arg1
            arg1, arg2 = (row, col), (row + nrows - 1, col + ncols - 1)
        self.r1, self.c1 = int(arg1[0]), int(arg1[1])
        if arg2 is None:
            arg2 = arg1
        self.r2, self.c2 = max(int(arg2[0]), self.r1), max(int(arg2[1]), self.c1)
        if int(arg2[0]) < self.r1 or int(arg2[1]) < self.c1:  # normalise reversed corners
            self.r1, self.r2 = sorted((int(arg1[0]), int(arg2[0])))
            self.c1, self.c2 = sorted((int(arg1[1]), int(arg2[1])))

    # -- plumbing
    @property
    def ws(self) -> Any:
        return self.sheet.ws

    def _cell(self, r: int, c: int) -> Any:
        return self.ws.cell(row=r, column=c)

    def _cells(self) -> Iterator[Any]:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                yield self._cell(r, c)

    @property
    def api(self) -> Range:
        return self  # truthy: xlwings' write stage checks ``rng.api``

    @property
    def coords(self) -> tuple[str, int, int, int, int]:
        return self.sheet.name, self.r1, self.c1, *self.shape

    def __len__(self) -> int:
        n, m = self.shape
        return n * m

    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def max_cells_per_read(self) -> None:
        return None

    @property
    def max_cells_per_write(self) -> None:
        return None

    def __call__(self, arg1: int, arg2: int | None = None) -> Range:
        if arg2 is None:
            ncols = self.shape[1]
            col = (arg1 - 1) % ncols
            row = (arg1 - 1 - col) // ncols
            return self(row + 1, col + 1)
        return Range(self.sheet, (self.r1 + arg1 - 1, self.c1 + arg2 - 1))

    # -- values
    @property
    def raw_value(self) -> list[list[Any]]:
        ws = self.ws
        r2 = min(self.r2, ws.max_row)
        c2 = min(self.c2, ws.max_column)
        out = []
        for r in range(self.r1, self.r2 + 1):
            row = []
            for c in range(self.c1, self.c2 + 1):
                v = None
                if r <= r2 and c <= c2 and (r, c) in ws._cells:
                    cell = ws._cells[(r, c)]
                    v = (CellError(cell.value) if cell.data_type == "e"
                         else _excel_value(cell.value))
                row.append(v)
            out.append(row)
        return out

    @raw_value.setter
    def raw_value(self, data: Any) -> None:
        if not isinstance(data, list | tuple):
            for cell in self._cells():
                _put(cell, data)
            return
        if data and not isinstance(data[0], list | tuple):
            data = [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                _put(self._cell(self.r1 + i, self.c1 + j), v)

    @property
    def formula(self) -> Any:
        vals = [[("" if v is None else v) for v in row] for row in self._formula_grid()]
        return vals[0][0] if len(self) == 1 else vals

    def _formula_grid(self) -> list[list[Any]]:
        return [[self._cell(r, c).value for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]

    @formula.setter
    def formula(self, value: Any) -> None:
        self.raw_value = value

    @property
    def has_array(self) -> bool:
        return False

    def clear_contents(self) -> None:
        for cell in self._cells():
            if not isinstance(cell, MergedCell):
                cell.value = None

    def clear_formats(self) -> None:
        for cell in self._cells():
            cell.style = "Normal"

    def clear(self) -> None:
        for cell in self._cells():
            cell.value = None
            cell.style = "Normal"
            cell.comment = None
            cell.hyperlink = None

    def end(self, direction: str) -> Range:
        r, c = self.r1, self.c1
        dr, dc = {"down": (1, 0), "up": (-1, 0), "right": (0, 1), "left": (0, -1)}[direction]

        def filled(rr: int, cc: int) -> bool:
            return (rr, cc) in self.ws._cells and self.ws._cells[(rr, cc)].value is not None
        while 1 <= r + dr <= MAX_ROWS and 1 <= c + dc <= MAX_COLUMNS and filled(r + dr, c + dc):
            r, c = r + dr, c + dc
        return Range(self.sheet, (r, c))

    # -- formats
    @property
    def number_format(self) -> str:
        return str(self._cell(self.r1, self.c1).number_format)

    @number_format.setter
    def number_format(self, value: str) -> None:
        for cell in self._cells():
            cell.number_format = value

    @property
    def color(self) -> tuple[int, int, int] | None:
        fill = self._cell(self.r1, self.c1).fill
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = fill.fgColor.rgb
        if not isinstance(rgb, str):
            return None
        return utils.hex_to_rgb("#" + rgb[-6:])

    @color.setter
    def color(self, color_or_rgb: Any) -> None:
        hexcolor = _to_hex(color_or_rgb)
        fill = PatternFill() if hexcolor is None else PatternFill(
            fill_type="solid", fgColor=hexcolor, bgColor=hexcolor)
        for cell in self._cells():
            cell.fill = fill

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def column_width(self) -> float:
        d = self.ws.column_dimensions[get_column_letter(self.c1)]
        return float(d.width or 8.43)

    @column_width.setter
    def column_width(self, value: float) -> None:
        for c in range(self.c1, self.c2 + 1):
            self.ws.column_dimensions[get_column_letter(c)].width = value

    def autofit(self, axis: Any = None) -> None:
        pass

    @property
    def wrap_text(self) -> bool:
        return bool(self._cell(self.r1, self.c1).alignment.wrap_text)

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        from openpyxl.styles import Alignment
        for cell in self._cells():
            cell.alignment = Alignment(wrap_text=value)

    # -- addresses
    def get_address(self, row_absolute: bool = True, col_absolute: bool = True,
                    external: bool = False) -> str:
        def one(r: int, c: int) -> str:
            return (("$" if col_absolute else "") + get_column_letter(c)
                    + ("$" if row_absolute else "") + str(r))
        addr = one(self.r1, self.c1)
        if (self.r1, self.c1) != (self.r2, self.c2):
            addr += ":" + one(self.r2, self.c2)
        if external:
            return f"[{self.sheet.book.name}]{self.sheet.name}!{addr}"
        return addr

    @property
    def address(self) -> str:
        return self.get_address(True, True, False)

    def select(self) -> None:
        self.sheet.activate()

    # -- hyperlinks and notes
    @property
    def hyperlink(self) -> str:
        link = self._cell(self.r1, self.c1).hyperlink
        if link is None:
            raise ValueError("The cell doesn't seem to contain a hyperlink!")
        return "#" + link.location if link.location else str(link.target)

    def add_hyperlink(self, address: str, text_to_display: str | None = None,
                      screen_tip: str | None = None) -> None:
        cell = self._cell(self.r1, self.c1)
        ref = cell.coordinate
        if address.startswith("#"):
            cell.hyperlink = Hyperlink(ref=ref, location=address[1:], tooltip=screen_tip,
                                       display=text_to_display)
        else:
            cell.hyperlink = Hyperlink(ref=ref, target=address, tooltip=screen_tip,
                                       display=text_to_display)
        cell.value = text_to_display
        cell.style = "Hyperlink"

    @property
    def note(self) -> Note | None:
        cell = self._cell(self.r1, self.c1)
        return Note(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> Note:
        cell = self._cell(self.r1, self.c1)
        cell.comment = XlComment(text, "gridkit")
        return Note(cell)


class CellError(str):
    """An error value (#REF!, #N/A …) as it sits in a cell."""


def _excel_value(v: Any) -> Any:
    """A stored value as Excel's COM interface returns it."""
    if isinstance(v, bool) or v is None or isinstance(v, str | dt.datetime):
        return v
    if isinstance(v, numbers.Number):
        return float(v)  # type: ignore[arg-type]
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, dt.time):
        return v
    return str(v)


def _put(cell: Any, v: Any) -> None:
    if isinstance(cell, MergedCell):
        if v is None:
            return
        raise ValueError(f"Cannot change part of a merged cell ({cell.coordinate}).")
    if isinstance(v, str) and v.startswith("'"):
        cell.value = v[1:]
        cell.data_type = "s"
        return
    if isinstance(v, dt.datetime | dt.date) and cell.number_format == "General":
        cell.number_format = "yyyy/m/d" if not isinstance(v, dt.datetime) else "yyyy/m/d h:mm"
    cell.value = v


engine = Engine()


def activate() -> Any:
    """Register the memory engine with xlwings (once) and make it the active engine.
    Returns the engine that was active before (to give to :func:`deactivate`)."""
    previous = xw.engines.active
    if ENGINE_NAME not in [e.name for e in xw.engines]:
        xw.engines.add(xw.Engine(impl=engine))
    xw.engines.active = xw.engines[ENGINE_NAME]
    return previous


def deactivate(previous: Any = None) -> None:
    """Close every memory app and give the active engine back."""
    for app in list(engine.apps):
        app.kill()
    xw.engines.active = previous
    if hasattr(xw.Book, "_mock_caller"):
        del xw.Book._mock_caller


def open_caller(path: Path) -> xw.Book:
    """Open ``path`` in a fresh memory app and make it ``xw.Book.caller()``, as if a button
    in that workbook had been pressed."""
    app = xw.App(add_book=False)
    book = app.books.open(str(path))
    book.set_mock_caller()
    return book
