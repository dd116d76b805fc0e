"""What every command shares: the --config and --format options, and the one place that
turns gridkit's exceptions into a sentence and an exit code."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config.county import Config, load_config
from ..errors import GridkitError
from ..run.crashlog import crash_sentence, record_crash

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


def config_option(func: F) -> F:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="本县配置文件 gridkit.toml 的路径(默认:当前文件夹中的 gridkit.toml,"
             "没有时用内置的示例县)。",
    )(func)


def format_option(func: F) -> F:
    return click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="输出格式:text 为文字,json 供其他程序读取。",
    )(func)


class DateType(click.ParamType):
    """A date written 2020-02-04 or 20200204 (a ``datetime`` at midnight); anything else is
    refused with one Chinese sentence (click's own message quotes strptime formats)."""

    name = "date"
    FORMATS = ("%Y-%m-%d", "%Y%m%d")

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        self.fail(f"日期“{text}”无效,请写成 2020-02-04 这样的格式。", param, ctx)


DATE = DateType()


def date_option(func: F) -> F:
    return click.option(
        "--date", "date", type=DATE, default=None, metavar="YYYY-MM-DD",
        help="哪一晚,写成 2020-02-04 这样的格式(默认:今天)。",
    )(func)


def as_date(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def get_config(config_path: Path | None) -> Config:
    return load_config(config_path)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def output(result: Any, fmt: str, text: Callable[[Any], str | None]) -> None:
    """Print a command's result: with ``--format json`` its ``to_dict()`` (for a list, each
    item's), else ``text(result)`` (which echoes itself, or returns the text to echo)."""
    if fmt == "json":
        emit_json([r.to_dict() for r in result] if isinstance(result, list)
                  else result.to_dict())
        return
    out = text(result)
    if out is not None:
        click.echo(out)


def progress_printer(enabled: bool) -> Callable[[str, int, int], None]:
    """Progress on the terminal: a redrawn line on a tty, plain lines otherwise."""
    if not enabled:
        return lambda _step, _done, _total: None
    tty = sys.stderr.isatty()

    def progress(step: str, done: int, total: int) -> None:
        if tty:
            bar = "#" * (20 * done // total) if total else ""
            click.echo(f"\r{step} [{bar:<20}] {done}/{total}", err=True, nl=done >= total)
        elif done >= total:
            click.echo(f"{step}:完成", err=True)
    return progress


def run(body: Callable[[], int | None]) -> None:
    """Run a command body; map GridkitError to its sentence on stderr and its exit code.
    Anything else is a bug: one sentence naming the log file that holds the traceback
    (set GRIDKIT_DEBUG=1 to see the traceback instead). The body returns the exit code
    (None = 0)."""
    try:
        code = body()
    except GridkitError as exc:
        click.echo(f"gridkit: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("gridkit: 已中断。", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: one sentence for the office, the traceback to a log
        if os.environ.get("GRIDKIT_DEBUG"):
            raise
        click.echo(crash_sentence(exc, record_crash(" ".join(sys.argv), exc)), err=True)
        sys.exit(EXIT_PROBLEMS)
    sys.exit(code or EXIT_OK)
