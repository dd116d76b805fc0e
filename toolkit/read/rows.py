"""What a row that is not data is: titles, form lines, units rows, column numbers, example
lines, repeated headers, village sub-titles, subtotals and totals, footers, blank rows.

None of these is data and none is an error. A sheet's rows are classified cheaply: the
distinct texts of its first columns are tested once each (:meth:`RowClassifier.flags`), and
only the rows they point at (with the rows right under each header and rows whose key cells
are all empty) go through the full :meth:`RowClassifier.classify`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ..config.schema import ReadingRules
from .text import fold, starts_with_label

TITLE, COVER, UNITS, NUMBERING, EXAMPLE = "title", "cover", "units", "numbering", "example"
REPEATED, SUBTITLE, TOTAL, FOOTER, BLANK = ("repeated-header", "subtitle", "total", "footer",
                                            "blank")
REASONS = (TITLE, COVER, UNITS, NUMBERING, EXAMPLE, REPEATED, SUBTITLE, TOTAL, FOOTER, BLANK)
# the words office staff read for each reason (inspect, 读取说明)
REASON_TEXT = {TITLE: "标题", COVER: "填报信息", UNITS: "单位行", NUMBERING: "列序号行",
               EXAMPLE: "填表说明或示例", REPEATED: "重复的表头", SUBTITLE: "分组小标题",
               TOTAL: "小计或合计", FOOTER: "表尾(填表人、审核人、注等)", BLANK: "空行"}

_EXAMPLE = re.compile(r"^(?:填表说明|说明|示例|样例|举例|例(?:$|[:.\d])|注[:.]|备注[:.])")
_FORM_LABEL = re.compile(r"^[\u4e00-\u9fff()]{1,12}:")
_SUBTITLE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|\([一二三四五六七八九十\d]+\)|\d{1,2}[、](?!\d)"
    r"|第[一二三四五六七八九十\d]+(?:村|组|片|网格|部分))")
_PLACE_END = re.compile(r"(?:村|社区|居委会|村委会|小区|组|片区|网格)$")
_STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN_NUM = re.compile(r"^\((\d{1,2})\)$")


def _cells(row: Sequence[Any]) -> list[Any]:
    return [v for v in row if v != "" and v is not None]


def _ordinal(value: Any) -> tuple[str, int] | None:
    """(kind, n): ("1", 1) for 1 / '1' / '(1)' / '①', ("甲", 1) for '甲', ("A", 1) for 'A'."""
    if type(value) in (int, float) and not isinstance(value, bool):
        return ("1", int(value)) if float(value).is_integer() else None
    if type(value) is not str:
        return None
    text = fold(value)
    if text.isdigit() and len(text) <= 3:
        return "1", int(text)
    m = _PAREN_NUM.match(text)
    if m:
        return "1", int(m[1])
    if len(text) == 1:
        for kind, seq in (("甲", _STEMS), ("1", _CIRCLED), ("A", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")):
            if text in seq:
                return kind, seq.index(text) + 1
    return None


def is_numbering(cells: Sequence[Any]) -> bool:
    """Column numbers under a header: 1 2 3 …, 甲 乙 丙 …, or 甲 乙 丙 for the text columns
    and 1 2 3 for the counts (the statistical forms' convention); each kind counts 1, 2, 3."""
    if len(cells) < 3:
        return False
    seen: dict[str, int] = {}
    for v in cells:
        o = _ordinal(v)
        if o is None or o[1] != seen.get(o[0], 0) + 1:
            return False
        seen[o[0]] = o[1]
    return True


class RowClassifier:
    """Classifies non-data rows of one sheet, given the texts of its header block."""

    def __init__(self, reading: ReadingRules, total_markers: Sequence[str],
                 header_texts: frozenset[str] = frozenset()) -> None:
        self.reading = reading
        markers = "|".join(re.escape(fold(m)) for m in total_markers if fold(m))
        self.total = re.compile(f"^.{{0,15}}?(?:{markers})(?:[:(].*)?$") if markers else None
        self.footer_labels = tuple(fold(x) for x in reading.footer_labels if fold(x))
        self.title_words = tuple(fold(x) for x in reading.title_words if fold(x))
        self.units = frozenset(fold(u) for u in reading.units if fold(u))
        self.header_texts = header_texts

    # -- cheap test of one distinct first-column value --------------------------------
    def flags(self, value: Any) -> bool:
        """Whether a first-column value may belong to a non-data row."""
        if type(value) is not str or not value:
            return False
        folded = fold(value)
        return folded in self.header_texts or bool(self.flag_pattern().search(folded))

    def flag_pattern(self) -> re.Pattern[str]:
        """The pattern of every kind of non-data first-column text but a repeated header
        (a set lookup); compiled once per process for the same reading rules."""
        return _flag_pattern(None if self.total is None else self.total.pattern,
                             self.footer_labels, self.title_words)

    def is_total(self, folded: str) -> bool:
        return self.total is not None and bool(self.total.match(folded))

    def is_footer(self, folded: str) -> bool:
        return starts_with_label(folded, self.footer_labels)

    def is_form_line(self, folded: str, cells: int) -> bool:
        """'填表人：王丽', or any short Chinese label with a colon on a sparse row
        ('带班领导签字：')."""
        return self.is_footer(folded) or (cells <= 4 and bool(_FORM_LABEL.match(folded)))

    def has_title_word(self, folded: str) -> bool:
        return any(w in folded for w in self.title_words)

    def is_unit(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        f = fold(value)
        if f.startswith(("单位:", "计量单位:")):
            return True
        if f.startswith("(") and f.endswith(")"):
            f = f[1:-1]
        return f in self.units

    # -- the full test of one row ------------------------------------------------------
    def classify(self, row: Sequence[Any], *, above_header: bool = False,
                 under_header: bool = False) -> str | None:
        """The reason a row is not data, or None for a data row."""
        cells = _cells(row)
        if not cells:
            return BLANK
        texts = [fold(v) for v in cells if type(v) is str]
        first = fold(cells[0]) if type(cells[0]) is str else ""
        if (above_header or under_header) and first and _EXAMPLE.match(first):
            return EXAMPLE
        if all(self.is_unit(v) for v in cells):
            return UNITS
        if any(self.is_form_line(t, len(cells)) for t in texts[:3]):
            return COVER if above_header else FOOTER
        if any(self.is_total(t) for t in texts[:3]):
            return TOTAL
        if is_numbering(cells):
            return NUMBERING
        if self.header_texts and len(texts) >= 2:
            known = sum(1 for t in texts if t in self.header_texts)
            if known * 2 >= len(texts) and known >= 2:
                return REPEATED
        if len(set(texts)) <= 2 and len(cells) <= 3 and texts:
            if any(self.has_title_word(t) for t in texts):
                return TITLE
            if _SUBTITLE.match(texts[0]) or (len(texts[0]) <= 15
                                              and _PLACE_END.search(texts[0])
                                              and len(cells) == 1):
                return SUBTITLE
            if len(cells) == 1 and len(texts[0]) >= 12 and not texts[0].isascii():
                return TITLE if above_header else FOOTER
        if above_header:
            return TITLE
        if first and _EXAMPLE.match(first) and len(cells) <= 2:
            return FOOTER
        return None


@lru_cache(maxsize=16)
def _flag_pattern(total: str | None, footer_labels: tuple[str, ...],
                  title_words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every kind of first-column text a non-data row may start with,
    over NUL-separated folded texts (the same tests as :meth:`RowClassifier.classify`):
    one anchor at each text's start, then the alternatives (so every other position
    costs one character test). A repeated header is not in it: that is a whole text equal
    to one of the header's, a set lookup (and the part that made the pattern slow to
    compile, once per sheet)."""
    cell = r"[^\x00]"
    end = r"(?=\x00|$)"
    parts = []
    if total is not None:
        parts.append(total.lstrip("^").rstrip("$").replace(".", cell) + end)
    parts.append(_EXAMPLE.pattern.lstrip("^").replace("$", end))
    parts.append(_SUBTITLE.pattern.lstrip("^"))
    parts.append(_FORM_LABEL.pattern.lstrip("^"))
    if footer_labels:
        labels = "|".join(re.escape(x) for x in sorted(footer_labels, key=len, reverse=True))
        parts.append(f"[ \\t]*(?:{labels})[ \\t]*:")
    # a long Chinese text (a note), a text naming a title word or ending in a place word
    parts.append(r"(?=[^\x00]{12})(?=[^\x00]*[^\x00-\x7f])")
    if title_words:
        words = "|".join(re.escape(x) for x in title_words)
        parts.append(f"(?={cell}*(?:{words}))")
    parts.append(f"(?={cell}*(?:村|社区|居委会|村委会|小区|组|片区|网格){end})")
    return re.compile(r"(?:^|\x00)(?:" + "|".join(f"(?:{p})" for p in parts) + ")")


def flagged_values(values: Sequence[Any], c: RowClassifier) -> set[Any]:
    """The distinct text values of a column that may start a non-data row, found with one
    regex pass over all of them (a clean column costs no per-value Python work)."""
    texts = [v for v in dict.fromkeys(values) if type(v) is str and v]
    if not texts:
        return set()
    folded = fold("\x00".join(texts))
    parts = folded.split("\x00")
    if len(parts) != len(texts):  # a NUL inside a cell: test one by one
        return {v for v in texts if c.flags(v)}
    pattern = c.flag_pattern()
    hits: set[Any] = {t for t, p in zip(texts, parts, strict=True) if p in c.header_texts}
    if not pattern.search(folded):
        return hits
    offsets = list(accumulate((len(p) + 1 for p in parts), initial=0))
    for m in pattern.finditer(folded):
        pos = m.start() + (1 if folded[m.start():m.start() + 1] == "\x00" else 0)
        hits.add(texts[bisect_right(offsets, pos) - 1])
    return hits


__all__ = ["BLANK", "COVER", "EXAMPLE", "FOOTER", "NUMBERING", "REASONS", "REASON_TEXT",
           "REPEATED", "SUBTITLE", "TITLE", "TOTAL", "UNITS", "RowClassifier"]
