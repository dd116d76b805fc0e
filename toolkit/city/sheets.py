"""The city's own sheets, written once and used by both the city master (全市汇总表) and the
city report: 报送情况 (the counties, then every county's townships) and 跨县重复 (the
persons registered in two counties). The 汇总 pages are the county master's own
(:func:`toolkit.outputs.master_sheets.summary_page`) at the city level. Laid out with the
county master's formats and print set-up (A4 landscape, header rows on every page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..config.city import City, CityCounty
from ..config.county import Config
from ..findings import ERROR, SEVERITY_TEXT, WARNING, display_value
from ..outputs.master_sheets import (
    ROW_HEIGHT,
    Formats,
    Level,
    places_sheet,
    print_setup,
    put_text,
    row_height,
    text_lines,
    title_row,
    when_text,
)
from .duplicates import CrossDuplicate
from .night import CITY_TOTAL, FAILED, NOT_YET, UNIT, CityNight, county_config

STATUS, DUPLICATES = "报送情况", "跨县重复"
NO_DUPLICATES = "本日未发现跨县重复登记。"
_STATUS_WIDTHS = [10.0, 12.0, 10.0, 24.0, 15.0, 8.0, 8.0, 8.0, 36.0]
_COUNTY_HEAD = [UNIT, "代码", "汇总状态", "应报乡镇", "纳入汇总", "按时报送", "报送率",
                "按时报送率", "说明"]
_TOWNSHIP_HEAD = [UNIT, "乡镇", "状态", "文件", "收到时间", "行数", SEVERITY_TEXT[ERROR],
                  SEVERITY_TEXT[WARNING], "说明"]
_DUPLICATE_COLUMNS = [("身份证号", 21.0), ("涉及县(市、区)", 16.0), (UNIT, 9.0), ("乡镇", 10.0),
                      ("登记姓名", 9.0), ("来源文件", 24.0), ("工作表", 10.0), ("来源行", 7.0)]


def city_level(city: City) -> Level:
    """The 汇总 pages at the city level: a row per county, 全市合计."""
    return Level(city.name, UNIT, f"{CITY_TOTAL}合计",
                 f"说明:汇总状态为“{NOT_YET}”“{FAILED}”的{UNIT}未纳入全市合计,其数字为0;"
                 "各县的数字是该县已纳入汇总的乡镇之和(各县乡镇的报送情况见“报送情况”)。")


def city_view(city: City) -> Config:
    """The city as the figure code's configuration (its schema; no townships)."""
    return county_config(city, CityCounty(city.name, city.code), [])


def mark_states(fmt: Formats) -> None:
    """A county 未汇总 or 汇总失败 is marked as a township 未报 is."""
    fmt.bad[NOT_YET] = fmt.box_error
    fmt.bad[FAILED] = fmt.box_error


def status_sheet(ws: Any, data: CityNight, fmt: Formats) -> None:
    """报送情况: the night in one sentence; a row per county (its state, its townships'
    completeness) and 全市; then every county's townships, as each county's own 报送情况."""
    last = len(_STATUS_WIDTHS) - 1
    for c, width in enumerate(_STATUS_WIDTHS):
        ws.set_column(c, c, width)
    title_row(ws, f"{data.city}各{UNIT}报送情况{when_text(data.date)}", last, _STATUS_WIDTHS,
              fmt)
    ws.merge_range(1, 0, 1, last, data.status_sentence, fmt.subtitle)
    ws.set_row(1, row_height(text_lines(data.status_sentence, sum(_STATUS_WIDTHS))))
    head = 3
    ws.write_row(head, 0, _COUNTY_HEAD, fmt.header)
    ws.set_row(head, row_height(1))
    row = head + 1
    for county in data.counties:
        f = county.figures
        _county_row(ws, row, county.name, county.code, county.state, f.expected,
                    f.reported if county.merged else 0, f.on_time if county.merged else 0,
                    county.note, fmt, total=False)
        row += 1
    _county_row(ws, row, f"{CITY_TOTAL}合计", data.code, f"已汇总{data.figures.reported}/"
                f"{data.figures.expected}", data.townships_expected, data.townships_reported,
                data.townships_on_time, "", fmt, total=True)
    row += 2
    towns = row
    ws.write_row(towns, 0, _TOWNSHIP_HEAD, fmt.header)
    ws.set_row(towns, row_height(1))
    row = towns + 1
    for county in data.counties:
        for t in county.figures.townships:
            put_text(ws, row, 0, county.name, fmt.text)
            put_text(ws, row, 1, t.township, fmt.text)
            put_text(ws, row, 2, t.status, fmt.bad.get(t.status, fmt.center))
            put_text(ws, row, 3, t.file or "", fmt.wrap)
            if t.arrived_at is not None:
                ws.write_datetime(row, 4, t.arrived_at, fmt.time)
            else:
                ws.write_blank(row, 4, None, fmt.time)
            for k, n in enumerate((t.rows, t.errors, t.warnings)):
                ws.write_number(row, 5 + k, n, fmt.int)
            put_text(ws, row, 8, t.note, fmt.wrap)
            ws.set_row(row, row_height(max(text_lines(t.file or "", _STATUS_WIDTHS[3]),
                                           text_lines(t.note, _STATUS_WIDTHS[8]))))
            row += 1
    ws.freeze_panes(head + 1, 1)
    print_setup(ws, header=(head, head))


def _county_row(ws: Any, row: int, name: str, code: str, state: str, expected: int,
                reported: int, on_time: int, note: str, fmt: Formats, *, total: bool) -> None:
    text = fmt.total_text if total else fmt.text
    number = fmt.total if total else fmt.int
    put_text(ws, row, 0, name, text)
    put_text(ws, row, 1, code, text)
    put_text(ws, row, 2, state, fmt.total_center if total else fmt.bad.get(state, fmt.center))
    for k, n in enumerate((expected, reported, on_time)):
        ws.write_number(row, 3 + k, n, number)
    for k, n in enumerate((reported, on_time)):
        if expected:
            ws.write_number(row, 6 + k, n / expected, fmt.pct)
        else:
            ws.write_blank(row, 6 + k, None, fmt.pct)
    put_text(ws, row, 8, note, fmt.wrap)
    ws.set_row(row, row_height(text_lines(note, _STATUS_WIDTHS[8])) if note else ROW_HEIGHT)


def duplicates_sheet(ws: Any, duplicates: list[CrossDuplicate], fmt: Formats,
                     night: dt.date) -> None:
    """跨县重复: for each ID number registered in two or more counties, every place it is
    registered (county, township, the name registered, file, sheet, Excel row); one
    sentence when there is none."""
    rows = [[d.id_number, "、".join(d.counties), s.county, s.township, display_value(s.name),
             s.file, s.sheet, s.row] for d in duplicates for s in d.sources]
    places_sheet(ws, f"跨县重复登记的身份证号(同一人被两个及以上{UNIT}登记){when_text(night)}",
                 _DUPLICATE_COLUMNS, rows, fmt, NO_DUPLICATES)
