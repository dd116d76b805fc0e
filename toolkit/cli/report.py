"""``gridkit report [--date D] [--out DIR]``: the night's 疫情防控工作日报 from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..outputs.report import ReportResult, build_report
from ._common import as_date, config_option, date_option, format_option, get_config, output, run


def render(result: ReportResult) -> None:
    click.echo(result.text.rstrip())
    click.echo("")
    click.echo(f"日报工作簿:{result.workbook}")
    click.echo(f"文字简报:{result.briefing_text}")
    click.echo(f"网页简报:{result.briefing_html}")


@click.command("report")
@config_option
@format_option
@date_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="日报文件写到哪个文件夹(默认:配置中的 reports)。")
def command(config_path: Path | None, fmt: str, date: dt.datetime | None,
            out_dir: Path | None) -> None:
    """根据历史库生成这一晚的疫情防控工作日报。

    写出日报工作簿和文字、网页简报(身份证号、电话已遮挡)。
    """

    def body() -> int:
        config = get_config(config_path)
        result = build_report(config, as_date(date), out_dir=out_dir)
        output(result, fmt, render)
        return 0

    run(body)
