"""``gridkit schedule``: run ``nightly`` every day at the configured time, in the foreground,
catching up missed nights; stop with Ctrl-C or SIGTERM."""

from __future__ import annotations

from pathlib import Path

import click

from ..run.scheduler import ScheduleRun, run_schedule
from ._common import config_option, format_option, get_config, output, run


def render_text(result: ScheduleRun) -> str:
    lines = [f"{o.night:%Y-%m-%d}  " + (f"退出码 {o.exit_code}" if o.error is None
                                        else f"出错:{o.error}") for o in result.outcomes]
    lines.append(f"计划任务已停止({result.stopped_by})。")
    return "\n".join(lines)


@click.command("schedule")
@config_option
@format_option
@click.option("--remind/--no-remind", default=None,
              help="到报送截止时间时提醒哪些乡镇还没有报送"
                   "(默认:按配置中的 remind_at_deadline)。")
def command(config_path: Path | None, fmt: str, remind: bool | None) -> None:
    """每天按配置的时间(nightly_at)运行夜间任务,直到停止。

    在前台运行,按 Ctrl-C 停止;电脑关机期间错过的晚上会补跑。
    """

    def body() -> int:
        config = get_config(config_path)
        result = run_schedule(config, remind=remind)
        output(result, fmt, render_text)
        return 0

    run(body)
