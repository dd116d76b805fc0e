from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factory import Book, clean_register, write_workbook
from tests.pgserver import PgServer, Unavailable, start_server
from tests.tools import unavailable
from toolkit.config.county import Config, load_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The built-in sample county with every folder inside tmp_path."""
    return load_config(cwd=tmp_path)


@pytest.fixture
def clean_book() -> Book:
    return clean_register()


@pytest.fixture
def clean_file(tmp_path: Path, clean_book: Book) -> Path:
    return write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)


# --- PostgreSQL (tests/pgserver.py): one server per test session (per xdist worker) --------

@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        import psycopg  # noqa: F401  (the dev extra; without it no PostgreSQL test runs)
    except ImportError:
        unavailable("psycopg is not installed: pip install -e '.[dev]'")
    try:
        server = start_server()
    except Unavailable as exc:
        unavailable(f"no PostgreSQL server for the store tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_shared(pg_server: PgServer) -> str:
    """The admin url of a database set up once (pg_admin.setup_server) that the store
    tests share, each as a county of its own."""
    from toolkit.store.pg_admin import setup_server

    url = pg_server.new_database()
    setup_server(url)
    return url


_counties = itertools.count(1)


@pytest.fixture
def pg_county(pg_shared: str) -> tuple[str, str]:
    """(admin url, a county code no other test uses) in the shared database."""
    return pg_shared, f"9{next(_counties):05d}"


@pytest.fixture(params=["sqlite", "postgres"])
def open_store_of(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Any]:
    """Opens (again) one store, of each backend in turn: the same test body runs against
    SqliteStore and PostgresStore."""
    if request.param == "sqlite":
        from toolkit.store.sqlite import SqliteStore

        return lambda: SqliteStore(tmp_path / "s.sqlite3")
    from toolkit.store.postgres import PostgresStore

    url, county = request.getfixturevalue("pg_county")
    return lambda: PostgresStore(url, county=county)
