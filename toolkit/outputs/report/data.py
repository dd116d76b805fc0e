"""What a daily report shows, gathered from the history store, and the template context.

Everything personal is masked here, once (:mod:`toolkit.privacy`), so that neither the
workbook nor the briefing can show a full ID number or phone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...config.catalogue import catalogue
from ...errors import JobFailed
from ...store.records import LATE, MISSING, REJECTED, STATUS_WORDS, TO_FIX, FindingRecord
from ..figures import figure_specs, figure_value, night_figures
from ..privacy import mask_text, mask_value
from ..wording import cn_date, hm, md

if TYPE_CHECKING:
    from ...config.county import Config
    from ...store.protocol import Store
    from ..figures import NightFigures

TOTAL = "全县"
HISTORY_NIGHTS = 14  # nights on the trend chart
# figures of a night kept in the store's meta table, so the chart need not recompute them
_SERIES_KEY = "report-series:{night}"
SERIES_FIELDS = ("screened", "under_management", "released", "from_hubei", "new_arrivals")


@dataclass
class Problem(FindingRecord):
    """An open problem in a township's current submission as it leaves the office: a stored
    finding with its personal data masked."""

    township: str  # always known: problems belong to a township's current submission
    new: bool = False  # not among the previous night's problems


@dataclass
class Change:
    """Day-over-day change of one township (or 全县); None when there is no previous night."""

    township: str
    new_arrivals: int
    screened: int | None = None
    under_management: int | None = None
    released: int | None = None
    problems: int | None = None  # problems not present the previous night


@dataclass
class Falling:
    """A running total of the register that is lower than the night before: rows went
    missing, and the township is asked to explain it."""

    township: str  # or 全县
    figure: str  # TownshipFigures field
    label: str  # 卡点(个)
    before: float
    after: float

    @property
    def name(self) -> str:
        """The label without its unit: 卡点."""
        return self.label.split("(", 1)[0]

    @property
    def unit(self) -> str:
        return self.label.split("(", 1)[1].rstrip(")") if "(" in self.label else ""

    @property
    def drop(self) -> float:
        return self.before - self.after


@dataclass
class RuleCount:
    """How many open errors of one rule the night has, and in which townships."""

    rule: str
    title: str
    count: int
    townships: list[str]


@dataclass
class SeriesPoint:
    night: dt.date
    values: dict[str, int]


@dataclass
class Punctuality:
    """How a township reported over the last nights: nights late, nights missing (未报 or
    退回)."""

    township: str
    late: int
    missing: int


@dataclass
class Timeliness:
    """A township's reporting over the last nights: its status word each night (oldest
    first, "" where the night has none for it), the nights on time, late and missing (未报
    or 退回), and tonight's run ("连续3天未报")."""

    township: str
    words: list[str]
    on_time: int
    late: int
    missing: int
    streak: str


@dataclass
class ReportData:
    night: NightFigures
    previous: NightFigures | None
    problems: list[Problem]
    changes: list[Change]  # every township in config order, then 全县
    series: list[SeriesPoint] = field(default_factory=list)  # oldest first, ends at the night
    conflict_townships: list[list[str]] = field(default_factory=list)
    issue: int = 1  # 期号: the night's place among the stored nights
    falling: list[Falling] = field(default_factory=list)  # county first, then townships
    rule_counts: list[RuleCount] = field(default_factory=list)  # most frequent first
    # townships late or missing more than once over the last HISTORY_NIGHTS nights
    punctuality: list[Punctuality] = field(default_factory=list)
    punctuality_nights: int = 0  # the nights they were counted over
    timeliness: list[Timeliness] = field(default_factory=list)  # every township, config order
    timeliness_nights: list[dt.date] = field(default_factory=list)  # oldest first

    @property
    def total_change(self) -> Change:
        return self.changes[-1]


def problem_from_record(record: FindingRecord, kinds: dict[tuple[str, str], str]) -> Problem:
    kind = kinds.get((record.sheet or "", record.column or ""))
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(FindingRecord)}
    fields.update(township=record.township or "", message=mask_text(record.message),
                  value=mask_value(record.value, kind))
    return Problem(**fields)


def column_kinds(config: Config) -> dict[tuple[str, str], str]:
    """(sheet, column) -> schema type, to mask ID and phone values by their column."""
    kinds: dict[tuple[str, str], str] = {}
    for sheet in config.schema.sheets:
        for col in sheet.columns:
            kinds[(sheet.name, col.name)] = col.type
    return kinds


def _problem_key(p: Problem) -> tuple[Any, ...]:
    return (p.township, p.rule, p.sheet, p.column, json.dumps(p.value, default=str))


def compute_changes(night: NightFigures, previous: NightFigures | None,
                    problems: list[Problem], previous_problems: list[Problem] | None
                    ) -> list[Change]:
    """Day-over-day changes per township and for the county; marks new problems."""
    old_keys = {_problem_key(p) for p in previous_problems or []}
    if previous_problems is not None:
        for p in problems:
            p.new = _problem_key(p) not in old_keys
    new_by_town: dict[str, int] = {}
    for p in problems:
        if p.new:
            new_by_town[p.township] = new_by_town.get(p.township, 0) + 1
    before = {t.township: t for t in previous.townships} if previous else {}
    changes = []
    for t in [*night.townships, night.total]:
        c = Change(township=t.township, new_arrivals=t.new_arrivals)
        old = previous.total if (previous and t is night.total) else before.get(t.township)
        if old is not None:
            c.screened = t.screened - old.screened
            c.under_management = t.under_management - old.under_management
            c.released = t.released - old.released
            c.problems = (sum(new_by_town.values()) if t is night.total
                          else new_by_town.get(t.township, 0))
        changes.append(c)
    return changes


def gather(config: Config, night: dt.date, store: Store,
           history_nights: int = HISTORY_NIGHTS, *,
           figures: NightFigures | None = None) -> ReportData:
    """Read the night (and the previous night, and the trend) from the store (``figures``
    the night's when already read from it)."""
    stored = store.nights()
    if night not in stored:
        raise JobFailed(f"{night:%Y-%m-%d} 这一晚还没有汇总,无法生成日报:"
                        f"请先运行 gridkit merge --date {night:%Y-%m-%d}(或 gridkit nightly)。")
    if figures is None or figures.date != night:
        figures = night_figures(store, config, night)
    kinds = column_kinds(config)
    problems = [problem_from_record(r, kinds) for r in store.findings(night)]
    nights = sorted(d for d in stored if d < night)
    previous = previous_problems = None
    if nights and nights[-1] == night - dt.timedelta(days=1):
        previous = night_figures(store, config, nights[-1])
        previous_problems = [problem_from_record(r, kinds) for r in store.findings(nights[-1])]
    series = [_series_point(store, config, d) for d in nights[-(history_nights - 1):]]
    series.append(SeriesPoint(night, {f: getattr(figures.total, f) for f in SERIES_FIELDS}))
    conflicts = [c.townships for c in store.conflicts(night)]
    data = assemble(config, figures, previous, problems, previous_problems, series=series,
                    conflicts=conflicts, issue=len(nights) + 1)
    window = [*nights[-(history_nights - 1):], night]
    data.timeliness = timeliness(config, store, window)
    data.timeliness_nights = window
    data.punctuality = [Punctuality(t.township, t.late, t.missing) for t in data.timeliness
                        if t.late + t.missing > 1]
    data.punctuality_nights = len(window)
    return data


def _arrival(at: dt.datetime | None, night: dt.date) -> str:
    """When a late file arrived, in words: 21时10分 that night, 2月5日10时 a day later."""
    if at is None:
        return ""
    return hm(at) if at.date() == night else f"{md(at)}{hm(at)}"


def timeliness(config: Config, store: Store, nights: list[dt.date]) -> list[Timeliness]:
    """Every township's reporting over ``nights`` (oldest first): on time, late, missing
    (未报, 退回, or no status that night), and the run of tonight's kind."""
    statuses = [{s.township: s for s in store.statuses(n)} for n in nights]
    out = []
    for name in config.county.township_names:
        kinds, words = [], []
        for by_town in statuses:
            s = by_town.get(name)
            words.append(s.word if s is not None else "")
            kinds.append("未报" if s is None or not s.merged else "迟报" if s.late else "按时")
        run = next((k for k, kind in enumerate(reversed(kinds)) if kind != kinds[-1]),
                   len(kinds)) if kinds else 0
        streak = f"连续{run}天{kinds[-1]}" if run > 1 else (kinds[-1] if kinds else "")
        out.append(Timeliness(name, words, kinds.count("按时"), kinds.count("迟报"),
                              kinds.count("未报"), streak))
    return out


def assemble(config: Config, figures: NightFigures, previous: NightFigures | None,
             problems: list[Problem], previous_problems: list[Problem] | None = None, *,
             series: list[SeriesPoint] | None = None,
             conflicts: list[list[str]] | None = None, issue: int = 1) -> ReportData:
    """Everything the report shows, from the night's (and the previous night's) figures
    and problems: the changes, the running totals that fell, the errors by rule."""
    changes = compute_changes(figures, previous, problems, previous_problems)
    if series is None:
        series = [SeriesPoint(figures.date, {f: getattr(figures.total, f)
                                             for f in SERIES_FIELDS})]
    return ReportData(figures, previous, problems, changes, series, conflicts or [], issue,
                      falling_totals(config, figures, previous), rule_counts(problems))


def falling_totals(config: Config, night: NightFigures, previous: NightFigures | None
                   ) -> list[Falling]:
    """Every running total (a cumulative figure, see :class:`..figures.FigureSpec`) lower
    than the previous night's, for each township merged both nights, and for the county when
    every township was (a township missing tonight is named as missing, not as a fall)."""
    if previous is None:
        return []
    specs = [s for s in figure_specs(config, night.date) if s.cumulative]
    before = {t.township: t for t in previous.townships if t.file and t.status != REJECTED}
    both = [(t, before[t.township]) for t in night.townships
            if t.township in before and t.file and t.status != REJECTED]
    out: list[Falling] = []
    pairs = both if len(both) < len(night.townships) else [
        (night.total, previous.total), *both]
    for now, old in pairs:
        for spec in specs:
            a, b = figure_value(old, spec.name), figure_value(now, spec.name)
            if b < a:
                out.append(Falling(now.township, spec.name, spec.label, a, b))
    return out


def rule_counts(problems: list[Problem]) -> list[RuleCount]:
    """The night's open errors by rule, most frequent first (titles from the catalogue)."""
    titles = catalogue()
    by_rule: dict[str, RuleCount] = {}
    for p in problems:
        if p.severity != "error":
            continue
        title = titles[p.rule].title if p.rule in titles else p.rule
        rc = by_rule.setdefault(p.rule, RuleCount(p.rule, title, 0, []))
        rc.count += 1
        if p.township not in rc.townships:
            rc.townships.append(p.township)
    return sorted(by_rule.values(), key=lambda r: (-r.count, r.rule))


def _series_point(store: Store, config: Config, night: dt.date) -> SeriesPoint:
    """A past night's totals for the trend, cached in the store's meta table and recomputed
    when that night was merged again."""
    run = store.night_run(night)
    stamp = run.completed_at.isoformat() if run else ""
    key = _SERIES_KEY.format(night=night.isoformat())
    cached = store.get_meta(key)
    if cached:
        data = json.loads(cached)
        if data.get("stamp") == stamp:
            return SeriesPoint(night, data["values"])
    total = night_figures(store, config, night).total
    values = {f: int(getattr(total, f)) for f in SERIES_FIELDS}
    store.set_meta(key, json.dumps({"stamp": stamp, "values": values}))
    return SeriesPoint(night, values)


def template_context(config: Config, data: ReportData) -> dict[str, Any]:
    """The variables the briefing templates see (listed at the top of briefing.txt.j2)."""
    n = data.night
    county = config.county
    errors_by_town: dict[str, int] = {}
    warnings_by_town: dict[str, int] = {}
    for p in data.problems:
        target = errors_by_town if p.severity == "error" else warnings_by_town
        target[p.township] = target.get(p.township, 0) + 1
    problem_townships = [
        {"township": t.township, "errors": errors_by_town.get(t.township, 0),
         "warnings": warnings_by_town.get(t.township, 0)}
        for t in n.townships if errors_by_town.get(t.township)]
    change = None
    if data.previous is not None:
        c = data.total_change
        change = {"screened": c.screened, "under_management": c.under_management,
                  "released": c.released, "problems": c.problems,
                  "new_arrivals": c.new_arrivals}
    rules = config.schema.rules
    by_word = {w: [t for t in n.townships if t.status == w] for w in STATUS_WORDS}
    return {
        "county": county.name,
        "county_short": county.name[:-1] if county.name.endswith("县") else county.name,
        "office": county.office,
        "contact": county.contact,
        "date": n.date,
        "date_text": md(n.date),
        "date_cn": cn_date(n.date),
        "year": n.date.year,
        "issue": data.issue,
        "as_of": f"{md(n.date)}{hm(county.deadline)}",
        "resubmit_text": _moment(county.resubmit_deadline(n.date), n.date),
        "cutoff_text": md(rules.cutoff_date),
        "total": n.total,
        "townships": n.townships,
        "expected": n.expected, "reported": n.reported, "on_time": n.on_time, "late": n.late,
        "to_fix": n.to_fix, "missing": n.missing, "rejected": n.rejected,
        "reporting_rate": n.reporting_rate, "on_time_rate": n.on_time_rate,
        "status_sentence": n.status_sentence,
        "missing_names": n.names(MISSING),
        "late_names": n.names(LATE),
        "punctuality": [{"township": t.township, "late": t.late, "missing": t.missing}
                        for t in data.punctuality],
        "punctuality_nights": data.punctuality_nights,
        "timeliness": [dataclasses.asdict(t) for t in data.timeliness],
        "timeliness_nights": [d.isoformat() for d in data.timeliness_nights],
        "rejected_names": n.names(REJECTED),
        "to_fix_names": n.names(TO_FIX),
        "late_list": [{"township": t.township, "time": _arrival(t.arrived_at, n.date)}
                      for t in n.townships if t.late],
        "rejected_list": [{"township": t.township,
                           "reason": t.reason.rstrip("。") or "文件无法使用"}
                          for t in by_word[REJECTED]],
        "to_fix_list": [{"township": t.township, "errors": t.errors, "late": t.late}
                        for t in by_word[TO_FIX]],
        "measures": [{"name": m, "count": n.total.by_measure.get(m, 0)}
                     for m in rules.managed_measures],
        "change": change,
        "changes": data.changes,
        "falling": [f for f in data.falling if f.township == TOTAL],
        "falling_townships": _falling_by_township(data.falling),
        "rule_counts": data.rule_counts,
        "problem_count": sum(errors_by_town.values()),
        "warning_count": sum(warnings_by_town.values()),
        "problem_townships": problem_townships,
        "conflicts": n.conflicts,
        "conflict_townships": sorted({t for ts in data.conflict_townships for t in ts}),
    }


def _falling_by_township(falling: list[Falling]) -> list[dict[str, Any]]:
    """Each township's fallen running totals: {township, count, names (up to three)}."""
    by_town: dict[str, list[Falling]] = {}
    for f in falling:
        if f.township != TOTAL:
            by_town.setdefault(f.township, []).append(f)
    return [{"township": t, "count": len(fs), "names": [f.name for f in fs[:3]],
             "items": fs} for t, fs in by_town.items()]


def _moment(when: dt.datetime, night: dt.date) -> str:
    """2月5日12时 (the day always written: the township reads it the next morning)."""
    return f"{md(when.date())}{hm(when)}"
