"""``gridkit fix``: a copy of a register with the safe normalisations applied.

The reader records every harmless change it makes while reading (full-width digits, stray
spaces, 〇 for 0, dates written as text, Excel serial numbers, phones stored as numbers…).
:func:`fix_file` writes those changes into a copy of the workbook, keeping its formatting and
every other sheet (openpyxl), and lists what it changed. An ID number that Excel turned into a
number has lost its last digits: it is never guessed, only listed as "must be re-entered".
The original file is never modified; an ``.xls`` is written as ``.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.cell.cell import MergedCell

from ..errors import JobFailed, UsageError, os_reason
from ..files import replace_file
from ..findings import json_value
from ..read import DATE_FORMAT, RawBook, build_register, read_raw, workbook_from_raw
from ..read.normalize import PLACEHOLDER
from ..read.raw import put_value
from ..read.table import Normalisation, Register

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

    from ..config.county import Config

# What each kind of change means, for office staff.
KIND_LABELS = {
    "full-width": "全角字符改为半角",
    "spaces": "去掉多余空格",
    "ling-zero": "“〇”改为数字0",
    "lower-x": "身份证号末位x改为大写X",
    "date-text": "文字日期改为日期",
    "date-serial": "日期序列号改为日期",
    "phone-float": "数字格式的电话改为文本",
    "number-text": "文字数字改为数字",
    "int-float": "数字改为文本",
    "to-text": "改为文本",
}
TEXT_FORMAT = "@"


@dataclass(frozen=True)
class Reentry:
    """An ID number stored as a number: Excel kept only 15 significant digits."""

    sheet: str
    row: int
    column: str
    cell: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "cell": self.cell, "value": json_value(self.value)}


@dataclass
class FixResult:
    source: str
    out: str
    township: str | None
    report_date: dt.date | None
    changes: list[Normalisation] = field(default_factory=list)
    reenter: list[Reentry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "out": self.out,
            "township": self.township,
            "report_date": self.report_date.isoformat() if self.report_date else None,
            "changes": [
                {"sheet": n.sheet, "row": n.row, "column": n.column, "cell": n.cell,
                 "kind": n.kind, "label": KIND_LABELS.get(n.kind, n.kind),
                 "before": json_value(n.before), "after": json_value(n.after)}
                for n in self.changes],
            "reenter": [r.to_dict() for r in self.reenter],
        }


def destroyed_ids(register: Register, config: Config) -> list[Reentry]:
    """Every ID-number cell that holds a number (Excel destroyed its last digits)."""
    found: list[Reentry] = []
    for spec in config.schema.sheets:
        sheet = register.sheets.get(spec.name)
        if sheet is None:
            continue
        for col in spec.columns:
            if col.type != "id-number" or not sheet.has(col.name):
                continue
            for i, value in enumerate(sheet.values(col.name)):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    found.append(Reentry(spec.name, sheet.rows[i], col.name,
                                         sheet.cell(col.name, i) or "", value))
    return found


# what the reader takes a placeholder ('/', '无') to mean stays the township's own writing
KEPT_AS_WRITTEN = frozenset({PLACEHOLDER})


def _target(source: Path, out: Path) -> Path:
    if source.suffix.lower() == ".xls" or out.suffix.lower() not in (".xlsx", ".xlsm"):
        out = out.with_suffix(".xlsx")
    if out.exists() and out.resolve() == source.resolve():
        raise UsageError(f"修正后的副本不能覆盖原文件“{source.name}”,请用 --out 指定另一个文件名。")
    return out


def _load(source: Path, out: Path, raw: RawBook) -> Workbook:
    """The workbook to write into: the original opened with openpyxl (formatting kept), or
    for an .xls a new workbook holding its raw values."""
    if source.suffix.lower() in (".xls", ".ods", ".xlsb"):
        return workbook_from_raw(raw)
    keep_vba = source.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions are dropped, not data
            return openpyxl.load_workbook(source, keep_vba=keep_vba, rich_text=True)
    except Exception:  # openpyxl cannot open what calamine could: write the values instead
        return workbook_from_raw(raw)


def _apply(wb: Workbook, register: Register, changes: list[Normalisation]) -> list[Normalisation]:
    """Write each change into its cell; returns the changes actually written (a formula or
    a merged cell is left alone)."""
    applied: list[Normalisation] = []
    for change in changes:
        sheet = register.sheets.get(change.sheet)
        where = change.source_sheet or (sheet.source_name if sheet is not None else None)
        if where is None or where not in wb.sheetnames or change.kind in KEPT_AS_WRITTEN:
            continue
        cell = wb[where][change.cell]
        if isinstance(cell, MergedCell):
            continue
        if isinstance(cell.value, str) and cell.value.startswith("="):
            continue
        value = change.after
        if isinstance(value, tuple):
            value = "、".join(value)
        put_value(cell, value)
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, str) and value[:1].isdigit():
            cell.number_format = TEXT_FORMAT  # so Excel keeps the digits as typed
        applied.append(change)
    return applied


def fix_file(path: str | Path, out: str | Path, config: Config) -> FixResult:
    """Write a copy of ``path`` to ``out`` with the safe normalisations applied.

    Raises :class:`~toolkit.errors.UnreadableWorkbook` / ``StructureError`` for a file that
    cannot be read as a register, :class:`UsageError` when ``out`` is the original."""
    source, target = Path(path), Path(out)
    raw = read_raw(source, limits=config.limits)
    register = build_register(raw, config, file_name=source.name)
    target = _target(source, target)
    wb = _load(source, target, raw)
    del raw
    changes = sorted(register.normalisations,
                     key=lambda n: (_sheet_order(config, n.sheet), n.row, len(n.cell), n.cell))
    applied = _apply(wb, register, changes)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, wb.save)
    except OSError as exc:
        raise JobFailed(f"无法写入“{target}”({os_reason(exc)}),"
                        "请确认文件夹存在且文件没有在Excel中打开。") from exc
    finally:
        wb.close()
    return FixResult(source=str(source), out=str(target), township=register.township,
                     report_date=register.report_date, changes=applied,
                     reenter=destroyed_ids(register, config))


def _sheet_order(config: Config, sheet: str) -> int:
    names = [s.name for s in config.schema.sheets]
    return names.index(sheet) if sheet in names else len(names)
