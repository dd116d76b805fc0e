"""``gridkit excel``: put gridkit's buttons into the offices' Excel workbooks.

- ``gridkit excel attach WORKBOOK [--out FILE.xlsm]``: the office's workbook with xlwings'
  standalone VBA project, a 操作按钮 sheet with the buttons and an xlwings.conf sheet.
- ``gridkit excel build-workbooks [DIR]``: 网格登记表.xlsm and 全县汇总表.xlsm beside the
  templates.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..excel.actions import BUTTON_SETS
from ..excel.attach import AttachResult, attach, build_workbooks, default_interpreter
from ._common import config_option, format_option, get_config, output, run


def render(result: AttachResult) -> None:
    click.echo(f"已生成 {result.out}(保留原有工作表:{'、'.join(result.sheets)})")
    for caption, cmd in result.buttons:
        click.echo(f"  按钮“{caption}” → RunPython {cmd}")
    for note in result.notes:
        click.echo(f"注意:{note}", err=True)
    if result.bas is not None:
        click.echo(f"备用宏模块:{result.bas}"
                   "(按钮无反应时在VBA编辑器中导入,见 docs/Excel使用说明.md)")


def render_all(results: list[AttachResult]) -> None:
    for result in results:
        render(result)


@click.group("excel")
def command() -> None:
    """Excel buttons: attach them to a workbook, build the macro templates."""


@command.command("attach")
@format_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The macro workbook to write (.xlsm; default: WORKBOOK as .xlsm).")
@click.option("--buttons", "buttons", type=click.Choice(list(BUTTON_SETS)),
              default="register", show_default=True,
              help="register: 检查本表; master: 汇总/生成日报/生成反馈; all: every button.")
@click.option("--interpreter", default=None,
              help="Python for xlwings.conf Interpreter_Win (default: this Python on Windows, "
                   "else python from PATH).")
@click.option("--pythonpath", default="", help="PYTHONPATH for xlwings.conf.")
@click.option("--gridkit-config", "gridkit_config", default="",
              help="Path of gridkit.toml for the buttons (xlwings.conf GRIDKIT_CONFIG).")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
def attach_command(fmt: str, out: Path | None, buttons: str, interpreter: str | None,
                   pythonpath: str, gridkit_config: str, workbook: Path) -> None:
    """Turn WORKBOOK (.xlsx/.xlsm) into a macro workbook with gridkit's buttons."""

    def body() -> int:
        result = attach(workbook, out, actions=BUTTON_SETS[buttons],
                        interpreter=default_interpreter() if interpreter is None else interpreter,
                        pythonpath=pythonpath, config_path=gridkit_config)
        output(result, fmt, render)
        return 0

    run(body)


@command.command("build-workbooks")
@config_option
@format_option
@click.option("--interpreter", default="", help="Python for xlwings.conf Interpreter_Win.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path),
                default=Path("workbooks"))
def build_command(config_path: Path | None, fmt: str, interpreter: str,
                  directory: Path) -> None:
    """Write 网格登记表.xlsm and 全县汇总表.xlsm beside the templates in DIRECTORY."""

    def body() -> int:
        results = build_workbooks(get_config(config_path), directory, interpreter=interpreter)
        output(results, fmt, render_all)
        return 0

    run(body)
