"""``gridkit merge``: the night's merge into the county master and the history store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..night.merge import MergeResult, merge_night
from ..width import display_width
from ._common import as_date, config_option, date_option, format_option, get_config, output, run


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def render_text(result: MergeResult) -> str:
    lines = [f"{result.date:%Y-%m-%d} 汇总结果"]
    head = ["乡镇", "状态", "行数", "错误", "警告", "收到时间", "文件 / 说明"]
    table = [head]
    for t in [*result.townships, *result.unattributed]:
        note = "：".join(x for x in (t.file, t.note) if x)
        table.append([t.township or "(未识别)", t.word, str(t.rows), str(t.errors),
                      str(t.warnings),
                      t.arrived_at.strftime("%m-%d %H:%M") if t.arrived_at else "", note])
    widths = [max(display_width(r[i]) for r in table) for i in range(len(head) - 1)]
    for r in table:
        lines.append("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=False))
                     + "  " + r[-1])
    lines.append(f"{result.status_sentence}合并{result.rows}行。")
    if result.inbox_empty:
        lines.append(result.inbox_empty)
    if result.unchanged:
        lines.append(result.unchanged_sentence)
    for name, same in result.duplicates:
        lines.append(f"重复文件:{name} 与 {same} 内容完全相同,只汇总一次。")
    for name, why in result.skipped:
        lines.append(f"跳过:{name}({why})")
    for name, why in result.left:
        lines.append(f"暂不汇总:{name}({why})")
    if result.conflicts:
        lines.append(f"跨乡镇重复登记的身份证号 {len(result.conflicts)} 个:")
        for k in result.conflicts[:20]:
            where = ";".join(f"{s.township} {s.file} {s.sheet}第{s.row}行" for s in k.sources)
            lines.append(f"  {k.id_number}:{where}")
        if len(result.conflicts) > 20:
            lines.append(f"  ……其余 {len(result.conflicts) - 20} 个见汇总表“跨乡镇重复”。")
    if result.master_fallback:
        lines.append(result.master_fallback)
    lines.append(f"全县汇总表:{result.master}")
    return "\n".join(lines)


@click.command("merge")
@config_option
@date_option
@click.option("--inbox", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="乡镇报表所在的收件箱文件夹(默认:配置中的 inbox)。")
@click.option("--redo", is_flag=True,
              help="文件和配置与上次汇总时相同也重新汇总(平时不需要)。")
@format_option
def command(config_path: Path | None, date: dt.datetime | None, inbox: Path | None,
            redo: bool, fmt: str) -> None:
    """把这一晚收件箱中的乡镇报表汇总进全县汇总表。

    先归档每个文件,再检查、判定(已报/迟报/退回),写入历史库和全县汇总表。
    文件、配置和汇总表都与上次汇总时相同时不再重做,只说一句。

    退出码:0 所有乡镇按时报送且没有错误;1 有乡镇未报、迟报、有错待改或被退回。
    """

    def body() -> int:
        config = get_config(config_path)
        result = merge_night(config, as_date(date), inbox=inbox, redo=redo)
        output(result, fmt, render_text)
        return result.exit_code

    run(body)
