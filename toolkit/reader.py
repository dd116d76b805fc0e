"""Reading a township workbook into the one table model (:class:`toolkit.table.Register`).

Two steps, so a live Excel workbook (xlwings, in ``macros/``) can share the second one:

* :func:`read_raw` reads every sheet of an .xlsx/.xlsm/.xls/.xlsb/.ods file as a grid of raw
  values with python-calamine, keeping each value's Excel address; anything that is not a
  readable workbook raises :class:`~toolkit.errors.UnreadableWorkbook` with one sentence.
* :func:`build_register` maps sheets and headers to the schema's canonical names (aliases),
  finds each header row by itself (title rows, merged titles, a 填表说明 row above it), skips
  blank, totals and example rows, normalises every column (:mod:`toolkit.normalize`) and
  records each change; a missing required sheet or column raises
  :class:`~toolkit.errors.StructureError`.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as calamine

from .errors import StructureError, UnreadableWorkbook, os_reason
from .findings import WARNING, Finding
from .normalize import normalise_column, normalise_value
from .schema import ColumnSpec, SheetSpec, fold_header
from .table import Column, Normalisation, Register, Sheet, column_letter

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

    from .config import Config

DATE_FORMAT = "yyyy-mm-dd"  # dates written into a workbook built from raw values
HEADER_SCAN_ROWS = 20  # the header row is looked for in the first rows of a sheet
FLAT_MAX_WIDTH = 200  # sheets up to this many columns are flattened to slice columns
INFO_SHEET = "填报信息"
INFO_TOWNSHIP, INFO_DATE = "填报单位", "填报日期"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_EXAMPLE_PREFIXES = ("填表说明", "说明", "示例", "举例", "例:", "注:", "备注:")
_FILE_DATE_SEP = re.compile(r"(?<!\d)(\d{4})[.\-_/年](\d{1,2})[.\-_/月](\d{1,2})(?!\d)")
_FILE_DATE_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_FILE_DATE_MD = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
_FILE_TOWNSHIP = re.compile(r"^[\u4e00-\u9fff]+?(?:镇|乡|街道|办事处)")


@dataclass
class RawSheet:
    """A sheet as a grid of raw cell values."""

    name: str
    rows: list[list[Any]]  # rows[0] is Excel row `first_row`, rows[r][0] is column `first_col`
    first_row: int = 1  # 1-based Excel row of rows[0]
    first_col: int = 0  # 0-based Excel column index of rows[r][0]
    hidden: bool = False


@dataclass
class RawBook:
    source: str  # path, or "excel:<book name>"
    sheets: list[RawSheet] = field(default_factory=list)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]


# --- raw reading -----------------------------------------------------------------------

def _display(path: Path | str) -> str:
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
    return UnreadableWorkbook(
        f"文件“{name}”不是能打开的Excel工作簿(可能已损坏或不是表格文件),"
        "请用Excel或WPS打开确认后另存为.xlsx重新报送。", path)


def read_raw(path: str | Path) -> RawBook:
    """Every sheet of a workbook as raw values (calamine), with sheet visibility.

    Raises :class:`UnreadableWorkbook` (one Chinese sentence naming the file) when the file
    is missing, not a workbook, corrupt, password-protected or empty."""
    path = Path(path)
    name = _display(path)
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
    sheets: list[RawSheet] = []
    try:
        with path.open("rb") as fh:
            book = calamine.CalamineWorkbook.from_filelike(fh)
            try:
                for meta in book.sheets_metadata:
                    if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                        continue  # chart sheets, dialog and macro sheets hold no register
                    sheet = book.get_sheet_by_name(meta.name)
                    rows = sheet.to_python()
                    start = sheet.start or (0, 0)
                    sheets.append(RawSheet(
                        name=meta.name, rows=rows, first_row=start[0] + 1, first_col=start[1],
                        hidden=meta.visible != calamine.SheetVisibleEnum.Visible))
            finally:
                book.close()
    except calamine.PasswordError as exc:
        raise _password_error(name, str(path)) from exc
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # any parser failure on a bad file is "cannot open this file"
        raise _corrupt_error(name, str(path)) from exc
    if not any(s.rows for s in sheets):
        raise UnreadableWorkbook(
            f"文件“{name}”是空的,没有任何数据,请填写登记表后重新报送。", str(path))
    return RawBook(source=str(path), sheets=sheets)


def workbook_from_raw(raw: RawBook) -> Workbook:
    """A new openpyxl workbook holding ``raw``'s values at their addresses, sheets hidden as
    they were: how an ``.xls`` (which openpyxl cannot open) becomes an editable ``.xlsx``.
    Dates get a date format; a time-only value (timedelta) is written as its text."""
    import openpyxl  # not needed by the check itself: imported only here

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
                cell = ws.cell(row=rs.first_row + r, column=rs.first_col + c + 1, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
    return wb


# --- header detection and sheet mapping -------------------------------------------------

def _header_lookup(spec: SheetSpec) -> dict[str, ColumnSpec]:
    lookup: dict[str, ColumnSpec] = {}
    for col in spec.columns:
        for n in col.names:
            lookup.setdefault(fold_header(n), col)
    return lookup


def _fold_cell(value: Any) -> str:
    if type(value) is not str or not value:
        return ""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return fold_header(value)


_UNIT = re.compile(r"\([^()]*\)$")


def _header_key(value: Any, lookup: dict[str, ColumnSpec]) -> str:
    """The folded header text, or the key it matches once a trailing unit or note in
    brackets is dropped (家庭人口数(人), 身份证号码(18位))."""
    folded = _fold_cell(value)
    if not folded or folded in lookup:
        return folded
    stripped = _UNIT.sub("", folded)
    return stripped if stripped in lookup else folded


def _find_header(raw: RawSheet, lookup: dict[str, ColumnSpec]) -> tuple[int, int] | None:
    """(index in raw.rows, number of matched columns) of the best header row, or None."""
    best: tuple[int, int] | None = None
    for r, row in enumerate(raw.rows[:HEADER_SCAN_ROWS]):
        matched = {lookup[f].name for v in row if (f := _header_key(v, lookup)) in lookup}
        if matched and (best is None or len(matched) > best[1]):
            best = (r, len(matched))
    if best is None:
        return None
    needed = min(2, len({c.name for c in lookup.values()}))
    return best if best[1] >= needed else None


def _two_row_header(rows: list[list[Any]], h: int,
                    lookup: dict[str, ColumnSpec]) -> tuple[list[Any], int]:
    """The header cells, completed from a second header row when the header has two levels
    (a merged group cell such as 观察情况 above 观察起始日期 / 观察解除日期), and the index
    of the last header row."""
    header = list(rows[h])
    matched = {lookup[f].name for v in header if (f := _header_key(v, lookup)) in lookup}
    last = h
    for adj in (h + 1, h - 1):
        if not 0 <= adj < len(rows):
            continue
        gains = [(j, v) for j, v in enumerate(rows[adj])
                 if (f := _header_key(v, lookup)) in lookup and lookup[f].name not in matched
                 and (j >= len(header) or _header_key(header[j], lookup) not in lookup)]
        if len({lookup[_header_key(v, lookup)].name for _, v in gains}) < 2:
            continue
        for j, v in gains:
            if j >= len(header):
                header.extend([""] * (j + 1 - len(header)))
            header[j] = v
            matched.add(lookup[_header_key(v, lookup)].name)
        last = max(last, adj)
    return header, last


def _pick_sheets(raw: RawBook, config: Config) -> dict[str, RawSheet]:
    """Canonical sheet name -> the raw sheet that holds it; a visible sheet wins over a
    hidden one, the first over later ones; unknown sheets are ignored."""
    picked: dict[str, RawSheet] = {}
    for rs in raw.sheets:
        spec = config.schema.match_sheet(rs.name)
        if spec is None:
            continue
        current = picked.get(spec.name)
        if current is None or (current.hidden and not rs.hidden):
            picked[spec.name] = rs
    return picked


def _total_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """合计 / 合  计 / 合　计 …: a marker at the start of a cell, spaces allowed anywhere."""
    space = r"[\s\u3000]*"
    alternatives = "|".join(space.join(map(re.escape, fold_header(m))) for m in markers if m)
    return re.compile(f"^{space}(?:{alternatives})")


def _is_example(row: list[Any]) -> bool:
    """A 填表说明 / 示例 line, or a row numbering the columns 1, 2, 3 … under the header."""
    cells = [v for v in row if v != "" and v is not None]
    if not cells:
        return False
    first = cells[0]
    if type(first) is str:
        folded = fold_header(unicodedata.normalize("NFKC", first))
        return folded.startswith(_EXAMPLE_PREFIXES)
    if len(cells) >= 3 and all(type(v) in (int, float) for v in cells):
        return [int(v) for v in cells] == list(range(1, len(cells) + 1))
    return False


def _skipped_rows(body: list[list[Any]], markers: tuple[str, ...],
                  flat: list[Any] | None = None) -> set[int]:
    """Indices of blank rows, totals rows (a marker in one of the first three cells) and
    example rows right under the header. ``flat`` is ``body`` flattened row by row when
    every row has the same length (columns are then cheap strided slices)."""
    drop: set[int] = set()
    for i, row in enumerate(body):
        if not any(row) and all(v == "" or v is None for v in row):
            drop.add(i)
    for i, row in enumerate(body):  # leading example rows (blank rows may sit between)
        if i in drop:
            continue
        if not _is_example(row):
            break
        drop.add(i)
    folded = tuple(fold_header(m) for m in markers if fold_header(m))
    if folded and body:
        pattern = _total_pattern(folded)
        starts = (*{m[0] for m in folded}, " ", "\u3000", "\t")
        width = len(body[0])
        for c in range(min(3, width)):
            col = flat[c::width] if flat is not None else list(map(itemgetter(c), body))
            totals = {v for v in dict.fromkeys(col)  # reading order: cache-friendly
                      if type(v) is str and v.startswith(starts) and pattern.match(v)}
            if totals:
                drop.update(compress(range(len(col)), map(totals.__contains__, col)))
    return drop


def _file_name_facts(file_name: str, config: Config) -> tuple[str | None, dt.date | None]:
    """Township and report date from a file name such as 扎西镇_20200204.xlsx."""
    stem = Path(file_name).stem
    stem = unicodedata.normalize("NFKC", stem)
    township = next((t for t in config.county.township_names if t in stem), None)
    if township is None:
        m = _FILE_TOWNSHIP.match(stem)
        township = m[0] if m else None
    date: dt.date | None = None
    for pattern in (_FILE_DATE_SEP, _FILE_DATE_COMPACT):
        for m in pattern.finditer(stem):
            try:
                date = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            break
        if date is not None:
            break
    if date is None:
        m = _FILE_DATE_MD.search(stem)
        if m:
            try:
                date = dt.date(config.schema.rules.cutoff_date.year, int(m[1]), int(m[2]))
            except ValueError:
                date = None
    return township, date


def _known_township(value: Any, config: Config) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    names = config.county.township_names
    if value in names:
        return value
    return next((t for t in names if t in value), value)


# --- building the register -------------------------------------------------------------

def _sheet_list(raw: RawBook, limit: int = 10) -> str:
    names = [f"“{s.name}”" for s in raw.sheets]
    more = f"等{len(names)}张" if len(names) > limit else ""
    return "、".join(names[:limit]) + more or "无"


def _missing_sheet(name: str, spec: SheetSpec, raw: RawBook) -> StructureError:
    found = _sheet_list(raw)
    return StructureError(
        f"文件“{name}”中没有“{spec.name}”工作表(找到的工作表:{found}),"
        f"请按登记表模板补上“{spec.name}”工作表后重新报送。", raw.source)


def _build_sheet(raw: RawSheet, spec: SheetSpec, config: Config, year: int, name: str,
                 register: Register) -> Sheet:
    lookup = _header_lookup(spec)
    found = _find_header(raw, lookup)
    if found is None:
        raise StructureError(
            f"文件“{name}”的“{raw.name}”工作表中找不到表头行(前{HEADER_SCAN_ROWS}行中没有"
            f"“{'”“'.join(c.name for c in spec.columns[:3])}”等列名),"
            "请按登记表模板填写表头后重新报送。", register.source)
    h, _ = found
    header, last = _two_row_header(raw.rows, h, lookup)
    header_row = raw.first_row + h
    mapped: dict[str, tuple[int, str]] = {}  # canonical name -> (index in row, header text)
    extra: list[tuple[str, str]] = []
    for j, cell in enumerate(header):
        folded = _header_key(cell, lookup)
        if not folded:
            continue
        col = lookup.get(folded)
        letter = column_letter(raw.first_col + j)
        text = str(cell).strip()
        if col is not None and col.name not in mapped:
            mapped[col.name] = (j, text)
            continue
        extra.append((letter, text))
        why = "与前面的列重复" if col is not None else "不在登记表模板中"
        register.findings.append(Finding(
            rule="extra-column", severity=WARNING,
            message=f"“{spec.name}”表的列“{text}”{why},检查时忽略此列;"
                    "如是改了名的列请改回模板中的列名,多余的列可以删除。",
            sheet=spec.name, row=header_row, column=text, cell=f"{letter}{header_row}",
            value=text))
    missing = [c.name for c in spec.columns if c.required and c.name not in mapped]
    if missing:
        listed = "”“".join(missing)
        raise StructureError(
            f"文件“{name}”的“{raw.name}”工作表缺少“{listed}”列,"
            "请按登记表模板补上这些列(列名写在表头行)后重新报送。", register.source)

    # Data rows: skip blank rows, totals rows and an example/numbering row under the header.
    body = raw.rows[last + 1:]
    width = max(len(header), max(map(len, body), default=0))
    if set(map(len, body)) - {width}:
        body = [[*r, *[""] * (width - len(r))] if len(r) < width else r for r in body]
    # Every row now has `width` cells: flattened once (one pass in reading order), each
    # column is a strided slice, much cheaper than indexing 40,000 row lists per column
    # (not for a sheet made very wide by a stray cell far right: that would copy it all).
    flat = list(chain.from_iterable(body)) if 0 < width <= FLAT_MAX_WIDTH else None
    drop = _skipped_rows(body, config.schema.rules.total_markers, flat)
    first_data = raw.first_row + last + 1
    runs = [(0, len(body))]  # the kept data rows, as runs between skipped rows
    if drop:
        runs, start = [], 0
        for i in [*sorted(drop), len(body)]:
            if i > start:
                runs.append((start, i))
            start = i + 1
    rows_excel: list[int] = []
    for a, b in runs:
        rows_excel += range(first_data + a, first_data + b)

    def raw_column(j: int) -> list[Any]:
        col = flat[j::width] if flat is not None else list(map(itemgetter(j), body))
        if len(runs) == 1 and runs[0] == (0, len(body)):
            return col
        kept: list[Any] = []
        for a, b in runs:
            kept += col[a:b]
        return kept

    columns: dict[str, Column] = {}
    found_changes: list[tuple[int, int, Normalisation]] = []
    for col in spec.columns:
        if col.name not in mapped:
            continue
        j, text = mapped[col.name]
        raw_values = raw_column(j)
        values, changes = normalise_column(raw_values, col.type, year)
        column = Column(name=col.name, header=text, index=raw.first_col + j, values=values)
        columns[col.name] = column
        if changes:
            letter = column.letter
            found_changes.extend(
                (i, j, Normalisation(sheet=spec.name, row=rows_excel[i], column=col.name,
                                     cell=f"{letter}{rows_excel[i]}", kind=kind,
                                     before=before, after=after))
                for i, kind, before, after in changes)
    found_changes.sort(key=lambda c: (c[0], c[1]))  # in reading order: row, then column
    register.normalisations.extend(c[2] for c in found_changes)
    return Sheet(name=spec.name, source_name=raw.name, header_row=header_row,
                 rows=rows_excel, columns=columns, extra_headers=extra, hidden=raw.hidden)


def build_register(raw: RawBook, config: Config, *, file_name: str | None = None) -> Register:
    """Header detection, alias mapping, blank/total rows skipped, normalisation.

    Raises :class:`StructureError` when a required sheet or column is missing or a sheet
    has no header row; extra columns become ``extra-column`` warnings in
    ``register.findings``."""
    name = file_name or _display(raw.source)
    register = Register(source=raw.source, sheets={})
    picked = _pick_sheets(raw, config)
    if not picked:
        raise StructureError(
            f"文件“{name}”不是网格化管理登记表(找到的工作表:{_sheet_list(raw)},"
            "没有一张是登记表中的工作表),请使用县里下发的登记表模板填报后重新报送。", raw.source)
    for spec in config.schema.sheets:
        if spec.required and spec.name not in picked:
            raise _missing_sheet(name, spec, raw)
    rules = config.schema.rules
    file_township, file_date = _file_name_facts(name, config)
    year = (file_date or rules.cutoff_date).year
    # 填报信息 first: its date gives the year of dates written as 1月28日.
    order = sorted(picked, key=lambda s: s != INFO_SHEET)
    for sheet_name in order:
        spec = config.schema.sheet(sheet_name)
        sheet = _build_sheet(picked[sheet_name], spec, config, year, name, register)
        register.sheets[sheet_name] = sheet
        if sheet_name == INFO_SHEET:
            township, date = _info_facts(sheet, config, year)
            register.township = township or file_township
            register.report_date = date or file_date
            year = (register.report_date or rules.cutoff_date).year
    if INFO_SHEET not in register.sheets:
        register.township, register.report_date = file_township, file_date
    # Keep the schema's sheet order.
    register.sheets = {s.name: register.sheets[s.name] for s in config.schema.sheets
                       if s.name in register.sheets}
    return register


def _info_facts(sheet: Sheet, config: Config, year: int) -> tuple[str | None, dt.date | None]:
    township = date = None
    if sheet.rows:
        if sheet.has(INFO_TOWNSHIP):
            township = _known_township(sheet.values(INFO_TOWNSHIP)[0], config)
        if sheet.has(INFO_DATE):
            value, _ = normalise_value(sheet.values(INFO_DATE)[0], "date", year)
            date = value if isinstance(value, dt.date) else None
    return township, date


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


def read_register(path: str | Path, config: Config) -> Register:
    """:func:`read_raw` + :func:`build_register`."""
    with gc_paused():
        raw = read_raw(path)
        return build_register(raw, config, file_name=Path(path).name)
