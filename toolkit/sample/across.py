"""Defects only an earlier night's register shows, planted on the last of consecutive
sample nights (``gridkit sample --nights N --cross-night``): a person registered yesterday
and gone tonight, a person's 抵威日期 changed, a released person under management again, a
household gone (so the households, a cumulative count, fell). Each is recorded in the
truth under the rule code the merge's checks across nights report it with.
"""

from __future__ import annotations

import datetime as dt
import random

from ..config.county import Config
from .model import Mark, Row, Table

KINDS = ("gone-since-last-night", "changed-since-last-night", "measure-backwards",
         "cumulative-fell")


def plant_across_nights(config: Config, tables: dict[str, Table], previous: dt.date,
                        rng: random.Random, marks: list[Mark]) -> None:
    """One defect of each kind in one township's tables of the last night, among rows that
    were in its register on ``previous`` (the night before) and carry no other defect."""
    rules = config.schema.rules
    screening, households = tables.get("排查登记"), tables.get("住户")
    if screening is None:
        return
    cutoff = rules.cutoff_date

    def before(row: Row) -> bool:  # in the register of the previous night
        day = screening.get(row, "抵威日期")
        return screening.is_clean(row) and isinstance(day, dt.date) and day <= previous

    def before_or_on(row: Row) -> bool:  # released by the previous night, as it stood then
        day = screening.get(row, "观察解除日期")
        return isinstance(day, dt.date) and day <= previous

    old = [r for r in screening.rows if before(r)]
    rng.shuffle(old)
    released = rules.released_measure
    # a person released on or before the previous night, under management again tonight
    back = next((r for r in old if screening.get(r, "管控措施") == released
                 and isinstance(screening.get(r, "观察解除日期"), dt.date)
                 and screening.get(r, "观察解除日期") <= previous
                 and not screening.get(r, "备注")), None)
    released_before = sum(1 for r in screening.rows if r and before_or_on(r)
                          and screening.get(r, "管控措施") == released)
    if back is not None:
        screening.set(back, "管控措施", rules.managed_measures[0])
        _mark(screening, back, "管控措施", "measure-backwards", marks)
    # a person's arrival date moved a day earlier (still after the cut-off and before the
    # observation's start, so tonight's own checks see nothing)
    moved = next((r for r in old if r is not back and not screening.get(r, "备注")
                  and _earlier_ok(screening, r, cutoff)), None)
    if moved is not None:
        screening.set(moved, "抵威日期", screening.get(moved, "抵威日期") - dt.timedelta(days=1))
        _mark(screening, moved, "抵威日期", "changed-since-last-night", marks)
    # a person gone from tonight's register
    gone = next((r for r in old if r is not back and r is not moved), None)
    if gone is not None:
        screening.rows.remove(gone)
        marks.append(Mark("排查登记", None, "身份证号", "gone-since-last-night"))
        arrived = [r for r in screening.rows if r and isinstance(
            screening.get(r, "抵威日期"), dt.date) and screening.get(r, "抵威日期") > previous]
        if not arrived:  # nobody new tonight: the persons screened, a cumulative count, fell
            marks.append(Mark("排查登记", None, "", "cumulative-fell"))
    if sum(1 for r in screening.rows if r and screening.get(r, "管控措施") == released) \
            < released_before:  # the persons released, a cumulative count, fell
        marks.append(Mark("排查登记", None, "管控措施", "cumulative-fell"))
    if households is None:
        return
    # a household no person belongs to, gone: the households (a cumulative count) fell
    used = {screening.get(r, "户编号") for r in screening.rows if r}
    spare = [r for r in households.rows if households.is_clean(r)
             and households.get(r, "户编号") not in used]
    if spare:
        households.rows.remove(rng.choice(spare))
        marks.append(Mark("住户", None, "户编号", "gone-since-last-night"))
        marks.append(Mark("住户", None, "", "cumulative-fell"))


def _earlier_ok(table: Table, row: Row, cutoff: dt.date) -> bool:
    day, start = table.get(row, "抵威日期"), table.get(row, "观察起始日期")
    return (isinstance(day, dt.date) and day - dt.timedelta(days=1) >= cutoff
            and (not isinstance(start, dt.date) or start >= day))


def _mark(table: Table, row: Row, column: str, kind: str, marks: list[Mark]) -> None:
    table.taint(row)
    marks.append(Mark(table.name, row, column, kind))


__all__ = ["KINDS", "plant_across_nights"]
