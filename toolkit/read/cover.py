"""The cover information (填报单位, 填报日期, 填报人, 联系电话, 审核人) in whatever form a
township gives it, and where township and date come from.

Sources, in order: the cover sheet (填报信息: a one-row table, a vertical form of labels and
values, 'label：value' cells), form lines on any sheet ('填报单位：三桃乡    填报日期：2020年2月4日'
above the data, or a footer such as '填表人：王丽  审核人：李强'), a title row
('三桃乡网格化管理登记表（2020年2月4日）'), the file name (三桃乡_20200204.xlsx), the caller's
configuration (the night being merged). The first source that has a value gives it; two
sources that disagree give one ``cover-conflict`` error naming both.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .explain import CONFIG, COVER, FILE_NAME, FORM_LINE, SOURCE_TEXT, SOURCES, TITLE, Fact
from .headers import ColumnLookup
from .normalize import normalise_value, parse_date_text
from .table import column_letter
from .text import fold, nfkc

_DATE_IN_TEXT = re.compile(
    r"(?<!\d)(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?(?!\d)"
    r"|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"
    r"|(?<![\d.])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_TOWNSHIP_NAME = re.compile(r"^(?!乡镇)[\u4e00-\u9fff]{2,}?(?:镇|乡|街道|办事处)")
_VALUE_TRIM = " \t\u3000,,;;、"


_PERIOD_AFTER = re.compile(r"\s*(?:以来|以后|之后|后|起|开始|至|到|-|—|~|〜)")


def dates_in(text: str, year: int, *, as_of: bool = False) -> list[dt.date]:
    """Every date written in a text (2020年2月4日, 2020.2.4, 20200204, 2月4日 in ``year``).
    ``as_of``: only dates a title is "as of", not those that start a period
    ('1月8日以来', '自1月24日', the first of '1月24日至2月4日')."""
    out: list[dt.date] = []
    norm = nfkc(text)
    for m in _DATE_IN_TEXT.finditer(norm):
        if as_of and (_PERIOD_AFTER.match(norm, m.end())
                      or norm[max(0, m.start() - 1):m.start()] in ("自", "从")):
            continue
        g = m.groups()
        y, mo, d = ((g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5]) if g[3]
                    else (str(year), g[6], g[7]))
        try:
            out.append(dt.date(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return out


def known_township(value: Any, names: Sequence[str]) -> str | None:
    """The configured township a text names: itself, one contained in it (威信县扎西镇人民
    政府), or the one it is the start of (扎西); else a name shaped like a township (another
    county's); else None."""
    if not isinstance(value, str):
        return None
    text = nfkc(value).strip()
    if not text:
        return None
    if text in names:
        return text
    inside = [t for t in names if t in text]
    if inside:
        return max(inside, key=len)
    starts = [t for t in names if len(text) >= 2 and t.startswith(text)]
    if len(starts) == 1:
        return starts[0]
    m = _TOWNSHIP_NAME.match(text)
    return m[0] if m else None


def township_in_title(text: str, names: Sequence[str]) -> str | None:
    inside = [t for t in names if t in nfkc(text)]
    return max(inside, key=len) if inside else None


def file_name_facts(file_name: str, names: Sequence[str], year: int) -> list[Fact]:
    """Township and date from a file name such as 扎西镇_20200204.xlsx."""
    stem = unicodedata.normalize("NFKC", Path(file_name).stem)
    facts: list[Fact] = []
    township = township_in_title(stem, names)
    if township is None:
        m = _TOWNSHIP_NAME.match(stem)
        township = m[0] if m else None
    if township:
        facts.append(Fact("township", township, FILE_NAME, file_name))
    found = list(dict.fromkeys(dates_in(stem, year)))
    if found:
        facts.append(Fact("report_date", found[0], FILE_NAME, file_name))
    return facts


@dataclass(frozen=True)
class CoverFields:
    """The cover columns by their role (schema ids of the cover sheet)."""

    lookup: ColumnLookup
    labels: tuple[str, ...]  # every label text (names and aliases), folded
    names: Sequence[str]  # the county's township names

    @property
    def spec_id(self) -> str:
        return self.lookup.spec.id

    def column_id(self, name: str) -> str:
        return self.lookup.spec.column(name).id


def _label(text: str, fields: CoverFields) -> str | None:
    """The cover column a cell that is only a label names ('填报单位', '填报单位：')."""
    f = fold(text).rstrip(":")
    col = fields.lookup.match(f)
    return None if col is None else col.name


def _inline(text: str, fields: CoverFields) -> list[tuple[str, str]]:
    """('label', value) pairs of a text holding 'label：value' (several on a line)."""
    norm = nfkc(text)
    pattern = _inline_pattern(fields.labels)
    hits = list(pattern.finditer(norm))
    out: list[tuple[str, str]] = []
    for k, m in enumerate(hits):
        end = hits[k + 1].start() if k + 1 < len(hits) else len(norm)
        col = fields.lookup.match(fold(m.group(1)))
        if col is not None:
            out.append((col.name, norm[m.end():end].strip(_VALUE_TRIM)))
    return out


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _inline_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _PATTERNS.get(labels)
    if pattern is None:
        alternatives = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
        pattern = _PATTERNS[labels] = re.compile(
            f"(?<![\\u4e00-\\u9fff])({alternatives})[ \\t\\u3000]*[::][ \\t\\u3000]*")
    return pattern


def _next_value(row: Sequence[Any], c: int, fields: CoverFields) -> tuple[Any, int] | None:
    """The first non-empty cell right of column ``c`` that is not itself a label."""
    for k in range(c + 1, min(len(row), c + 8)):
        v = row[k]
        if v == "" or v is None:
            continue
        if isinstance(v, str) and (_label(v, fields) or _inline(v, fields)):
            return None
        return v, k
    return None


def form_facts(rows: Iterable[tuple[int, Sequence[Any]]], below: Mapping[int, Sequence[Any]],
               sheet: str, first_row: int, first_col: int, fields: CoverFields,
               source: str) -> list[Fact]:
    """Label/value pairs in ``rows`` ((index, row) of a sheet): a label cell with its value
    to the right (or below it, a one-row table), and 'label：value' texts. ``below`` gives
    the row under each row index for the one-row table form."""
    facts: list[Fact] = []
    for r, row in rows:
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            excel_row = first_row + r
            name = _label(v, fields)
            if name is not None:
                hit = _next_value(row, c, fields)
                at_row, at_col, value = excel_row, c + 1, None
                if hit is not None:
                    value, at_col = hit
                else:
                    under = below.get(r)
                    if under is not None and c < len(under):
                        value, at_row, at_col = under[c], excel_row + 1, c
                        if isinstance(value, str) and _label(value, fields):
                            value, at_row, at_col = None, excel_row, c + 1
                facts.append(_fact(name, value, source, sheet, at_row, first_col + at_col))
                continue
            for name, text in _inline(v, fields):
                inline: Any = text
                if not text:
                    hit = _next_value(row, c, fields)
                    if hit is not None:
                        inline, k = hit
                        facts.append(_fact(name, inline, source, sheet, excel_row,
                                           first_col + k))
                        continue
                facts.append(_fact(name, inline or None, source, sheet, excel_row,
                                   first_col + c))
    return facts


def _fact(column: str, value: Any, source: str, sheet: str, row: int, col: int) -> Fact:
    letter = column_letter(col)
    return Fact(column, "" if value is None else value, source, f"{sheet}!{letter}{row}",
                sheet, row, letter)


def title_facts(texts: Iterable[tuple[str, int, int, str]], names: Sequence[str],
                year: int) -> list[Fact]:
    """Township and date in title texts: (sheet, Excel row, column index, text)."""
    facts: list[Fact] = []
    for sheet, row, col, text in texts:
        township = township_in_title(text, names)
        found = list(dict.fromkeys(dates_in(text, year, as_of=True)))
        letter = column_letter(col)
        where = f"{sheet}!{letter}{row}"
        if township:
            facts.append(Fact("township", township, TITLE, where, sheet, row, letter))
        if len(found) == 1:
            facts.append(Fact("report_date", found[0], TITLE, where, sheet, row, letter))
    return facts


def as_role(fact: Fact, fields: CoverFields, year: int) -> Fact | None:
    """A cover fact as a township or date fact ("township" / "report_date"), when its
    value reads as one; None otherwise."""
    role = fields.column_id(fact.column) if fact.column in {
        c.name for c in fields.lookup.spec.columns} else fact.column
    if role == "township":
        town = known_township(fact.value, fields.names)
        return None if town is None else Fact("township", town, fact.source, fact.where,
                                              fact.sheet, fact.row, fact.letter)
    if role == "report_date":
        value = fact.value
        if isinstance(value, str):
            found = dates_in(value, year)
            parsed = found[0] if found else parse_date_text(fold(value), year)
            value = parsed
        else:
            value, _ = normalise_value(value, "date", year)
        if isinstance(value, dt.datetime):
            value = value.date()
        return None if not isinstance(value, dt.date) else Fact(
            "report_date", value, fact.source, fact.where, fact.sheet, fact.row, fact.letter)
    return None


@dataclass
class Resolved:
    """The value of one of township / date and every source that gave one."""

    chosen: Fact | None
    conflict: Fact | None  # the first source that disagrees with the chosen one


def resolve(facts: Sequence[Fact], role: str) -> Resolved:
    """The first source's value; the first value of a later source that differs."""
    mine = [f for f in facts if f.column == role]
    mine.sort(key=lambda f: SOURCES.index(f.source))
    if not mine:
        return Resolved(None, None)
    chosen = mine[0]
    seen_sources = {chosen.source}
    for f in mine[1:]:
        if f.source in seen_sources or f.source == CONFIG:
            continue
        seen_sources.add(f.source)
        if f.value != chosen.value:
            return Resolved(chosen, f)
    return Resolved(chosen, None)


__all__ = ["CONFIG", "COVER", "FILE_NAME", "FORM_LINE", "SOURCES", "SOURCE_TEXT", "TITLE",
           "CoverFields", "Fact", "Resolved", "as_role", "dates_in", "file_name_facts",
           "form_facts", "known_township", "resolve", "title_facts"]
