"""Township layout habits (``generate(..., layouts=True)``): every township writes its file in
its own mix of the layouts real submissions arrive in, and the values stay valid.

:func:`choose_layouts` deals the :data:`FEATURES` over the county's townships from the seed
(every feature at least once over ten townships, 4-8 per township, no two townships alike);
:class:`Layouter` lays one township's tables out as :class:`SheetPlan` s and records each
habit as a ``drift-layout-<feature>`` mark: at the line it adds (a title, a subtotal, a
footer ...), at a whole sheet (row 0; ``source`` = the worksheet), a whole column (row 0, the
column) or the whole file (sheet ""). Value habits touch clean rows only (never a planted
defect or drift) and merges never span a row that carries one, so the truth keeps pointing
at the planted cells and filling merged cells down never changes a planted row.

What the habits look like (the sheet's own lines are described in ``blocks.py``):

- cover: ``cover-form`` 填报信息 as labels in A (ending in ``：`` or ``:``) and values in B (the
  date a date cell); ``cover-label-value`` one ``填报单位：三桃乡`` text per row (the date as
  ``2020年2月4日``); ``cover-inline`` no 填报信息 sheet, one line ``填报单位：…    填报日期：
  2020年2月4日    填报人：…    联系电话：…    审核人：…`` above the header of the first data
  sheet; ``cover-title`` no 填报信息 sheet (no 填报人 anywhere), the first data sheet's first
  line ``三桃乡网格化管理登记表（2020年2月4日）`` merged across; ``generic-file-name``
  ``新建 Microsoft Excel 工作表.xlsx``, ``XX乡镇报表.xlsx`` … (`` (2)`` when taken);
- sheets: ``sheet-name-suffix`` ``排查登记(2月4日)``, ``住户 `` (trailing space), ``网格(更新)``,
  ``队伍（2.4）``, ``宣传表 ``; ``sheet1`` one data sheet named ``Sheet1``; ``village-sheets``
  排查登记 as one sheet per village, named by the village, each with its own header block;
  ``hidden-copy`` a hidden ``宣传 (2)`` / ``卡点值守(旧)`` / ``队伍2月3日`` with yesterday's rows
  and some other counts; ``shuffled-order``; ``empty-sheet`` (``Sheet2``…); ``extra-sheet`` a
  ``说明`` or ``值班表`` sheet (日期, 值班领导, 值班人员, 联系电话) that is not part of the
  register;
- values: ``count-units`` ``12人``, ``3 辆次`` in the count columns of a sheet;
  ``zero-as-slash`` ``/`` or ``无`` for 0 in count columns that are not required (卡点值守);
  ``id-apostrophe`` a literal ``'`` before the ID; ``id-spaces`` ``530629 19900101 1234``;
  ``phone-dashes`` ``138-1234-5678`` (or spaces); ``phone-plus86`` ``+86 ``/``+86-``/``+86``
  before a mobile.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TypeGuard

from ..config.county import Config
from .blocks import LAYOUT, SheetOptions, TableLayout, count
from .drift import DATA_SHEETS, HIDDEN_SHEET
from .model import Mark, Row, SheetPlan, Table
from .names import NamePicker
from .writer import plain_plan

COVERS = ("cover-form", "cover-label-value", "cover-inline", "cover-title")
FEATURES: tuple[str, ...] = (
    *COVERS, "generic-file-name",
    # sheets
    "sheet-name-suffix", "sheet1", "village-sheets", "hidden-copy", "shuffled-order",
    "empty-sheet", "extra-sheet",
    # header block
    "title", "instructions", "units-row", "column-numbers", "two-level-header",
    "decorated-headers",
    # body
    "merged-cells", "village-subtotals", "repeated-header", "footer", "offset",
    # values
    "count-units", "zero-as-slash", "id-apostrophe", "id-spaces", "phone-dashes",
    "phone-plus86",
)
COVER_FILL = ("cover-form", "", "cover-form", "", "cover-label-value", "")  # "" = the table
MIN_FEATURES, MAX_FEATURES = 4, 8
GENERIC_NAMES = ("新建 Microsoft Excel 工作表", "新建 XLSX 工作表", "XX乡镇报表", "乡镇报表",
                 "网格化管理登记表", "报表(最新)")
INFO = "填报信息"
SPLIT = "排查登记"  # the sheet split into one sheet per village
COUNT_UNITS: dict[str, dict[str, str]] = {
    "网格": {"联防队人数": "人", "联防队党员人数": "人"},
    "住户": {"家庭人口数": "人"},
    "卡点值守": {"值守人数": "人", "其中党员": "人", "检查车辆": "辆", "检查人员": "人",
                 "体温异常人数": "人"},
    "队伍": {"人数": "人", "党员人数": "人"},
    "宣传": {"宣传资料(份)": "份", "标语横幅(条)": "条", "宣传车(辆次)": "辆次",
             "摩托车(辆次)": "辆次", "应急广播(次)": "次", "取消宴席聚会(户)": "户"},
}
# two-level headers: (group label, its columns, short lower names; None = keep the header)
HEADER_GROUPS: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...] | None], ...]] = {
    "网格": (("网格工作人员", ("网格长", "乡镇工作人员", "驻村工作队员", "村(社区)干部",
                               "乡村医生", "村(居)民小组长", "议事会成员", "包片党员"),
              ("网格长", "乡镇工作人员", "驻村队员", "村干部", "村医", "小组长",
               "议事会成员", "包片党员")),
             ("联防队", ("联防队人数", "联防队党员人数"), ("人数", "党员人数"))),
    "排查登记": (("观察情况", ("观察起始日期", "观察解除日期"), ("起始日期", "解除日期")),),
    "卡点值守": (("值守人员", ("值守人数", "其中党员"), ("人数", "其中党员")),
                 ("检查", ("检查车辆", "检查人员", "体温异常人数"), ("车辆", "人员", "体温异常"))),
}
MERGE_COLUMNS = {"网格": ("乡镇", "村(社区)"), "住户": ("网格编号",),
                 "排查登记": ("户编号", "包保责任人")}
TITLES = {"网格": "网格化管理网格划分表", "住户": "住户信息登记表",
          "排查登记": "返乡人员排查登记表", "卡点值守": "卡点值守情况统计表",
          "队伍": "防控队伍统计表", "宣传": "宣传工作统计表", "捐赠": "捐赠物资登记表"}
INSTRUCTIONS = ("填表说明：1.身份证号码请设置为文本格式后填写；2.日期请按2020-01-28格式填写；"
                "3.每日18时前报乡镇防控办。")
DUTY_HEADER = ["日期", "值班领导", "值班人员", "联系电话"]


def choose_layouts(config: Config, seed: int) -> dict[str, tuple[str, ...]]:
    """township -> its layout features, dealt over every township of the county (so a
    township's layout does not depend on which others are generated)."""
    names = list(config.county.township_names)
    n = len(names)
    deal = random.Random(f"gridkit-layouts:{seed}")
    # every cover once, then mostly the vertical form or the template's table
    covers = [*COVERS, *(COVER_FILL * n)][: max(n, len(COVERS))]
    deal.shuffle(covers)
    others = [f for f in FEATURES if f not in COVERS]
    deal.shuffle(others)
    out: dict[str, tuple[str, ...]] = {}
    seen: set[frozenset[str]] = set()
    for i, name in enumerate(names):
        base = set(others[i::n]) | ({covers[i]} - {""})
        r = random.Random(f"gridkit-layouts:{seed}:{name}")
        while True:
            chosen = set(base)
            extras = [f for f in others if f not in chosen]
            r.shuffle(extras)
            chosen.update(extras[: max(0, r.randint(MIN_FEATURES, MAX_FEATURES) - len(chosen))])
            if frozenset(chosen) not in seen:
                break
        seen.add(frozenset(chosen))
        out[name] = tuple(f for f in FEATURES if f in chosen)
    return out


def generic_file_name(seed: int, township: str, used: set[str]) -> str:
    """A file name that says nothing (新建 Microsoft Excel 工作表.xlsx), unique in ``used``
    the way Windows numbers copies (… (2).xlsx)."""
    stem = random.Random(f"gridkit-layout-name:{seed}:{township}").choice(GENERIC_NAMES)
    name, k = f"{stem}.xlsx", 2
    while name in used:
        name, k = f"{stem} ({k}).xlsx", k + 1
    return name


def date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class Layouter:
    """Lays one township's tables out in its layout features."""

    def __init__(self, config: Config, tables: list[Table], township: str, date: dt.date,
                 key: str, marks: list[Mark]) -> None:
        self.config = config
        self.tables = {t.name: t for t in tables}
        self.order = [t.name for t in tables]
        self.township = township
        self.date = date
        self.key = key  # "seed:township": each feature draws from its own stream
        self._rngs: dict[str, random.Random] = {}
        self.marks = marks
        self.f: set[str] = set()
        info = self.tables[INFO]
        self.info: dict[str, object] = dict(zip(info.columns, info.rows[0], strict=True))
        grids = self.tables["网格"]
        gi, vi = grids.col("网格编号"), grids.col("村(社区)")
        self.by_grid = {row[gi]: row[vi] for row in grids.rows if row}
        self.by_prefix = {str(k).rsplit("-", 1)[0]: v for k, v in self.by_grid.items()}
        self.villages = list(dict.fromkeys(self.by_grid.values()))
        self.used: set[str] = set()
        self.cover: str | None = None

    def mark(self, sheet: str, kind: str, source: str | None = None, column: str = "",
             row: Row | None = None) -> None:
        self.marks.append(Mark(sheet, row, column, LAYOUT + kind, source))

    def rng(self, feature: str) -> random.Random:
        """The random stream of one feature (its choices do not depend on the others' nor,
        where it can be helped, on the data: per-row draws use ``feature/cells``)."""
        if feature not in self._rngs:
            self._rngs[feature] = random.Random(f"gridkit-layout:{self.key}:{feature}")
        return self._rngs[feature]

    def some(self, feature: str, names: list[str] | tuple[str, ...], share: float
             ) -> list[str]:
        """A random subset of ``names`` (in their order), never empty."""
        r = self.rng(feature)
        present = [n for n in names if n in self.tables]
        chosen = [n for n in present if r.random() < share]
        return chosen or [r.choice(present)]

    # -- the whole file ------------------------------------------------------------------
    def plans(self, features: tuple[str, ...]) -> list[SheetPlan]:
        f = self.f = set(features)
        cover = self.cover = next((c for c in COVERS if c in f), None)
        for kind in ("generic-file-name", "shuffled-order"):
            if kind in f:
                self.mark("", kind, "")
        self.values()
        split = "village-sheets" in f
        opts = self.options(split)
        if split or opts[SPLIT].merged:
            self.sort_by_household(self.tables[SPLIT])
        names = [n for n in self.order
                 if not (n == INFO and cover in ("cover-inline", "cover-title"))]
        if "shuffled-order" in f:
            before = list(names)
            while names == before or self.tables[names[0]].hidden:
                self.rng("shuffled-order").shuffle(names)
        first = next(n for n in names if n in DATA_SHEETS)
        written = self.sheet_names(names, split)
        copy_of = (self.rng("hidden-copy").choice(["宣传", "卡点值守", "队伍"])
                   if "hidden-copy" in f else None)
        plans: list[SheetPlan] = []
        for n in names:
            t = self.tables[n]
            if n == INFO:
                plans.append(self.cover_plan(cover, written[n], n in opts and opts[n].offset))
                continue
            if n not in opts:
                plans.append(plain_plan(t))
                continue
            copy = self.hidden_copy(t) if n == copy_of else None
            lay = TableLayout(t, opts[n], self.marks)
            top = line = None
            if n == first and cover == "cover-title":
                top = f"{self.township}网格化管理登记表（{date_cn(self.date)}）"
            if n == first and cover == "cover-inline":
                line = self.inline_cover()
            if n == SPLIT and split:
                for village, rows in self.by_village(t):
                    name = self.unique(village)
                    title = (f"{self.township}{village}{TITLES[n]}" if opts[n].title else None)
                    plans.append(lay.plan(name, rows, cover_top=top, cover_line=line,
                                          title=title))
                    self.mark(n, "village-sheets", name)
                    top = line = None
            else:
                plans.append(lay.plan(written[n], t.rows, cover_top=top, cover_line=line))
            if copy is not None:
                plans.append(copy)
        for kind in ("extra-sheet", "empty-sheet"):
            if kind in f:
                extra = self.extra_sheet() if kind == "extra-sheet" else self.empty_sheet()
                shuffled = "shuffled-order" in f
                at = self.rng(kind).randint(0, len(plans)) if shuffled else len(plans)
                plans.insert(at, extra)
        return plans

    def unique(self, name: str) -> str:
        """A worksheet name not used yet in the file (Excel ignores case)."""
        out, k = name, 2
        while out.casefold() in self.used:
            out, k = f"{name} ({k})", k + 1
        self.used.add(out.casefold())
        return out

    def sheet_names(self, names: list[str], split: bool) -> dict[str, str]:
        """The written name of each table: its own, ``Sheet1``, or with a suffix."""
        f, d = self.f, self.date
        renamable = [n for n in self.order  # the template's order: choices stay stable
                     if n in names and n != HIDDEN_SHEET and not (split and n == SPLIT)]
        out = {n: self.tables[n].written_name for n in names}
        sheet1 = None
        if "sheet1" in f:
            sheet1 = self.rng("sheet1").choice([n for n in renamable if n in DATA_SHEETS])
            out[sheet1] = "Sheet1"
            self.mark(sheet1, "sheet1", "Sheet1")
        if "sheet-name-suffix" in f:
            r = self.rng("sheet-name-suffix")
            for n in self.some("sheet-name-suffix", [n for n in renamable if n != sheet1], 0.4):
                base = out[n]
                suffixes = [f"({d.month}月{d.day}日)", " ", "(更新)", f"（{d.month}.{d.day}）"]
                if not base.endswith("表"):
                    suffixes.append("表 ")
                out[n] = base + r.choice(suffixes)
                self.mark(n, "sheet-name-suffix", out[n])
        for n in names:
            if not (split and n == SPLIT):
                out[n] = self.unique(out[n])
            if out[n] == "Sheet1" or (split and n == SPLIT):  # no longer named by an alias
                self.marks[:] = [m for m in self.marks
                                 if not (m.kind == "drift-sheet-alias" and m.sheet == n)]
        return out

    # -- per-table options -----------------------------------------------------------------
    def options(self, split: bool) -> dict[str, SheetOptions]:
        f, rng = self.f, self.rng
        marker = self.config.schema.rules.total_markers[0]
        opts = {n: SheetOptions(unit_of=dict(COUNT_UNITS.get(n, {})), total_marker=marker)
                for n in (INFO, *DATA_SHEETS) if n in self.tables}
        units = [n for n in DATA_SHEETS if n in COUNT_UNITS]
        if "title" in f:
            for n in self.some("title", DATA_SHEETS, 0.5):
                opts[n].title = f"{self.township}{TITLES[n]}"
        if "instructions" in f:
            bare = [n for n in DATA_SHEETS if not any(
                str(p[0]).startswith("填表说明") for p in self.tables[n].pre_rows)]
            for n in self.some("instructions", bare, 0.4):
                opts[n].instructions = INSTRUCTIONS
        if "units-row" in f:
            for n in self.some("units-row", units, 0.5):
                persons = set(COUNT_UNITS[n].values()) == {"人"}
                above = persons and rng("units-row").random() < 0.5
                opts[n].units = "above" if above else "below"
        if "column-numbers" in f:
            for n in self.some("column-numbers", DATA_SHEETS, 0.4):
                few = len(self.tables[n].columns) <= 10
                stems = few and rng("column-numbers").random() < 0.5
                opts[n].numbers = "stems" if stems else "digits"
        if "decorated-headers" in f:
            decorable = ("网格", "住户", "排查登记", "卡点值守", "队伍")
            for n in self.some("decorated-headers", decorable, 0.5):
                self.decorate(self.tables[n], rng("decorated-headers").randint(2, 4))
        if "two-level-header" in f:
            fitting = {n: g for n in HEADER_GROUPS if (g := self.groups(n))}
            for n in self.some("two-level-header", list(fitting), 0.6):
                opts[n].groups = fitting[n]
        if "merged-cells" in f:
            for n in self.some("merged-cells", tuple(MERGE_COLUMNS), 0.6):
                opts[n].merged = MERGE_COLUMNS[n]
        subtotalled = None
        if "village-subtotals" in f:
            subtotalled = rng("village-subtotals").choice(("网格", "住户"))
            opts[subtotalled].subtotals = self.village_of(subtotalled)
        if "repeated-header" in f:
            options = ["卡点值守", *([] if split else [SPLIT]),
                       *([] if subtotalled == "住户" else ["住户"])]
            self.repeat(rng("repeated-header").choice(options), opts)
        if "footer" in f:
            for n in self.some("footer", [n for n in DATA_SHEETS if not (split and n == SPLIT)],
                               0.3):
                opts[n].footer = self.footer()
        if "offset" in f:
            own = [] if self.cover in ("cover-inline", "cover-title") else [INFO]
            for n in self.some("offset", [*own, *DATA_SHEETS], 0.4):
                opts[n].offset = True
        return opts

    def groups(self, sheet: str) -> list[tuple[str, list[int], list[str | None]]]:
        """The sheet's two-level groups whose columns are adjacent (an extra column may sit
        between them)."""
        t = self.tables[sheet]
        out: list[tuple[str, list[int], list[str | None]]] = []
        for label, columns, lowers in HEADER_GROUPS[sheet]:
            idx = [t.col(c) for c in columns]
            if idx == list(range(idx[0], idx[0] + len(idx))):
                out.append((label, idx, list(lowers) if lowers else [None] * len(idx)))
        return out

    def decorate(self, t: Table, n: int) -> None:
        """``*姓名``, ``身份证号(必填)``, ``家庭人口数（人）``, a line break in a long header."""
        r = self.rng("decorated-headers")
        spec = self.config.schema.sheet(t.name)
        units = COUNT_UNITS.get(t.name, {})
        columns = [c for c in spec.columns if c.name in t.columns]
        for col in r.sample(columns, min(n, len(columns))):
            i = t.col(col.name)
            h = str(t.headers[i])
            if col.type == "id-number":
                h += r.choice(("(必填)", "（必填）"))
            elif col.name in units and not h.endswith(")"):
                h += r.choice(("（{}）", "({})")).format(units[col.name])
            elif col.required and (len(h) < 4 or r.random() < 0.5):
                h = "*" + h
            elif len(h) >= 4:
                h = h[: len(h) // 2] + "\n" + h[len(h) // 2:]
            else:
                continue
            t.headers[i] = h
            self.mark(t.name, "decorated-headers", column=col.name, row=t.headers)

    def repeat(self, sheet: str, opts: dict[str, SheetOptions]) -> None:
        """A second block below the first: the report date's checkpoint shifts, or the last
        part of a register (its own title and header)."""
        t, d = self.tables[sheet], self.date
        if sheet == "卡点值守":
            di = t.col("日期")
            at = next((k for k, row in enumerate(t.rows) if row and row[di] == d), 0)
            opts[sheet].repeat_title = f"{d.month}月{d.day}日卡点值守情况"
        else:
            at = 0
            opts[sheet].repeat_title = f"{self.township}{TITLES[sheet]}（续）"
        opts[sheet].repeat_at = at if at > 0 else max(1, round(len(t.rows) * 0.7))

    def footer(self) -> list[str]:
        r = self.rng("footer")
        gap = r.choice(("    ", "　　", "      "))
        lines = [f"填表人：{self.info['填报人']}{gap}审核人：{self.info['审核人'] or ''}"]
        if r.random() < 0.7:
            lines.append(f"联系电话：{self.info['联系电话']}")
        if r.random() < 0.7:
            lines.append(f"注：本表数据截至{self.date.month}月{self.date.day}日18时，为累计数。")
        return lines

    # -- villages ---------------------------------------------------------------------------
    def grid_village(self, grid: object) -> str | None:
        return self.by_grid.get(grid) or self.by_prefix.get(str(grid).rsplit("-", 1)[0])

    def village_of(self, sheet: str) -> Callable[[Row], str | None]:
        t = self.tables[sheet]
        if sheet == "网格":
            vi = t.col("村(社区)")
            return lambda row: row[vi]
        if sheet == "住户":
            gi = t.col("网格编号")
            return lambda row: self.grid_village(row[gi])
        hi = t.col("户编号")
        return lambda row: self.grid_village(str(row[hi]).rsplit("-", 1)[0])

    def sort_by_household(self, t: Table) -> None:
        """Rows of one household (and one village) next to each other; blank rows stay where
        they were."""
        hi = t.col("户编号")
        village = self.village_of(t.name)
        rank = {v: k for k, v in enumerate(self.villages)}
        blanks = [(i, row) for i, row in enumerate(t.rows) if not row]
        rows = sorted((row for row in t.rows if row),
                      key=lambda row: (rank.get(village(row), len(rank)), str(row[hi])))
        for i, blank in blanks:
            rows.insert(min(i, len(rows)), blank)
        t.rows[:] = rows

    def by_village(self, t: Table) -> list[tuple[str, list[Row]]]:
        village = self.village_of(t.name)
        groups: dict[str, list[Row]] = {}
        current = self.villages[0] if self.villages else self.township
        for row in t.rows:
            current = (village(row) if row else None) or current
            groups.setdefault(current, []).append(row)
        return list(groups.items())

    # -- values -------------------------------------------------------------------------------
    def values(self) -> None:
        """Counts with units, '/' for zero, IDs with an apostrophe or spaces, phones with
        dashes or +86: on clean rows only, each recorded for its whole column."""
        f, rng = self.f, self.rng
        if "zero-as-slash" in f:  # only where an empty cell means the same (not required)
            slash = _zero_as(rng("zero-as-slash").choice(("/", "无")))
            for n in DATA_SHEETS:
                for col in self.config.schema.sheet(n).columns:
                    if col.type == "int" and not col.required and col.name in COUNT_UNITS.get(
                            n, {}):
                        self.change(n, col.name, "zero-as-slash", 1.0, slash)
        if "count-units" in f:
            gap = " " if rng("count-units").random() < 0.3 else ""
            for n in self.some("count-units", [n for n in DATA_SHEETS if n in COUNT_UNITS], 0.4):
                for column, unit in COUNT_UNITS[n].items():
                    self.change(n, column, "count-units", 1.0, _with_unit(gap + unit))
        for kind, sheets, column in (("id-apostrophe", ("住户", SPLIT), "身份证号"),
                                     ("id-spaces", ("住户", SPLIT), "身份证号"),
                                     ("phone-dashes", ("网格", "住户", SPLIT), "联系电话"),
                                     ("phone-plus86", ("网格", "住户", SPLIT), "联系电话")):
            if kind in f:
                for n in self.some(kind, sheets, 0.6):
                    self.change(n, column, kind, rng(kind).uniform(0.2, 0.8),
                                VALUE_HABITS[kind](rng(kind)))

    def change(self, sheet: str, column: str, kind: str, share: float,
               fn: Callable[[object], object | None]) -> None:
        t = self.tables[sheet]
        c = t.col(column)
        rnd = self.rng(kind + "/cells").random
        changed = False
        for row in t.rows:
            if t.is_clean(row) and (share >= 1 or rnd() < share):
                new = fn(row[c])
                if new is not None:
                    row[c] = new
                    changed = True
        if changed:
            self.mark(sheet, kind, column=column)

    # -- sheets around the tables -------------------------------------------------------------
    def cover_plan(self, kind: str | None, name: str, offset: bool) -> SheetPlan:
        """填报信息 as the template's one-row table, a vertical form (labels in A, values in
        B) or 'label：value' lines."""
        t = self.tables[INFO]
        if kind is None:
            return TableLayout(t, SheetOptions(offset=offset), self.marks).plan(name, t.rows)
        colon = self.rng(kind).choice(("：", ":"))
        if kind == "cover-form":
            lines: list[Row] = [[f"{k}{colon}", v] for k, v in self.info.items()]
            widths = [14, 24]
        else:
            lines = [[f"{k}{colon}{date_cn(v) if isinstance(v, dt.date) else v or ''}"]
                     for k, v in self.info.items()]
            widths = [40]
        plan = SheetPlan(name, INFO, lines, widths=widths)
        if offset:
            plan.row0 = plan.col0 = 1
            self.mark(INFO, "offset", name)
        self.mark(INFO, kind, name)
        return plan

    def inline_cover(self) -> str:
        gap = self.rng("cover-inline").choice(("    ", "　　", "   "))
        i = self.info
        return gap.join((f"填报单位：{self.township}", f"填报日期：{date_cn(self.date)}",
                         f"填报人：{i['填报人']}", f"联系电话：{i['联系电话']}",
                         f"审核人：{i['审核人'] or ''}"))

    def hidden_copy(self, t: Table) -> SheetPlan:
        """Yesterday's copy of a sheet, hidden: the report date's rows missing, some counts
        different."""
        r, d = self.rng("hidden-copy/cells"), self.date
        rows = [list(row) for row in t.rows if t.is_clean(row)]
        if "日期" in t.columns:
            di = t.col("日期")
            older = [row for row in rows if row[di] != d]
            rows = older or rows
        tweak = {"宣传": "宣传资料(份)", "卡点值守": "检查车辆", "队伍": "人数"}[t.name]
        c = t.col(tweak)
        for row in r.sample(rows, max(1, len(rows) // 10)) if rows else []:
            row[c] = count(row[c]) + r.randint(1, 30)
        copy = plain_plan(Table(t.name, list(t.columns), rows, headers=list(t.headers)))
        yesterday = d - dt.timedelta(days=1)
        copy.name = self.unique(self.rng("hidden-copy").choice((f"{t.name} (2)", f"{t.name}(旧)",
                                          f"{t.name}{yesterday.month}月{yesterday.day}日")))
        copy.hidden = copy.copy = True
        self.mark(t.name, "hidden-copy", copy.name)
        return copy

    def extra_sheet(self) -> SheetPlan:
        """A sheet that is not part of the register: a duty roster or a note."""
        r, d = self.rng("extra-sheet"), self.date
        if r.random() < 0.5:
            name = self.unique("说明")
            lines: list[Row] = [["本表由乡镇防控办汇总填报。"], ["如有疑问请联系县指挥部办公室。"]]
            plan = SheetPlan(name, name, lines, widths=[40])
        else:
            name = self.unique(r.choice(("值班表", "值班安排")))
            picker = NamePicker(r)
            lines = [[f"{self.township}疫情防控值班表"], list(DUTY_HEADER)]
            for k in range(5, -1, -1):
                lines.append([d - dt.timedelta(days=k), picker.name(True),
                              "、".join(picker.name(r.random() < 0.6) for _ in range(2)),
                              f"13{r.randrange(10**9):09d}"])
            plan = SheetPlan(name, name, lines, widths=[12, 10, 16, 14],
                             styles={0: "title", 1: "head"})
            plan.merge(0, 0, 0, len(DUTY_HEADER) - 1)
        self.mark(name, "extra-sheet", name)
        return plan

    def empty_sheet(self) -> SheetPlan:
        name = next(n for n in ("Sheet2", "Sheet3", "Sheet4", "Sheet5")
                    if n.casefold() not in self.used)
        self.used.add(name.casefold())
        self.mark(name, "empty-sheet", name)
        return SheetPlan(name, name, [])


def _zero_as(symbol: str) -> Callable[[object], object | None]:
    return lambda v: symbol if type(v) is int and v == 0 else None


def _with_unit(unit: str) -> Callable[[object], object | None]:
    return lambda v: f"{v}{unit}" if type(v) is int else None


def _apostrophe(r: random.Random) -> Callable[[object], object | None]:
    return lambda v: f"'{v}" if _is_id(v) else None


def _id_spaces(r: random.Random) -> Callable[[object], object | None]:
    return lambda v: f"{v[:6]} {v[6:14]} {v[14:]}" if _is_id(v) else None


def _dashes(r: random.Random) -> Callable[[object], object | None]:
    sep = r.choice(("-", "-", " "))
    return lambda v: f"{v[:3]}{sep}{v[3:7]}{sep}{v[7:]}" if _is_mobile(v) else None


def _plus86(r: random.Random) -> Callable[[object], object | None]:
    prefix = r.choice(("+86 ", "+86-", "+86"))
    return lambda v: f"{prefix}{v}" if _is_mobile(v) else None


def _is_id(v: object) -> TypeGuard[str]:
    return isinstance(v, str) and len(v) == 18 and v[:17].isdigit()


def _is_mobile(v: object) -> TypeGuard[str]:
    return isinstance(v, str) and len(v) == 11 and v.isdigit() and v[0] == "1"


VALUE_HABITS: dict[str, Callable[[random.Random], Callable[[object], object | None]]] = {
    "id-apostrophe": _apostrophe, "id-spaces": _id_spaces, "phone-dashes": _dashes,
    "phone-plus86": _plus86,
}
