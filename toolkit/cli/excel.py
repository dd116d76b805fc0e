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
    """Excel 按钮:装进工作簿,生成带宏的模板。"""


@command.command("attach")
@format_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="要写出的带宏工作簿(.xlsm;默认:与原工作簿同名的 .xlsm)。")
@click.option("--buttons", "buttons", type=click.Choice(list(BUTTON_SETS)),
              default="register", show_default=True,
              help="register:“检查本表”;master:“汇总”“生成日报”“生成反馈”;all:全部按钮。")
@click.option("--interpreter", default=None, metavar="PYTHON",
              help="按钮使用的 Python(写入 xlwings.conf 的 Interpreter_Win;默认:在 Windows "
                   "上为当前的 Python,否则为 PATH 中的 python)。")
@click.option("--pythonpath", default="", metavar="路径",
              help="写入 xlwings.conf 的 PYTHONPATH(一般不用填)。")
@click.option("--gridkit-config", "gridkit_config", default="", metavar="文件",
              help="按钮使用的本县配置 gridkit.toml 的路径(写入 xlwings.conf 的 GRIDKIT_CONFIG)。")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path), metavar="工作簿")
def attach_command(fmt: str, out: Path | None, buttons: str, interpreter: str | None,
                   pythonpath: str, gridkit_config: str, workbook: Path) -> None:
    """把工作簿(.xlsx/.xlsm)做成带 gridkit 按钮的宏工作簿。"""

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
@click.option("--interpreter", default=None, metavar="PYTHON",
              help="按钮使用的 Python(写入 xlwings.conf 的 Interpreter_Win;默认:在 Windows "
                   "上为当前的 Python,否则空着)。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path),
                default=Path("workbooks"), metavar="[文件夹]")
def build_command(config_path: Path | None, fmt: str, interpreter: str | None,
                  directory: Path) -> None:
    """生成带按钮的 网格登记表.xlsm 和 全县汇总表.xlsm。

    写在文件夹(默认 workbooks)中的模板旁边。
    """

    def body() -> int:
        results = build_workbooks(get_config(config_path), directory,
                                  interpreter=default_interpreter() if interpreter is None
                                  else interpreter)
        output(results, fmt, render_all)
        return 0

    run(body)
