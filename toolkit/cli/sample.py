"""``gridkit sample OUT --date D [--scale K] [--defects RATE] [--layouts] [--truth FILE]
[--seed S] [--townships N|names] [--workers N]``: write realistic sample township
submissions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from ..errors import UsageError
from ..sample import SampleResult, generate
from ._common import config_option, format_option, get_config, output, run


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
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--date", "date", required=True,
              type=click.DateTime(formats=["%Y-%m-%d", "%Y%m%d"]),
              help="The submission date, as YYYY-MM-DD.")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size: 1 = 400 screened persons per township; 100 = county size "
                   "(40,000 per township, 400,000 in all).")
@click.option("--defects", type=float, default=0.0, show_default=True,
              help="Rate per row of planted defects (e.g. 0.01); >0 also adds harmless drift.")
@click.option("--drift/--no-drift", default=None,
              help="Add harmless real-world drift (default: with --defects).")
@click.option("--layouts", is_flag=True, default=False,
              help="Lay each township's file out in its own mix of real layouts (cover "
                   "forms, renamed and per-village sheets, two-level headers, merged cells, "
                   "subtotals, footers, counts with units); values stay valid.")
@click.option("--truth", "truth", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write what was planted where as JSON.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--townships", default=None,
              help="How many townships (first N) or which ones (names, comma separated).")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes writing files; 0 = automatic (the cores when --scale >= 10).")
def command(config_path: Path | None, fmt: str, out_dir: Path, date: dt.datetime,
            scale: float, defects: float, drift: bool | None, layouts: bool,
            truth: Path | None, seed: int, townships: str | None, workers: int) -> None:
    """Write one realistic sample submission per township (e.g. 扎西镇_20200204.xlsx)."""

    def body() -> int:
        config = get_config(config_path)
        result = generate(config, out_dir, date.date(), scale=scale, defects=defects,
                          seed=seed, townships=parse_townships(townships), drift=drift,
                          truth=truth, workers=workers, layouts=layouts)
        output(result, fmt, render_text)
        return 0

    run(body)
