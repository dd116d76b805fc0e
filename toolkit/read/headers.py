"""Finding a sheet's header block and mapping its columns to the schema.

A header block is one to three rows: a plain header row, or a two-level header whose upper
cells are merged over short lower names ('联防队' over '人数' / '党员人数'; '网格工作人员' over
the roles; '观察情况' over '起始日期' / '解除日期'). Each column's header is the chain of its
texts from top to bottom (merged cells filled across and down); the most specific reading
that names a schema column wins: parent + child ('联防队人数'), then the child alone, then
the parent alone. The block chosen is the one that names the most schema columns, found
around the single row that names the most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config.schema import ColumnSpec, SheetSpec
from .raw import RawSheet
from .text import fold, header_key

MAX_HEADER_ROWS = 3
_PARENT_SUFFIXES = ("情况", "信息", "人员")


class ColumnLookup:
    """Header text -> the schema column it names, for one schema sheet (plus a township's
    pinned synonyms). Exact folded names first, then keys; a key two columns share names
    neither."""

    def __init__(self, spec: SheetSpec, synonyms: tuple[tuple[str, str], ...],
                 extra: Mapping[str, Sequence[str]] | None = None) -> None:
        self.spec = spec
        self.synonyms = synonyms
        self.exact: dict[str, ColumnSpec] = {}
        keys: dict[str, ColumnSpec | None] = {}
        for col in spec.columns:
            for n in (*col.names, *(extra or {}).get(col.name, ())):
                f = fold(n)
                if not f:
                    continue
                self.exact.setdefault(f, col)
                k = header_key(f, synonyms)
                if k and keys.get(k, col) is not col:
                    keys[k] = None  # ambiguous
                else:
                    keys.setdefault(k, col)
        self.keys = {k: c for k, c in keys.items() if c is not None}
        self._cache: dict[str, ColumnSpec | None] = {}
        self.required = [c.name for c in spec.columns if c.required]

    def match(self, folded: str) -> ColumnSpec | None:
        """The column a folded header text names, or None."""
        if not folded:
            return None
        hit = self._cache.get(folded, self)
        if hit is not self:
            return hit  # type: ignore[return-value]
        col = self.exact.get(folded)
        if col is None:
            col = self.keys.get(header_key(folded, self.synonyms))
        self._cache[folded] = col
        return col

    def score(self, row: Sequence[str]) -> int:
        """How many distinct schema columns a row of folded texts names on its own."""
        return len({c.name for f in row if f and (c := self.match(f)) is not None})


@dataclass
class HeaderGrid:
    """The first rows of a sheet as folded texts (merged cells filled across and down), with
    the texts as written, for header detection."""

    folded: list[list[str]]
    shown: list[list[str]]
    spans: list[set[int]] = field(default_factory=list)  # per row: columns under a wide merge

    @classmethod
    def of(cls, raw: RawSheet, rows: int) -> HeaderGrid:
        top = raw.rows[:rows]
        width = max(map(len, top), default=0)
        shown = [[v.strip() if type(v) is str else "" for v in row] + [""] * (width - len(row))
                 for row in top]
        spans: list[set[int]] = [set() for _ in top]
        r0, c0 = raw.first_row - 1, raw.first_col
        for (a, b), (c, d) in raw.merged:
            ra, ca = a - r0, b - c0
            if not (0 <= ra < len(top)) or ca < 0 or ca >= width:
                continue
            text = shown[ra][ca]
            for r in range(ra, min(c - r0, len(top) - 1) + 1):
                for k in range(ca, min(d - c0, width - 1) + 1):
                    if not shown[r][k]:
                        shown[r][k] = text
                    if d > b:
                        spans[r].add(k)
        folded = [[fold(v) for v in row] for row in shown]
        return cls(folded, shown, spans)

    def is_parent_row(self, u: int, below: int, lookup: ColumnLookup) -> bool:
        """Row ``u`` is the upper level of the header at row ``below``: it names columns
        itself (cells merged down over both rows), or it holds group names merged across
        several columns over named ones (not one title across the whole table)."""
        texts = [f for f in self.folded[u] if f]
        if not texts:
            return False
        distinct = set(texts)
        named = lookup.score(self.folded[u])
        if named and named * 2 >= len(distinct):
            return True
        lower = self.folded[below]
        groups = {self.folded[u][k] for k in self.spans[u]
                  if self.folded[u][k] and k < len(lower) and lower[k]}
        return bool(groups) and len(distinct) >= 2


@dataclass
class HeaderBlock:
    first: int  # index in raw.rows of the first header row
    last: int  # index of the last header row
    mapping: dict[str, tuple[int, str]]  # canonical column -> (index in row, header shown)
    extra: list[tuple[int, str, bool]] = field(default_factory=list)  # (j, shown, duplicate)
    score: int = 0
    required: int = 0  # required columns named
    texts: frozenset[str] = frozenset()  # every folded text of the block (repeated headers)

    @property
    def rows(self) -> range:
        return range(self.first, self.last + 1)


def _candidates(chain: list[str]) -> list[str]:
    """The readings of one column's header chain, most specific first."""
    if len(chain) == 1:
        return chain
    last, parent = chain[-1], chain[-2]
    out = ["".join(chain), parent + last]
    stripped = next((parent[:-len(s)] for s in _PARENT_SUFFIXES
                     if parent.endswith(s) and len(parent) > len(s)), None)
    if stripped:
        out.append(stripped + last)
    out.append(last)
    out.extend(reversed(chain[:-1]))
    return out


def block(grid: HeaderGrid, lookup: ColumnLookup, first: int, last: int) -> HeaderBlock:
    """Map the columns of the header rows ``first``..``last`` (indices into the grid)."""
    rows_f = grid.folded[first:last + 1]
    rows_s = grid.shown[first:last + 1]
    width = max(map(len, rows_f), default=0)
    mapping: dict[str, tuple[int, str]] = {}
    extra: list[tuple[int, str, bool]] = []
    texts: set[str] = set()
    for j in range(width):
        chain: list[str] = []
        shown: list[str] = []
        for rf, rs in zip(rows_f, rows_s, strict=True):
            f = rf[j] if j < len(rf) else ""
            if f and (not chain or chain[-1] != f):
                chain.append(f)
                shown.append(rs[j])
        if not chain:
            continue
        texts.update(chain)
        col = next((c for c in map(lookup.match, _candidates(chain)) if c is not None), None)
        text = "/".join(shown)
        if col is not None and col.name not in mapping:
            mapping[col.name] = (j, text)
        else:
            extra.append((j, text, col is not None))
    required = sum(1 for n in lookup.required if n in mapping)
    return HeaderBlock(first, last, mapping, extra, len(mapping), required, frozenset(texts))


def find_block(grid: HeaderGrid, lookup: ColumnLookup,
               pinned: Sequence[int] | None = None) -> HeaderBlock | None:
    """The best header block of the grid for this schema sheet, or None when no row names
    a schema column. ``pinned``: the header rows as indices (a county's configuration)."""
    if pinned:
        return block(grid, lookup, min(pinned), max(pinned))
    single = [lookup.score(row) for row in grid.folded]
    if not single or max(single) == 0:
        return None
    r = single.index(max(single))
    best: HeaderBlock | None = None
    n = len(grid.folded)
    for first in range(max(0, r - MAX_HEADER_ROWS + 1), r + 1):
        for last in range(r, min(n, first + MAX_HEADER_ROWS)):
            b = block(grid, lookup, first, last)
            if best is None or (b.score, -(b.last - b.first)) > (best.score,
                                                                 -(best.last - best.first)):
                best = b
    assert best is not None
    # the upper level of a two-level header names no column the lower one lacks, but it
    # is still part of the header (its rows are not data, nor a title)
    while (best.first > 0 and best.last - best.first + 1 < MAX_HEADER_ROWS
           and grid.is_parent_row(best.first - 1, best.first, lookup)):
        up = block(grid, lookup, best.first - 1, best.last)
        if up.score < best.score:
            break
        best = up
    return best


def row_texts(row: Sequence[Any]) -> list[str]:
    return [fold(v) for v in row]


__all__ = ["ColumnLookup", "HeaderBlock", "HeaderGrid", "block", "find_block", "row_texts"]
