"""Plant the realistic defects the domain brief lists, each one triggering exactly one rule.

Every defect goes on a clean row (``Table.is_clean``) and taints it, so no two defects and no
drift share a row. Each planter changes only what its rule looks at: a duplicated ID goes on a
row of the same sex (no ``id-sex-mismatch``), an arrival date is moved only on a low-risk row
that needs no management (no ``unmanaged-risk``), a negative count never touches a number that
is compared with another (party members, team sizes), and so on.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from ..check.idcard import check_digit
from ..config.catalogue import planted_in
from ..config.county import Config
from .model import Mark, Row, Table
from .names import HUBEI, HUBEI_CITIES, NamePicker

ID = "身份证号"
CROSS_TOWNSHIP = "cross-township-duplicate"  # planted as a pair across two files

# the planter of each rule code the catalogue says the sample plants (``plant`` sheets)
Planting = Callable[["Planter", Table, int], None]
PLANTERS: dict[str, Planting] = {}


def plants(code: str) -> Callable[[Planting], Planting]:
    """Register a Planter method as the way the sample plants ``code``."""
    def register(fn: Planting) -> Planting:
        PLANTERS[code] = fn
        return fn
    return register


def sheet_kinds(config: Config) -> dict[str, tuple[str, ...]]:
    """Register sheet -> the codes planted in it (schema order, catalogue order)."""
    out = {s.name: planted_in(s.name) for s in config.schema.sheets}
    return {s: kinds for s, kinds in out.items() if kinds}


# counts that no other rule compares with anything (a negative one breaks only negative-number)
NEGATIVE_COLUMNS: dict[str, tuple[str, ...]] = {
    "卡点值守": ("检查车辆", "检查人员", "体温异常人数"),
    "宣传": ("宣传资料(份)", "标语横幅(条)", "宣传车(辆次)", "摩托车(辆次)", "应急广播(次)",
             "取消宴席聚会(户)"),
    "捐赠": ("数量", "折合金额(元)"),
}


@dataclass
class Donor:
    """A clean screened person of an earlier township, offered for a cross-township
    duplicate. ``excel_sheet`` / ``excel_row`` are filled in once that township's sheets are
    laid out."""

    file: str
    township: str
    row: Row
    name: str
    sex: str
    id_number: str
    phone: str
    excel_row: int = 0
    excel_sheet: str = ""  # the worksheet it was written to


def per_kind(rate: float, rows: int, kinds: int) -> int:
    """How many of one kind to plant in a sheet of ``rows`` rows at ``rate`` per row:
    at least one when the rate is positive."""
    if rate <= 0 or rows <= 0:
        return 0
    return max(1, round(rate * rows / kinds))


def as_excel_number(id_number: str) -> float:
    """What Excel keeps of an 18-digit ID typed into a number cell: 15 significant digits."""
    return float(int(id_number[:15]) * 1000)


def as_excel_display(id_number: str, decimals: int = 5) -> str:
    """What a General cell shows for it, copied back as text: ``5.30629E+17``."""
    return f"{as_excel_number(id_number):.{decimals}E}"


class Planter:
    """Plants defects into one township's tables and records ``Mark``s."""

    def __init__(self, config: Config, tables: dict[str, Table], report_date: dt.date,
                 rng: random.Random, marks: list[Mark], run_texts: set[str] | None = None
                 ) -> None:
        self.config = config
        self.rules = config.schema.rules
        self.tables = tables
        self.date = report_date
        self.rng = rng
        self.marks = marks
        self._text_id_done: set[str] = set()
        self._destroyed: dict[str, set[str]] = {}
        # destroyed IDs written as text anywhere in this run (kept unique across townships)
        self.run_texts: set[str] = set() if run_texts is None else run_texts
        self._normal = next(v for v in config.schema.sheet("排查登记").column("健康状况").values
                            if v not in self.rules.symptoms)

    # -- helpers -------------------------------------------------------------------------
    def mark(self, t: Table, row: Row, column: str, kind: str) -> None:
        t.taint(row)
        self.marks.append(Mark(t.name, row, column, kind))

    def pick(self, t: Table, count: int, pred: Callable[[Row], bool] | None = None) -> list[Row]:
        rows = [r for r in t.rows if t.is_clean(r) and (pred is None or pred(r))]
        return self.rng.sample(rows, min(count, len(rows)))

    def low_risk(self, t: Table) -> Callable[[Row], bool]:
        """A row nobody needs to manage: not from Hubei, no contact, healthy, 无需管控."""
        ci = [t.col(c) for c in ("是否湖北来威", "接触史", "健康状况", "管控措施")]
        want = ("否", "无", self._normal, self.rules.unmanaged_measure)
        return lambda r: tuple(r[i] for i in ci) == want

    # -- all -----------------------------------------------------------------------------
    def plant(self, rate: float, donors: list[Donor]) -> list[tuple[Donor, Row]]:
        """Plant every kind at ``rate``; returns the cross-township pairs planted."""
        pairs: list[tuple[Donor, Row]] = []
        for sheet, kinds in sheet_kinds(self.config).items():
            t = self.tables[sheet]
            n = per_kind(rate, len(t.rows), len(kinds))
            for kind in kinds:
                if kind == CROSS_TOWNSHIP:
                    pairs = self.cross_township(t, n, donors)
                else:
                    PLANTERS[kind](self, t, n)
        return pairs

    # -- ID numbers ----------------------------------------------------------------------
    @plants("id-stored-as-number")
    def id_stored_as_number(self, t: Table, n: int) -> None:
        """A number cell holding what Excel kept (15 digits + 000); once a sheet the same
        copied back as text as a General cell shows it: ``5.30629E+17`` (each text once a
        run: equal texts in two townships would be a cross-township duplicate)."""
        seen = self._destroyed.setdefault(t.name, set())
        for row in self.pick(t, 2 * n, lambda r: isinstance(t.get(r, ID), str)):
            number = t.get(row, ID)
            if len(seen) >= n:
                break
            if number[:15] in seen:  # two IDs Excel destroyed into the same number
                continue
            seen.add(number[:15])
            value: str | float = as_excel_number(number)
            if t.name not in self._text_id_done and self.rng.random() < 0.3:
                # narrower columns show fewer digits: 5.30629E+17, 5.3063E+17, 5.306E+17
                text = next((x for d in (5, 4, 3, 2) if (x := as_excel_display(number, d))
                             not in self.run_texts), None)
                if text is not None:
                    self._text_id_done.add(t.name)
                    self.run_texts.add(text)
                    value = text
            t.set(row, ID, value)
            self.mark(t, row, ID, "id-stored-as-number")

    @plants("id-check-digit")
    def id_check_digit(self, t: Table, n: int) -> None:
        for row in self.pick(t, n):
            number = t.get(row, ID)
            good = check_digit(number[:17])
            bad = self.rng.choice([c for c in "0123456789X" if c != good])
            t.set(row, ID, number[:17] + bad)
            self.mark(t, row, ID, "id-check-digit")

    @plants("duplicate-id")
    def duplicate_id(self, t: Table, n: int) -> None:
        """Copy an ID onto another row of the same sex; both rows are reported."""
        sex = t.col("性别")
        waiting: dict[object, Row] = {}
        planted = 0
        for row in self.pick(t, 4 * n + 2, lambda r: isinstance(t.get(r, ID), str)):
            source = waiting.pop(row[sex], None)
            if source is None:
                waiting[row[sex]] = row
                continue
            t.set(row, ID, t.get(source, ID))
            self.mark(t, source, ID, "duplicate-id")
            self.mark(t, row, ID, "duplicate-id")
            planted += 1
            if planted == n:
                break

    def cross_township(self, t: Table, n: int, donors: list[Donor]) -> list[tuple[Donor, Row]]:
        """The same person (name, sex, ID, phone) as a row of an earlier township."""
        pairs = []
        for row in self.pick(t, min(n, len(donors))):
            donor = donors.pop(0)
            t.set(row, "姓名", donor.name)
            t.set(row, "性别", donor.sex)
            t.set(row, ID, donor.id_number)
            t.set(row, "联系电话", donor.phone)
            self.mark(t, row, ID, CROSS_TOWNSHIP)
            pairs.append((donor, row))
        return pairs

    def donors(self, file: str, township: str, n: int) -> list[Donor]:
        """Clean screened rows offered to later townships (tainted so drift leaves them)."""
        t = self.tables["排查登记"]
        out = []
        for row in self.pick(t, n, lambda r: isinstance(t.get(r, ID), str)):
            t.taint(row)
            out.append(Donor(file, township, row, t.get(row, "姓名"), t.get(row, "性别"),
                             t.get(row, ID), t.get(row, "联系电话")))
        return out

    # -- references ----------------------------------------------------------------------
    @plants("unknown-grid")
    def unknown_grid(self, t: Table, n: int) -> None:
        known = {self.tables["网格"].get(g, "网格编号") for g in self.tables["网格"].rows}
        for row in self.pick(t, n):
            grid = t.get(row, "网格编号")
            head, _, tail = grid.rpartition("-")
            for bump in range(31, 99):
                candidate = f"{head}-{int(tail) + bump:02d}" if tail.isdigit() else f"{grid}X"
                if candidate not in known:
                    break
            t.set(row, "网格编号", candidate)
            self.mark(t, row, "网格编号", "unknown-grid")

    @plants("unknown-household")
    def unknown_household(self, t: Table, n: int) -> None:
        hh = self.tables["住户"]
        known = {hh.get(r, "户编号") for r in hh.rows if r}
        for row in self.pick(t, n):
            hid = t.get(row, "户编号")
            head, _, tail = hid.rpartition("-")
            candidate = hid + "0"
            for bump in range(500, 2000, 37):
                candidate = f"{head}-{int(tail) + bump:03d}" if tail.isdigit() else hid + "0"
                if candidate not in known:
                    break
            t.set(row, "户编号", candidate)
            self.mark(t, row, "户编号", "unknown-household")

    # -- screening -----------------------------------------------------------------------
    @plants("arrival-before-cutoff")
    def arrival_before_cutoff(self, t: Table, n: int) -> None:
        for row in self.pick(t, n, self.low_risk(t)):
            days = self.rng.randint(1, 12)
            t.set(row, "抵威日期", self.rules.cutoff_date - dt.timedelta(days=days))
            self.mark(t, row, "抵威日期", "arrival-before-cutoff")

    @plants("arrival-after-report-date")
    def arrival_after_report_date(self, t: Table, n: int) -> None:
        for row in self.pick(t, n, self.low_risk(t)):
            t.set(row, "抵威日期", self.date + dt.timedelta(days=self.rng.randint(1, 6)))
            self.mark(t, row, "抵威日期", "arrival-after-report-date")

    @plants("unmanaged-risk")
    def unmanaged_risk(self, t: Table, n: int) -> None:
        """From Hubei, or with a fever, yet 无需管控."""
        fever = self.rules.symptoms[0]
        for k, row in enumerate(self.pick(t, n, self.low_risk(t))):
            if k % 2 == 0:
                t.set(row, "是否湖北来威", "是")
                t.set(row, "来源地", HUBEI + HUBEI_CITIES[0][0])
            else:
                t.set(row, "健康状况", fever)
            self.mark(t, row, "管控措施", "unmanaged-risk")

    @plants("observation-too-short")
    def observation_too_short(self, t: Table, n: int) -> None:
        managed = set(self.rules.managed_measures)
        ms, os_ = t.col("管控措施"), t.col("观察起始日期")
        for row in self.pick(t, n, lambda r: r[ms] in managed and r[os_] is not None):
            start = t.get(row, "观察起始日期")
            short = self.rng.randint(3, self.rules.observation_days - 1)
            t.set(row, "观察解除日期", start + dt.timedelta(days=short))
            self.mark(t, row, "观察解除日期", "observation-too-short")

    # -- grids ---------------------------------------------------------------------------
    @plants("grid-staffing")
    def grid_staffing(self, t: Table, n: int) -> None:
        """One role with too many names (or too few, never none)."""
        roles = list(self.rules.grid_staffing.items())
        for row in self.pick(t, n):
            role, (lo, hi) = self.rng.choice(roles)
            names = [x for x in str(t.get(row, role)).split("、") if x]
            if lo >= 2 and self.rng.random() < 0.5:
                names = names[: lo - 1]
            else:
                while len(names) <= hi:
                    names.append(self._extra_name(names))
            t.set(row, role, "、".join(names))
            self.mark(t, row, role, "grid-staffing")

    def _extra_name(self, names: list[str]) -> str:
        picker = NamePicker(self.rng)
        while True:
            name = picker.name(self.rng.random() < 0.6)
            if name not in names:
                return name

    # -- checkpoints and counts ----------------------------------------------------------
    @plants("missing-shift")
    def missing_shift(self, t: Table, n: int) -> None:
        """Delete one shift of a checkpoint-day; the finding is at the 班次 cell of the first
        remaining row of that checkpoint-day."""
        d, cp = t.col("日期"), t.col("卡点名称")
        groups: dict[tuple[object, object], list[Row]] = {}
        for r in t.rows:
            if r:
                groups.setdefault((r[d], r[cp]), []).append(r)
        whole = [g for g in groups.values()
                 if len(g) == len(self.rules.shifts) and all(t.is_clean(r) for r in g)]
        removed: set[int] = set()
        for group in self.rng.sample(whole, min(n, len(whole))):
            gone = self.rng.choice(group)
            removed.add(id(gone))
            rest = [r for r in group if r is not gone]
            for r in rest:
                t.taint(r)
            self.mark(t, rest[0], "班次", "missing-shift")
        t.rows[:] = [r for r in t.rows if id(r) not in removed]

    @plants("negative-number")
    def negative_number(self, t: Table, n: int) -> None:
        columns = NEGATIVE_COLUMNS[t.name]
        for row in self.pick(t, n):
            usable = [c for c in columns if isinstance(t.get(row, c), int | float)]
            if not usable:
                continue
            column = self.rng.choice(usable)
            value = t.get(row, column)
            t.set(row, column, -(value or self.rng.randint(1, 20)))
            self.mark(t, row, column, "negative-number")
