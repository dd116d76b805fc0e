"""How a file was read, as data: every sheet and what it was taken for (and why), its header
rows, each column's field, the rows skipped and why, where township and date came from.

Built once by the reader (:attr:`toolkit.table.Register.reading`), shown by
``gridkit inspect`` (text or JSON) and by the 读取说明 block of the annotated copy's
检查结果 sheet, so a township sees how its file was understood.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .rows import REASON_TEXT

# where township and date were read, first source first
COVER, FORM_LINE, TITLE, FILE_NAME, CONFIG = "cover", "form-line", "title", "file-name", "config"
SOURCE_TEXT = {COVER: "填报信息表", FORM_LINE: "表中的填报信息行", TITLE: "标题",
               FILE_NAME: "文件名", CONFIG: "汇总设置"}
SOURCES = (COVER, FORM_LINE, TITLE, FILE_NAME, CONFIG)


@dataclass(frozen=True)
class Fact:
    """A value of the cover and where it was read: ``where`` is ``sheet!cell`` (or the file
    name); ``sheet``/``row``/``letter`` locate the cell (None for the file name)."""

    column: str  # canonical cover column
    value: Any
    source: str
    where: str
    sheet: str | None = None
    row: int | None = None
    letter: str | None = None


@dataclass
class SkippedRows:
    first: int  # Excel rows first..last
    last: int
    reason: str  # a code of toolkit.read.rows.REASONS

    def to_dict(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "reason": self.reason}


@dataclass
class ColumnReading:
    cell: str  # the header cell (the lowest of a multi-row header)
    header: str  # as written ("联防队/人数" for a two-level header)
    field: str | None  # the canonical column, or None when not a register column

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "header": self.header, "field": self.field}


@dataclass
class SheetReading:
    name: str  # as in the file
    hidden: bool
    register_sheet: str | None  # the canonical sheet it was read as, or None
    why: str  # in Chinese: how it was recognised, or why it was not used
    header_rows: list[int] = field(default_factory=list)
    data_rows: int = 0
    columns: list[ColumnReading] = field(default_factory=list)
    skipped: list[SkippedRows] = field(default_factory=list)
    merged_cells: int = 0  # merged data cells whose value was given to every row
    cover: bool = False  # the cover form: ``columns`` are the fields found, at their cells

    def skip(self, excel_row: int, reason: str) -> None:
        """Record a skipped row (consecutive rows of one reason become one range)."""
        last = self.skipped[-1] if self.skipped else None
        if last is not None and last.reason == reason and last.last + 1 == excel_row:
            last.last = excel_row
        else:
            self.skipped.append(SkippedRows(excel_row, excel_row, reason))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "hidden": self.hidden,
                "register_sheet": self.register_sheet, "why": self.why,
                "header_rows": self.header_rows, "data_rows": self.data_rows,
                "columns": [c.to_dict() for c in self.columns],
                "skipped": [s.to_dict() for s in self.skipped],
                "merged_cells": self.merged_cells, "cover": self.cover}


def _fact_dict(fact: Fact | None) -> dict[str, Any]:
    if fact is None:
        return {"value": None, "source": None, "where": None}
    value = fact.value.isoformat() if isinstance(fact.value, dt.date) else fact.value
    return {"value": value, "source": fact.source, "where": fact.where}


@dataclass
class Reading:
    """How one file was read."""

    file: str
    sheets: list[SheetReading] = field(default_factory=list)
    township: Fact | None = None
    report_date: Fact | None = None
    cover_missing: list[str] = field(default_factory=list)  # cover fields found nowhere

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "township": _fact_dict(self.township),
                "report_date": _fact_dict(self.report_date),
                "cover_missing": self.cover_missing,
                "sheets": [s.to_dict() for s in self.sheets]}

    def lines(self) -> list[str]:
        """The explanation in Chinese, one line a fact or sheet (读取说明)."""
        out: list[str] = []
        for label, fact in (("乡镇", self.township), ("填报日期", self.report_date)):
            if fact is None:
                out.append(f"{label}:未能确定")
                continue
            value = (f"{fact.value.year}年{fact.value.month}月{fact.value.day}日"
                     if isinstance(fact.value, dt.date) else str(fact.value))
            where = fact.where if fact.sheet is not None else ""
            out.append(f"{label}:{value}(取自{SOURCE_TEXT.get(fact.source, fact.source)}"
                       f"{' ' + where if where else ''})")
        if self.cover_missing:
            out.append(f"{'、'.join(self.cover_missing)}:文件中没有找到")
        for s in self.sheets:
            hidden = "(隐藏)" if s.hidden else ""
            if s.register_sheet is None:
                out.append(f"工作表“{s.name}”{hidden}:{s.why}")
                continue
            if s.cover:
                found = "、".join(f"{c.field}({c.cell})" for c in s.columns if c.field)
                out.append(f"工作表“{s.name}”{hidden}→{s.register_sheet}({s.why}"
                           f"{',读到' + found if found else ',没有读到任何一项'})")
                continue
            head = ""
            if s.header_rows:
                rows = s.header_rows
                head = (f",表头第{rows[0]}行" if len(rows) == 1
                        else f",表头第{rows[0]}至{rows[-1]}行")
            unmapped = [c.header for c in s.columns if c.field is None]
            cols = f",识别{sum(1 for c in s.columns if c.field)}列"
            if unmapped:
                cols += f"(未用:{'、'.join(unmapped[:5])}{'等' if len(unmapped) > 5 else ''})"
            skipped = _skipped_text(s.skipped)
            merged = f",合并单元格{s.merged_cells}处按整块取值" if s.merged_cells else ""
            out.append(f"工作表“{s.name}”{hidden}→{s.register_sheet}({s.why}{head}{cols},"
                       f"数据{s.data_rows}行{skipped}{merged})")
        return out


def _skipped_text(skipped: list[SkippedRows], limit: int = 6) -> str:
    parts = []
    for s in skipped:
        if s.reason == "blank":
            continue
        rows = f"第{s.first}行" if s.first == s.last else f"第{s.first}至{s.last}行"
        parts.append(f"{rows}{REASON_TEXT.get(s.reason, s.reason)}")
    if not parts:
        return ""
    more = f"等{len(parts)}处" if len(parts) > limit else ""
    return ",跳过" + "、".join(parts[:limit]) + more


__all__ = ["CONFIG", "COVER", "FILE_NAME", "FORM_LINE", "SOURCES", "SOURCE_TEXT", "TITLE",
           "ColumnReading", "Fact", "Reading", "SheetReading", "SkippedRows"]
