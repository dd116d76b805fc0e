"""A raw workbook into the one table model (:class:`toolkit.table.Register`).

1. every sheet recognised (:mod:`.sheets`), its header block and body split (:mod:`.layout`);
2. the cover information gathered from every source, township and date chosen
   (:mod:`.cover`);
3. each register sheet's columns taken from its segments and normalised
   (:mod:`.normalize`), every value keeping its sheet, row and cell in the file;
4. what could not be seen (Excel error values, formulas without a value), sheets set aside
   and cover conflicts become the reader's own findings;
5. a register that cannot be used raises :class:`~toolkit.errors.StructureError` with one
   sentence that says what to change (naming the closest sheet or header in the file).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..config.catalogue import severity
from ..config.county import SheetPin
from ..config.schema import SheetSpec
from ..errors import StructureError
from ..findings import Finding
from . import cover as cv
from .explain import ColumnReading, Reading, SheetReading
from .layout import SheetLayout, analyse
from .normalize import Vocab, normalise_column, normalise_value
from .raw import RawBook, RawSheet, display_name
from .sheets import Recogniser, SheetMatch, assign, closest_sheet
from .table import Column, Normalisation, Register, Segment, Sheet, column_index, column_letter
from .text import closest_text, fold, nfkc

if TYPE_CHECKING:
    from ..config.county import Config

FLAT_MAX_WIDTH = 200  # sheets up to this many columns are flattened to slice columns
COVER_ROWS, COVER_COLS = 60, 30  # the part of a cover sheet read as a form


@dataclass(frozen=True)
class ReadHints:
    """What the caller knows: the township and night a file is merged for (the last source
    of township and date, after everything the file says itself)."""

    township: str | None = None
    report_date: dt.date | None = None


def vocab_for(config: Config, none_is: str) -> Vocab:
    reading = config.schema.reading
    return Vocab(frozenset(nfkc(p).strip() for p in reading.placeholders),
                 tuple(reading.units), none_is)


class _Builder:
    def __init__(self, raw: RawBook, config: Config, name: str,
                 hints: ReadHints | None) -> None:
        self.raw = raw
        self.config = config
        self.schema = config.schema
        self.name = name
        self.hints = hints or ReadHints()
        self.findings: list[Finding] = []
        self.normalisations: list[tuple[int, int, int, Normalisation]] = []
        self.blind: set[tuple[str, str]] = set()
        self.reading = Reading(file=name)
        names = config.county.township_names
        self.rec = Recogniser(self.schema, self._pins(names))
        self.canonical: dict[str, str] = {}  # sheet name in the file -> canonical name

    # -- configuration ------------------------------------------------------------------
    def _pins(self, names: tuple[str, ...]) -> dict[str, SheetPin]:
        pinned = {t.name: t.layout for t in self.config.county.townships if t.layout}
        if not pinned:
            return {}
        town = self.hints.township
        if town is None:
            year = self.schema.rules.cutoff_date.year
            facts = cv.file_name_facts(self.name, names, year)
            town = next((f.value for f in facts if f.column == "township"), None)
        if town is None:
            for sheet in self.raw.sheets:
                for row in sheet.rows[:5]:
                    for v in row:
                        if isinstance(v, str):
                            town = town or cv.township_in_title(v, names)
        return dict(pinned.get(town or "", {}))

    # -- the whole build ------------------------------------------------------------------
    def build(self) -> Register:
        matches = assign(self.raw, self.rec)
        layouts: dict[str, list[SheetLayout]] = {}
        cover: SheetMatch | None = None
        for m in matches:
            if m.spec is not None:
                self.canonical[m.raw.name] = m.spec.name
            if m.spec is not None and m.spec.is_cover:
                if cover is None:
                    cover = m
                    self.reading.sheets.append(SheetReading(
                        m.raw.name, m.raw.hidden, m.spec.name, m.why, cover=True))
                else:
                    self.reading.sheets.append(
                        SheetReading(m.raw.name, m.raw.hidden, None, "另一张填报信息表,未读取"))
                continue
            if m.spec is not None and m.block is not None:
                layout = analyse(m, self.schema, self.rec.lookup(m.spec))
                layouts.setdefault(m.spec.name, []).append(layout)
                self.reading.sheets.append(layout.reading)
                continue
            self.reading.sheets.append(SheetReading(
                m.raw.name, m.raw.hidden, m.spec.name if m.spec else None,
                m.why if m.spec is None else "按工作表名识别,但找不到表头行"))
            if m.copy_of is not None:
                self.findings.append(Finding(
                    "hidden-sheet-ignored", severity("hidden-sheet-ignored"),
                    f"隐藏的工作表“{m.raw.name}”是“{m.copy_of}”的旧副本,已按可见的“{m.copy_of}”"
                    "读取:如隐藏的表已经没用,请删除它。", sheet=self.canonical.get(m.copy_of),
                    source_sheet=m.raw.name))
        facts = self._facts(cover, layouts)
        township, date = self._resolve(facts)
        year = (date or self.schema.rules.cutoff_date).year
        self._check_structure(matches, layouts, cover, township)
        register = Register(source=self.raw.source, sheets={}, township=township,
                            report_date=date)
        if cover is not None or any(f.source in (cv.COVER, cv.FORM_LINE) for f in facts):
            info = self._cover_sheet(cover, facts, year)
            if info is not None:
                register.sheets[info.name] = info
        for spec in self.schema.sheets:
            if spec.name in layouts:
                register.sheets[spec.name] = self._sheet(spec, layouts[spec.name], year)
        self.normalisations.sort(key=lambda c: (c[0], c[1], c[2]))
        register.normalisations = [c[3] for c in self.normalisations]
        register.findings = self.findings
        register.blind = self.blind
        register.reading = self.reading
        return register

    # -- township and date ----------------------------------------------------------------
    def _fields(self) -> cv.CoverFields | None:
        spec = self.rec.cover
        if spec is None:
            return None
        lookup = self.rec.lookup(spec)
        labels = tuple(dict.fromkeys(
            nfkc(n) for c in spec.columns for n in c.names if n))
        return cv.CoverFields(lookup, labels, self.config.county.township_names)

    def _facts(self, cover: SheetMatch | None,
               layouts: dict[str, list[SheetLayout]]) -> list[cv.Fact]:
        names = self.config.county.township_names
        year0 = self.schema.rules.cutoff_date.year
        file_facts = cv.file_name_facts(self.name, names, year0)
        file_date = next((f.value for f in file_facts if f.column == "report_date"), None)
        year = file_date.year if file_date else year0
        facts: list[cv.Fact] = []
        fields = self._fields()
        titles: list[tuple[str, int, int, str]] = []
        if fields is not None and cover is not None:
            raw = cover.raw
            rows = [(r, row[:COVER_COLS]) for r, row in enumerate(raw.rows[:COVER_ROWS])]
            below = {r: raw.rows[r + 1] for r in range(min(len(raw.rows) - 1, COVER_ROWS))}
            found = cv.form_facts(rows, below, raw.name, raw.first_row, raw.first_col,
                                  fields, cv.COVER)
            facts += found
            used = {(f.row, f.letter) for f in found}
            titles += [(raw.name, raw.first_row + r, raw.first_col + c, v)
                       for r, row in rows for c, v in enumerate(row)
                       if isinstance(v, str) and v.strip()
                       and (raw.first_row + r, column_letter(raw.first_col + c)) not in used
                       and not fields.lookup.match(fold(v).split(":", 1)[0])]
        for group in layouts.values():
            for layout in group:
                raw = layout.match.raw
                if fields is not None:
                    rows_l = [(i, layout.rows[i]) for i in layout.form_rows]
                    facts += cv.form_facts(rows_l, {}, raw.name, raw.first_row,
                                           raw.first_col, fields, cv.FORM_LINE)
                titles += [(raw.name, raw.first_row + i, raw.first_col + c, v)
                           for i in layout.title_rows
                           for c, v in enumerate(layout.rows[i])
                           if isinstance(v, str) and v.strip()]
        facts += cv.title_facts(titles, names, year)
        facts += file_facts
        if self.hints.township:
            facts.append(cv.Fact("township", self.hints.township, cv.CONFIG, "汇总设置"))
        if self.hints.report_date:
            facts.append(cv.Fact("report_date", self.hints.report_date, cv.CONFIG, "汇总设置"))
        return facts

    def _resolve(self, facts: list[cv.Fact]) -> tuple[str | None, dt.date | None]:
        fields = self._fields()
        year = self.schema.rules.cutoff_date.year
        roles: list[cv.Fact] = []
        for f in facts:
            if f.column in ("township", "report_date"):
                roles.append(f)
            elif fields is not None:
                r = cv.as_role(f, fields, year)
                if r is not None:
                    roles.append(r)
        out: list[Any] = []
        for role, label in (("township", "填报单位(乡镇)"), ("report_date", "填报日期")):
            res = cv.resolve(roles, role)
            if res.chosen is not None and res.conflict is not None:
                self._conflict(label, res.chosen, res.conflict)
            if role == "township":
                self.reading.township = res.chosen
            else:
                self.reading.report_date = res.chosen
            out.append(None if res.chosen is None else res.chosen.value)
        return out[0], out[1]

    def _conflict(self, label: str, a: cv.Fact, b: cv.Fact) -> None:
        def show(f: cv.Fact) -> str:
            v = f.value
            text = f"{v.year}年{v.month}月{v.day}日" if isinstance(v, dt.date) else str(v)
            return f"{cv.SOURCE_TEXT[f.source]}({f.where})写的是“{text}”"

        at = b if b.sheet is not None else a
        self.findings.append(Finding(
            "cover-conflict", severity("cover-conflict"),
            f"{label}前后不一致:{show(a)},{show(b)};已按“{_plain(a.value)}”读取,"
            "请改成一致后重新报送。",
            sheet=self.canonical.get(at.sheet or "", at.sheet), row=at.row,
            column=None, cell=None if at.letter is None else f"{at.letter}{at.row}",
            value=_plain(b.value), source_sheet=at.sheet))

    # -- the cover sheet ------------------------------------------------------------------
    def _cover_sheet(self, cover: SheetMatch | None, facts: list[cv.Fact],
                     year: int) -> Sheet | None:
        spec = self.rec.cover
        if spec is None:
            return None
        first: dict[str, cv.Fact] = {}
        for f in facts:
            if f.source in (cv.COVER, cv.FORM_LINE) and f.column not in first \
                    and f.sheet is not None:
                first[f.column] = f
        for role, fact in (("township", self.reading.township),
                           ("report_date", self.reading.report_date)):
            col = next((c for c in spec.columns if c.id == role), None)
            if col is not None and col.name not in first and fact is not None \
                    and fact.sheet is not None and fact.source == cv.TITLE:
                first[col.name] = cv.Fact(col.name, fact.value, fact.source, fact.where,
                                          fact.sheet, fact.row, fact.letter)
        missing = [c.name for c in spec.columns if c.required and c.name not in first
                   and c.id not in ("township", "report_date")]
        self.reading.cover_missing = missing
        if cover is not None:
            reading = next(s for s in self.reading.sheets if s.cover)
            reading.columns = [ColumnReading(f.where.split("!", 1)[-1], f.column, f.column)
                               for f in first.values() if f.sheet == cover.raw.name]
        if not first:
            return None
        columns: dict[str, Column] = {}
        overrides: dict[str, tuple[str, int, str]] = {}
        source = cover.raw.name if cover is not None else next(iter(first.values())).sheet
        for col in spec.columns:
            got = first.get(col.name)
            if got is None or got.sheet is None or got.row is None or got.letter is None:
                continue
            at_sheet, at_row, letter = got.sheet, got.row, got.letter
            vocab = vocab_for(self.config, col.none_is)
            value, kind = normalise_value(got.value, col.type, year, vocab)
            if col.type == "name-list" and isinstance(value, str):
                value = (value,)
            columns[col.name] = Column(col.name, col.name, column_index(letter), [value])
            overrides[col.name] = (at_sheet, at_row, letter)
            if kind is not None:
                self.normalisations.append((-1, 0, 0, Normalisation(
                    spec.name, at_row, col.name, f"{letter}{at_row}", kind, got.value, value,
                    at_sheet)))
        rows = [min(o[1] for o in overrides.values())] if overrides else [0]
        return Sheet(name=spec.name, source_name=source or spec.name, header_row=rows[0],
                     rows=rows, columns=columns, overrides=overrides)

    # -- structure ------------------------------------------------------------------------
    def _check_structure(self, matches: list[SheetMatch],
                         layouts: dict[str, list[SheetLayout]], cover: SheetMatch | None,
                         township: str | None) -> None:
        def fail(message: str) -> StructureError:
            return StructureError(message, self.raw.source, township=township,
                                  reading=self.reading)

        if not layouts and cover is None:
            raise fail(f"文件“{self.name}”不是网格化管理登记表(找到的工作表:{self._listed()},"
                       "没有一张的表头与登记表相符),请使用县里下发的登记表模板填报后重新报送。")
        for m in matches:
            if m.spec is not None and not m.spec.is_cover and m.block is None:
                raise fail(
                    f"文件“{self.name}”的“{m.raw.name}”工作表中找不到表头行(前"
                    f"{self.schema.reading.header_scan_rows}行中没有“"
                    f"{'”“'.join(c.name for c in m.spec.columns[:3])}”等列名),"
                    "请按登记表模板填写表头后重新报送。")
        for spec in self.schema.sheets:
            if spec.is_cover:
                continue
            if spec.required and spec.name not in layouts:
                raise fail(self._missing_sheet(spec, matches))
            for layout in layouts.get(spec.name, ()):
                for seg in layout.segments:
                    missing = [c for c in self.rec.lookup(spec).required
                               if c not in seg.mapping]
                    if missing:
                        raise fail(self._missing_columns(spec, layout, seg.block, missing))

    def _listed(self, limit: int = 10) -> str:
        names = [f"“{s.name}”" for s in self.raw.sheets]
        more = f"等{len(names)}张" if len(names) > limit else ""
        return "、".join(names[:limit]) + more or "无"

    def _missing_sheet(self, spec: SheetSpec, matches: list[SheetMatch]) -> str:
        near = closest_sheet(matches, spec, self.rec)
        hint = ""
        if near is not None:
            m, b = near
            named = "”“".join(b.mapping)
            hint = f"其中“{m.raw.name}”最接近,但只有“{named}”等{b.score}列"
        found = f"找到的工作表:{self._listed()}" + (f";{hint}" if hint else "")
        return (f"文件“{self.name}”中没有“{spec.name}”工作表({found}),"
                f"请补上“{spec.name}”工作表(表头写明"
                f"“{'”“'.join(c.name for c in spec.columns if c.required)[:60]}”等列)"
                "后重新报送。")

    def _missing_columns(self, spec: SheetSpec, layout: SheetLayout, block: Any,
                         missing: list[str]) -> str:
        listed = "”“".join(missing)
        headers = [text for _j, text, _d in block.extra]
        near = closest_text(missing[0], headers)
        hint = ""
        if near:
            row = layout.match.raw.first_row + block.last
            hint = (f"表头第{row}行的“{near}”最接近“{missing[0]}”:如果就是这一列,请把列名改为"
                    f"“{missing[0]}”,或请县里在配置中为本乡镇添加这个列名(见用户手册“固定读取方式”);")
        return (f"文件“{self.name}”的“{layout.match.raw.name}”工作表缺少“{listed}”列({hint}"
                "请按登记表模板补上这些列,列名写在表头行)后重新报送。")

    # -- a register sheet from its segments -----------------------------------------------
    def _sheet(self, spec: SheetSpec, group: list[SheetLayout], year: int) -> Sheet:
        segments: list[tuple[SheetLayout, Any]] = [
            (layout, seg) for layout in group for seg in layout.segments if seg.kept]
        if not segments:  # a header and no data: an empty sheet
            layout = group[0]
            seg = layout.segments[0]
            segments = [(layout, seg)]
        rows_excel: list[int] = []
        model_segments: list[Segment] = []
        raw_cols: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
        present: set[str] = set()
        first_index: dict[str, int] = {}
        header_texts: dict[str, str] = {}
        extra: list[tuple[str, str]] = []
        warned: set[str] = set()
        for layout, seg in segments:
            raw = seg.raw
            start = len(rows_excel)
            base = raw.first_row
            rows_excel += [base + i for i in seg.kept]
            letters = {name: column_letter(raw.first_col + j)
                       for name, (j, _t) in seg.mapping.items()}
            model_segments.append(Segment(raw.name, start, seg.header_row(), letters))
            body = _Body(layout.rows, seg.kept)
            for col in spec.columns:
                if col.name in seg.mapping:
                    j, text = seg.mapping[col.name]
                    raw_cols[col.name] += body.column(j)
                    present.add(col.name)
                    first_index.setdefault(col.name, raw.first_col + j)
                    header_texts.setdefault(col.name, text)
                else:
                    raw_cols[col.name] += [None] * len(seg.kept)
            self._extra(spec, raw, seg, extra, warned)
            self._unseen(spec, raw, seg, start, letters)
        n = len(rows_excel)
        columns: dict[str, Column] = {}
        for col in spec.columns:
            if col.name not in present:
                continue
            values, changes = normalise_column(raw_cols[col.name], col.type, year,
                                               vocab_for(self.config, col.none_is))
            columns[col.name] = Column(col.name, header_texts[col.name],
                                       first_index[col.name], values)
            if changes:
                self._record(spec, col.name, changes, rows_excel, model_segments)
        del raw_cols
        first_seg = segments[0][1]
        sheet = Sheet(name=spec.name, source_name=first_seg.raw.name,
                      header_row=first_seg.header_row(), rows=rows_excel, columns=columns,
                      extra_headers=extra, hidden=first_seg.raw.hidden,
                      segments=model_segments if len(model_segments) > 1 else [])
        assert len(sheet.rows) == n
        return sheet

    def _record(self, spec: SheetSpec, column: str, changes: list[Any],
                rows_excel: list[int], segments: list[Segment]) -> None:
        order = next(i for i, c in enumerate(spec.columns) if c.name == column)
        starts = [s.start for s in segments]
        sheet_order = next(k for k, s in enumerate(self.schema.sheets) if s.name == spec.name)
        one = segments[0] if len(segments) == 1 else None
        for i, kind, before, after in changes:
            seg = one or segments[bisect_right(starts, i) - 1]
            letter = seg.letters[column]
            row = rows_excel[i]
            self.normalisations.append((sheet_order, i, order, Normalisation(
                spec.name, row, column, f"{letter}{row}", kind, before, after,
                seg.source_name)))

    def _extra(self, spec: SheetSpec, raw: RawSheet, seg: Any,
               extra: list[tuple[str, str]], warned: set[str]) -> None:
        row = seg.header_row()
        for j, text, duplicate in seg.block.extra:
            letter = column_letter(raw.first_col + j)
            extra.append((letter, text))
            if text in warned:
                continue
            warned.add(text)
            why = "与前面的列重复" if duplicate else "不在登记表模板中"
            self.findings.append(Finding(
                rule="extra-column", severity=severity("extra-column"),
                message=f"“{spec.name}”表的列“{text}”{why},检查时忽略此列;"
                        "如是改了名的列请改回模板中的列名,多余的列可以删除。",
                sheet=spec.name, row=row, column=text, cell=f"{letter}{row}", value=text,
                source_sheet=raw.name))

    def _unseen(self, spec: SheetSpec, raw: RawSheet, seg: Any, start: int,
                letters: dict[str, str]) -> None:
        """Excel error values and formulas without a value in the data cells read."""
        if not raw.errors and not raw.uncached:
            return
        base_r, base_c = raw.first_row - 1, raw.first_col
        by_j = {j: name for name, (j, _t) in seg.mapping.items()}
        kept = {i: k for k, i in enumerate(seg.kept)}
        cap = self.config.limits.findings_per_rule
        listed = sum(1 for f in self.findings if f.rule == "excel-error-value")
        for (r, c), text in sorted(raw.errors.items()):
            i, j = r - base_r, c - base_c
            if i not in kept or j not in by_j:
                continue
            name = by_j[j]
            cell = f"{letters[name]}{r + 1}"
            self.blind.add((raw.name, cell))
            listed += 1
            if cap and listed > cap:
                continue  # blind all the same; the first ones are named
            self.findings.append(Finding(
                "excel-error-value", severity("excel-error-value"),
                f"{name}单元格{cell}是Excel错误值{text}(公式出错),原来的内容已看不到:"
                "请改为实际的值(不要用出错的公式)。", sheet=spec.name, row=r + 1, column=name,
                cell=cell, value=text, source_sheet=raw.name))
        hits = sorted((r, c) for r, c in raw.uncached
                      if r - base_r in kept and c - base_c in by_j)
        if hits:
            for r, c in hits:
                self.blind.add((raw.name, f"{letters[by_j[c - base_c]]}{r + 1}"))
            r, c = hits[0]
            name = by_j[c - base_c]
            cell = f"{letters[name]}{r + 1}"
            self.findings.append(Finding(
                "formula-no-value", severity("formula-no-value"),
                f"“{raw.name}”表中有{len(hits)}个公式单元格没有保存计算结果(如{cell}),"
                "这通常是用其他软件生成的文件:请用Excel或WPS打开这个文件,保存一次后重新报送。",
                sheet=spec.name, row=r + 1, column=name, cell=cell, value=None,
                source_sheet=raw.name))


def _plain(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


class _Body:
    """The kept rows of a segment, columns taken as slices of one flattened grid."""

    def __init__(self, rows: list[list[Any]], kept: list[int]) -> None:
        self.kept = kept
        if not kept:
            self.body: list[list[Any]] = []
            self.width = 0
            self.flat: list[Any] | None = None
            self.runs: list[tuple[int, int]] = []
            return
        lo, hi = kept[0], kept[-1] + 1
        body = rows[lo:hi]
        width = max(map(len, body), default=0)
        if set(map(len, body)) - {width}:
            body = [[*r, *[""] * (width - len(r))] if len(r) < width else r for r in body]
        self.body, self.width = body, width
        self.flat = list(chain.from_iterable(body)) if 0 < width <= FLAT_MAX_WIDTH else None
        runs: list[tuple[int, int]] = []
        start = prev = kept[0]
        for i in kept[1:]:
            if i != prev + 1:
                runs.append((start - lo, prev + 1 - lo))
                start = i
            prev = i
        runs.append((start - lo, prev + 1 - lo))
        self.runs = runs

    def column(self, j: int) -> list[Any]:
        if not self.kept:
            return []
        if self.flat is not None:
            col = self.flat[j::self.width]
        else:
            col = [r[j] if j < len(r) else "" for r in self.body]
        if len(self.runs) == 1 and self.runs[0] == (0, len(self.body)):
            return col
        out: list[Any] = []
        for a, b in self.runs:
            out += col[a:b]
        return out


def build_register(raw: RawBook, config: Config, *, file_name: str | None = None,
                   hints: ReadHints | None = None) -> Register:
    """Recognise, split, read and normalise a raw workbook (see the module docstring).

    Raises :class:`StructureError` when the register cannot be used; everything else the
    reader notices is in ``register.findings``, and how it read the file in
    ``register.reading``."""
    name = file_name or display_name(raw.source)
    return _Builder(raw, config, name, hints).build()


__all__ = ["ReadHints", "build_register", "vocab_for"]
