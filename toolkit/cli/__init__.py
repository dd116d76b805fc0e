"""The ``gridkit`` command: a thin shell over the library.

Each command lives in its own module here and only parses input, calls one library function
and renders the result. Errors become one sentence and an exit code in one place
(:func:`toolkit.cli._common.run`). Exit codes: 0 ok, 1 problems found or job failed,
2 unusable input or usage.

A command's module (and the library it needs) is imported only when that command runs:
importing every command cost 0.5 s before any work, more than checking a small file.

Everything the office reads is Chinese: the help texts here and click's own words
(:mod:`toolkit.cli._click_zh`, installed before any command is defined).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .. import __version__
from . import _click_zh

_click_zh.install()

# Command name (= the module defining it as ``command``) -> its one line in ``gridkit
# --help``, in the order listed. Written here so the list needs no command imported (that
# cost a second); tests/test_cli_chinese.py holds each line to the command's own help.
COMMANDS = {
    "init": "在文件夹中写出可修改的本县配置,并建好各个文件夹。",
    "template": "生成乡镇登记表模板和空白的全县汇总表。",
    "sample": "为每个乡镇写一份逼真的样例报表。",
    "check": "按全部规则检查乡镇报表。",
    "inspect": "显示 gridkit 怎样读取每个文件。",
    "fix": "写出做了安全修正的副本,并列出改了哪些地方。",
    "merge": "把这一晚收件箱中的乡镇报表汇总进全县汇总表。",
    "trace": "查看汇总表中一个数字来自乡镇报表的哪些单元格。",
    "report": "根据历史库生成这一晚的疫情防控工作日报。",
    "nightly": "夜间任务:汇总收件箱,生成日报和给各乡镇的反馈。",
    "schedule": "每天按配置的时间(nightly_at)运行夜间任务,直到停止。",
    "store": "历史库:检查是否完好,从备份恢复,迁到市里的服务器。",
    "demo": "演示:用样例报表跑完整的一晚。",
    "excel": "Excel 按钮:装进工作簿,生成带宏的模板。",
    "city": "市级:汇总各县的历史库,生成全市汇总表和日报。",
}
COMMAND_MODULES = tuple(COMMANDS)


OPTIONS_METAVAR, SUBCOMMAND_METAVAR = "[选项]", "命令 [参数]..."


def chinese(command: click.Command) -> click.Command:
    """A command (and, in a group, its commands) with the usage line's placeholders in
    Chinese (``gridkit check [选项] 文件或文件夹...``) and help pages laid out by display
    width."""
    command.options_metavar = OPTIONS_METAVAR
    command.context_class = _click_zh.Context
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            chinese(sub)
    return command


class LazyGroup(click.Group):
    """A group whose commands are imported when they are looked up."""

    context_class = _click_zh.Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``gridkit --help`` from :data:`COMMANDS`, no import."""
        with formatter.section("命令"):
            formatter.write_dl(list(COMMANDS.items()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        command: Any = importlib.import_module(f"{__name__}.{cmd_name}").command
        return chinese(command)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             options_metavar=OPTIONS_METAVAR, subcommand_metavar=SUBCOMMAND_METAVAR)
@click.version_option(__version__, prog_name="gridkit", message="%(prog)s,版本 %(version)s",
                      help="显示版本号后退出。")
def main() -> None:
    """gridkit:检查、汇总各乡镇的网格化管理登记表,生成全县日报。

    每个命令加 --help 查看它的用法,例如 gridkit check --help。

    退出码:0 正常;1 发现问题或任务失败;2 输入无法使用或用法有误;3 另一个 gridkit
    正在运行(稍后再试)。

    使用方法见《用户手册》,安装见《安装说明》。
    """
