"""The city configuration (``city.toml``): the city, its counties and where each county's
history store is, and where the city's master workbook and daily report go.

Every city command reads ``--city FILE``, else ``city.toml`` in the current folder, else the
built-in sample city (昭通市, ``toolkit/data/city.toml``), the way :func:`.county.load_config`
reads a county file (the same TOML reading: any encoding Notepad saves, one Chinese sentence
naming the file and the key for every mistake). Relative paths are relative to the file's
folder, those of the built-in city to the current folder.

A county's store is a SQLite file (``store = "…/gridkit.sqlite3"``), or ``[store] url``
names the city's database server holding every county's history (each row carrying its
county; :class:`toolkit.store.postgres.PostgresStore`, logged in as the city's read-only
role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .county import read_config_file, schema_of
from .schema import Schema
from .toml import TomlReader, builtin_text, parse_toml

CITY_NAME = "city.toml"
BUILTIN_CITY = "city.toml"
_CODE_RE = re.compile(r"^\d{6}$")
_URL_RE = re.compile(r"^postgres(?:ql)?(?:\+\w+)?://\S+$")
_CITY_KEYS = {"name", "code", "office"}
_COUNTY_KEYS = {"name", "code", "store"}
_STORE_KEYS = {"url"}
_DEFAULT_PATHS = {"master": "workbooks/全市汇总表.xlsx", "reports": "reports",
                  "templates": "templates"}
_TOP_KEYS = {"city", "counties", "store", "paths", "schema"}


@dataclass(frozen=True)
class CityCounty:
    """A county of the city: its name, its administrative code (威信县 530629) and its
    SQLite store, when it has one of its own (else it is on the city's server)."""

    name: str
    code: str
    store: Path | None = None


@dataclass(frozen=True)
class CityPaths:
    master: Path
    reports: Path
    templates: Path


@dataclass(frozen=True)
class City:
    name: str
    code: str
    office: str
    counties: tuple[CityCounty, ...]
    paths: CityPaths
    schema: Schema  # the register schema every county's figures are counted by
    source: str  # the city file, or "<内置 city.toml>"
    base_dir: Path
    store_url: str | None = None  # [store] url: every county's history on one server

    @property
    def county_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.counties)

    def county(self, name_or_code: str) -> CityCounty | None:
        """A county by its name (威信县) or its code (530629)."""
        key = name_or_code.strip()
        return next((c for c in self.counties if key in (c.name, c.code)), None)


def load_city(path: str | Path | None = None, *, cwd: Path | None = None) -> City:
    """``path``, else ``city.toml`` in ``cwd`` (default: the current folder), else the
    built-in sample city."""
    cwd = Path.cwd() if cwd is None else cwd
    if path is None and (cwd / CITY_NAME).is_file():
        path = cwd / CITY_NAME
    if path is None:
        source, text, base = f"<内置 {BUILTIN_CITY}>", builtin_text(BUILTIN_CITY), cwd
    else:
        source, text, base = read_config_file(Path(path))
    return city_from_dict(parse_toml(text, source), source, base)


def city_from_dict(data: dict[str, Any], source: str, base: Path) -> City:
    """The city from a parsed city file; every mistake is one sentence naming the key."""
    r = TomlReader(source)
    _known(r, data, _TOP_KEYS, "")
    c = r.get(data, "city", "", dict)
    _known(r, c, _CITY_KEYS, "city")
    name = r.get(c, "name", "city", str).strip()
    if not name:
        raise r.fail("city.name", "市名不能为空")
    code = _code(r, r.get(c, "code", "city", str), "city.code")
    store_t = r.get(data, "store", "", dict, {})
    _known(r, store_t, _STORE_KEYS, "store")
    url = r.get(store_t, "url", "store", str, None)
    if url is not None and not _URL_RE.match(url.strip()):
        raise r.fail("store.url", "应为数据库服务器的地址,写成 postgresql://用户名@服务器/库名,"
                                  f"实际是 {url!r}")
    counties: list[CityCounty] = []
    for where, table in r.tables(data, "counties", ""):
        _known(r, table, _COUNTY_KEYS, where)
        county_name = r.get(table, "name", where, str).strip()
        if not county_name:
            raise r.fail(f"{where}.name", "县(市、区)名称不能为空")
        at = f"{where}({county_name})"
        county_code = _code(r, r.get(table, "code", at, str), f"{at}.code")
        if county_code[:4] != code[:4] or county_code == code:
            raise r.fail(f"{at}.code", f"{county_name}的代码 {county_code} 不在{name}"
                                       f"({code})之下,应以 {code[:4]} 开头")
        store = r.get(table, "store", at, str, None)
        if store is None and url is None:
            raise r.fail(f"{at}.store", "缺少此项:写该县历史库文件 gridkit.sqlite3 的位置,"
                                        "或在 [store] url 写各县共用的数据库服务器")
        counties.append(CityCounty(county_name, county_code,
                                   None if store is None else _resolve(store, base)))
    if not counties:
        raise r.fail("counties", "至少要列出一个县(市、区)")
    for attr, what in (("name", "县(市、区)"), ("code", "代码")):
        values = [getattr(k, attr) for k in counties]
        dup = next((v for v in values if values.count(v) > 1), None)
        if dup:
            raise r.fail("counties", f"{what} {dup} 列了两次")
    stores = [k.store for k in counties if k.store is not None]
    dup_store = next((s for s in stores if stores.count(s) > 1), None)
    if dup_store:
        raise r.fail("counties", f"两个县的 store 都是 {dup_store},每个县应有自己的历史库")
    paths_t = r.get(data, "paths", "", dict, {})
    _known(r, paths_t, set(_DEFAULT_PATHS), "paths")
    paths = CityPaths(**{k: _resolve(r.get(paths_t, k, "paths", str, d), base)
                         for k, d in _DEFAULT_PATHS.items()})
    return City(name=name, code=code, office=r.get(c, "office", "city", str, ""),
                counties=tuple(counties), paths=paths, schema=schema_of(data, source, base),
                source=source, base_dir=base, store_url=None if url is None else url.strip())


def _known(r: TomlReader, table: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        key = f"{where}.{unknown[0]}".lstrip(".")
        raise r.fail(key, f"未知的配置项,可用的有 {'、'.join(sorted(keys))}")


def _code(r: TomlReader, value: str, key: str) -> str:
    value = value.strip()
    if not _CODE_RE.match(value):
        raise r.fail(key, f"行政区划代码应为6位数字,如 530629,实际是 {value!r}")
    return value


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p
