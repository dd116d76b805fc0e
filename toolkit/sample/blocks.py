"""One table laid out as a township habitually lays it out: the worksheet's lines from the top
(cover and title rows, the header block, the body, the footer) and its merges.

:class:`SheetOptions` says which habits a table gets (``layouts.py`` chooses them);
:class:`TableLayout` turns the table into one :class:`SheetPlan` (or several: one per village)
and records every line it adds as a ``drift-layout-<feature>`` mark. Data rows stay the
table's row objects (the truth is resolved against them when the sheets are positioned).

What the lines look like (what a reader must expect):

- header block, top down: the cover title (``cover-title``), a title merged across
  (``title``), the drift's title/填表说明 rows, a 填表说明 row (``instructions``), the
  ``cover-inline`` form line, ``单位：人`` in the last column (``units-row`` above), the upper
  row of a two-level header, the header, units under the count columns (``units-row``
  below), a column-number row ``1 2 3 …`` (numbers) or ``甲 乙 丙 …`` (text);
- two-level header: a group label merged across its columns over short lower names (a lower
  name names the column alone or with the label in front: 联防队 + 人数); every other column's
  name is in the upper row, merged down over the lower row;
- body: data rows; with ``village-subtotals`` each village's rows are preceded by ``一、河坝村``
  (merged across) and followed by ``河坝村小计`` (first cell) with the sums of the count
  columns, and the last line is ``合计`` with the grand sums; with ``repeated-header`` a blank
  line, a title merged across and a copy of the header block start a second block;
- ``merged-cells``: equal values of clean adjacent data rows merged down in the chosen
  columns (the value in the top cell);
- footer: a blank line, then ``填表人：…    审核人：…``, ``联系电话：…``, ``注：…`` in the first
  column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Mark, Row, SheetPlan, Table
from .names import GROUP_NUMERALS
from .writer import header_width

STEMS = "甲乙丙丁戊己庚辛壬癸"
LAYOUT = "drift-layout-"


@dataclass
class SheetOptions:
    """The habits one table gets (every field off by default)."""

    title: str | None = None
    instructions: str | None = None
    units: str | None = None  # "above" | "below"
    unit_of: dict[str, str] = field(default_factory=dict)  # count column -> unit
    numbers: str | None = None  # "digits" | "stems"
    # two-level header: (label, column indices, lower names or None = keep the header text)
    groups: list[tuple[str, list[int], list[str | None]]] = field(default_factory=list)
    merged: tuple[str, ...] = ()  # columns merged down
    subtotals: Callable[[Row], str | None] | None = None  # a row's village
    total_marker: str = "合计"
    repeat_at: int | None = None  # data rows before the second block
    repeat_title: str = ""
    footer: list[str] = field(default_factory=list)
    offset: bool = False


class TableLayout:
    """Lays one table out; :meth:`plan` may be called several times (one sheet per village):
    the first call writes the table's own header objects (where the truth points), later
    ones copies."""

    def __init__(self, t: Table, options: SheetOptions, marks: list[Mark]) -> None:
        self.t = t
        self.o = options
        self.marks = marks
        self.width = len(t.headers)
        self.widths = [header_width(h) for h in t.headers]
        self.head = self._header_rows()
        self._used = False

    # -- header ------------------------------------------------------------------------
    def _header_rows(self) -> list[tuple[Row, str, list[tuple[int, int, int]], str | None]]:
        """(line, style, merges as (first col, lines down, last col), mark kind) of the rows
        from the (upper) header down to the column numbers; mutates the table's header."""
        t, o, w = self.t, self.o, self.width
        header = t.headers
        out: list[tuple[Row, str, list[tuple[int, int, int]], str | None]] = []
        if o.groups:
            upper: Row = [None] * w
            merges: list[tuple[int, int, int]] = []
            grouped: set[int] = set()
            for label, cols, lowers in o.groups:
                upper[cols[0]] = label
                merges.append((cols[0], 0, cols[-1]))
                for c, lower in zip(cols, lowers, strict=True):
                    grouped.add(c)
                    if lower is not None and header[c] == t.columns[c]:
                        header[c] = lower
            for c in range(w):
                if c not in grouped:
                    upper[c], header[c] = header[c], None
                    merges.append((c, 1, c))
            out.append((upper, "head", merges, LAYOUT + "two-level-header"))
        out.append((header, "head", [], None))
        if o.units == "below":
            out.append(([o.unit_of.get(c) for c in t.columns], "plain", [],
                        LAYOUT + "units-row"))
        if o.numbers == "stems" and w <= len(STEMS):
            out.append((list(STEMS[:w]), "plain", [], LAYOUT + "column-numbers"))
        elif o.numbers:
            out.append((list(range(1, w + 1)), "plain", [], LAYOUT + "column-numbers"))
        return out

    # -- one sheet ---------------------------------------------------------------------
    def plan(self, name: str, rows: list[Row], *, cover_top: str | None = None,
             cover_line: str | None = None, title: str | None = None) -> SheetPlan:
        t, o = self.t, self.o
        original = not self._used
        self._used = True
        p = SheetPlan(name, t.name, [], columns=list(t.columns), widths=list(self.widths))
        if o.offset:
            p.row0 = p.col0 = 1
            self.marks.append(Mark(t.name, None, "", LAYOUT + "offset", name))
        if cover_top:
            self._add(p, [cover_top], "title", ("填报信息", LAYOUT + "cover-title"), True)
        title = title or o.title
        if title:
            self._add(p, [title], "title", (t.name, LAYOUT + "title"), True)
        for pre in t.pre_rows:
            style = "note" if str(pre[0]).startswith("填表说明") else "title"
            self._add(p, pre if original else list(pre), style, None, True)
        if o.instructions:
            self._add(p, [o.instructions], "note", (t.name, LAYOUT + "instructions"), True)
        if cover_line:
            self._add(p, [cover_line], "plain", ("填报信息", LAYOUT + "cover-inline"))
        if o.units == "above":
            unit = next(iter(o.unit_of.values()), "人")
            self._add(p, [None] * (self.width - 1) + [f"单位：{unit}"], "plain",
                      (t.name, LAYOUT + "units-row"))
        self._header(p, original, None)
        p.freeze = len(p.lines)
        self._body(p, rows)
        if o.footer:
            p.lines.append([])
            for text in o.footer:
                self._add(p, [text], "plain", (t.name, LAYOUT + "footer"))
        for column in o.merged:
            if self._merge_down(p, t.col(column), p.freeze):
                self.marks.append(Mark(t.name, None, column, LAYOUT + "merged-cells", name))
        return p

    def _add(self, p: SheetPlan, line: Row, style: str | None,
             mark: tuple[str, str] | None, across: bool = False) -> int:
        i = len(p.lines)
        p.lines.append(line)
        if style is not None:
            p.styles[i] = style
        if across and self.width > 1:
            p.merge(i, 0, i, self.width - 1)
        if mark is not None:
            self.marks.append(Mark(mark[0], line, "", mark[1]))
        return i

    def _header(self, p: SheetPlan, original: bool, kind: str | None) -> None:
        """The header rows; ``kind`` marks every row (a repeated block), else each row's own
        feature."""
        for line, style, merges, own in self.head:
            row = line if original else list(line)
            mark = kind or own
            i = self._add(p, row, style, None if mark is None else (self.t.name, mark))
            for c, down, last in merges:
                if down or last > c:
                    p.merge(i, c, i + down, last)

    # -- body --------------------------------------------------------------------------
    def _body(self, p: SheetPlan, rows: list[Row]) -> None:
        o = self.o
        if o.subtotals is not None:
            self._subtotals(p, rows, o.subtotals)
        elif o.repeat_at is not None and 0 < o.repeat_at < len(rows):
            p.lines.extend(rows[: o.repeat_at])
            p.lines.append([])
            kind = LAYOUT + "repeated-header"
            self._add(p, [o.repeat_title], "title", (self.t.name, kind), True)
            self._header(p, False, kind)
            p.lines.extend(rows[o.repeat_at:])
        else:
            p.lines.extend(rows)

    def _subtotals(self, p: SheetPlan, rows: list[Row], village_of: Callable[[Row], str | None]
                   ) -> None:
        t = self.t
        counts = [t.col(c) for c in self.o.unit_of]
        groups: dict[str, list[Row]] = {}
        current = ""
        for r in rows:
            current = (village_of(r) if r else None) or current
            groups.setdefault(current, []).append(r)
        kind = (t.name, LAYOUT + "village-subtotals")
        grand = [0] * len(counts)
        for k, (village, members) in enumerate(groups.items()):
            numeral = GROUP_NUMERALS[k] if k < len(GROUP_NUMERALS) else str(k + 1)
            self._add(p, [f"{numeral}、{village}"], "sub", kind, True)
            p.lines.extend(members)
            sums = [sum(count(r[c]) for r in members if r) for c in counts]
            grand = [a + b for a, b in zip(grand, sums, strict=True)]
            self._add(p, self._sum_line(f"{village}小计", counts, sums), "sub", kind)
        self._add(p, self._sum_line(self.o.total_marker, counts, grand), "sub", kind)

    def _sum_line(self, label: str, counts: list[int], sums: list[int]) -> Row:
        line: Row = [label] + [None] * (self.width - 1)
        for c, s in zip(counts, sums, strict=True):
            line[c] = s
        return line

    def _merge_down(self, p: SheetPlan, c: int, start: int) -> bool:
        """Merge runs of equal values in column ``c`` over adjacent clean data rows."""
        t, lines, styles = self.t, p.lines, p.styles
        merged = False
        run, value = -1, None
        for i in range(start, len(lines) + 1):
            line = lines[i] if i < len(lines) else None
            ok = (line is not None and i not in styles and t.is_clean(line)
                  and c < len(line) and line[c] is not None)
            if ok and run >= 0 and line is not None and line[c] == value:
                continue
            if run >= 0 and i - run >= 2:
                p.merge(run, c, i - 1, c)
                merged = True
            run, value = (i, line[c]) if ok and line is not None else (-1, None)
        return merged


def count(value: object) -> int:
    """A count cell as a number: 12, '12人', '3 辆', '/' (0)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    digits = ""
    for ch in str(value or "").strip():
        if ch.isdigit() or (ch == "-" and not digits):
            digits += ch
        else:
            break
    return int(digits) if digits.strip("-") else 0
