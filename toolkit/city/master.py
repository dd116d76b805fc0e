"""The city master workbook (全市汇总表) of one night: the 汇总 pages with a row per county
and 全市合计 (the county master's pages and figure specs, at the city level), 报送情况 (the
counties, their townships' completeness) and 跨县重复 (ID numbers in full, as in a county
master: the workbook stays in the office). Written aside and moved into place."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..config.city import City
from ..files import replace_file
from ..outputs.figures import figure_specs
from ..outputs.master_sheets import FONT, Formats, summary_page, topics, when_text
from .night import CityNight
from .sheets import (
    DUPLICATES,
    STATUS,
    city_level,
    city_view,
    duplicates_sheet,
    mark_states,
    status_sheet,
)


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """A workbook set up as the county master's (宋体 11, text never a formula)."""
    return xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_date_format": "yyyy-mm-dd", "remove_timezone": True,
        "default_format_properties": {"font_name": FONT, "font_size": 11},
    })


def summary_pages(wb: xlsxwriter.Workbook, city: City, data: CityNight, fmt: Formats) -> None:
    """The 汇总 pages: a row per county, 全市合计."""
    view = city_view(city)
    level = city_level(city)
    when = when_text(data.date)
    for number, topic in enumerate(topics(view, figure_specs(view, data.date))):
        summary_page(wb.add_worksheet(topic.sheet), view, topic, number, data.figures, fmt,
                     when, level)


def write_city_master(city: City, data: CityNight, path: Path | None = None) -> Path:
    """Write the night's city master at ``path`` (default: ``[paths] master`` of the city
    file); returns the path written."""
    target = Path(path) if path is not None else city.paths.master

    def write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        try:
            fmt = Formats(wb)
            mark_states(fmt)
            summary_pages(wb, city, data, fmt)
            status_sheet(wb.add_worksheet(STATUS), data, fmt)
            duplicates_sheet(wb.add_worksheet(DUPLICATES), data.duplicates, fmt, data.date)
            wb.set_properties({"title": f"{city.name}疫情防控网格化管理汇总表",
                               "author": city.office})
        finally:
            wb.close()

    target.parent.mkdir(parents=True, exist_ok=True)
    return replace_file(target, write)
