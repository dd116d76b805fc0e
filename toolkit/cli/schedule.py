"""``gridkit schedule``: run ``nightly`` every day at the configured time, in the foreground,
catching up missed nights; stop with Ctrl-C or SIGTERM."""

from __future__ import annotations

from pathlib import Path

import click

from ..scheduler import run_schedule
from ._common import config_option, emit_json, format_option, get_config, run


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
        if fmt == "json":
            emit_json({"nights": [o.to_dict() for o in result.outcomes],
                       "reminders": result.reminders, "stopped_by": result.stopped_by})
        else:
            for o in result.outcomes:
                state = f"退出码 {o.exit_code}" if o.error is None else f"出错:{o.error}"
                click.echo(f"{o.night:%Y-%m-%d}  {state}")
            click.echo(f"计划任务已停止({result.stopped_by})。")
        return 0

    run(body)
