"""Realistic harmless drift: what real township files look like, none of it an error.

Title rows (merged across the header), a 填表说明 line, headers renamed through the schema's
aliases, a sheet named by an alias, extra columns, full-width digits, dates written as text,
phones stored as floats, blank rows, a 合计 row, a hidden extra sheet. Each is recorded as a
``drift-<what>`` mark so tests can check that reading it produces no error. Drift only touches
clean rows (never a row with a planted defect).
"""

from __future__ import annotations

import datetime as dt
import random

from ..config.county import Config
from .model import Mark, Row, Table

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# extra columns offices add (none of them is a schema column or alias)
EXTRA_COLUMNS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "排查登记": (("民族", ("汉族", "汉族", "苗族", "彝族")), ("交通方式", ("自驾", "大巴", "火车")),
                 ("车牌号", ("云C·", "贵F·", "川E·"))),
    "住户": (("民族", ("汉族", "汉族", "苗族")), ("是否脱贫户", ("是", "否", "否"))),
    "队伍": (("成立日期", ("1月25日", "1月27日", "1月28日")),),
}
INSTRUCTIONS = ("填表说明:身份证号请以文本格式填写;日期格式为2020-01-28;"
                "管控措施从下拉列表中选择。")
DATA_SHEETS = ("网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠")
HIDDEN_SHEET = "下拉选项"


def date_text(d: dt.date, style: int, year: int) -> str:
    """A date as offices type it: 2020.1.28, 2020/1/28, 20200128, 1月28日."""
    if style == 3 and d.year == year:
        return f"{d.month}月{d.day}日"
    return (f"{d.year}.{d.month}.{d.day}", f"{d.year}/{d.month}/{d.day}", f"{d:%Y%m%d}",
            f"{d.year}.{d.month}.{d.day}")[style % 4]


class Drifter:
    def __init__(self, config: Config, tables: dict[str, Table], township: str,
                 report_date: dt.date, rng: random.Random, marks: list[Mark]) -> None:
        self.config = config
        self.tables = tables
        self.township = township
        self.date = report_date
        self.rng = rng
        self.marks = marks

    def mark(self, t: Table, row: Row | None, column: str, kind: str) -> None:
        self.marks.append(Mark(t.name, row, column, kind))

    def count(self, t: Table, rate: float) -> int:
        return max(1, round(rate * len(t.rows)))

    def pick(self, t: Table, n: int, column: str) -> list[Row]:
        i = t.col(column)
        rows = [r for r in t.rows if t.is_clean(r) and r[i] is not None]
        chosen = self.rng.sample(rows, min(n, len(rows)))
        for r in chosen:
            t.taint(r)
        return chosen

    def apply(self, rate: float) -> None:
        """Cell drift at ``rate`` per row (at least one of each), then the layout drift."""
        r = self.rng
        rate = max(rate, 0.002)
        s = self.tables["排查登记"]
        h = self.tables["住户"]
        for t, column in ((s, "身份证号"), (s, "联系电话"), (h, "身份证号")):
            for row in self.pick(t, self.count(t, rate), column):
                t.set(row, column, str(t.get(row, column)).translate(FULL_WIDTH))
                self.mark(t, row, column, "drift-full-width")
        for t, column in ((s, "联系电话"), (h, "联系电话")):
            mobile_col = t.col(column)
            rows = [x for x in t.rows if t.is_clean(x) and isinstance(x[mobile_col], str)
                    and x[mobile_col].isdigit()]
            for row in r.sample(rows, min(self.count(t, rate), len(rows))):
                t.taint(row)
                t.set(row, column, float(t.get(row, column)))
                self.mark(t, row, column, "drift-phone-float")
        style = r.randrange(4)
        for t, column in ((s, "抵威日期"), (s, "观察起始日期"), (self.tables["捐赠"], "日期")):
            for row in self.pick(t, self.count(t, rate), column):
                style += 1
                t.set(row, column, date_text(t.get(row, column), style, self.date.year))
                self.mark(t, row, column, "drift-date-text")
        self.layout()

    def some(self, names: tuple[str, ...], share: float) -> set[str]:
        """A random subset of ``names``, never empty (every file shows every drift)."""
        chosen = {n for n in names if self.rng.random() < share}
        return chosen or {self.rng.choice(names)}

    def layout(self) -> None:
        r = self.rng
        titled = self.some(DATA_SHEETS, 0.5)
        noted = self.some(("住户", "排查登记"), 0.5)
        renamed = self.some(DATA_SHEETS, 0.6)
        extra = self.some(tuple(EXTRA_COLUMNS), 0.6)
        for name in DATA_SHEETS:
            t = self.tables[name]
            if name in titled:
                d = self.date
                row: Row = [f"{self.township}{name}登记表(截至{d.month}月{d.day}日)"]
                t.pre_rows.append(row)
                self.mark(t, row, "", "drift-title-row")
            if name in noted:
                row = [INSTRUCTIONS]
                t.pre_rows.append(row)
                self.mark(t, row, "", "drift-instructions-row")
            if name in renamed:
                self.rename_headers(t)
            if name in extra:
                self.extra_column(t)
            if name in ("住户", "排查登记") and len(t.rows) > 4:
                for _ in range(r.randint(1, 2)):
                    blank: Row = []
                    t.rows.insert(r.randint(1, len(t.rows) - 1), blank)
                    self.mark(t, blank, "", "drift-blank-row")
        s = self.config.schema.sheet("排查登记")
        if s.aliases and r.random() < 0.3:
            t = self.tables["排查登记"]
            t.title = r.choice(s.aliases)
            self.mark(t, None, "", "drift-sheet-alias")
        self.total_row(self.tables["宣传"])
        self.hidden_sheet()

    def rename_headers(self, t: Table) -> None:
        spec = self.config.schema.sheet(t.name)
        renamable = [c for c in spec.columns if c.aliases]
        if not renamable:
            return
        for col in self.rng.sample(renamable, min(len(renamable), self.rng.randint(1, 3))):
            t.headers[t.col(col.name)] = self.rng.choice(col.aliases)
            self.mark(t, t.headers, col.name, "drift-header-alias")

    def extra_column(self, t: Table) -> None:
        spec = self.config.schema.sheet(t.name)
        header, values = self.rng.choice(EXTRA_COLUMNS[t.name])
        if spec.match_column(header) is not None:
            return
        position = self.rng.randint(len(t.columns) // 2, len(t.columns))
        cells = [self.rng.choice(values) if row else None for row in t.rows]
        if header == "车牌号":
            cells = [f"{c}{self.rng.randint(10000, 99999)}" if c else None for c in cells]
        t.insert_column(position, header, cells)
        self.mark(t, t.headers, header, "drift-extra-column")

    def total_row(self, t: Table) -> None:
        if not t.rows:
            return
        marker = self.config.schema.rules.total_markers[0]
        total: Row = [marker] + [None] * (len(t.columns) - 1)
        for i in range(1, len(t.columns)):
            nums = [row[i] for row in t.rows if row and isinstance(row[i], int)]
            total[i] = sum(nums) if nums else None
        t.rows.append(total)
        t.taint(total)
        self.mark(t, total, "", "drift-total-row")

    def hidden_sheet(self) -> None:
        grids = self.tables["网格"]
        villages = list(dict.fromkeys(grids.get(g, "村(社区)") for g in grids.rows if g))
        t = Table(HIDDEN_SHEET, ["村(社区)列表"], [[v] for v in villages], hidden=True)
        self.tables[HIDDEN_SHEET] = t
        self.mark(t, None, "", "drift-hidden-sheet")
