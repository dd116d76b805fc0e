"""Where a figure of the city's 汇总 comes from: a county's figure (or one of its
townships'), down to every township file, sheet and cell behind it, by the county figures'
own trace (:func:`toolkit.outputs.figures.trace`), so the city and the county can never
disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..config.city import City
from ..errors import UsageError
from ..outputs.figures import CellRef, figure_specs, figure_value, night_figures, trace
from .night import county_config, county_townships
from .stores import open_county_store


@dataclass
class CityTrace:
    """A county's (or one of its townships') figure of one night and every cell behind it."""

    night: dt.date
    city: str
    county: str
    code: str
    township: str | None  # None: the county's whole figure
    figure: str  # the field name
    label: str  # the 汇总 column title
    op: str  # count / sum / distinct
    value: float  # the figure as the city's 汇总 shows it (the county's row, or the township)
    cells: list[CellRef]

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.night.isoformat(), "city": self.city, "county": self.county,
                "code": self.code, "township": self.township, "figure": self.figure,
                "label": self.label, "value": self.value,
                "cells": [{"township": c.township, "file": c.file, "sheet": c.sheet,
                           "row": c.row, "cell": c.cell, "value": c.value}
                          for c in self.cells]}


def trace_city_figure(city: City, night: dt.date, figure: str, county: str,
                      township: str | None = None) -> CityTrace:
    """The cells behind ``figure`` (its 汇总 column title, e.g. 湖北来威(人), or its field
    name) of ``county`` (name or code), or of one of its townships."""
    place = city.county(county)
    if place is None:
        raise UsageError(f"“{county}”不是{city.name}的县(市、区):可选 "
                         f"{'、'.join(city.county_names)}。")
    store = open_county_store(city, place)
    if store is None:
        raise UsageError(f"{place.name}还没有历史库(该县还没有汇总过),无从查起。")
    try:
        with store.snapshot():
            if night not in store.nights():
                raise UsageError(f"{place.name}还没有汇总{night:%Y-%m-%d}这一晚,"
                                 f"全市汇总中它的数字为0,无从查起。")
            names = county_townships(store, night)
            config = county_config(city, place, names)
            specs = figure_specs(config, night)
            spec = next((s for s in specs if figure in (s.name, s.label)), None)
            if spec is None:
                raise UsageError(f"没有名为“{figure}”的汇总数字:可选 "
                                 f"{'、'.join(s.label for s in specs)}。")
            if township is not None and township not in names:
                raise UsageError(f"“{township}”不是{place.name}的乡镇:可选 {'、'.join(names)}。")
            figures = night_figures(store, config, night)
            if township is None:
                value = figure_value(figures.total, spec.name)
                chosen = names
            else:
                town = next(t for t in figures.townships if t.township == township)
                value = figure_value(town, spec.name)
                chosen = [township]
            cells = [c for t in chosen for c in trace(store, config, night, t, spec.name)]
    finally:
        store.close()
    return CityTrace(night, city.name, place.name, place.code, township, spec.name, spec.label,
                     spec.op, value, cells)
