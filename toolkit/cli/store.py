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
    """The history store: check it, restore it from a backup."""


@command.command("check")
@config_option
@format_option
def check(config_path: Path | None, fmt: str) -> None:
    """Check the history store: readable, whole, which nights; the backups.

    Exit 0: the store is whole; 1: it is damaged or lost (restore it).
    """

    def body() -> int:
        result = check_store(get_config(config_path))
        output(result, fmt, render_check)
        return EXIT_OK if result.ok else EXIT_PROBLEMS

    run(body)


@command.command("restore")
@config_option
@format_option
@click.argument("backup", required=False, type=click.Path(dir_okay=False, path_type=Path))
def restore(config_path: Path | None, fmt: str, backup: Path | None) -> None:
    """Put the latest backup (or BACKUP) in place of the history store, after verifying it;
    the store it replaces is kept beside it."""

    def body() -> int:
        output(restore_store(get_config(config_path), backup), fmt, render_restore)
        return EXIT_OK

    run(body)
