"""The command line speaks Chinese: every help text, click's own usage errors, the date
option's error; usage errors still exit 2; help pages fit a console by display width."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from toolkit.cli import COMMAND_MODULES, main
from toolkit.cli._click_zh import (
    CLICK_MODULES,
    MESSAGES,
    PLURALS,
    display_width,
    fill,
    wrap_text,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = ("Usage", "Options", "Commands", "Error", "Missing", "Try ", "Show this",
                 "No such", "Invalid value", "does not match")


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), prog_name="gridkit")


def assert_chinese_usage_error(result: click.testing.Result) -> None:
    assert result.exit_code == 2, result.output
    assert "用法:" in result.output and "查看帮助" in result.output
    assert "错误:" in result.output
    for word in ENGLISH_WORDS:
        assert word not in result.output, (word, result.output)


def test_group_help_is_chinese() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("用法: gridkit [选项] 命令 [参数]...")
    assert "选项:" in out and "命令:" in out and "显示本帮助后退出。" in out
    assert "显示版本号后退出。" in out
    for word in ENGLISH_WORDS:
        assert word not in out, word


def test_no_such_command() -> None:
    result = invoke("nosuch")
    assert_chinese_usage_error(result)
    assert "没有“nosuch”这个命令" in result.output


def test_missing_argument() -> None:
    result = invoke("check")
    assert_chinese_usage_error(result)
    assert "缺少参数" in result.output and "文件或文件夹" in result.output


@pytest.mark.parametrize("value", ["2020-13-01", "2020-2-30", "昨天"])
def test_bad_date(value: str) -> None:
    result = invoke("report", "--date", value)
    assert_chinese_usage_error(result)
    assert f"日期“{value}”无效,请写成 2020-02-04 这样的格式" in result.output
    assert "%Y" not in result.output


def test_bad_choice_and_unknown_option() -> None:
    result = invoke("check", "--format", "xml", "x.xlsx")
    assert_chinese_usage_error(result)
    assert "“xml”不是可选的值" in result.output
    result = invoke("check", "--formt", "json", "x.xlsx")
    assert_chinese_usage_error(result)
    assert "没有“--formt”这个选项" in result.output and "--format" in result.output


def test_missing_option() -> None:
    result = invoke("trace", "湖北来威(人)")
    assert_chinese_usage_error(result)
    assert "缺少选项" in result.output and "--township" in result.output


def test_date_forms_accepted(tmp_path: Path) -> None:
    from toolkit.cli._common import DATE
    assert DATE.convert("2020-02-04", None, None).date().isoformat() == "2020-02-04"
    assert DATE.convert("20200204", None, None).date().isoformat() == "2020-02-04"
    assert DATE.convert("2020-2-4", None, None).date().isoformat() == "2020-02-04"


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and "gridkit,版本" in result.output


def commands(group: click.Group, ctx: click.Context,
             path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, click.Context(cmd, parent=ctx, info_name=name),
                                (*path, name))


def all_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(main, info_name="gridkit")
    found = [((), main), *commands(main, ctx)]
    assert {p[0] for p, _ in found if p} == set(COMMAND_MODULES)
    return found


def test_every_help_text_is_chinese() -> None:
    """Every command's help and every option's help has Chinese in it (no English-only
    help); the short help in the command list is whole (click drops a long first
    paragraph to '...')."""
    for path, cmd in all_commands():
        where = " ".join(("gridkit", *path))
        assert cmd.help and CJK.search(cmd.help), where
        short = cmd.get_short_help_str(45)
        assert CJK.search(short) and not short.endswith("..."), (where, short)
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help and CJK.search(param.help), (where, param.opts)
            if isinstance(param, click.Argument):
                metavar = param.make_metavar(click.Context(cmd))
                assert CJK.search(metavar), (where, param.name, metavar)


def test_every_help_page_renders_chinese_and_fits() -> None:
    """Each page says 用法/选项 and no line is wider than the 80-column console."""
    for path, _cmd in all_commands():
        result = invoke(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith("用法:"), path
        assert "选项:" in result.output and "显示本帮助后退出。" in result.output
        for word in ENGLISH_WORDS:
            assert word not in result.output, (path, word)
        for line in result.output.splitlines():
            assert display_width(line) <= 80, (path, line)


def _click_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every literal message the installed click passes to ``_()`` and ``ngettext()``."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for name in (*CLICK_MODULES, "_winconsole"):
        spec = importlib.util.find_spec(f"click.{name}")
        assert spec is not None and spec.origin is not None, name
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.id == "_" and len(args) == 1:
                singles.add(args[0])
            elif node.func.id == "ngettext" and len(args) == 2:
                plurals.add((args[0], args[1]))
    return singles, plurals


def test_catalogue_covers_the_installed_click() -> None:
    """A click upgrade that adds a message fails here rather than printing English."""
    singles, plurals = _click_messages()
    assert singles and plurals
    assert sorted(singles - set(MESSAGES)) == []
    assert sorted(plurals - set(PLURALS)) == []
    for english, chinese in MESSAGES.items():
        # the placeholders click fills in are all in the translation
        want = {m.split("!")[0] for m in re.findall(r"\{(\w+(?:!\w)?)\}", english)}
        got = {m.split("!")[0] for m in re.findall(r"\{(\w+(?:!\w)?)\}", chinese)}
        assert got <= want and (got or not want), english


def test_click_modules_use_the_catalogue() -> None:
    import click.core
    import click.exceptions
    import click.formatting
    assert click.core._("Options") == "选项"  # type: ignore[attr-defined]
    assert click.exceptions._("Missing argument") == "缺少参数"  # type: ignore[attr-defined]
    assert click.formatting._("Usage:") == "用法:"  # type: ignore[attr-defined]


def test_fill_by_display_width() -> None:
    text = "把每个文件的标注副本(问题标在单元格上)写到这个文件夹,文件名与原文件相同。" * 3
    for width in (20, 33, 46):
        lines = fill(text, width).splitlines()
        assert all(display_width(x) <= width for x in lines), width
        assert "".join(lines) == text
        assert not any(x[0] in ",。、)" for x in lines)
    # ASCII words are not split, spaces between them kept
    assert fill("gridkit check 文件 --format json", 14).splitlines() == [
        "gridkit check", "文件 --format", "json"]
    # the lines of a Chinese paragraph join without a space; English ones with one
    assert wrap_text("第一行\n第二行\n\nfirst\nsecond", 80) == "第一行第二行\n\nfirst second"


def test_the_command_list_needs_no_command_imported() -> None:
    """``gridkit --help`` lists the commands from one table (importing every command cost a
    second); each line is that command's own first help line, and nothing is imported."""
    import subprocess
    import sys

    from toolkit.cli import COMMANDS, main

    for name, line in COMMANDS.items():
        command = main.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        assert command.get_short_help_str(limit=200) == line, name
    probe = ("import sys; from toolkit.cli import main; "
             "main(['--help'], standalone_mode=False); "
             "print(sorted(m for m in sys.modules if m.startswith('toolkit.cli.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert "toolkit.cli.check" not in out and "toolkit.cli.nightly" not in out
