"""``gridkit store check`` / ``gridkit store restore [BACKUP]``: the history store's health
and its backups."""

from __future__ import annotations

from pathlib import Path

import click

from ..store.maintenance import Restored, StoreCheck, check_store, restore_store
from ._common import EXIT_OK, EXIT_PROBLEMS, config_option, format_option, get_config, output, run


def render_check(result: StoreCheck) -> str:
    lines = [("✓ " if result.ok else "✗ ") + result.message, f"  历史库:{result.path}"]
    if result.backups:
        lines.append(f"  最近的备份:{result.backups[-1]}")
    return "\n".join(lines)


def render_restore(result: Restored) -> str:
    lines = [f"已从备份 {result.backup} 恢复历史库 {result.store}(共 {result.nights} 晚)。"]
    if result.kept:
        lines.append(f"  被替换的历史库另存为 {result.kept}。")
    return "\n".join(lines)


@click.group("store")
def command() -> None:
    """历史库:检查是否完好,从备份恢复。"""


@command.command("check")
@config_option
@format_option
def check(config_path: Path | None, fmt: str) -> None:
    """检查历史库:能否读取、是否完整、有哪些晚上,以及备份。

    退出码:0 历史库完好;1 已损坏或丢失(请用 gridkit store restore 恢复)。
    """

    def body() -> int:
        result = check_store(get_config(config_path))
        output(result, fmt, render_check)
        return EXIT_OK if result.ok else EXIT_PROBLEMS

    run(body)


@command.command("restore")
@config_option
@format_option
@click.argument("backup", required=False, type=click.Path(dir_okay=False, path_type=Path),
                metavar="[备份文件]")
def restore(config_path: Path | None, fmt: str, backup: Path | None) -> None:
    """用最近的备份(或指定的备份文件)恢复历史库。

    先核实备份完好再替换;被替换的历史库另存在旁边。
    """

    def body() -> int:
        output(restore_store(get_config(config_path), backup), fmt, render_restore)
        return EXIT_OK

    run(body)
