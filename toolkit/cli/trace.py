"""``gridkit trace FIGURE --township T [--date D]``: the cells behind a figure of 汇总."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..outputs.figures import TraceResult, trace_figure
from ._common import as_date, config_option, date_option, format_option, get_config, output, run

SHOWN = 50  # cells listed in the text output


def render_text(result: TraceResult) -> str:
    value = int(result.value) if float(result.value).is_integer() else result.value
    how = {"count": "计数的行", "sum": "相加的单元格", "distinct": "计数的不同值"}.get(
        result.op, "来源")
    lines = [f"{result.night:%Y-%m-%d} {result.township} {result.label} = {value},"
             f"来自 {len(result.cells)} 个{how}:"]
    for c in result.cells[:SHOWN]:
        where = c.cell or f"第{c.row}行"
        lines.append(f"  {c.file} {c.sheet}!{where}  {'' if c.value is None else c.value}")
    if len(result.cells) > SHOWN:
        lines.append(f"  …还有{len(result.cells) - SHOWN}个")
    return "\n".join(lines)


@click.command("trace")
@config_option
@format_option
@date_option
@click.option("--township", required=True, metavar="乡镇", help="乡镇名称,例如 扎西镇。")
@click.argument("figure", metavar="数字名称")
def command(config_path: Path | None, fmt: str, date: dt.datetime | None, township: str,
            figure: str) -> None:
    """查看汇总表中一个数字来自乡镇报表的哪些单元格。

    数字名称写汇总表中的列标题(例如 湖北来威(人))或字段名(例如 from_hubei)。
    """

    def body() -> int:
        result = trace_figure(get_config(config_path), as_date(date), township, figure)
        output(result, fmt, render_text)
        return 0

    run(body)
