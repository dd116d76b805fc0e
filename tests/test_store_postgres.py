"""The history store on a PostgreSQL server: migrations, counties kept apart by the server
(row-level security), configuration, and a whole night through the server equal to the
same night into SQLite. The server is the one tests/pgserver.py starts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.pgserver import PgServer, as_role
from tests.test_merge import NIGHT, NOW, sheet_values, stamp
from tests.test_store import content, night_data, submission
from toolkit.config.county import Config, load_config
from toolkit.config.toml import builtin_text
from toolkit.errors import ConfigError, JobFailed, UsageError
from toolkit.store import open_store
from toolkit.store.protocol import Store
from toolkit.store.sqlite import SqliteStore

psycopg = pytest.importorskip("psycopg")  # the dev extra; pg_server fails without it in CI

from toolkit.store.pg_admin import add_city_role, add_county_role, setup_server  # noqa: E402
from toolkit.store.postgres import MIGRATIONS, PostgresStore  # noqa: E402

_roles = itertools.count(1)


def role_name(kind: str) -> str:
    return f"gk_{kind}_{os.getpid()}_{next(_roles)}"


@pytest.fixture
def fresh(pg_server: PgServer) -> str:
    """The admin url of a new, empty database."""
    return pg_server.new_database()


def versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT version FROM gridkit.schema_migrations ORDER BY version")]


# --- migrations -------------------------------------------------------------------------

def test_new_server_store_is_at_latest_version(fresh: str) -> None:
    with PostgresStore(fresh, county="530629") as store:
        assert store.version == len(MIGRATIONS)
    assert versions(fresh) == list(range(1, len(MIGRATIONS) + 1))
    with PostgresStore(fresh, county="530629") as store:  # opened again: nothing applied
        assert store.version == len(MIGRATIONS)
    assert len(versions(fresh)) == len(MIGRATIONS)


def test_server_newer_than_the_code_is_refused(fresh: str) -> None:
    PostgresStore(fresh, county="530629").close()
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO gridkit.schema_migrations (version) VALUES (%s)",
                     (len(MIGRATIONS) + 1,))
    with pytest.raises(JobFailed, match=r"来自更新版本的 gridkit.*请升级 gridkit"):
        PostgresStore(fresh, county="530629")


def test_counties_starting_at_once_migrate_the_server_once(fresh: str) -> None:
    results: list[Any] = []

    def start(county: str) -> None:
        try:
            with PostgresStore(fresh, county=county) as store:
                results.append(store.version)
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=start, args=(f"53060{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [len(MIGRATIONS)] * 4
    assert versions(fresh) == list(range(1, len(MIGRATIONS) + 1))


def test_a_county_role_cannot_change_the_schema(fresh: str) -> None:
    role = role_name("nomig")
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    with pytest.raises(JobFailed, match="没有权限升级"):
        PostgresStore(as_role(fresh, role), county="530629")


# --- counties apart -----------------------------------------------------------------------

def test_counties_share_the_tables_and_never_see_each_other(pg_county: tuple[str, str],
                                                           pg_shared: str) -> None:
    url, county = pg_county
    with PostgresStore(url, county=county) as a, \
            PostgresStore(url, county=county + "b") as b:
        sa = submission(a)
        a.replace_night(night_data(sa, 4))
        a.set_meta("last_merged_night", "2020-02-04")
        assert (b.nights(), b.row_count(NIGHT), b.submissions(NIGHT)) == ([], 0, [])
        assert b.submission_by_hash(sa.sha256) == [] and b.get_meta("last_merged_night") is None
        assert b.findings(NIGHT) == [] and b.conflicts(NIGHT) == [] and b.statuses(NIGHT) == []
        sb = submission(b)  # the same file on the same night is each county's own
        assert sb.id != sa.id
        b.replace_night(night_data(sb, 2))
        assert (a.row_count(NIGHT), b.row_count(NIGHT)) == (4, 2)
        assert [r.submission_id for r in a.rows(NIGHT, "排查登记")] == [sa.id] * 4


@pytest.fixture
def two_counties(fresh: str) -> dict[str, str]:
    """A server set up with two county roles and a city role, each county with a night."""
    setup_server(fresh)
    roles = {"a": role_name("a"), "b": role_name("b"), "city": role_name("city")}
    add_county_role(fresh, roles["a"], "530601")
    add_county_role(fresh, roles["b"], "530602")
    add_city_role(fresh, roles["city"])
    for key, county, rows in (("a", "530601", 3), ("b", "530602", 5)):
        with PostgresStore(as_role(fresh, roles[key]), county=county) as store:
            store.replace_night(night_data(submission(store), rows))
            store.set_meta("owner", county)
    return {k: as_role(fresh, r) for k, r in roles.items()} | {"admin": fresh}


def test_a_county_role_reads_and_changes_only_its_county(two_counties: dict[str, str]
                                                         ) -> None:
    with psycopg.connect(two_counties["a"], autocommit=True) as conn:
        def one(sql: str) -> Any:
            return conn.execute(sql).fetchone()[0]

        for table in ("rows", "submissions", "findings", "conflicts", "meta",
                      "township_nights", "layouts", "letters", "nights"):
            assert one(f"SELECT count(*) FROM gridkit.{table} WHERE county = '530602'") == 0
            assert one(f"SELECT count(DISTINCT county) FROM gridkit.{table}") == 1
        assert one("SELECT count(*) FROM gridkit.rows") == 3
        assert conn.execute("UPDATE gridkit.rows SET status = 'x' WHERE county = '530602'"
                            ).rowcount == 0
        assert conn.execute("DELETE FROM gridkit.rows WHERE county <> '530601'").rowcount == 0
        # its own only: "owner" and its night's rows-token
        assert conn.execute("DELETE FROM gridkit.meta").rowcount == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO gridkit.meta (county, key, value) "
                         "VALUES ('530602', 'owner', 'spoofed')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE gridkit.rows SET county = '530602'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor remap itself
            conn.execute("UPDATE gridkit.county_roles SET county = '530602'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor lift the policies
            conn.execute("ALTER TABLE gridkit.rows DISABLE ROW LEVEL SECURITY")
    with PostgresStore(two_counties["b"], county="530602") as b:  # B's night is whole
        assert b.row_count(NIGHT) == 5 and b.get_meta("owner") == "530602"


def test_the_city_reads_every_county_and_changes_none(two_counties: dict[str, str]) -> None:
    with psycopg.connect(two_counties["city"], autocommit=True) as conn:
        rows = conn.execute("SELECT county, count(*) FROM gridkit.rows GROUP BY county "
                            "ORDER BY county").fetchall()
        assert rows == [("530601", 3), ("530602", 5)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM gridkit.rows")
    with PostgresStore(two_counties["city"], county="530601") as city:  # through the store
        assert city.row_count(NIGHT) == 3


def test_a_county_role_opened_as_another_county_is_refused(two_counties: dict[str, str]
                                                           ) -> None:
    with pytest.raises(ConfigError, match="属于行政区划代码 530601 的县"):
        PostgresStore(two_counties["a"], county="530602")


def test_roles_that_would_skip_or_cross_the_policies_are_refused(
        two_counties: dict[str, str]) -> None:
    admin = two_counties["admin"]
    a = two_counties["a"].split("//")[1].split("@")[0]
    with pytest.raises(UsageError, match="已属于行政区划代码 530601"):
        add_county_role(admin, a, "530602")
    with pytest.raises(UsageError, match="不能再作为市里"):
        add_city_role(admin, a)
    with pytest.raises(UsageError, match="超级用户"):
        add_county_role(admin, "gridkit_admin", "530603")
    assert add_county_role(admin, a, "530601").created is False  # again: nothing changes


# --- configuration ----------------------------------------------------------------------

def county_file(tmp_path: Path, store: str) -> Path:
    path = tmp_path / "gridkit.toml"
    path.write_text(builtin_text("county.toml") + "\n" + store, encoding="utf-8")
    return path


def test_store_url_in_the_county_file(tmp_path: Path) -> None:
    url = "postgresql://gridkit_530629@localhost:5432/gridkit"
    config = load_config(county_file(tmp_path, f'[store]\nurl = "{url}"\n'))
    assert config.store_url == url
    assert load_config(cwd=tmp_path / "none").store_url is None  # no [store]: SQLite


@pytest.mark.parametrize(("store", "words"), [
    ('[store]\nurl = "postgresql://gridkit_530629:secret@localhost/gridkit"\n', "不要把密码"),
    ('[store]\nurl = "postgresql://u@localhost/gridkit?password=secret"\n', "不要把密码"),
    ('[store]\nurl = "mysql://u@localhost/gridkit"\n', "应写成 postgresql://"),
    ('[store]\nurl = "postgresql://u@localhost"\n', "应写成 postgresql://"),
    ('[store]\nurl = 5432\n', "store.url"),
    ('[store]\nserver = "x"\n', "store.server"),
])
def test_a_wrong_store_url_is_refused_naming_the_key(tmp_path: Path, store: str,
                                                     words: str) -> None:
    with pytest.raises(ConfigError, match=words) as err:
        load_config(county_file(tmp_path, store))
    assert "store." in err.value.message and "secret" not in err.value.message


def test_a_server_store_needs_the_county_code(tmp_path: Path) -> None:
    text = builtin_text("county.toml").replace('area_code = "530629"', 'area_code = ""')
    path = tmp_path / "gridkit.toml"
    path.write_text(text + '\n[store]\nurl = "postgresql://u@localhost/gridkit"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"county\.area_code"):
        load_config(path)


def test_a_county_without_a_server_never_imports_psycopg(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from toolkit.config.county import "
            "load_config; from toolkit.store import open_store; import toolkit.night.merge; "
            f"s = open_store(load_config(cwd=Path({str(tmp_path)!r}))); s.close(); "
            "print(type(s).__name__, 'psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["SqliteStore", "False"]


# --- a whole night ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from toolkit.sample import generate

    out = tmp_path_factory.mktemp("pg-sample")
    config = load_config(cwd=out)
    names = list(config.county.township_names)
    generate(config, out / "files", NIGHT, scale=0.05, defects=0.03, seed=7,
             townships=names[:-1])
    return out / "files"


def county_night(base: Path, files: Path, store_url: str | None) -> tuple[Config, Any]:
    from toolkit.run.nightly import run_nightly

    config = dataclasses.replace(load_config(cwd=base), store_url=store_url)
    shutil.copytree(files, config.paths.inbox)
    for p in config.paths.inbox.iterdir():
        stamp(p, dt.datetime.combine(NIGHT, dt.time(19)))
    return config, run_nightly(config, NIGHT, now=NOW, console=False)


def everything(store: Store, config: Config) -> dict[str, Any]:
    """The night as the store gives it back, paths made relative to the county's folder."""
    def rel(text: str | None) -> str | None:
        return None if text is None else text.replace(str(config.base_dir), "<county>")

    with store.snapshot():
        night = content(store)
        subs = night.pop("submissions")
        for s in subs:
            s.archive_path = rel(s.archive_path) or ""
        run = night.pop("run")
        assert run is not None
        sheets = [spec.name for spec in config.schema.sheets]
        return {
            "night": night,
            "submissions": subs,
            "run": (run.completed_at, rel(run.master), run.master_note),
            "rows": {s: list(store.rows(NIGHT, s)) for s in sheets},
            "columns": {s: store.columns(NIGHT, s) for s in sheets},
            "letters": {(sub.id, s): store.letters(sub.id or 0, s) for sub in subs
                        for s in sheets},
            "aggregate": {s: sorted(store.aggregate(NIGHT, s, [0, 1, 2], [3, 4, 5]), key=repr)
                          for s in sheets},
            "counts": {s: store.row_count(NIGHT, s) for s in sheets},
        }


def test_a_county_night_through_the_server_equals_the_night_into_sqlite(
        tmp_path: Path, fresh: str, sample_files: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from toolkit.outputs.figures import night_figures
    from toolkit.store.maintenance import check_store, restore_store

    setup_server(fresh)
    role = role_name("night")
    add_county_role(fresh, role, "530629")
    lite, lite_run = county_night(tmp_path / "sqlite", sample_files, None)
    with caplog.at_level(logging.INFO, logger="gridkit"):
        pg, pg_run = county_night(tmp_path / "pg", sample_files, as_role(fresh, role))
    assert "由市里用 pg_dump 备份" in caplog.text  # no local backup of a server store
    assert not (pg.paths.store.parent / "backups").exists()
    assert (lite.paths.store.parent / "backups").is_dir()
    assert lite_run.failures == pg_run.failures == []
    assert [t.to_dict() for t in pg_run.merge.townships] == \
        [t.to_dict() for t in lite_run.merge.townships]
    assert sum(t.errors for t in pg_run.merge.townships) > 0  # defects were planted
    assert pg_run.report.text == lite_run.report.text
    assert sheet_values(pg_run.merge.master) == sheet_values(lite_run.merge.master)
    with open_store(lite) as a, open_store(pg) as b:
        assert isinstance(a, SqliteStore) and isinstance(b, PostgresStore)
        assert night_figures(b, pg, NIGHT) == night_figures(a, lite, NIGHT)
        mine, theirs = everything(b, pg), everything(a, lite)
        assert mine["counts"]["排查登记"] > 0
        for key in mine:
            assert mine[key] == theirs[key], key
    checked = check_store(pg)
    assert checked.ok and "共 1 晚" in checked.message
    with pytest.raises(UsageError, match="pg_dump"):
        restore_store(pg)


# --- copying a county's SQLite history onto the server ------------------------------------

def test_a_county_history_copied_onto_the_server_is_the_same_and_copied_once(
        tmp_path: Path, fresh: str, sample_files: Path) -> None:
    from toolkit.outputs.figures import night_figures
    from toolkit.store.transfer import copy_history

    base = tmp_path / "sqlite"
    with SqliteStore(load_config(cwd=base).paths.store) as source:  # an earlier night
        earlier = submission(source, sha="ef" * 32, night=NIGHT - dt.timedelta(days=1))
        source.replace_night(night_data(earlier, 4, night=NIGHT - dt.timedelta(days=1)))
    lite, _ = county_night(base, sample_files, None)
    pg = dataclasses.replace(lite, store_url=fresh)
    with SqliteStore(lite.paths.store) as source, open_store(pg) as target:
        summary = copy_history(source, target)
        assert summary.copied == [(NIGHT - dt.timedelta(days=1)).isoformat(),
                                  NIGHT.isoformat()]
        assert summary.rows == source.row_count(NIGHT) + 4 and summary.meta > 0
        assert target.nights() == source.nights()
        assert everything(target, pg) == everything(source, lite)
        assert night_figures(target, pg, NIGHT) == night_figures(source, lite, NIGHT)
        assert target.get_meta("last_merged_night") == NIGHT.isoformat()
        before = everything(target, pg)
        again = copy_history(source, target)
        assert (again.copied, again.rows, again.submissions, again.meta) == ([], 0, 0, 0)
        assert again.skipped == summary.copied
        assert everything(target, pg) == before
        assert len(target.submissions(NIGHT)) == len(source.submissions(NIGHT))
