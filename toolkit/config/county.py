"""The county configuration (TOML) and the bundle every command works with.

Every command reads the config from ``--config FILE``, else ``gridkit.toml`` in the current
folder, else the built-in sample county (威信县). ``init`` writes editable copies of the county
file and the register schema and creates the folders the config names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import ConfigError, UsageError, os_reason
from .limits import Limits, limits_from_dict
from .schema import Schema, load_schema
from .toml import TomlReader, builtin_text, parse_toml, read_toml_text

CONFIG_NAME = "gridkit.toml"
BUILTIN_COUNTY = "county.toml"  # the built-in sample county (威信县)
SAMPLE_COUNTIES = "counties"  # the other built-in sample counties, one <area code>.toml each
SCHEMA_NAME = "schema.toml"
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class SheetPin:
    """A county's fixed reading of one register sheet for one township (configuration)."""

    sheets: tuple[str, ...] = ()  # the names its sheets have in this township's files
    header_rows: tuple[int, ...] = ()  # Excel rows of the header block
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # extra aliases


@dataclass(frozen=True)
class Township:
    name: str
    code: str
    villages: tuple[str, ...] = ()
    # a fixed reading of this township's odd layout: register sheet -> pin
    layout: dict[str, SheetPin] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Paths:
    """Resolved, absolute folders and files the jobs use."""

    inbox: Path
    archive: Path
    quarantine: Path
    outbox: Path
    master: Path
    reports: Path
    logs: Path
    store: Path
    # the report templates the office edits; when the folder is missing (or lacks a
    # template) the copy shipped in toolkit/outputs/templates/ is used
    templates: Path | None = None

    def folders(self) -> list[Path]:
        return [self.inbox, self.archive, self.quarantine, self.outbox, self.reports,
                self.logs, self.master.parent, self.store.parent]


@dataclass(frozen=True)
class County:
    name: str
    province: str
    seat: str
    office: str
    area_code: str
    townships: tuple[Township, ...]
    deadline: dt.time
    nightly_at: dt.time
    remind_at_deadline: bool
    # a township with 有错待改 or 退回 resends by this time: the next day's, when it is not
    # after the nightly run (12:00 = noon the next day)
    resubmit_by: dt.time = dt.time(12, 0)
    # who the townships call about their feedback (name and phone, as the office writes it)
    contact: str = ""

    @property
    def township_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.townships)

    def resubmit_deadline(self, night: dt.date) -> dt.datetime:
        """When a township told to fix its night's file must have sent it again."""
        day = night if self.resubmit_by > self.nightly_at else night + dt.timedelta(days=1)
        return dt.datetime.combine(day, self.resubmit_by)

    def township(self, name: str) -> Township | None:
        for t in self.townships:
            if t.name == name:
                return t
        return None


@dataclass(frozen=True)
class Config:
    """Everything a command needs: the county, its folders and the register schema."""

    county: County
    paths: Paths
    schema: Schema
    source: str  # the county file, or "<built-in>"
    base_dir: Path
    # the [paths] table as written in the file, so with_base keeps a county's own folders
    path_settings: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    limits: Limits = field(default_factory=Limits)
    # [store] url: the history store on a PostgreSQL server (None: the SQLite file
    # paths.store, the default)
    store_url: str | None = None

    def with_base(self, base_dir: Path) -> Config:
        """The same county with every relative path resolved against ``base_dir``
        (the demo and tests run a whole night inside one folder)."""
        paths = _paths(dict(self.path_settings), base_dir, TomlReader(self.source))
        return replace(self, paths=paths, base_dir=base_dir)

    def with_limits(self, **changes: int) -> Config:
        """The same county with some limits changed (tests, benchmarks)."""
        return replace(self, limits=replace(self.limits, **changes))


def _time(r: TomlReader, table: dict[str, Any], key: str, default: str) -> dt.time:
    value = r.get(table, key, "submission", (str, dt.time), default)
    if isinstance(value, dt.time):  # an unquoted TOML time, deadline = 20:00:00
        return value.replace(second=0, microsecond=0)
    text = value
    if not _TIME_RE.match(text):
        raise r.fail(f"submission.{key}", f"时间应写成 HH:MM,如 20:00,实际是 {text!r}")
    return dt.time.fromisoformat(text)


_DEFAULT_PATHS = {
    "inbox": "inbox", "archive": "archive", "quarantine": "quarantine", "outbox": "outbox",
    "master": "workbooks/全县汇总表.xlsx", "reports": "reports", "logs": "logs",
    "store": "gridkit.sqlite3",
    "templates": "templates",
}


def _paths(table: dict[str, Any], base: Path, r: TomlReader) -> Paths:
    resolved: dict[str, Path] = {}
    for key, default in _DEFAULT_PATHS.items():
        value = r.get(table, key, "paths", str, default)
        p = Path(value).expanduser()
        resolved[key] = p if p.is_absolute() else (base / p)
    unknown = set(table) - set(_DEFAULT_PATHS)
    if unknown:
        raise r.fail(f"paths.{sorted(unknown)[0]}", "未知的路径项")
    return Paths(**resolved)


def _layout(r: TomlReader, table: dict[str, Any], where: str,
            schema: Schema | None) -> dict[str, SheetPin]:
    """``[townships.layout.<register sheet>]``: sheets, header_rows, columns."""
    layout_t = r.get(table, "layout", where, dict, {})
    pins: dict[str, SheetPin] = {}
    for sheet_name, pin_t in layout_t.items():
        at = f"{where}.layout.{sheet_name}"
        if not isinstance(pin_t, dict):
            raise r.fail(at, "应为表(写成 sheets = [...]、header_rows = [...]、columns = {...})")
        spec = None
        if schema is not None:
            try:
                spec = schema.sheet(sheet_name)
            except KeyError:
                known = "、".join(s.name for s in schema.sheets)
                raise r.fail(at, f"登记表中没有“{sheet_name}”工作表,可用:{known}") from None
        rows = r.get(pin_t, "header_rows", at, list, [])
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in rows) \
                or len(rows) > 3 or (rows and max(rows) - min(rows) != len(rows) - 1):
            raise r.fail(f"{at}.header_rows", "应为表头所在的1至3个相邻行号,如 [3] 或 [3, 4]")
        columns_t = r.get(pin_t, "columns", at, dict, {})
        columns: dict[str, tuple[str, ...]] = {}
        for col_name, names in columns_t.items():
            if spec is not None and col_name not in {c.name for c in spec.columns}:
                raise r.fail(f"{at}.columns", f"“{sheet_name}”表中没有“{col_name}”列")
            if isinstance(names, str):
                names = [names]
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise r.fail(f"{at}.columns.{col_name}", "应为文件中的列名或列名列表")
            columns[col_name] = tuple(names)
        pins[sheet_name] = SheetPin(
            sheets=r.strings(pin_t, "sheets", at, ()), header_rows=tuple(rows),
            columns=columns)
    return pins


def county_from_dict(data: dict[str, Any], source: str, base: Path,
                     schema: Schema | None = None) -> tuple[County, Paths]:
    r = TomlReader(source)
    c = r.get(data, "county", "", dict)
    sub = r.get(data, "submission", "", dict, {})
    towns_l = r.tables(data, "townships", "")
    if not towns_l:
        raise r.fail("townships", "至少要列出一个乡镇")
    townships: list[Township] = []
    for i, (where, table) in enumerate(towns_l):
        name = r.get(table, "name", where, str)
        if not name.strip():
            raise r.fail(f"{where}.name", "乡镇名称不能为空")
        townships.append(Township(
            name=name.strip(),
            code=r.get(table, "code", f"{where}({name})", str, f"T{i + 1:02d}"),
            villages=r.strings(table, "villages", f"{where}({name})", ()),
            layout=_layout(r, table, f"{where}({name})", schema),
        ))
    names = [t.name for t in townships]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise r.fail("townships", f"乡镇 {dup} 列了两次")
    codes = [t.code for t in townships]
    dup = next((c for c in codes if codes.count(c) > 1), None)
    if dup:
        raise r.fail("townships", f"乡镇代码 {dup} 用了两次,每个乡镇的 code 应不同")
    for i, t in enumerate(townships):
        dup = next((v for v in t.villages if t.villages.count(v) > 1), None)
        if dup:
            raise r.fail(f"townships[{i}]({t.name}).villages", f"村(社区) {dup} 列了两次")
    county = County(
        name=r.get(c, "name", "county", str),
        province=r.get(c, "province", "county", str, ""),
        seat=r.get(c, "seat", "county", str, ""),
        office=r.get(c, "office", "county", str, ""),
        area_code=r.get(c, "area_code", "county", str, ""),
        townships=tuple(townships),
        deadline=_time(r, sub, "deadline", "20:00"),
        nightly_at=_time(r, sub, "nightly_at", "22:00"),
        remind_at_deadline=r.get(sub, "remind_at_deadline", "submission", bool, True),
        resubmit_by=_time(r, sub, "resubmit_by", "12:00"),
        contact=r.get(sub, "contact", "submission", str, ""),
    )
    return county, _paths(path_table(data, source), base, r)


_URL_FORM = ("应写成 postgresql://账号@服务器:端口/数据库,"
             "如 postgresql://gridkit_530629@localhost:5432/gridkit")


def store_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the store's server address (in Chinese), or None. The password
    never goes into the county file: libpq reads PGPASSWORD or the pgpass file itself."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return _URL_FORM
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        return _URL_FORM
    if parts.password is not None or "password" in parse_qs(parts.query):
        return ("不要把密码写在配置文件里,请删去地址中的密码,把密码放在 PGPASSWORD 环境变量或 "
                "pgpass 文件中")
    return None


def _store_url(data: dict[str, Any], r: TomlReader) -> str | None:
    """``[store] url``: the history store on a server; None keeps the SQLite file."""
    table = r.get(data, "store", "", dict, {})
    unknown = sorted(set(table) - {"url"})
    if unknown:
        raise r.fail(f"store.{unknown[0]}", "未知的项,可用:url")
    url = r.get(table, "url", "store", str, None)
    if url is None or not url.strip():
        return None
    problem = store_url_problem(url.strip())
    if problem is not None:
        raise r.fail("store.url", problem)
    return url.strip()


def path_table(data: dict[str, Any], source: str) -> dict[str, Any]:
    """The [paths] table of a county file (checked to be a table)."""
    table: dict[str, Any] = TomlReader(source).get(data, "paths", "", dict, {})
    return table


def load_config(path: str | Path | None = None, *, cwd: Path | None = None,
                builtin: str | None = None) -> Config:
    """``path``, else ``gridkit.toml`` in ``cwd`` (default: the current folder), else the
    built-in sample county. ``builtin`` names one of the built-in sample counties to load
    instead (see :func:`sample_county`). Relative paths in the file are relative to the
    file's folder; those of a built-in county are relative to ``cwd``."""
    cwd = Path.cwd() if cwd is None else cwd
    if path is None and builtin is None and (cwd / CONFIG_NAME).is_file():
        path = cwd / CONFIG_NAME
    if path is None:
        name = builtin or BUILTIN_COUNTY
        source, text, base = f"<内置 {name}>", builtin_text(name), cwd
    else:
        source, text, base = read_config_file(Path(path))
    data = parse_toml(text, source)
    r = TomlReader(source)
    schema = schema_of(data, source, base)
    county, paths = county_from_dict(data, source, base, schema)
    settings = tuple((k, v) for k, v in path_table(data, source).items() if isinstance(v, str))
    limits = limits_from_dict(r.get(data, "limits", "", dict, {}), r)
    store_url = _store_url(data, r)
    if store_url is not None and not county.area_code.strip():
        raise r.fail("county.area_code", "配置了 [store] url(历史库在服务器上)时必须填写"
                     "本县的行政区划代码,服务器用它区分各县的数据")
    return Config(county=county, paths=paths, schema=schema, source=source, base_dir=base,
                  path_settings=settings, limits=limits, store_url=store_url)


def read_config_file(p: Path) -> tuple[str, str, Path]:
    """A configuration file's (source name, text, folder its relative paths start from);
    a file that cannot be read is one sentence."""
    source = str(p)
    try:
        text = read_toml_text(p, source)
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {source}:"
                          f"{os_reason(exc)},请检查 --config 后面的路径。"
                          ) from exc
    return source, text, p.resolve().parent


def schema_of(data: dict[str, Any], source: str, base: Path) -> Schema:
    """The register schema a configuration file names (``schema = "schema.toml"``), else
    the built-in one."""
    r = TomlReader(source)
    schema_ref = r.get(data, "schema", "", str, None)
    schema_path = None
    if schema_ref is not None:
        schema_path = Path(schema_ref).expanduser()
        schema_path = schema_path if schema_path.is_absolute() else base / schema_path
        if not schema_path.is_file():
            raise r.fail("schema", f"找不到登记表结构文件 {schema_path}")
    return load_schema(schema_path)


def sample_counties() -> dict[str, str]:
    """The built-in sample counties: area code -> the built-in file (``county.toml`` for
    威信县, ``counties/<area code>.toml`` for the other counties of its city)."""
    found = {"530629": BUILTIN_COUNTY}
    folder = resources.files("toolkit").joinpath("data").joinpath(SAMPLE_COUNTIES)
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name.endswith(".toml"):
            found[item.name.removesuffix(".toml")] = f"{SAMPLE_COUNTIES}/{item.name}"
    return found


def sample_county(code: str, *, cwd: Path | None = None) -> Config:
    """The built-in sample county with area code ``code`` (its folders relative to ``cwd``),
    e.g. 530602 昭阳区 for ``gridkit sample --county 530602``."""
    known = sample_counties()
    if code not in known:
        raise UsageError(f"没有行政区划代码为 {code} 的内置样例县,可用:{'、'.join(known)}。")
    return load_config(cwd=cwd, builtin=known[code])
