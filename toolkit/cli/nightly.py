"""``gridkit nightly [--date D]``: merge, report and feedback for one night (the unit of work
the schedule runs). Exit codes are the merge's: 0 every township on time, 1 otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from ..run.nightly import NightlyResult, run_nightly
from ._common import (
    as_date,
    config_option,
    date_option,
    format_option,
    get_config,
    output,
    progress_printer,
    run,
)


def render(result: NightlyResult, echo: Callable[[str], None] = click.echo) -> None:
    m = result.merge
    echo(f"{result.night:%Y-%m-%d} 夜间任务:")
    for t in m.townships:
        extra = f"  {t.note}" if t.note else ""
        echo(f"  {t.township:<5} {t.word}  {t.file or '-'}  行 {t.rows}  错误 {t.errors}  "
             f"警告 {t.warnings}{extra}")
    echo(m.status_sentence)
    if m.inbox_empty:
        echo(m.inbox_empty)
    if result.unchanged is not None:
        echo(result.unchanged_sentence)
        echo(f"上次写出的汇总表、日报和反馈共 {len(result.unchanged)} 个文件,均未改动。")
    echo(f"合并 {m.rows} 行;跨乡镇重复身份证号 {len(m.conflicts)} 个。")
    echo(f"全县汇总表:{m.master}")
    if m.master_fallback:
        echo(m.master_fallback)
    if result.report is not None:
        echo(f"日报:{result.report.workbook}")
        echo(f"简报:{result.report.briefing_text}")
    copies = sum(1 for f in result.feedback if f.annotated)
    if result.feedback:
        echo(f"反馈:{result.feedback[0].note.parent.parent}(每个乡镇一个文件夹,"
             f"{copies} 份标注副本)")
    for failure in result.failures:
        echo(f"未完成:{failure}")
    echo(f"日志:{result.log_file}")


@click.command("nightly")
@config_option
@format_option
@date_option
@click.option("--redo", is_flag=True,
              help="文件、配置和模板与上次相同也全部重做(平时不需要)。")
def command(config_path: Path | None, fmt: str, date: dt.datetime | None, redo: bool) -> None:
    """夜间任务:汇总收件箱,生成日报和给各乡镇的反馈。

    计划任务每晚运行的就是这个命令。文件、配置、模板和写出的文件都与上次相同时不再重做,
    只说一句。

    退出码:0 所有乡镇按时报送且没有错误;1 有乡镇未报、迟报、有错待改或被退回,或某一步
    没有完成。
    """

    def body() -> int:
        config = get_config(config_path)
        result = run_nightly(config, as_date(date), progress=progress_printer(fmt == "text"),
                             console=fmt == "text", redo=redo)
        output(result, fmt, render)
        return result.exit_code

    run(body)
