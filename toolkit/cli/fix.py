"""``gridkit fix FILE --out FILE2 [--format text|json]``: a copy with the safe fixes applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from ..annotate.fix import KIND_LABELS, FixResult, fix_file
from ._common import config_option, format_option, get_config, output, run


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.15g}" if abs(value) < 1e15 else f"{value:.5E}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def render_text(result: FixResult) -> str:
    lines = [f"已写出修正后的副本:{result.out}(原文件 {Path(result.source).name} 未改动)。"]
    if result.changes:
        lines.append(f"共修正{len(result.changes)}处:")
        for n in result.changes:
            label = KIND_LABELS.get(n.kind, n.kind)
            lines.append(f"  {n.sheet}!{n.cell} {n.column}:{label}  "
                         f"{_show(n.before)} → {_show(n.after)}")
    else:
        lines.append("没有需要自动修正的地方。")
    if result.reenter:
        lines.append(f"以下{len(result.reenter)}个身份证号被Excel存成了数字,后几位已经丢失,"
                     "无法自动恢复,请把单元格设为文本格式后按原件重新录入:")
        for r in result.reenter:
            lines.append(f"  {r.sheet}!{r.cell} {r.column}:{_show(r.value)}")
    return "\n".join(lines)


@click.command("fix")
@config_option
@format_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="修正后的副本写到哪里(.xlsx;.xls 文件也写成 .xlsx)。")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="文件")
def command(config_path: Path | None, fmt: str, out: Path, file: Path) -> None:
    """写出做了安全修正的副本,并列出改了哪些地方。

    只做不会改变意思的修正(全角数字、多余空格、文字日期等),原文件不改动。被 Excel
    存成数字、后几位已丢失的身份证号只列出来,绝不猜测。

    退出码:0 已写出副本;2 文件无法读取或用法有误。
    """

    def body() -> int:
        config = get_config(config_path)
        result = fix_file(file, out, config)
        output(result, fmt, render_text)
        return 0

    run(body)
