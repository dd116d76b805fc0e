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
              help="Remind at the deadline of townships that have not sent a file "
                   "(default: the config's remind_at_deadline).")
def command(config_path: Path | None, fmt: str, remind: bool | None) -> None:
    """Run the nightly job every day at county.nightly_at until stopped."""

    def body() -> int:
        config = get_config(config_path)
        result = run_schedule(config, remind=remind)
        output(result, fmt, render_text)
        return 0

    run(body)
