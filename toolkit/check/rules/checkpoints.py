"""卡点值守 and 队伍: every checkpoint has every shift (三班倒) on each day it reports; party
members never exceed the people on a shift or in a team. The shifts come from
``config.schema.rules.shifts``."""

from __future__ import annotations

import datetime as dt

from .context import Context, party_members_exceed_size, show


def _shifts(ctx: Context) -> None:
    sheet = ctx.sheet("checkpoints")
    if sheet is None:
        return
    dates = ctx.values(sheet, "checkpoints", "date")
    points = ctx.values(sheet, "checkpoints", "checkpoint")
    shifts = ctx.values(sheet, "checkpoints", "shift")
    if dates is None or points is None or shifts is None:
        return
    wanted = ctx.rules.shifts
    # a checkpoint with an unreadable date cannot be judged until the date is fixed
    date_types = (dt.date, dt.datetime)
    unsure = {p for d, p in zip(dates, points, strict=True) if type(d) not in date_types}
    groups: dict[tuple[object, object], tuple[int, set[object]]] = {}
    for i, (d, p, s) in enumerate(zip(dates, points, shifts, strict=True)):
        if p is None or p == "" or p in unsure:
            continue
        entry = groups.get((d, p))
        if entry is None:
            groups[(d, p)] = (i, {s})
        else:
            entry[1].add(s)
    col = ctx.name("checkpoints", "shift")
    for (d, p), (first, present) in groups.items():
        missing = [s for s in wanted if s not in present]
        if not missing:
            continue
        lacking = "、".join(missing)
        ctx.report("missing-shift",
                  f"卡点“{show(p)}”{show(d)}缺少{lacking}的值守记录:卡点实行全天24小时"
                  f"{'、'.join(wanted)}三班倒,请补填{lacking}的值守情况(每个班次一行)。",
                  sheet, first, col, lacking)


def check_checkpoints(ctx: Context) -> None:
    _shifts(ctx)
    party_members_exceed_size(ctx, "checkpoints", "staff", "party_members", "这个班次")


def check_teams(ctx: Context) -> None:
    party_members_exceed_size(ctx, "teams", "size", "party_members", "这支队伍")


__all__ = ["check_checkpoints", "check_teams"]
