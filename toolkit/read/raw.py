"""Raw reading: every sheet of a workbook as a grid of cell values with its Excel address.

python-calamine reads .xlsx/.xlsm/.xlsb/.xls/.ods by content (not by file extension). What it
does not give is collected from the package itself (:mod:`.marks`): cells holding an Excel
error value (calamine reads them as empty), formulas saved without a cached value, and the
merged cells of an .ods. Anything that is not a readable workbook raises
:class:`~toolkit.errors.UnreadableWorkbook` with one Chinese sentence naming the file.

A live Excel workbook (xlwings, :mod:`toolkit.excel.live`) is turned into the same
:class:`RawBook`, so everything after this step never knows the source.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import queue
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as calamine

from ..config.limits import Limits
from ..errors import UnreadableWorkbook, UsageError, os_reason
from . import marks
from .guard import check_package

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

DATE_FORMAT = "yyyy-mm-dd"  # dates written into a workbook built from raw values
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
WPS_SUFFIXES = (".et", ".ett")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett")

# A merged range: ((first row, first col), (last row, last col)), 0-based absolute.
Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class RawSheet:
    """A sheet as a grid of raw cell values."""

    name: str
    rows: list[list[Any]]  # rows[0] is Excel row `first_row`, rows[r][0] is column `first_col`
    first_row: int = 1  # 1-based Excel row of rows[0]
    first_col: int = 0  # 0-based Excel column index of rows[r][0]
    hidden: bool = False
    merged: list[Merge] = field(default_factory=list)
    # (0-based absolute row, col) -> the error value shown (#REF!, #N/A …)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    # (0-based absolute row, col) of formulas saved without a value (calamine reads "")
    uncached: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class RawBook:
    source: str  # path, or "excel:<book name>"
    sheets: list[RawSheet] = field(default_factory=list)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]


def display_name(path: Path | str) -> str:
    """The file name staff know (a live workbook's name after ``excel:``)."""
    return Path(path).name if not str(path).startswith("excel:") else str(path)[6:]


def _is_encrypted_ole(path: Path) -> bool:
    """An OLE container holding an EncryptedPackage: an .xlsx saved with a password."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head != _OLE_MAGIC:
                return False
            return _ENCRYPTED_STREAM in fh.read(64 * 1024 * 1024)
    except OSError:
        return False


def _password_error(name: str, path: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"文件“{name}”设置了打开密码,无法读取,请在Excel中取消密码"
        "(文件→信息→保护工作簿→用密码进行加密,清空密码)后重新报送。", path)


def _corrupt_error(name: str, path: str) -> UnreadableWorkbook:
    if Path(name).suffix.lower() in WPS_SUFFIXES:
        return UnreadableWorkbook(
            f"文件“{name}”是WPS表格自己的格式,无法读取,"
            "请在WPS中用“文件→另存为”保存为Excel工作簿(.xlsx)后重新报送。", path)
    return UnreadableWorkbook(
        f"文件“{name}”不是能打开的Excel工作簿(可能已损坏或不是表格文件),"
        "请用Excel或WPS打开确认后另存为.xlsx重新报送。", path)


def read_raw(path: str | Path, *, limits: Limits | None = None,
             name: str | None = None) -> RawBook:
    """Every sheet of a workbook as raw values (calamine), with sheet visibility, merged
    ranges, error cells and formulas without a cached value.

    Raises :class:`UnreadableWorkbook` (one Chinese sentence naming the file: ``name``, the
    name it was sent under when ``path`` is an archived copy) when the file is missing, not
    a workbook, corrupt, password-protected, empty, or past ``limits`` (checked before it is
    parsed)."""
    path = Path(path)
    name = name or display_name(path)
    if not path.is_file():
        raise UnreadableWorkbook(f"找不到文件“{path}”,请检查文件名和路径。", str(path))
    if name.startswith("~$"):
        raise UnreadableWorkbook(
            f"文件“{name}”是Excel或WPS打开工作簿时生成的临时文件,不是登记表,"
            "请关闭Excel后只报送原文件。", str(path))
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UnreadableWorkbook(
            f"无法打开文件“{name}”({os_reason(exc)}),请确认文件没有被其他程序占用后重试。",
            str(path)) from exc
    if not head:
        raise UnreadableWorkbook(f"文件“{name}”是空文件(0字节),请重新导出后报送。", str(path))
    if head == _OLE_MAGIC and _is_encrypted_ole(path):
        raise _password_error(name, str(path))
    check_package(path, name, head, limits or Limits())
    pending = marks.collect_in_background(path, head)
    try:
        sheets = _parse(path, _threads_for(path, limits or Limits()))
    except calamine.PasswordError as exc:
        raise _password_error(name, str(path)) from exc
    except (UnreadableWorkbook, MemoryError):  # a worker says "needs more memory" itself
        raise
    except Exception as exc:  # any parser failure on a bad file is "cannot open this file"
        raise _corrupt_error(name, str(path)) from exc
    finally:
        found = pending()
    if not any(s.rows for s in sheets):
        raise UnreadableWorkbook(
            f"文件“{name}”是空的,没有任何数据,请填写登记表后重新报送。", str(path))
    for rs in sheets:
        m = found.get(rs.name)
        if m is not None:
            rs.errors, rs.uncached = m.errors, m.uncached
            if m.merged and not rs.merged:
                rs.merged = m.merged
    return RawBook(source=str(path), sheets=sheets)


_parse_threads = 1


def parse_sheets_on(threads: int) -> None:
    """Parse a workbook's sheets on ``threads`` threads from now on in this process (a
    worker reading one file while the machine's other cores are idle; see
    :func:`toolkit.check.isolate.map_bounded`). calamine parses a sheet without the GIL,
    so a township's two big sheets (住户, 排查登记) are parsed side by side: its sheets
    parse in about 60 % of the time on two cores. One thread (the default) keeps one parsed
    sheet in calamine's memory at a time."""
    global _parse_threads
    _parse_threads = max(1, threads)


# a file's sheets parsed side by side hold about this many bytes per byte of the file each
# (calamine's cells, then Python's): more threads only while they stay within half the cap,
# and only for a file worth it (threads cost more than a small file's parse)
_BYTES_PER_BYTE = 50
_THREADS_FROM = 1 << 20  # bytes
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument"  # an .ods's first part


def _threads_for(path: Path, limits: Limits) -> int:
    """Threads for an .xlsx/.xlsm/.xlsb (a part per sheet) worth it; one for an .xls or
    .ods (calamine reads the whole workbook when it opens one: a second book only doubles
    that, measured 2.5 -> 3.7 s on a county-size .ods)."""
    threads = _parse_threads
    if threads > 1:
        size = path.stat().st_size
        with path.open("rb") as fh:
            start = fh.read(128)
        if size < _THREADS_FROM or not start.startswith(b"PK") or _ODS_MIMETYPE in start:
            return 1
        if limits.file_memory_mb > 0:
            threads = max(1, min(threads, limits.file_memory_mb * 2**20 // 2
                                 // (size * _BYTES_PER_BYTE)))
    return threads


def _parse(path: Path, threads: int) -> list[RawSheet]:
    """Every worksheet of the workbook at ``path`` as a :class:`RawSheet`, in workbook
    order. With several threads, each parses the next sheet not yet taken, on a book of its
    own (a calamine book parses one sheet at a time) over the same bytes, read once (a file
    being saved meanwhile is read as it was)."""
    data = path.read_bytes()
    with ExitStack() as stack:
        books: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def open_book() -> Any:
            book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            stack.callback(book.close)
            return book

        def one(meta: Any) -> RawSheet:
            try:
                book = books.get_nowait()
            except queue.Empty:
                book = open_book()
            try:
                sheet = book.get_sheet_by_name(meta.name)
                rows = sheet.to_python()
                start = sheet.start or (0, 0)
                return RawSheet(
                    name=meta.name, rows=rows, first_row=start[0] + 1, first_col=start[1],
                    hidden=meta.visible != calamine.SheetVisibleEnum.Visible,
                    merged=list(sheet.merged_cell_ranges or ()))
            finally:
                books.put(book)

        first = open_book()
        # chart sheets, dialog and macro sheets hold no register
        metas = [m for m in first.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        books.put(first)
        if threads <= 1 or len(metas) < 2:
            return [one(m) for m in metas]
        from concurrent.futures import ThreadPoolExecutor  # 14 ms (logging): when used

        with ThreadPoolExecutor(min(threads, len(metas)),
                                thread_name_prefix="gridkit-parse") as pool:
            return list(pool.map(one, metas))


def workbook_from_raw(raw: RawBook) -> Workbook:
    """A new openpyxl workbook holding ``raw``'s values at their addresses, sheets hidden as
    they were: how an ``.xls`` (which openpyxl cannot open) becomes an editable ``.xlsx``.
    Dates get a date format; a time-only value (timedelta) is written as its text; text
    always stays text (never a formula); merged ranges are merged again."""
    import openpyxl  # 190 ms to import, for an .xls copy only: checking does not pay it

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for rs in raw.sheets:
        ws = wb.create_sheet(rs.name[:31])
        if rs.hidden:
            ws.sheet_state = "hidden"
        for r, row in enumerate(rs.rows):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                if isinstance(value, dt.timedelta):
                    value = str(value)
                cell = ws.cell(row=rs.first_row + r, column=rs.first_col + c + 1)
                put_value(cell, value)
                if isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
        for (r0, c0), (r1, c1) in rs.merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1,
                               end_column=c1 + 1)
    return wb


def put_value(cell: Any, value: Any) -> None:
    """Write a value into an openpyxl cell as a value: text stays text, so "=cmd|' /C calc'!A0"
    a township typed never becomes a live formula in a file gridkit writes."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a register is read and checked.

    Reading creates hundreds of thousands of lists and values (no reference cycles among
    them) that all stay alive, so each automatic collection would rescan them all for
    nothing (~10% of a check). Restores the collector's previous state; re-entrant."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def workbook_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to check: folders expand to their workbooks (sorted; Excel's ``~$`` lock
    files ignored); a file given by name is always checked."""
    files: list[Path] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES
                           and not f.name.startswith("~$"))
            if not found:
                raise UsageError(f"文件夹 {p} 中没有表格文件(.xlsx、.xlsm、.xls、.ods、.et):"
                                 f"请检查路径。")
            files.extend(found)
        else:
            files.append(p)
    return files
