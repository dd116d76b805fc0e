"""The county configuration (TOML) and the bundle every command works with.

Every command reads the config from ``--config FILE``, else ``gridkit.toml`` in the current
folder, else the built-in sample county (威信县). ``init`` writes editable copies of the county
file and the register schema and creates the folders the config names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .schema import Schema, _Reader, builtin_text, load_schema, parse_toml

CONFIG_NAME = "gridkit.toml"
SCHEMA_NAME = "schema.toml"
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Township:
    name: str
    code: str
    villages: tuple[str, ...] = ()


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

    @property
    def township_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.townships)

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

    def with_base(self, base_dir: Path) -> Config:
        """The same county with every relative path resolved against ``base_dir``
        (the demo and tests run a whole night inside one folder)."""
        return Config(self.county, _paths({}, base_dir, _Reader(self.source)), self.schema,
                      self.source, base_dir)


def _time(r: _Reader, table: dict[str, Any], key: str, default: str) -> dt.time:
    text = r.get(table, key, "submission", str, default)
    if not _TIME_RE.match(text):
        raise r.fail(f"submission.{key}", f"时间应写成 HH:MM,如 20:00,实际是 {text!r}")
    return dt.time.fromisoformat(text)


_DEFAULT_PATHS = {
    "inbox": "inbox", "archive": "archive", "quarantine": "quarantine", "outbox": "outbox",
    "master": "workbooks/全县汇总表.xlsx", "reports": "reports", "logs": "logs",
    "store": "gridkit.sqlite3",
}


def _paths(table: dict[str, Any], base: Path, r: _Reader) -> Paths:
    resolved: dict[str, Path] = {}
    for key, default in _DEFAULT_PATHS.items():
        value = r.get(table, key, "paths", str, default)
        p = Path(value).expanduser()
        resolved[key] = p if p.is_absolute() else (base / p)
    unknown = set(table) - set(_DEFAULT_PATHS)
    if unknown:
        raise r.fail(f"paths.{sorted(unknown)[0]}", "未知的路径项")
    return Paths(**resolved)


def county_from_dict(data: dict[str, Any], source: str, base: Path) -> tuple[County, Paths]:
    r = _Reader(source)
    c = r.get(data, "county", "", dict)
    sub = r.get(data, "submission", "", dict, {})
    towns_l = r.get(data, "townships", "", list)
    if not towns_l:
        raise r.fail("townships", "至少要列出一个乡镇")
    townships: list[Township] = []
    for i, t in enumerate(towns_l):
        where = f"townships[{i}]"
        if not isinstance(t, dict):
            raise r.fail(where, "应为表")
        name = r.get(t, "name", where, str)
        if not name.strip():
            raise r.fail(f"{where}.name", "乡镇名称不能为空")
        townships.append(Township(
            name=name.strip(),
            code=r.get(t, "code", f"{where}({name})", str, f"T{i + 1:02d}"),
            villages=r.strings(t, "villages", f"{where}({name})", ()),
        ))
    names = [t.name for t in townships]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise r.fail("townships", f"乡镇 {dup} 列了两次")
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
    )
    return county, _paths(r.get(data, "paths", "", dict, {}), base, r)


def load_config(path: str | Path | None = None, *, cwd: Path | None = None) -> Config:
    """``path``, else ``gridkit.toml`` in ``cwd`` (default: the current folder), else the
    built-in sample county. Relative paths in the file are relative to the file's folder;
    those of the built-in county are relative to ``cwd``."""
    cwd = Path.cwd() if cwd is None else cwd
    if path is None and (cwd / CONFIG_NAME).is_file():
        path = cwd / CONFIG_NAME
    if path is None:
        source, text, base = "<内置 county.toml>", builtin_text("county.toml"), cwd
    else:
        p = Path(path)
        source = str(p)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"无法读取配置文件 {source}:{exc.strerror or exc}。") from exc
        base = p.resolve().parent
    data = parse_toml(text, source)
    schema_ref = _Reader(source).get(data, "schema", "", str, None)
    schema = load_schema(None if schema_ref is None else base / schema_ref)
    county, paths = county_from_dict(data, source, base)
    return Config(county=county, paths=paths, schema=schema, source=source, base_dir=base)


def init(directory: str | Path, *, force: bool = False) -> list[Path]:
    """Write editable copies of the county file and the schema into ``directory`` and create
    the folders the config names. Returns the files written. Existing files are kept unless
    ``force``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    county_text = builtin_text("county.toml")
    county_text = county_text.replace(
        "[county]", f'# the register schema beside this file\nschema = "{SCHEMA_NAME}"\n\n[county]', 1)
    for name, text in ((CONFIG_NAME, county_text), (SCHEMA_NAME, builtin_text(SCHEMA_NAME))):
        target = d / name
        if target.exists() and not force:
            continue
        target.write_text(text, encoding="utf-8")
        written.append(target)
    config = load_config(d / CONFIG_NAME)
    for folder in config.paths.folders():
        folder.mkdir(parents=True, exist_ok=True)
    return written
