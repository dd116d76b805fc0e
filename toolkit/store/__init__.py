"""The history store: every submission, merged row, finding and conflict of every night.

:mod:`.records` holds what is stored (and the status words), :mod:`.protocol` the
:class:`Store` interface, :mod:`.sqlite` the default backend (one SQLite file, no server),
:mod:`.postgres` the server backend (``[store] url`` in gridkit.toml; :mod:`.pg_admin` sets
the server up); :func:`open_store` opens the configured one. psycopg is imported only when a
county configures a server.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import ConfigError
from .maintenance import guard
from .protocol import Store
from .records import (
    LATE,
    MISSING,
    REJECTED,
    REPORTED,
    ROW_ERROR,
    ROW_OK,
    ROW_WARNING,
    STATUS_WORDS,
    TO_FIX,
    Conflict,
    ConflictSource,
    FindingRecord,
    NightData,
    NightRun,
    RowRecord,
    StoredRow,
    Submission,
    TownshipStatus,
    row_json,
    source_text,
)
from .sqlite import SqliteStore

if TYPE_CHECKING:
    from ..config.county import Config


def open_store(config: Config | Path | str) -> Store:
    """The configured store: the server of ``[store] url`` when the county has one, else
    SQLite at ``config.paths.store`` (a path opens that SQLite file); a SQLite store that
    lost the history its backups show is refused (:func:`.maintenance.guard`)."""
    if isinstance(config, str | Path):
        return SqliteStore(config)
    guard(config)
    if config.store_url is not None:
        from .postgres import PostgresStore  # psycopg only for a county with a server

        return PostgresStore(config.store_url, county=config.county.area_code)
    return SqliteStore(config.paths.store)


def server_module(name: str = "postgres") -> ModuleType:
    """``toolkit.store.<name>`` of the server backend (``postgres``, ``pg_admin``), imported
    now (it needs psycopg, the ``postgresql`` extra); one sentence when psycopg is missing."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ImportError as exc:
        raise ConfigError("连接数据库服务器需要 psycopg,本机还没有安装:请在 gridkit 的 Python "
                          "环境中运行 pip install \"gridkit[postgresql]\" 后重试。") from exc


__all__ = [
    "LATE",
    "MISSING",
    "REJECTED",
    "REPORTED",
    "ROW_ERROR",
    "ROW_OK",
    "ROW_WARNING",
    "STATUS_WORDS",
    "TO_FIX",
    "Conflict",
    "ConflictSource",
    "FindingRecord",
    "NightData",
    "NightRun",
    "RowRecord",
    "SqliteStore",
    "Store",
    "StoredRow",
    "Submission",
    "TownshipStatus",
    "open_store",
    "row_json",
    "server_module",
    "source_text",
]
