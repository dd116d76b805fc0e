"""Setting up the city's PostgreSQL server for the counties' history stores (run by the
city's database administrator with an admin connection, never by a county).

The access model is row-level security on one set of tables (why: :mod:`.postgres`):

* the admin role (the one of ``admin_url``: a superuser, or a role with CREATEROLE that
  owns the database) owns the schema ``gridkit`` and every table; no county uses it;
* every county logs in as its own role (:func:`add_county_role`), a member of the group
  ``gridkit_county`` (read and write on the county tables), mapped to its county code in
  ``county_roles``; the policies let it see, change and add only that county's rows;
* the city reads with a role of its own (:func:`add_city_role`), a member of
  ``gridkit_city`` (SELECT only), listed in ``city_roles``; a policy lets it read every
  county's rows. Neither kind may be a superuser or BYPASSRLS (that would skip the
  policies), and a role is one county's or the city's, never both.

Passwords: a county's role may be given one here, or later with psql's ``\\password``; the
county keeps it in PGPASSWORD or a pgpass file, never in gridkit.toml.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..errors import UsageError
from .pg_schema import COUNTY_TABLES, MIGRATION_LOCK, SCHEMA
from .postgres import connect, migrate

COUNTY_GROUP = "gridkit_county"
CITY_GROUP = "gridkit_city"
_SHARED_TABLES = ("schema_migrations", "county_roles", "city_roles")


@dataclass
class ServerSetup:
    """What :func:`setup_server` left on the server."""

    version: int  # the schema's version (= the number of migrations)
    groups: list[str]  # the group roles granted the tables

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RoleAdded:
    role: str
    county: str | None  # None: a city role (reads every county)
    created: bool  # False: the role existed and was only granted / mapped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tables(names: tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(SCHEMA, t) for t in names)


def setup_server(admin_url: str) -> ServerSetup:
    """Create (or upgrade) the schema, the two group roles and their grants. Run it again
    after upgrading gridkit: it applies the new migrations and grants their tables."""
    conn = connect(admin_url)
    try:
        version = migrate(conn, admin_url)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            for group in (COUNTY_GROUP, CITY_GROUP):
                if not _role_exists(conn, group):
                    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
            groups = sql.SQL(", ").join(sql.Identifier(g) for g in (COUNTY_GROUP, CITY_GROUP))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(SCHEMA), groups))
            conn.execute(sql.SQL("GRANT SELECT ON {} TO PUBLIC").format(_tables(_SHARED_TABLES)))
            conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                _tables(COUNTY_TABLES), sql.Identifier(COUNTY_GROUP)))
            conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.Identifier(SCHEMA), sql.Identifier(COUNTY_GROUP)))
            conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
                _tables(COUNTY_TABLES), sql.Identifier(CITY_GROUP)))
    finally:
        conn.close()
    return ServerSetup(version, [COUNTY_GROUP, CITY_GROUP])


def add_county_role(admin_url: str, role: str, county: str, *,
                    password: str | None = None) -> RoleAdded:
    """The login role a county's gridkit uses: created if missing, granted the county
    tables and mapped to ``county`` (its ``area_code``). Mapping a role to a second county
    is refused."""
    county = county.strip()
    if not county:
        raise UsageError("县的行政区划代码不能为空(如 530629)。")
    return _add_role(admin_url, role, county, password)


def add_city_role(admin_url: str, role: str, *, password: str | None = None) -> RoleAdded:
    """The login role the city reads every county's history with (SELECT only)."""
    return _add_role(admin_url, role, None, password)


def check_role_name(role: str) -> None:
    """Refuse a login name gridkit cannot give a county or the city (before anything is
    asked or connected)."""
    if not role or role.startswith("pg_"):
        raise UsageError(f"数据库账号名 {role!r} 不能用:请换一个名字(不能为空,也不能以 pg_ 开头)。")
    if role in (COUNTY_GROUP, CITY_GROUP):
        raise UsageError(f"数据库账号名 {role} 是 gridkit 自己的权限组名,不能作登录账号:"
                         "请换一个名字,例如 zhaotong_city 或 gridkit_530629。")


def _add_role(admin_url: str, role: str, county: str | None,
              password: str | None) -> RoleAdded:
    check_role_name(role)
    conn = connect(admin_url)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            _refuse_conflicts(conn, role, county)
            ident = sql.Identifier(role)
            created = not _role_exists(conn, role)
            if created:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
            if password is not None:
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    ident, sql.Literal(password)))
            group = COUNTY_GROUP if county is not None else CITY_GROUP
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), ident))
            if county is not None:
                conn.execute(f"INSERT INTO {SCHEMA}.county_roles (role, county) VALUES (%s, %s)"
                             " ON CONFLICT (role) DO NOTHING", (role, county))
            else:
                conn.execute(f"INSERT INTO {SCHEMA}.city_roles (role) VALUES (%s) "
                             "ON CONFLICT (role) DO NOTHING", (role,))
    finally:
        conn.close()
    return RoleAdded(role, county, created)


def _role_exists(conn: psycopg.Connection[Any], role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() \
        is not None


def _refuse_conflicts(conn: psycopg.Connection[Any], role: str, county: str | None) -> None:
    """A role that would skip the policies, or is already another county's (or the
    city's), is refused."""
    row = conn.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s",
                       (role,)).fetchone()
    if row is not None and row[0]:
        raise UsageError(f"数据库账号 {role} 是超级用户或可以绕过行级安全,不能给县或市使用:"
                         "请另建一个普通账号。")
    mapped = conn.execute(f"SELECT county FROM {SCHEMA}.county_roles WHERE role = %s",
                          (role,)).fetchone()
    city = conn.execute(f"SELECT 1 FROM {SCHEMA}.city_roles WHERE role = %s",
                        (role,)).fetchone() is not None
    if county is None and mapped is not None:
        raise UsageError(f"数据库账号 {role} 已是行政区划代码 {mapped[0]} 的县的账号,不能再作为市里"
                         "的只读账号:请另建一个账号。")
    if county is not None and city:
        raise UsageError(f"数据库账号 {role} 已是市里的只读账号,不能再给县使用:请另建一个账号。")
    if county is not None and mapped is not None and mapped[0] != county:
        raise UsageError(f"数据库账号 {role} 已属于行政区划代码 {mapped[0]} 的县,不能再给 "
                         f"{county}:每个县用自己的账号。")


__all__ = ["CITY_GROUP", "COUNTY_GROUP", "RoleAdded", "ServerSetup", "add_city_role",
           "add_county_role", "setup_server"]
