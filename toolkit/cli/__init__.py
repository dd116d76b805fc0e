"""The ``gridkit`` command: a thin shell over the library.

Each command lives in its own module here and only parses input, calls one library function
and renders the result. Errors become one sentence and an exit code in one place
(:func:`toolkit.cli._common.run`). Exit codes: 0 ok, 1 problems found or job failed,
2 unusable input or usage.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

# Command modules, each defining a click command named ``command``.
COMMAND_MODULES = (
    "init", "template", "sample", "check", "inspect", "fix", "merge", "trace", "report",
    "nightly", "schedule", "demo", "excel",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gridkit")
def main() -> None:
    """gridkit: check, merge and report the county's township grid registers."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(f"{__name__}.{_name}").command)
