"""``gridkit check PATH... [--format text|json] [--out DIR] [--history [--date D]]``: check
township registers (with ``--history`` also against the township's earlier nights)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..check.rules.context import show
from ..check.run import CheckResult, check_paths, exit_code
from ..config.catalogue import RULE_TITLES
from ..config.county import Config
from ..findings import SEVERITY_TEXT
from ._common import DATE, config_option, format_option, get_config, output, run

SHOWN = 20  # problems listed per file in the text summary


def _annotate(paths: tuple[Path, ...], config: Config, out_dir: Path) -> list[CheckResult]:
    # imported here: the copies need openpyxl, a check without --out should not load it
    from ..annotate.copy import annotate_paths

    return annotate_paths(paths, config, out_dir)


def render_text(result: CheckResult, shown: int = SHOWN) -> str:
    name = Path(result.file).name
    if result.status == "unreadable":
        return f"✗ {name}:无法读取。{result.error}"
    where = "、".join(x for x in (result.township,
                                  result.report_date.isoformat() if result.report_date else None)
                     if x)
    head = f"{name}({where})" if where else name
    if not result.issues:
        lines = [f"✓ {head}:通过,没有发现问题。"]
    else:
        mark, verdict = (("✗", "有错误,须改正后重新报送") if result.status == "errors"
                         else ("✓", "通过"))
        lines = [f"{mark} {head}:{verdict}:{result.errors}个错误、{result.warnings}个警告。"]
        lines.append("  按规则:")
        for rule, severity, n in sorted(result.counts_by_rule(),
                                        key=lambda x: (x[1] != "error", -x[2], x[0])):
            lines.append(f"    {rule}({RULE_TITLES.get(rule, '')},{SEVERITY_TEXT[severity]}):{n}条")
        lines.append("  问题:")
        for f in result.issues[:shown]:
            value = "" if f.value is None else f"[原值:{show(f.value)}]"
            where = f"{f.sheet}!{f.cell}" if f.cell else (f.sheet or "整个文件")
            lines.append(f"    {where} {SEVERITY_TEXT[f.severity]} {f.rule}:"
                         f"{f.message}{value}")
        if len(result.issues) > shown:
            lines.append(f"    …还有{len(result.issues) - shown}条")
    if result.annotated is not None:
        lines.append(f"  标注副本:{result.annotated}")
    if result.annotate_error:
        lines.append(f"  未能写出标注副本:{result.annotate_error}")
    return "\n".join(lines)


def render_summary(results: list[CheckResult]) -> str:
    ok = sum(r.status == "ok" for r in results)
    bad = sum(r.status == "errors" for r in results)
    lost = sum(r.status == "unreadable" for r in results)
    return f"共检查{len(results)}个文件:{ok}个没有错误,{bad}个有错误,{lost}个无法读取。"


def render_all(results: list[CheckResult]) -> str:
    """Every file's text, then a summary line when there are several."""
    parts = [render_text(r) for r in results]
    if len(results) > 1:
        parts.append(render_summary(results))
    return "\n".join(parts)


@click.command("check")
@config_option
@format_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="把每个文件的标注副本(问题标在单元格上)写到这个文件夹。")
@click.option("--history", is_flag=True, default=False,
              help="再与历史库中本乡镇此前已汇总的报表比较(跨夜检查:人员不见了、日期改了、"
                   "累计数减少、报了旧文件……),不写入历史库。")
@click.option("--date", "date", type=DATE, default=None, metavar="YYYY-MM-DD",
              help="与 --history 一起用:按哪一晚的报表检查(默认:表中的填报日期)。")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="文件或文件夹...")
def command(config_path: Path | None, fmt: str, out_dir: Path | None, history: bool,
            date: dt.datetime | None, paths: tuple[Path, ...]) -> None:
    """按全部规则检查乡镇报表。

    可以写一个或多个文件,也可以写文件夹(检查其中每个报表)。加 --history 时再与
    历史库中本乡镇此前的报表比较,报送前就能看到汇总时会有的跨夜警告。

    退出码:0 没有错误(可以有警告);1 有错误;2 有文件无法读取。
    """

    def body() -> int:
        config = get_config(config_path)
        if history:
            # imported here: the history's modules are not needed by a plain check
            from ..night.precheck import check_with_history

            checked = check_with_history(paths, config, out_dir=out_dir,
                                         night=date.date() if date is not None else None)
            if fmt != "json" and not checked.has_history:
                click.echo("历史库中还没有汇总过的报表,只按当日检查。")
            for failure in checked.failures:
                click.echo(failure.split("\n", 1)[0], err=True)
            results = checked.results
        else:
            results = (check_paths(paths, config) if out_dir is None
                       else _annotate(paths, config, out_dir))
        output(results, fmt, render_all)
        return exit_code(results)

    run(body)
