"""Each county's history store, opened from the city configuration.

The city reads every county through the :class:`toolkit.store.protocol.Store` interface
only, so it runs the same over per-county SQLite files and over the city's database server
where every row carries its county (``[store] url``: ``PostgresStore(url, county=code)``,
logged in as the city's read-only role; the backend, and psycopg, imported only then).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from ..config.city import City, CityCounty
from ..errors import ConfigError, GridkitError
from ..store import SqliteStore
from ..store.protocol import Store

SERVER_BACKEND = "toolkit.store.postgres"  # the module holding PostgresStore (needs psycopg)


def open_city_stores(city: City, *, problems: dict[str, str] | None = None
                     ) -> dict[str, Store]:
    """County code -> its store, for every county whose store can be opened. A county whose
    SQLite file does not exist yet (it has never merged a night) is left out; one whose
    store cannot be opened is left out with its reason in ``problems`` (when given; else
    the error is raised). A server URL without the server backend is a ConfigError."""
    server = _server_class(city) if city.store_url is not None else None
    stores: dict[str, Store] = {}
    try:
        for county in city.counties:
            try:
                store = open_county_store(city, county, server)
            except GridkitError as exc:
                if problems is None:
                    raise
                problems[county.code] = exc.message
                continue
            if store is not None:
                stores[county.code] = store
    except BaseException:
        close_stores(stores.values())
        raise
    return stores


def open_county_store(city: City, county: CityCounty, server: Any = None) -> Store | None:
    """One county's store; None when its SQLite file does not exist yet."""
    if county.store is not None:
        if not county.store.is_file():
            return None
        return SqliteStore(county.store)
    store: Store = (server or _server_class(city))(city.store_url, county=county.code)
    return store


def _server_class(city: City) -> Any:
    """``PostgresStore`` from the server backend, or one sentence saying it is missing."""
    try:
        module = importlib.import_module(SERVER_BACKEND)
    except ImportError as exc:
        raise ConfigError(
            f"配置文件 {city.source} 中的 store.url 暂时不能使用:连接数据库服务器需要 psycopg,"
            "本机还没有安装:请在 gridkit 的 Python 环境中运行 pip install \"gridkit[postgresql]\""
            " 后重试(或为每个县写 store = \"…/gridkit.sqlite3\",该县历史库文件的位置)。") from exc
    server = getattr(module, "PostgresStore", None)
    if server is None:
        raise ConfigError(f"配置文件 {city.source} 中的 store.url 暂时不能使用:"
                          f"{SERVER_BACKEND} 中没有 PostgresStore。")
    return server


def close_stores(stores: Iterable[Store]) -> None:
    for store in stores:
        store.close()
