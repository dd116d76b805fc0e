"""The ``gridkit`` command: a thin shell over the library.

Each command lives in its own module here and only parses input, calls one library function
and renders the result. Errors become one sentence and an exit code in one place
(:func:`toolkit.cli._common.run`). Exit codes: 0 ok, 1 problems found or job failed,
2 unusable input or usage.

A command's module (and the library it needs) is imported only when that command runs:
importing every command cost 0.5 s before any work, more than checking a small file.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .. import __version__

# Command name -> the module defining it (as ``command``), in the order --help lists them.
COMMAND_MODULES = (
    "init", "template", "sample", "check", "inspect", "fix", "merge", "trace", "report",
    "nightly", "schedule", "store", "demo", "excel",
)


class LazyGroup(click.Group):
    """A group whose commands are imported when they are looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        command: Any = importlib.import_module(f"{__name__}.{cmd_name}").command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gridkit")
def main() -> None:
    """gridkit: check, merge and report the county's township grid registers."""
