"""A city's night from its counties' stores: which counties have merged tonight, each
county's own township completeness and figures, the counties' rows and the city total.

A county's figures are its own county figures (:func:`toolkit.outputs.figures.night_figures`
over its store, the same figure specs as its 汇总), with its townships as its store recorded
them for the night (the merge stores every expected township, 未报 included); a county that
has not merged tonight is listed with the townships of its last merged night, all 未报. The
city's rows are the county totals (:func:`toolkit.outputs.figures.add_up`), and 全市合计 adds
up the counties that have merged: a county 未汇总 or 汇总失败 shows 0, as a township 未报
does in a county's 汇总.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from ..config.city import City, CityCounty
from ..config.county import Config, County, Paths, Township
from ..errors import GridkitError
from ..outputs.figures import NightFigures, TownshipFigures, add_up, night_figures, summarize
from ..store.protocol import Store
from .duplicates import CrossDuplicate, cross_county_duplicates

# a county's state tonight, as every city output shows it
MERGED, NOT_YET, FAILED = "已汇总", "未汇总", "汇总失败"
COUNTY_STATES = (MERGED, NOT_YET, FAILED)
CITY_TOTAL = "全市"
UNIT = "县(市、区)"
CHANGED = ("screened", "under_management", "released")  # the day-over-day figures


@dataclass
class CountyNight:
    """One county on one night: its state, why, and its own figures (its townships'
    statuses and figures, and its total)."""

    name: str
    code: str
    state: str  # 已汇总 / 未汇总 / 汇总失败
    note: str  # the 说明 beside the state
    figures: NightFigures  # the county's townships and 全县 (zeros when not merged)
    completed_at: dt.datetime | None = None  # when its merge of the night finished

    @property
    def merged(self) -> bool:
        return self.state == MERGED

    def row(self) -> TownshipFigures:
        """The county's row of the city's 汇总: its total under its name (zeros unless
        merged tonight)."""
        if not self.merged:
            return TownshipFigures(self.name, self.state, note=self.note)
        return replace(self.figures.total, township=self.name, status=self.state,
                       note=self.note, by_measure=dict(self.figures.total.by_measure))

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {"county": self.name, "code": self.code, "state": self.state,
                "merged": self.merged, "note": self.note,
                "completed_at": None if self.completed_at is None
                else self.completed_at.isoformat(timespec="minutes"),
                "expected": f.expected, "reported": f.reported, "on_time": f.on_time,
                "reporting_rate": round(f.reporting_rate, 4),
                "on_time_rate": round(f.on_time_rate, 4),
                "status_sentence": f.status_sentence,
                "townships": [{"township": t.township, "status": t.status, "note": t.note}
                              for t in f.townships]}


@dataclass
class CityNight:
    """Everything a city's night shows, gathered once; the master workbook, the report and
    the CLI render it."""

    city: str
    code: str
    office: str
    date: dt.date
    counties: list[CountyNight]  # city config order
    figures: NightFigures  # a row per county (its total, its state) and 全市
    duplicates: list[CrossDuplicate] = field(default_factory=list)
    issue: int = 1  # 期号: the night's place among the nights any county has merged
    # the day-over-day change of CHANGED figures over the counties merged both nights
    changes: dict[str, int] | None = None
    compared: list[str] = field(default_factory=list)  # those counties

    def count(self, state: str) -> int:
        return sum(1 for c in self.counties if c.state == state)

    def names(self, state: str) -> list[str]:
        return [c.name for c in self.counties if c.state == state]

    @property
    def townships_expected(self) -> int:
        return sum(c.figures.expected for c in self.counties)

    @property
    def townships_reported(self) -> int:
        return sum(c.figures.reported for c in self.counties if c.merged)

    @property
    def townships_on_time(self) -> int:
        return sum(c.figures.on_time for c in self.counties if c.merged)

    @property
    def reporting_rate(self) -> float:
        n = self.townships_expected
        return self.townships_reported / n if n else 0.0

    @property
    def on_time_rate(self) -> float:
        n = self.townships_expected
        return self.townships_on_time / n if n else 0.0

    @property
    def status_sentence(self) -> str:
        """应汇总5个县(市、区)：已汇总4个、未汇总1个；全市应报31个乡镇，纳入汇总24个，
        报送率77%，按时报送率71%。"""
        parts = [f"{s}{self.count(s)}个" for s in COUNTY_STATES if self.count(s)]
        n = self.townships_expected

        def rate(x: float) -> str:
            return f"{x:.0%}" if n else "—"

        return (f"应汇总{len(self.counties)}个{UNIT}：{'、'.join(parts)}；全市应报{n}个乡镇，"
                f"纳入汇总{self.townships_reported}个，报送率{rate(self.reporting_rate)}，"
                f"按时报送率{rate(self.on_time_rate)}。")

    @property
    def exit_code(self) -> int:
        """0 when every county has merged the night, else 1."""
        return 0 if all(c.merged for c in self.counties) else 1

    def county(self, name_or_code: str) -> CountyNight | None:
        return next((c for c in self.counties if name_or_code in (c.name, c.code)), None)


def county_config(city: City, county: CityCounty, townships: list[str]) -> Config:
    """The county as the county figures code needs it: its name, code and townships, the
    city's register schema (a county's own folders are not the city's business)."""
    base = city.base_dir
    paths = Paths(inbox=base, archive=base, quarantine=base, outbox=base, master=base,
                  reports=base, logs=base, store=county.store or base)
    info = County(name=county.name, province="", seat="", office="", area_code=county.code,
                  townships=tuple(Township(n, f"T{i:02d}")
                                  for i, n in enumerate(townships, start=1)),
                  deadline=dt.time(20), nightly_at=dt.time(22), remind_at_deadline=False)
    return Config(county=info, paths=paths, schema=city.schema, source=city.source,
                  base_dir=base)


def county_townships(store: Store, night: dt.date) -> list[str]:
    """The county's townships for ``night`` as its store recorded them, else as on its last
    merged night before (or, failing that, after) it."""
    names = [s.township for s in store.statuses(night) if s.township]
    if names:
        return names
    nights = store.nights()
    earlier = [d for d in nights if d < night]
    for d in [*reversed(earlier), *(d for d in nights if d > night)]:
        names = [s.township for s in store.statuses(d) if s.township]
        if names:
            return names
    return []


def county_night(city: City, county: CityCounty, store: Store | None, night: dt.date,
                 problem: str | None = None) -> CountyNight:
    """One county's night from its store (``None``: it has none; ``problem``: why it could
    not be opened). A store failing while it is read makes the county 汇总失败, never
    stops the city."""
    if store is None:
        state, note = (FAILED, problem) if problem else (
            NOT_YET, "还没有历史库:该县还没有汇总过")
        return CountyNight(county.name, county.code, state, note, _empty(night))
    try:
        config = county_config(city, county, county_townships(store, night))
        figures = night_figures(store, config, night)
        run = store.night_run(night)
        stored = bool(store.statuses(night))
    except GridkitError as exc:
        return CountyNight(county.name, county.code, FAILED, exc.message, _empty(night))
    if run is not None:
        note = f"{run.completed_at:%m-%d %H:%M} 汇总完成"
        if run.master_note:
            note += f";{run.master_note}"
        return CountyNight(county.name, county.code, MERGED, note, figures, run.completed_at)
    if stored:
        return CountyNight(county.name, county.code, FAILED,
                           "这一晚的汇总没有完成(数据已存入历史库,汇总表没有写完):"
                           "请该县重新运行 gridkit merge", figures)
    return CountyNight(county.name, county.code, NOT_YET,
                       f"截至目前该县还没有汇总{night.month}月{night.day}日的报表", figures)


def gather_city(city: City, stores: dict[str, Store], night: dt.date,
                problems: dict[str, str] | None = None) -> CityNight:
    """The city's night from its counties' stores (county code -> Store; a county missing
    from it has no store yet, or could not be opened: ``problems``). Every store is read
    inside its own snapshot, held until everything is gathered."""
    problems = problems or {}
    with ExitStack() as stack:
        usable: dict[str, Store] = {}
        for code, store in stores.items():
            try:
                stack.enter_context(store.snapshot())
            except GridkitError as exc:
                problems = {**problems, code: exc.message}
                continue
            usable[code] = store
        counties = [county_night(city, c, usable.get(c.code), night, problems.get(c.code))
                    for c in city.counties]
        merged = {c.code: usable[c.code] for c in counties if c.merged}
        unread: list[str] = []
        duplicates = cross_county_duplicates(city, merged, night, unread=unread)
        for c in counties:  # said beside the county, its figures stay
            if c.code in unread:
                c.note += ";跨县重复登记未能核对(读取历史库时出错)"
        issue = _issue(usable.values(), night)
        changes, compared = _changes(city, counties, merged, night)
    return CityNight(city.name, city.code, city.office, night, counties,
                     city_figures(night, counties, len(duplicates)), duplicates, issue,
                     changes, compared)


def _issue(stores: Any, night: dt.date) -> int:
    """The night's number among the nights up to it that any county has stored."""
    nights: set[dt.date] = set()
    for store in stores:
        try:
            nights.update(d for d in store.nights() if d <= night)
        except GridkitError:
            continue
    return len(nights | {night})


def _changes(city: City, counties: list[CountyNight], merged: dict[str, Store],
             night: dt.date) -> tuple[dict[str, int] | None, list[str]]:
    """How the city's running figures changed since the night before, over the counties
    merged on both nights (a county missing either night is left out, never counted as a
    fall)."""
    before = night - dt.timedelta(days=1)
    deltas = dict.fromkeys(CHANGED, 0)
    compared = []
    for county, c in zip(city.counties, counties, strict=True):
        store = merged.get(c.code)
        if store is None:
            continue
        try:
            if store.night_run(before) is None:
                continue
            config = county_config(city, county, county_townships(store, before))
            then = night_figures(store, config, before).total
        except GridkitError:
            continue
        for f in CHANGED:
            deltas[f] += getattr(c.figures.total, f) - getattr(then, f)
        compared.append(c.name)
    return (deltas if compared else None), compared


def city_figures(night: dt.date, counties: list[CountyNight], duplicates: int) -> NightFigures:
    """The city's 汇总 figures: a row per county (its total; its state as the 报送状态) and
    全市, the sum of the merged counties."""
    rows = [c.row() for c in counties]
    measures = list(dict.fromkeys(m for c in counties for m in c.figures.total.by_measure))
    for r in rows:
        r.by_measure = {m: r.by_measure.get(m, 0) for m in measures}
    merged = sum(1 for c in counties if c.merged)
    n = len(counties)
    return NightFigures(
        date=night, townships=rows, total=add_up(rows, CITY_TOTAL, measures), expected=n,
        reported=merged, on_time=merged, late=0, to_fix=0,
        missing=sum(1 for c in counties if c.state == NOT_YET),
        rejected=sum(1 for c in counties if c.state == FAILED),
        reporting_rate=merged / n if n else 0.0, on_time_rate=merged / n if n else 0.0,
        conflicts=duplicates)


def _empty(night: dt.date) -> NightFigures:
    """The figures of a county whose store could not be read: no township known, all 0."""
    return summarize(night, [], add_up([]), 0)


__all__ = ["CITY_TOTAL", "COUNTY_STATES", "FAILED", "MERGED", "NOT_YET", "UNIT", "CityNight",
           "CountyNight", "city_figures", "county_config", "county_night", "county_townships",
           "gather_city"]
