"""The 网格 sheet: staffing of every grid, its joint-defence team (联防队), its village and
township. Every number comes from ``config.schema.rules`` and the villages from
``config.county``."""

from __future__ import annotations

import re
from typing import Any

from .context import Context, party_members_exceed_size, show
from .fields import closest

_SPLIT = re.compile(r"[、,,;;/\s]+")


def _count(value: Any) -> int:
    if isinstance(value, tuple | list):
        return len([v for v in value if v])
    return len([v for v in _SPLIT.split(str(value)) if v])


def _range(lo: int, hi: int) -> str:
    return f"{lo}名" if lo == hi else f"{lo}至{hi}名"


def _staffing(ctx: Context) -> None:
    sheet = ctx.sheet("grids")
    if sheet is None:
        return
    for role, (lo, hi) in ctx.rules.grid_staffing.items():
        column = sheet.columns.get(role)
        if column is None:
            continue
        values = column.values
        for i in [i for i, v in enumerate(values)
                  if v is not None and v != "" and v != () and not lo <= _count(v) <= hi]:
            v = values[i]
            ctx.report("grid-staffing",
                      f"每个网格的{role}应为{_range(lo, hi)},这里填了{_count(v)}名"
                      f"({show(v)}):请按规定配齐,姓名之间用顿号(、)分隔。",
                      sheet, i, role, v)


def _defence(ctx: Context) -> None:
    sheet = ctx.sheet("grids")
    if sheet is None:
        return
    sizes = ctx.values(sheet, "grids", "defence_size")
    if sizes is not None:
        least = ctx.rules.joint_defence_min
        name = ctx.name("grids", "defence_size")
        spec = ctx.column_spec("grids", "defence_size")
        floor = spec.min if spec is not None and spec.min is not None else float("-inf")
        for i in [i for i, v in enumerate(sizes)
                  if type(v) in (int, float) and floor <= v < least]:
            ctx.report("defence-team-too-small",
                      f"联防队不少于{least}人,这里{name}只有{show(sizes[i])}人:"
                      f"请把联防队补足到{least}人以上,并填写实际人数。",
                      sheet, i, name, sizes[i])
    party_members_exceed_size(ctx, "grids", "defence_size", "defence_party_members", "联防队")


def _places(ctx: Context) -> None:
    sheet = ctx.sheet("grids")
    if sheet is None:
        return
    township = ctx.township
    towns = ctx.values(sheet, "grids", "township")
    town_col = ctx.name("grids", "township")
    if towns is not None and township:
        # 扎西 or 威信县扎西镇 for 扎西镇 is harmless; another township's name is not
        for i in [i for i, v in enumerate(towns)
                  if v and v != township and not (isinstance(v, str)
                                                   and (v in township or township in v))]:
            ctx.report("wrong-township",
                      f"{town_col}填的是“{show(towns[i])}”,但这是{township}的登记表:"
                      f"请改为“{township}”,其他乡镇的网格由该乡镇自己上报。",
                      sheet, i, town_col, towns[i])
    villages_v = ctx.values(sheet, "grids", "village")
    if villages_v is None:
        return
    village_col = ctx.name("grids", "village")
    for i, v in enumerate(villages_v):
        if v is None or v == "":
            continue
        town_name = township or (towns[i] if towns is not None else None)
        town = ctx.config.county.township(town_name) if town_name else None
        if town is None or not town.villages or v in town.villages:
            continue
        hint = closest(v, town.villages)
        ctx.report("unknown-village",
                  f"{village_col}“{show(v)}”不是{town.name}的村(社区):只能填"
                  f"{'、'.join(town.villages)}。"
                  + (f"是否应为“{hint}”?" if hint else "") + "请从下拉列表中选择。",
                  sheet, i, village_col, v)


def check_grids(ctx: Context) -> None:
    _staffing(ctx)
    _defence(ctx)
    _places(ctx)


__all__ = ["check_grids"]
