"""``gridkit init DIR``: write editable copies of the county config and the register schema."""

from __future__ import annotations

from pathlib import Path

import click

from ..config.init import InitResult, init_county
from ._common import format_option, output, run


def render(result: InitResult) -> None:
    for path in result.written:
        click.echo(f"已写入 {path}")
    for path in result.kept:
        click.echo(f"已存在,未改动 {path}(要覆盖请加 --force)")
    for folder in result.created:
        click.echo(f"已创建文件夹 {folder}")
    click.echo(f"请按本县情况修改 {result.config_file},以后的命令在该文件夹中运行,"
               f"或加 --config {result.config_file}。")


@click.command("init")
@format_option
@click.option("--force", is_flag=True, help="已有 gridkit.toml 和 schema.toml 时也覆盖。")
@click.option("--county", "county", default=None, metavar="代码",
              help="从哪个内置样例县开始(行政区划代码,例如 530602 昭阳区;默认威信县)。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹")
def command(fmt: str, force: bool, county: str | None, directory: Path) -> None:
    """在文件夹中写出可修改的本县配置,并建好各个文件夹。

    写出 gridkit.toml(本县、乡镇、截止时间、文件夹)和 schema.toml(登记表结构),
    并创建收件箱、归档等文件夹。
    """

    def body() -> int:
        result = init_county(directory, force=force, county=county)
        output(result, fmt, render)
        return 0

    run(body)
