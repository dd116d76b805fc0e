"""``gridkit store check`` / ``restore [BACKUP]``: the history store's health and its
backups; ``gridkit store migrate --to URL``: the county's history copied onto the city's
server; ``server-setup`` / ``add-county`` / ``add-city``: the city's server set up (shells
over :mod:`toolkit.store.pg_admin`, imported when they run: it needs psycopg)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config.county import store_url_problem
from ..errors import UsageError
from ..run.migrate import StoreMigration, migrate_store
from ..store import server_module
from ..store.maintenance import Restored, StoreCheck, check_store, restore_store
from ._common import EXIT_OK, EXIT_PROBLEMS, config_option, format_option, get_config, output, run

F = TypeVar("F", bound=Callable[..., Any])


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
    """历史库:检查是否完好,从备份恢复,迁到市里的服务器。"""


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


def render_migrate(result: StoreMigration) -> str:
    lines = [result.sentence]
    if result.configured:
        lines.append(f"本县配置文件 {result.config_file} 已使用这个服务器。")
    else:
        lines += [f"请在本县配置文件 {result.config_file} 中加入下面两行,此后汇总、日报都使用"
                  "服务器上的历史库(密码放在 PGPASSWORD 环境变量或 pgpass 文件中):", "",
                  *("  " + line for line in result.config_lines.splitlines())]
    return "\n".join(lines)


@command.command("migrate")
@config_option
@format_option
@click.option("--to", "url", required=True, metavar="地址",
              help="市里数据库服务器的地址,写成 postgresql://账号@服务器:端口/数据库"
                   "(不写密码)。")
def migrate(config_path: Path | None, fmt: str, url: str) -> None:
    """把本县历史库中的每一晚复制到市里的数据库服务器。

    服务器上已有的晚上不再复制,可以放心重复运行;本机的历史库文件不变。密码从 PGPASSWORD
    环境变量或 pgpass 文件中读取。完成后按提示在 gridkit.toml 中写上 [store] url。

    退出码:0 完成;1 无法连接服务器;2 地址或配置有误;3 另一个 gridkit 正在运行。
    """

    def body() -> int:
        output(migrate_store(get_config(config_path), url), fmt, render_migrate)
        return EXIT_OK

    run(body)


def admin_option(func: F) -> F:
    return click.option(
        "--admin", "admin_url_text", required=True, metavar="地址",
        help="数据库管理员的连接地址,写成 postgresql://管理员账号@服务器:端口/数据库"
             "(不写密码:密码放在 PGPASSWORD 环境变量或 pgpass 文件中)。",
    )(func)


def password_option(func: F) -> F:
    return click.option(
        "--password", "ask_password", is_flag=True, default=False,
        help="为这个账号设置登录密码(运行后输入两遍,屏幕上不显示)。",
    )(func)


def admin_url(url: str) -> str:
    """The admin address, checked like the county file's (no password in it)."""
    problem = store_url_problem(url.strip())
    if problem is not None:
        raise UsageError(f"--admin 的地址有误:{problem}。")
    return url.strip()


def ask(enabled: bool, role: str, pg_admin: Any) -> str | None:
    """The new password, asked only for a name the server would take."""
    pg_admin.check_role_name(role)
    if not enabled:
        return None
    text: str = click.prompt(f"账号 {role} 的新密码", hide_input=True,
                             confirmation_prompt="请再输入一遍")
    return text


def render_setup(result: Any) -> str:
    return (f"服务器上的历史库已就绪(版本 {result.version});县账号加入 {result.groups[0]},"
            f"市里的只读账号加入 {result.groups[1]}。升级 gridkit 后请再运行一次本命令。")


def render_role(result: Any) -> str:
    made = "已新建" if result.created else "已有"
    if result.county is None:
        return f"{made}账号 {result.role}:市里的只读账号,可以读取每个县的历史(不能修改)。"
    return (f"{made}账号 {result.role}:行政区划代码 {result.county} 的县的账号,只能读写该县的"
            "历史。该县 gridkit.toml 中写 [store] url = \"postgresql://"
            f"{result.role}@服务器:端口/数据库\"。")


@command.command("server-setup")
@format_option
@admin_option
def server_setup(fmt: str, admin_url_text: str) -> None:
    """市里:在数据库服务器上建好(或升级)gridkit 的历史库。

    建立 gridkit 模式、各表和两个账号组(县账号、市只读账号)。升级 gridkit 后再运行一次,
    把服务器上的历史库升级到新版本。需要数据库管理员的连接地址。
    """

    def body() -> int:
        pg_admin = server_module("pg_admin")  # psycopg only for the server commands
        output(pg_admin.setup_server(admin_url(admin_url_text)), fmt, render_setup)
        return EXIT_OK

    run(body)


@command.command("add-county")
@format_option
@admin_option
@password_option
@click.option("--county", "county", required=True, metavar="代码",
              help="这个账号属于哪个县:该县的行政区划代码(gridkit.toml 中的 area_code)。")
@click.argument("role", metavar="账号")
def add_county(fmt: str, admin_url_text: str, ask_password: bool, county: str,
               role: str) -> None:
    """市里:为一个县建立它在数据库服务器上的账号。

    这个账号只能读写该县自己的历史;已有的账号只补上权限。每个县用自己的账号。
    """

    def body() -> int:
        pg_admin = server_module("pg_admin")  # psycopg only for the server commands
        url = admin_url(admin_url_text)
        password = ask(ask_password, role, pg_admin)
        output(pg_admin.add_county_role(url, role, county, password=password), fmt,
               render_role)
        return EXIT_OK

    run(body)


@command.command("add-city")
@format_option
@admin_option
@password_option
@click.argument("role", metavar="账号")
def add_city(fmt: str, admin_url_text: str, ask_password: bool, role: str) -> None:
    """市里:建立市里读取各县历史的只读账号。

    gridkit city report 用它读取每个县的历史,不能修改。
    """

    def body() -> int:
        pg_admin = server_module("pg_admin")  # psycopg only for the server commands
        output(pg_admin.add_city_role(admin_url(admin_url_text), role,
                                      password=ask(ask_password, role, pg_admin)), fmt, render_role)
        return EXIT_OK

    run(body)
