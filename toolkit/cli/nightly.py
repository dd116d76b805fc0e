"""``gridkit nightly [--date D]``: merge, report and feedback for one night (the unit of work
the schedule runs). Exit codes are the merge's: 0 every township on time, 1 otherwise."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..nightly import NightlyResult, Progress, run_nightly
from ._common import as_date, config_option, date_option, emit_json, format_option, get_config, run


def progress_printer(enabled: bool) -> Progress:
    """Progress on the terminal: a redrawn line on a tty, plain lines otherwise."""
    if not enabled:
        return lambda _step, _done, _total: None
    tty = sys.stderr.isatty()

    def show(step: str, done: int, total: int) -> None:
        if tty:
            bar = "#" * (20 * done // total) if total else ""
            click.echo(f"\r{step} [{bar:<20}] {done}/{total}", err=True, nl=done >= total)
        elif done >= total:
            click.echo(f"{step}:完成", err=True)
    return show


def render(result: NightlyResult, echo: Callable[[str], None] = click.echo) -> None:
    m = result.merge
    echo(f"{result.night:%Y-%m-%d} 夜间任务:")
    for t in m.townships:
        extra = f"  {t.reason}" if t.reason else ""
        echo(f"  {t.township:<5} {t.status}  {t.file or '-'}  行 {t.rows}  错误 {t.errors}  "
             f"警告 {t.warnings}{extra}")
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
def command(config_path: Path | None, fmt: str, date: dt.datetime | None) -> None:
    """Run a night: merge the inbox, write the report and the townships' feedback."""

    def body() -> int:
        config = get_config(config_path)
        result = run_nightly(config, as_date(date), progress=progress_printer(fmt == "text"),
                             console=fmt == "text")
        if fmt == "json":
            emit_json(result.to_dict())
        else:
            render(result)
        return result.exit_code

    run(body)
