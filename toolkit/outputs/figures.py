"""The night's figures per township and for the county, computed from the history store,
and every figure traceable back to the cells it came from.

Each figure is declared once (:func:`figure_specs`: which sheet, which column, count or sum or
distinct, which values count), so :func:`night_figures` and :func:`trace` can never
disagree. Sheets and columns are named by their schema ids; the values that count (是, 有,
the symptoms, the management measures) come from the schema.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .. import __version__
from ..config.county import Config
from ..errors import UsageError
from ..store import open_store
from ..store.protocol import Store
from ..store.records import (
    FIGURES_META,
    LATE,
    MISSING,
    REJECTED,
    REPORTED,
    ROWS_TOKEN_META,
    STATUS_WORDS,
    TO_FIX,
    TownshipStatus,
    status_sentence,
)

TOTAL = "全县"
# 队伍.类型 values that are volunteer/vanguard teams (architecture contract)
VOLUNTEER_KINDS = ("党员志愿服务队", "党员先锋队")


@dataclass
class TownshipFigures:
    township: str  # "全县" for the total
    status: str  # 已报 / 迟报 / 有错待改 / 退回 / 未报 (TownshipStatus.word; total: "")
    note: str = ""  # the 说明 beside the status (TownshipStatus.note)
    reason: str = ""  # why its file was 退回 (TownshipStatus.reason)
    late: bool = False  # merged, arrived after the deadline
    file: str | None = None
    arrived_at: dt.datetime | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    grids: int = 0
    households: int = 0
    persons: int = 0  # sum of 家庭人口数
    screened: int = 0
    from_hubei: int = 0
    with_contact: int = 0
    symptomatic: int = 0
    by_measure: dict[str, int] = field(default_factory=dict)  # 管控措施 value -> persons
    under_management: int = 0
    released: int = 0
    new_arrivals: int = 0
    checkpoints: int = 0
    checkpoint_shifts: int = 0
    checkpoint_staff: int = 0
    checkpoint_party_members: int = 0
    vehicles_checked: int = 0
    persons_checked: int = 0
    fever_at_checkpoints: int = 0
    teams: int = 0
    team_members: int = 0
    team_party_members: int = 0
    volunteer_teams: int = 0
    defence_teams: int = 0
    defence_members: int = 0
    defence_party_members: int = 0
    leaflets: int = 0
    banners: int = 0
    propaganda_vehicles: int = 0
    motorcycles: int = 0
    broadcasts: int = 0
    cancelled_banquets: int = 0
    donations: int = 0
    donation_amount: float = 0.0


@dataclass
class NightFigures:
    date: dt.date
    townships: list[TownshipFigures]  # every expected township, config order
    total: TownshipFigures
    expected: int
    reported: int  # merged tonight: 已报 + 迟报 + 有错待改
    on_time: int  # merged and arrived by the deadline
    late: int  # status 迟报 (a late file with errors is 有错待改, late in its 说明)
    to_fix: int  # status 有错待改
    missing: int
    rejected: int
    reporting_rate: float  # 报送率 = reported / expected
    on_time_rate: float  # 按时报送率 = on_time / expected
    conflicts: int

    def count(self, word: str) -> int:
        """How many townships have status ``word`` tonight."""
        return sum(1 for t in self.townships if t.status == word)

    def names(self, word: str) -> list[str]:
        return [t.township for t in self.townships if t.status == word]

    @property
    def status_sentence(self) -> str:
        return status_sentence(self.expected, {w: self.count(w) for w in STATUS_WORDS},
                               self.on_time)


@dataclass(frozen=True)
class FigureSpec:
    name: str  # TownshipFigures field (or "by_measure:<value>")
    label: str  # Chinese column title in 汇总
    sheet: str  # schema sheet id
    op: str  # count / sum / distinct
    column: str | None = None  # schema column id
    test: Callable[[Any], bool] | None = None  # for count: which values count
    # a running total of the register (rows only ever added): a fall from one night to the
    # next means rows went missing, and the report asks the township to explain it
    cumulative: bool = False


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _equals(expected: str) -> Callable[[Any], bool]:
    return lambda v: v == expected


def figure_specs(config: Config, night: dt.date) -> list[FigureSpec]:
    """Every figure of :class:`TownshipFigures`, in the order of the 汇总 sheet."""
    schema = config.schema
    rules = schema.rules
    scr = schema.sheet_by_id("screening")

    def first_value(column_id: str) -> str:
        for col in scr.columns:
            if col.id == column_id and col.values:
                return col.values[0]
        raise KeyError(column_id)

    yes, contact_yes = first_value("from_hubei"), first_value("contact")
    symptoms, managed = frozenset(rules.symptoms), frozenset(rules.managed_measures)
    night_iso = night.isoformat()
    measures = next(c.values for c in scr.columns if c.id == "measure")
    specs = [
        FigureSpec("grids", "网格数", "grids", "count"),
        FigureSpec("defence_teams", "联防队(支)", "grids", "count", "defence_size",
                   lambda v: (_num(v) or 0) > 0),
        FigureSpec("defence_members", "联防队员(人)", "grids", "sum", "defence_size"),
        FigureSpec("defence_party_members", "联防队党员(人)", "grids", "sum",
                   "defence_party_members"),
        FigureSpec("households", "住户(户)", "households", "count"),
        FigureSpec("persons", "人口(人)", "households", "sum", "members"),
        FigureSpec("screened", "排查登记(人)", "screening", "count", cumulative=True),
        FigureSpec("from_hubei", "湖北来威(人)", "screening", "count", "from_hubei",
                   lambda v: v == yes),
        FigureSpec("with_contact", "有接触史(人)", "screening", "count", "contact",
                   lambda v: v == contact_yes),
        FigureSpec("symptomatic", "有症状(人)", "screening", "count", "health",
                   lambda v: v in symptoms),
        FigureSpec("new_arrivals", "当日新抵威(人)", "screening", "count", "arrival_date",
                   lambda v: v == night_iso),
    ]
    for m in measures:
        specs.append(FigureSpec(f"by_measure:{m}", m, "screening", "count", "measure",
                                _equals(m)))
    specs += [
        FigureSpec("under_management", "在管控(人)", "screening", "count", "measure",
                   lambda v: v in managed),
        FigureSpec("released", "解除观察(人)", "screening", "count", "measure",
                   lambda v: v == rules.released_measure, cumulative=True),
        FigureSpec("checkpoints", "卡点(个)", "checkpoints", "distinct", "checkpoint",
                   cumulative=True),
        FigureSpec("checkpoint_shifts", "值守班次(班)", "checkpoints", "count",
                   cumulative=True),
        FigureSpec("checkpoint_staff", "值守人员(人次)", "checkpoints", "sum", "staff",
                   cumulative=True),
        FigureSpec("checkpoint_party_members", "值守党员(人次)", "checkpoints", "sum",
                   "party_members", cumulative=True),
        FigureSpec("vehicles_checked", "检查车辆(辆)", "checkpoints", "sum", "vehicles",
                   cumulative=True),
        FigureSpec("persons_checked", "检查人员(人)", "checkpoints", "sum", "persons",
                   cumulative=True),
        FigureSpec("fever_at_checkpoints", "体温异常(人)", "checkpoints", "sum", "fever"),
        FigureSpec("teams", "队伍(支)", "teams", "count"),
        FigureSpec("team_members", "队员(人)", "teams", "sum", "size"),
        FigureSpec("team_party_members", "队伍党员(人)", "teams", "sum", "party_members"),
        FigureSpec("volunteer_teams", "志愿服务队/先锋队(支)", "teams", "count", "kind",
                   lambda v: v in VOLUNTEER_KINDS),
        FigureSpec("leaflets", "宣传资料(份)", "publicity", "sum", "leaflets", cumulative=True),
        FigureSpec("banners", "标语横幅(条)", "publicity", "sum", "banners", cumulative=True),
        FigureSpec("propaganda_vehicles", "宣传车(辆次)", "publicity", "sum", "vehicles",
                   cumulative=True),
        FigureSpec("motorcycles", "摩托车(辆次)", "publicity", "sum", "motorcycles",
                   cumulative=True),
        FigureSpec("broadcasts", "应急广播(次)", "publicity", "sum", "broadcasts", cumulative=True),
        FigureSpec("cancelled_banquets", "取消宴席聚会(户)", "publicity", "sum",
                   "cancelled_banquets", cumulative=True),
        FigureSpec("donations", "捐赠(笔)", "donations", "count", cumulative=True),
        FigureSpec("donation_amount", "捐赠折合金额(元)", "donations", "sum", "amount",
                   cumulative=True),
    ]
    return specs


def _matches(spec: FigureSpec, value: Any) -> bool:
    if spec.op == "count":
        return spec.test is None or spec.test(value)
    if spec.op == "sum":
        return bool(_num(value))
    return value not in (None, "")


def _blank(township: str, status: str) -> TownshipFigures:
    return TownshipFigures(township=township, status=status)


def _set(tf: TownshipFigures, name: str, value: float) -> None:
    if name.startswith("by_measure:"):
        tf.by_measure[name.split(":", 1)[1]] = int(value)
    elif name == "donation_amount":
        tf.donation_amount = float(value)
    else:
        setattr(tf, name, int(value))


def night_figures(store: Store, config: Config, night: dt.date, *,
                  threads: int = 1, keep: bool = False) -> NightFigures:
    """Every expected township's figures for ``night`` and the county total, from the
    store (the township's current accepted submission).

    The merge (under the workspace lock) aggregates on ``threads`` threads where the store
    can (SQLite) and ``keep``s the aggregated values in the store's meta (:data:`FIGURES_META`)
    with what they were made with: the token the store writes anew whenever the night's rows
    are replaced, the schema, the townships and the code's version; the figures read later
    (tomorrow's report, ``gridkit report``, trace) take them from there while all of that is
    unchanged."""
    specs = figure_specs(config, night)
    statuses = {s.township: s for s in store.statuses(night)}
    per: dict[str, TownshipFigures] = {}
    for name in config.county.township_names:
        st = statuses.get(name) or TownshipStatus(name, MISSING)
        tf = _blank(name, st.word)
        tf.note, tf.late = st.note, st.late
        tf.reason = st.reason or "" if st.status == REJECTED else ""
        if st.status != MISSING:
            tf.file, tf.arrived_at = st.file, st.arrived_at
            tf.rows, tf.errors, tf.warnings = st.rows, st.errors, st.warnings
        per[name] = tf
    measures = [s.name.split(":", 1)[1] for s in specs if s.name.startswith("by_measure:")]
    for tf in per.values():
        tf.by_measure = dict.fromkeys(measures, 0)
    by_sheet: dict[str, list[FigureSpec]] = {}
    for spec in specs:
        by_sheet.setdefault(spec.sheet, []).append(spec)
    sheets = [(config.schema.sheet_by_id(sheet_id).name, sheet_specs)
              for sheet_id, sheet_specs in by_sheet.items()]
    key = FIGURES_META.format(night=night.isoformat())
    # the rows' token read before the rows: rows replaced meanwhile change it
    made_with = _made_with(config, _meta(store, ROWS_TOKEN_META.format(night=night.isoformat())))
    kept = _kept(store, key, made_with)
    if kept is None:
        kept = {}
        for acc, distinct in _sheets_figures(store, night, sheets, threads):
            for township, sums in acc.items():
                kept.setdefault(township, {}).update(sums)
                kept[township].update((name, len(values))
                                      for name, values in distinct.get(township, {}).items())
        if keep and made_with is not None:
            store.set_meta(key, json.dumps({"made_with": made_with, "values": kept},
                                           ensure_ascii=False))
    for township, values in kept.items():
        if township in per:
            for name, value in values.items():
                _set(per[township], name, value)
    townships = [per[n] for n in config.county.township_names]
    return summarize(night, townships, add_up(townships, TOTAL, measures),
                     len(store.conflicts(night)))


_FIGURES_FORMAT = 1  # of the values kept in the store: a change of what they mean bumps it


def _meta(store: Store, key: str) -> str | None:
    get_meta = getattr(store, "get_meta", None)
    return get_meta(key) if get_meta is not None else None


def _made_with(config: Config, token: str | None) -> str | None:
    """What the night's aggregated values depend on besides the rows, with the rows' token
    (None: a store that writes no token keeps nothing)."""
    if token is None:
        return None
    return hashlib.sha256(json.dumps(
        [_FIGURES_FORMAT, __version__, token, repr(config.schema),
         config.county.township_names]).encode()).hexdigest()


def _kept(store: Store, key: str, made_with: str | None
          ) -> dict[str, dict[str, float]] | None:
    """The values the merge kept for the night, if made with the same rows and figures."""
    text = _meta(store, key) if made_with is not None else None
    if not text:
        return None
    try:
        data = json.loads(text)
        values: dict[str, dict[str, float]] = data["values"]
        return values if data["made_with"] == made_with and isinstance(values, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def summarize(night: dt.date, townships: list[TownshipFigures], total: TownshipFigures,
              conflicts: int) -> NightFigures:
    """The night's counts and rates from its townships' figures (each with its status)."""
    counts = {k: sum(1 for t in townships if t.status == k) for k in STATUS_WORDS}
    expected = len(townships)
    reported = counts[REPORTED] + counts[LATE] + counts[TO_FIX]
    on_time = sum(1 for t in townships if t.status in (REPORTED, TO_FIX) and not t.late)
    return NightFigures(
        date=night, townships=townships, total=total, expected=expected, reported=reported,
        on_time=on_time, late=counts[LATE], to_fix=counts[TO_FIX], missing=counts[MISSING],
        rejected=counts[REJECTED],
        reporting_rate=reported / expected if expected else 0.0,
        on_time_rate=on_time / expected if expected else 0.0,
        conflicts=conflicts)


_Sums = dict[str, dict[str, float]]
_Distinct = dict[str, dict[str, set[Any]]]


def _sheets_figures(store: Store, night: dt.date, sheets: list[tuple[str, list[FigureSpec]]],
                    threads: int) -> list[tuple[_Sums, _Distinct]]:
    """Per sheet, per township: each spec's count or sum, and each distinct spec's set of
    values.

    With a store that can aggregate (SQLite, PostgreSQL) the rows are grouped inside the
    database by the values the tests look at, and each group's count and sums are applied
    here, so no row is decoded in Python; any other store is read row by row. Both give the
    same figures (a sum adds only numbers, never text or booleans)."""
    plans = []
    for sheet_name, specs in sheets:
        layout = store.columns(night, sheet_name)
        idx = {s.name: (layout.index(s.column) if s.column in layout else None)
               for s in specs}
        groups = sorted({i for s in specs if s.op != "sum" and (i := idx[s.name]) is not None})
        sums = sorted({i for s in specs if s.op == "sum" and (i := idx[s.name]) is not None})
        plans.append((sheet_name, specs, idx, groups, sums, max(len(layout), 1)))
    aggregate = getattr(store, "aggregate", None)
    if aggregate is None:
        out = []
        for sheet_name, specs, idx, *_ in plans:
            acc: _Sums = {}
            distinct: _Distinct = {}
            for row in store.rows(night, sheet_name):
                _add_row(acc, distinct, row.township, row.values, specs, idx, 1, None)
            out.append((acc, distinct))
        return out
    many = getattr(store, "aggregate_many", None)
    queries = [(p[0], p[3], p[4]) for p in plans]
    found = (many(night, queries, threads=threads) if many is not None
             else [aggregate(night, *q) for q in queries])
    return [_applied(specs, idx, groups, sums, width, records)
            for (_n, specs, idx, groups, sums, width), records
            in zip(plans, found, strict=True)]


def _applied(specs: list[FigureSpec], idx: dict[str, int | None], groups: list[int],
             sums: list[int], width: int,
             records: list[tuple[Any, ...]]) -> tuple[_Sums, _Distinct]:
    """A sheet's figures from its aggregated groups (see :meth:`aggregate`)."""
    acc: _Sums = {}
    distinct: _Distinct = {}
    gpos = {i: k for k, i in enumerate(groups)}
    spos = {i: k for k, i in enumerate(sums)}
    for rec in records:
        township, count = rec[0], rec[1 + len(groups)]
        values: list[Any] = [None] * width
        for i, k in gpos.items():
            values[i] = rec[1 + k]
        totals = {i: rec[2 + len(groups) + k] for i, k in spos.items()}
        _add_row(acc, distinct, township, values, specs, idx, count, totals)
    return acc, distinct


def _add_row(acc: _Sums, distinct: _Distinct, township: str, values: list[Any],
             specs: list[FigureSpec], idx: dict[str, int | None], count: int,
             totals: dict[int, Any] | None) -> None:
    """Add one row (or ``count`` rows with the same tested values, whose sums are
    ``totals`` by layout position) to the township's figures."""
    a = acc.setdefault(township, dict.fromkeys(idx, 0.0))
    for spec in specs:
        i = idx[spec.name]
        value = values[i] if i is not None and i < len(values) else None
        if spec.op == "count":
            if spec.test is None or spec.test(value):
                a[spec.name] += count
        elif spec.op == "sum":
            n = _num(value) if totals is None else (None if i is None else totals.get(i))
            if n:
                a[spec.name] += n
        elif value not in (None, ""):
            distinct.setdefault(township, {}).setdefault(spec.name, set()).add(value)


def add_up(rows: list[TownshipFigures], label: str = TOTAL,
           measures: list[str] | None = None) -> TownshipFigures:
    """The sum of ``rows``' figures, named ``label``: the county's townships into 全县, or
    a city's counties into 全市 (``measures``: the 管控措施 counted, by default those of the
    rows)."""
    townships = rows
    if measures is None:
        measures = list(dict.fromkeys(m for t in rows for m in t.by_measure))
    total = _blank(label, "")
    skip = {"township", "status", "note", "reason", "late", "file", "arrived_at",
            "by_measure"}
    for f in fields(TownshipFigures):
        if f.name in skip:
            continue
        setattr(total, f.name, sum(getattr(t, f.name) for t in townships))
    total.by_measure = {m: sum(t.by_measure.get(m, 0) for t in townships) for m in measures}
    return total


def figure_value(tf: TownshipFigures, name: str) -> float:
    """A figure by its :class:`FigureSpec` name (``by_measure:居家观察`` included)."""
    if name.startswith("by_measure:"):
        return tf.by_measure.get(name.split(":", 1)[1], 0)
    return float(getattr(tf, name))


@dataclass
class CellRef:
    """Where a figure's contribution comes from: the township's file, sheet, Excel row."""

    township: str
    file: str
    sheet: str
    row: int
    cell: str | None  # e.g. "H12" (None for a whole-row count)
    value: Any


def trace(store: Store, config: Config, night: dt.date, township: str,
          figure: str) -> list[CellRef]:
    """The cells behind one township's figure: every row counted (with the cell of the
    tested column) or every cell summed. ``figure`` is a :class:`TownshipFigures` field name
    or ``by_measure:<管控措施>``."""
    spec = next((s for s in figure_specs(config, night) if s.name == figure), None)
    if spec is None:
        raise KeyError(f"unknown figure {figure!r}")
    sheet_name = config.schema.sheet_by_id(spec.sheet).name
    layout = store.columns(night, sheet_name)
    i = layout.index(spec.column) if spec.column in layout else None
    refs: list[CellRef] = []
    letters: dict[int, dict[str, dict[str, str]]] = {}
    for row in store.rows(night, sheet_name, township):
        value = row.values[i] if i is not None else None
        if spec.column is not None and i is None:
            continue
        if not _matches(spec, value):
            continue
        cell = None
        if spec.column is not None:
            places = letters.setdefault(row.submission_id,
                                        store.letters(row.submission_id, sheet_name))
            m = places.get(row.source) or places.get("") or next(iter(places.values()), {})
            letter = m.get(spec.column)
            cell = f"{letter}{row.excel_row}" if letter else None
        refs.append(CellRef(row.township, row.file, row.source or row.sheet, row.excel_row,
                            cell, value))
    return refs


@dataclass
class TraceResult:
    """A figure of one township's night and every cell behind it."""

    night: dt.date
    township: str
    figure: str  # the field name
    label: str  # the 汇总 column title
    op: str  # count / sum / distinct
    value: float  # the figure as 汇总 shows it
    cells: list[CellRef]

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.night.isoformat(), "township": self.township,
                "figure": self.figure, "label": self.label, "value": self.value,
                "cells": [{"file": c.file, "sheet": c.sheet, "row": c.row, "cell": c.cell,
                           "value": c.value} for c in self.cells]}


def trace_figure(config: Config, night: dt.date, township: str, figure: str) -> TraceResult:
    """Where a township's figure in 汇总 comes from. ``figure`` is the 汇总 column title
    (e.g. 湖北来威(人)) or the field name (from_hubei)."""
    if config.county.township(township) is None:
        raise UsageError(f"“{township}”不是{config.county.name}的乡镇:可选 "
                         f"{'、'.join(config.county.township_names)}。")
    specs = figure_specs(config, night)
    spec = next((s for s in specs if figure in (s.name, s.label)), None)
    if spec is None:
        raise UsageError(f"没有名为“{figure}”的汇总数字:可选 "
                         f"{'、'.join(s.label for s in specs)}。")
    if config.store_url is None and not config.paths.store.exists():
        raise UsageError(f"还没有汇总过:历史库 {config.paths.store} 不存在,"
                         f"请先运行 gridkit merge。")
    store = open_store(config)
    try:
        with store.snapshot():
            if night not in store.nights():
                raise UsageError(f"{night:%Y-%m-%d} 这一晚还没有汇总:请先运行 gridkit merge "
                                 f"--date {night:%Y-%m-%d}。")
            cells = trace(store, config, night, township, spec.name)
            town = next(t for t in night_figures(store, config, night).townships
                        if t.township == township)
    finally:
        store.close()
    return TraceResult(night, township, spec.name, spec.label, spec.op,
                       figure_value(town, spec.name), cells)
