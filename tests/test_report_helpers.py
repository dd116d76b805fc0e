"""Hand-built night figures and report data for the report tests (no merge needed; no tests
here, only helpers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from toolkit.config.county import Config
from toolkit.outputs.figures import NightFigures, TownshipFigures, summarize
from toolkit.outputs.report.data import Problem, ReportData, SeriesPoint, assemble

NIGHT = dt.date(2020, 2, 4)
SUMMED = [f.name for f in dataclasses.fields(TownshipFigures)
          if f.name not in ("township", "status", "note", "reason", "late", "file", "arrived_at",
                            "by_measure")]


def township(name: str, status: str = "已报", **values: Any) -> TownshipFigures:
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(TownshipFigures):
        if f.name in ("file", "arrived_at"):
            kwargs[f.name] = None
        elif f.name in ("note", "reason"):
            kwargs[f.name] = ""
        elif f.name == "late":
            kwargs[f.name] = False
        elif f.name == "by_measure":
            kwargs[f.name] = {}
        elif f.name == "donation_amount":
            kwargs[f.name] = 0.0
        else:
            kwargs[f.name] = 0
    kwargs.update(township=name, status=status, late=status == "迟报")
    if status not in ("未报", ""):
        late = status == "迟报"
        kwargs.update(file=f"{name}_{NIGHT:%Y%m%d}.xlsx",
                      arrived_at=dt.datetime.combine(NIGHT, dt.time(20, 35) if late
                                                     else dt.time(18, 30)), rows=40)
    kwargs.update(values)
    return TownshipFigures(**kwargs)


def night(config: Config, statuses: dict[str, str] | None = None, date: dt.date = NIGHT,
          scale: int = 1) -> NightFigures:
    """A night where township i has figures proportional to i (and ``scale``); townships in
    ``statuses`` get that status (未报 ones all zero)."""
    statuses = statuses or {}
    towns = []
    for i, name in enumerate(config.county.township_names, start=1):
        status = statuses.get(name, "已报")
        if status == "未报":
            towns.append(township(name, status))
            continue
        k = i * scale
        towns.append(township(
            name, status, grids=10 * i, households=300 * i, persons=1100 * i,
            screened=120 * k, from_hubei=3 * i, with_contact=2 * i, symptomatic=i,
            by_measure={"居家观察": 10 * k, "集中隔离": i, "医学观察": 2 * i, "解除观察": 5 * k},
            under_management=10 * k + 3 * i, released=5 * k, new_arrivals=i,
            checkpoints=2, checkpoint_shifts=6, checkpoint_staff=30, checkpoint_party_members=12,
            vehicles_checked=500, persons_checked=1200, fever_at_checkpoints=0,
            teams=12, team_members=150, team_party_members=40, volunteer_teams=11,
            defence_teams=140, defence_members=1500, defence_party_members=238,
            leaflets=8031 * i, banners=81 * i, propaganda_vehicles=i + 12, motorcycles=i,
            broadcasts=30, cancelled_banquets=3, donations=2, donation_amount=1234.5 * i,
            errors=0, warnings=0))
    total = township("全县", "")
    for f in SUMMED:
        setattr(total, f, sum(getattr(t, f) for t in towns))
    total.file = None
    total.arrived_at = None
    measures: dict[str, int] = {}
    for t in towns:
        for k2, v in t.by_measure.items():
            measures[k2] = measures.get(k2, 0) + v
    total.by_measure = measures
    return summarize(date, towns, total, 0)


def problem(township_name: str, message: str, value: Any = None, severity: str = "error",
            rule: str = "id-check-digit", sheet: str = "排查登记", column: str = "身份证号",
            row: int = 5) -> Problem:
    return Problem(township=township_name, submission_id=0, file=f"{township_name}.xlsx",
                   sheet=sheet, row=row,
                   column=column, cell=f"D{row}", rule=rule, severity=severity,
                   message=message, value=value)


def report_data(config: Config, figures: NightFigures, previous: NightFigures | None = None,
                problems: list[Problem] | None = None,
                previous_problems: list[Problem] | None = None) -> ReportData:
    problems = problems or []
    series = []
    if previous is not None:
        series.append(SeriesPoint(previous.date, {"under_management":
                                                  previous.total.under_management}))
    series.append(SeriesPoint(figures.date, {"under_management":
                                             figures.total.under_management}))
    return assemble(config, figures, previous, problems,
                    previous_problems if previous is not None else None, series=series,
                    issue=2 if previous is not None else 1)
