"""``gridkit sample OUT --date D [--scale K] [--defects RATE] [--layouts] [--truth FILE]
[--seed S] [--townships N|names] [--nights N [--cross-night]] [--county CODE] [--workers N]``:
write realistic sample township submissions."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import click

from ..config.county import sample_county
from ..errors import UsageError
from ..sample import SampleResult, generate, generate_nights
from ._common import DATE, config_option, format_option, get_config, output, run


def parse_townships(text: str | None) -> int | list[str] | None:
    """``3`` -> the first three townships; ``扎西镇,旧城镇`` -> those."""
    if text is None:
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    names = [n for n in re.split(r"[,,、;;\s]+", text) if n]
    if not names:
        raise UsageError("--townships 应为乡镇个数或用逗号分隔的乡镇名称。")
    return names


def render_text(result: SampleResult) -> str:
    lines = [str(f) for f in result.files]
    lines.append(f"已写出{len(result.files)}个乡镇的样例报表({result.date:%Y-%m-%d}),"
                 f"埋入问题{len(result.defects)}处,无害变化{len(result.drift)}处。")
    if result.layouts:
        used = {f for features in result.layouts.values() for f in features}
        lines.append(f"各乡镇报表格式各不相同(共用到{len(used)}种常见格式变化)。")
    if result.truth_file is not None:
        lines.append(f"埋入位置对照表:{result.truth_file}")
    return "\n".join(lines)


@click.command("sample")
@config_option
@format_option
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹")
@click.option("--date", "date", required=True, type=DATE, metavar="YYYY-MM-DD",
              help="报送日期,写成 2020-02-04 这样的格式。")
@click.option("--scale", type=float, default=1.0, show_default=True, metavar="倍数",
              help="规模:1 = 每个乡镇 400 名排查人员;100 = 全县规模"
                   "(每个乡镇 4 万人,共 40 万人)。")
@click.option("--defects", type=float, default=0.0, show_default=True, metavar="比例",
              help="每行埋入问题的比例(例如 0.01);大于 0 时也加入无害的格式变化。")
@click.option("--drift/--no-drift", default=None,
              help="是否加入真实报表中常见的无害变化(默认:有 --defects 时加入)。")
@click.option("--layouts", is_flag=True, default=False,
              help="每个乡镇的文件用各自的一套真实格式(表单式封面、改名和按村分开的工作表、"
                   "两级表头、合并单元格、小计、表尾签名、带单位的数字);数值仍然正确。")
@click.option("--truth", "truth", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="把埋入了什么问题、在哪里,写成 JSON 文件。")
@click.option("--seed", type=int, default=0, show_default=True, metavar="整数",
              help="随机数种子。")
@click.option("--townships", default=None, metavar="乡镇",
              help="生成几个乡镇(前 N 个)或哪些乡镇(名称,用逗号分开)。")
@click.option("--nights", type=click.IntRange(1, 60), default=1, show_default=True,
              metavar="晚数",
              help="连续生成几晚的报表(到 --date 为止,每晚一个子文件夹 YYYYMMDD):同一批人员"
                   "逐日增加、观察期满解除、累计数只增不减;--defects 只埋在最后一晚。")
@click.option("--cross-night", "cross_night", is_flag=True, default=False,
              help="与 --nights 一起用:在最后一晚每个乡镇再埋入只有与前一晚比较才看得出的问题"
                   "(人员不见了、抵威日期改了、已解除观察又在管控、住户少了),写进 --truth。")
@click.option("--county", "county", default=None, metavar="代码",
              help="为哪个内置样例县生成(行政区划代码,例如 530602 昭阳区;"
                   "内置的有昭通市的几个县),不用 --config。")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="个数",
              help="同时写文件的进程数;0 = 自动(--scale 不小于 10 时用全部 CPU 核)。")
def command(config_path: Path | None, fmt: str, out_dir: Path, date: dt.datetime,
            scale: float, defects: float, drift: bool | None, layouts: bool,
            truth: Path | None, seed: int, townships: str | None, nights: int,
            cross_night: bool, county: str | None, workers: int) -> None:
    """为每个乡镇写一份逼真的样例报表。

    文件名如 扎西镇_20200204.xlsx,可用来练习和测试。
    """

    def body() -> int:
        if county is not None and config_path is not None:
            raise UsageError("--county 与 --config 只能用其中一个。")
        config = sample_county(county) if county is not None else get_config(config_path)
        options: dict[str, Any] = dict(
            scale=scale, seed=seed, townships=parse_townships(townships), drift=drift,
            truth=truth, workers=workers, layouts=layouts)
        if cross_night and nights < 2:
            raise UsageError("--cross-night 要与 --nights 一起用(至少 2 晚)。")
        if nights == 1:
            output(generate(config, out_dir, date.date(), defects=defects, **options), fmt,
                   render_text)
            return 0
        results = generate_nights(config, out_dir, date.date(), nights, defects=defects,
                                  cross_night=cross_night, **options)
        if fmt == "json":
            click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False,
                                  indent=2))
        else:
            click.echo("\n".join(render_text(r) for r in results))
        return 0

    run(body)
