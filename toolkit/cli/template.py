"""``gridkit template [--out DIR]``: write the township register template and the empty
county master, from the schema and the county config."""

from __future__ import annotations

from pathlib import Path

import click

from ..outputs.forms import TemplateResult, write_templates
from ._common import config_option, format_option, get_config, output, run


def render(result: TemplateResult) -> None:
    click.echo(f"已写入 {result.register}")
    click.echo(f"已写入 {result.master}")


@click.command("template")
@config_option
@format_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("workbooks"), show_default=True,
              help="网格登记表.xlsx 和 全县汇总表.xlsx 写到哪个文件夹。")
def command(config_path: Path | None, fmt: str, out_dir: Path) -> None:
    """生成乡镇登记表模板和空白的全县汇总表。

    模板 网格登记表.xlsx 按本县的登记表结构和乡镇生成,发给各乡镇填写。
    """

    def body() -> int:
        result = write_templates(get_config(config_path), out_dir)
        output(result, fmt, render)
        return 0

    run(body)
