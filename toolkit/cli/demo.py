"""``gridkit demo [DIR]``: set up DIR and run a whole sample night in it, then say where the
master, the report and the feedback files are. Exits 0 when the demo ran, even though the
demo night has a late township (that night's own exit code would be 1)."""

from __future__ import annotations

from pathlib import Path

import click

from ..run.demo import DEFAULT_DIR, DEMO_NIGHTS, DemoResult, run_demo
from ._common import format_option, output, progress_printer, run


def render(result: DemoResult) -> None:
    r = result.result
    click.echo(f"演示完成:{result.night:%Y-%m-%d} 这一晚已在 {result.directory} 中跑完"
               f"(先跑了前{DEMO_NIGHTS - 1}晚,同一批人员逐日增加,以便日报显示趋势和较上日变化,"
               f"跨夜检查有历史可比)。")
    click.echo(f"  本晚情况:{result.late_township}迟报,{result.error_township}的报表有错误,"
               f"其余乡镇按时报送。这一晚本身的退出码是 {r.exit_code}"
               f"(有乡镇迟报时 gridkit nightly 返回 1,这是正常的),演示本身成功。")
    click.echo(f"  全县汇总表:{r.merge.master}")
    if r.report is not None:
        click.echo(f"  日报工作簿:{r.report.workbook}")
        click.echo(f"  文字简报:  {r.report.briefing_text}")
        click.echo(f"  网页简报:  {r.report.briefing_html}")
    if r.feedback:
        click.echo(f"  反馈文件:  {r.feedback[0].note.parent.parent}(每个乡镇一个文件夹)")
    click.echo(f"  日志:      {r.log_file}")
    click.echo(f"  示例报表:  {result.directory / 'samples'}")
    click.echo(f"  可修改的日报模板:{result.directory / 'templates'}")
    click.echo(f"再次运行这一晚:cd {result.directory} && gridkit nightly --date "
               f"{result.night:%Y-%m-%d}")


@click.command("demo")
@format_option
@click.option("--scale", type=float, default=1.0, show_default=True, hidden=True, metavar="倍数",
              help="样例规模(1 = 每个乡镇 400 名排查人员)。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path),
                default=DEFAULT_DIR, required=False, metavar="[文件夹]")
def command(fmt: str, scale: float, directory: Path) -> None:
    """演示:用样例报表跑完整的一晚。

    在文件夹(默认 ./gridkit-demo)中生成示例县十个乡镇的报表,跑完归档、检查、汇总、
    日报和反馈,最后列出各个结果文件在哪里。
    """

    def body() -> int:
        result = run_demo(directory, scale=scale, progress=progress_printer(fmt == "text"))
        output(result, fmt, render)
        return result.exit_code

    run(body)
