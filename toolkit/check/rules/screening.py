"""排查登记: arrival dates within the screening period, risk arrivals under a management
measure until their observation is over, observation lengths. The cut-off date, the
observation days and the measure/symptom values come from ``config.schema.rules``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .context import Context, show

YES = "是"  # 是否湖北来威
HAS_CONTACT = "有"  # 接触史


def _day(value: Any) -> dt.date | None:
    if type(value) is dt.datetime:
        return value.date()
    return value if type(value) is dt.date else None


def _plus(day: dt.date, delta: dt.timedelta) -> dt.date:
    """``day + delta``, or the last day Python knows when a typo (9999-12-31) overflows."""
    try:
        return day + delta
    except OverflowError:
        return dt.date.max


def _arrivals(ctx: Context) -> None:
    sheet = ctx.sheet("screening")
    if sheet is None:
        return
    arrivals = ctx.values(sheet, "screening", "arrival_date")
    if arrivals is None:
        return
    col = ctx.name("screening", "arrival_date")
    cutoff = ctx.rules.cutoff_date
    report = ctx.report_date
    hi = report or dt.date.max
    date_t, datetime_t = dt.date, dt.datetime
    suspects = [i for i, v in enumerate(arrivals)
                if (type(v) is date_t and (v < cutoff or v > hi)) or type(v) is datetime_t]
    for i in suspects:
        v = arrivals[i]
        d = _day(v)
        if d is None:
            continue
        if d < cutoff:
            ctx.report("arrival-before-cutoff",
                      f"{col}{d:%Y-%m-%d}早于排查起始日{cutoff:%Y-%m-%d}:只登记{cutoff.month}月{cutoff.day}日"
                      f"以后到达的人员。请核对日期,确属更早到达的请删除这一行。",
                      sheet, i, col, v)
        elif report is not None and d > report:
            ctx.report("arrival-after-report-date",
                      f"{col}{d:%Y-%m-%d}晚于填报日期{report:%Y-%m-%d}:还没到达的人员不能登记。"
                      f"请核对并改正日期。", sheet, i, col, v)


def _management(ctx: Context) -> None:
    sheet = ctx.sheet("screening")
    if sheet is None:
        return
    measures = ctx.values(sheet, "screening", "measure")
    if measures is None:
        return
    n = len(measures)
    none: list[Any] = [None] * n
    hubei = ctx.values(sheet, "screening", "from_hubei") or none
    contact = ctx.values(sheet, "screening", "contact") or none
    health = ctx.values(sheet, "screening", "health") or none
    starts = ctx.values(sheet, "screening", "observation_start") or none
    ends = ctx.values(sheet, "screening", "observation_end") or none
    arrivals = ctx.values(sheet, "screening", "arrival_date") or none
    rules = ctx.rules
    days = dt.timedelta(days=rules.observation_days)
    symptoms = frozenset(rules.symptoms)
    managed = frozenset(rules.managed_measures)
    unmanaged, released = rules.unmanaged_measure, rules.released_measure
    col = ctx.name("screening", "measure")
    start_col = ctx.name("screening", "observation_start")
    end_col = ctx.name("screening", "observation_end")
    report = ctx.report_date
    managed_list = "、".join(rules.managed_measures)

    def reasons(i: int) -> str:
        out = []
        if hubei[i] == YES:
            out.append("从湖北来威")
        if contact[i] == HAS_CONTACT:
            out.append("有接触史")
        if health[i] in symptoms:
            out.append(f"健康状况为{health[i]}")
        return "、".join(out)

    risky = [i for i in range(n)
             if (measures[i] == unmanaged or measures[i] == released)
             and (hubei[i] == YES or contact[i] == HAS_CONTACT or health[i] in symptoms)]
    for i in risky:
        why = reasons(i)
        if measures[i] == unmanaged:
            ctx.report("unmanaged-risk",
                      f"此人{why},{col}却是“{unmanaged}”:必须落实{managed_list}等管控措施,"
                      f"直到{rules.observation_days}天观察期满。请改正{col}。",
                      sheet, i, col, measures[i])
            continue
        start = _day(starts[i]) or _day(arrivals[i])
        # without a start date the period cannot be over; without a report date, trust it
        over = start is not None and (report is None or report - start >= days)
        if not over:
            until = f"(观察期到{_plus(start, days):%Y-%m-%d})" if start is not None else ""
            ctx.report("unmanaged-risk",
                      f"此人{why},{rules.observation_days}天观察期还没满{until},"
                      f"不能“{released}”:请改回{managed_list}之一,期满后再解除。",
                      sheet, i, col, measures[i])
    for i in [i for i, (s, e) in enumerate(zip(starts, ends, strict=True))
              if s is not None and e is not None]:
        s, e = _day(starts[i]), _day(ends[i])
        if s is not None and e is not None and e - s < days:
            ctx.report("observation-too-short",
                      f"{end_col}{e:%Y-%m-%d}距{start_col}{s:%Y-%m-%d}不足"
                      f"{rules.observation_days}天:观察期为{rules.observation_days}天,"
                      f"最早{_plus(s, days):%Y-%m-%d}才能解除。请核对两个日期。",
                      sheet, i, end_col, ends[i])
    if starts is none:
        return  # the file has no 观察起始日期 column: nothing to point at
    for i in [i for i, (m, s) in enumerate(zip(measures, starts, strict=True))
              if m in managed and (s is None or s == "")]:
        ctx.report("observation-start-missing",
                    f"此人{col}为“{show(measures[i])}”,但没有填{start_col}:"
                    f"请补填开始观察的日期,以便计算{rules.observation_days}天观察期。",
                    sheet, i, start_col, starts[i])


def check_screening(ctx: Context) -> None:
    _arrivals(ctx)
    _management(ctx)


__all__ = ["check_screening"]
