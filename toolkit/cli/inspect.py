"""``gridkit inspect FILE... [--format text|json]``: how gridkit reads a file."""

from __future__ import annotations

from pathlib import Path

import click

from ..read import InspectResult, inspect_paths
from ..read.rows import REASON_TEXT
from ._common import EXIT_OK, EXIT_UNUSABLE, config_option, format_option, get_config, output, run


def render_text(result: InspectResult) -> str:
    name = Path(result.file).name
    lines = [f"{'✗' if result.status == 'unreadable' else '✓'} {name}"]
    if result.error:
        lines.append(f"  无法使用:{result.error}")
    if result.reading is not None:
        lines += [f"  {line}" for line in result.reading.lines()]
        for s in result.reading.sheets:
            if s.register_sheet is None or not s.columns:
                continue
            lines.append(f"  “{s.name}”的列:" + "、".join(
                f"{c.cell} {c.header}" + (f"→{c.field}" if c.field and c.field != c.header
                                          else "" if c.field else "(未用)")
                for c in s.columns))
            skipped = [f"第{x.first}行" if x.first == x.last else f"第{x.first}-{x.last}行"
                       for x in s.skipped]
            if skipped:
                lines.append("  跳过的行:" + "、".join(
                    f"{w}{REASON_TEXT.get(x.reason, x.reason)}"
                    for w, x in zip(skipped, s.skipped, strict=True)))
    for f in result.findings:
        where = f"{f.source_sheet or f.sheet or ''}!{f.cell}" if f.cell else (
            f.source_sheet or f.sheet or "")
        lines.append(f"  {where} {f.rule}:{f.message}")
    return "\n".join(lines)


def render_all(results: list[InspectResult]) -> str:
    return "\n".join(render_text(r) for r in results)


@click.command("inspect")
@config_option
@format_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="文件...")
def command(config_path: Path | None, fmt: str, paths: tuple[Path, ...]) -> None:
    """显示 gridkit 怎样读取每个文件。

    列出每个工作表被当作哪张表、表头在哪几行、每一列对应哪一项、跳过了哪些行及原因、
    乡镇和日期是从哪里读到的。

    退出码:0 每个文件都能读取;2 有文件无法使用。
    """

    def body() -> int:
        results = inspect_paths(paths, get_config(config_path))
        output(results, fmt, render_all)
        return EXIT_UNUSABLE if any(r.status == "unreadable" for r in results) else EXIT_OK

    run(body)
