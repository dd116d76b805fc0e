"""``gridkit city report [--date D] [--city FILE] [--out DIR]`` and ``gridkit city trace
FIGURE --county C [--township T] [--date D]``: the city level over every county's store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..city.report import CityReportResult, build_city_report
from ..city.trace import CityTrace, trace_city_figure
from ..config.city import load_city
from ._common import as_date, date_option, format_option, output, run

F = TypeVar("F", bound=Callable[..., Any])
SHOWN = 50  # cells listed in the text output of trace


def city_option(func: F) -> F:
    return click.option(
        "--city", "city_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="本市配置文件 city.toml 的路径(默认:当前文件夹中的 city.toml,"
             "没有时用内置的示例市 昭通市)。",
    )(func)


def render_report(result: CityReportResult) -> str:
    n = result.night
    lines = [f"{n.date:%Y-%m-%d} {n.city}:{n.status_sentence}"]
    for c in n.counties:
        lines.append(f"  {c.name}:{c.state}。{c.note}")
        if c.figures.expected:
            lines.append(f"    {c.figures.status_sentence}")
    if n.duplicates:
        lines.append(f"跨县重复登记{len(n.duplicates)}人,见全市汇总表“跨县重复”。")
    lines += ["", f"全市汇总表:{result.master}", f"日报工作簿:{result.workbook}",
              f"文字简报:{result.briefing_text}"]
    return "\n".join(lines)


def render_trace(result: CityTrace) -> str:
    value = int(result.value) if float(result.value).is_integer() else result.value
    how = {"count": "计数的行", "sum": "相加的单元格", "distinct": "计数的不同值"}.get(
        result.op, "来源")
    place = result.county + (result.township or "")
    lines = [f"{result.night:%Y-%m-%d} {place} {result.label} = {value},"
             f"来自 {len(result.cells)} 个{how}:"]
    for c in result.cells[:SHOWN]:
        where = c.cell or f"第{c.row}行"
        lines.append(f"  {c.township} {c.file} {c.sheet}!{where}  "
                     f"{'' if c.value is None else c.value}")
    if len(result.cells) > SHOWN:
        lines.append(f"  …还有{len(result.cells) - SHOWN}个")
    return "\n".join(lines)


@click.group("city")
def command() -> None:
    """市级:汇总各县的历史库,生成全市汇总表和日报。"""


@command.command("report")
@city_option
@format_option
@date_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="全市汇总表和日报写到哪个文件夹(默认:本市配置中的 master 和 reports)。")
def report(city_path: Path | None, fmt: str, date: dt.datetime | None,
           out_dir: Path | None) -> None:
    """读各县的历史库,生成这一晚的全市汇总表和全市日报。

    列出哪些县已汇总、未汇总或汇总失败,各县乡镇的报送率,跨县重复登记的人员。
    退出码:0 各县都已汇总;1 有县未汇总或汇总失败;2 配置有误。
    """

    def body() -> int:
        result = build_city_report(load_city(city_path), as_date(date), out_dir=out_dir)
        output(result, fmt, render_report)
        return result.exit_code

    run(body)


@command.command("trace")
@city_option
@format_option
@date_option
@click.option("--county", required=True, metavar="县",
              help="县(市、区)名称或代码,例如 威信县 或 530629。")
@click.option("--township", default=None, metavar="乡镇",
              help="只看该县的一个乡镇,例如 扎西镇。")
@click.argument("figure", metavar="数字名称")
def trace(city_path: Path | None, fmt: str, date: dt.datetime | None, county: str,
          township: str | None, figure: str) -> None:
    """查看全市汇总表中一个县的数字来自哪些乡镇报表的哪些单元格。

    数字名称写汇总表中的列标题(例如 湖北来威(人))或字段名(例如 from_hubei)。
    """

    def body() -> int:
        result = trace_city_figure(load_city(city_path), as_date(date), figure, county,
                                   township)
        output(result, fmt, render_trace)
        return 0

    run(body)
