"""``gridkit store migrate --to URL`` and the city's server commands (``store server-setup``,
``add-county``, ``add-city``), end to end through the command line against the server
tests/pgserver.py starts: a county with two nights merged into its SQLite file moves them
onto the server, and its reports from the server are the same as before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.pgserver import PgServer, as_role
from toolkit.cli import main
from toolkit.config.county import load_config
from toolkit.config.toml import builtin_text
from toolkit.store.sqlite import SqliteStore

NIGHTS = (dt.date(2020, 2, 3), dt.date(2020, 2, 4))
CODE = "530629"  # the built-in county, 威信县
GRIDKIT = "import sys; from toolkit.cli import main; sys.argv[0] = 'gridkit'; main()"
_roles = itertools.count(1)


def gridkit(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def role_name(kind: str) -> str:
    return f"gk_mig_{kind}_{os.getpid()}_{next(_roles)}"


@pytest.fixture(scope="module")
def merged_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county folder (gridkit.toml, the built-in 威信县) with two nights merged into its
    SQLite history, from ``gridkit sample --nights 2``."""
    root = tmp_path_factory.mktemp("migrate")
    samples = root / "samples"
    made = gridkit("sample", samples, "--date", NIGHTS[-1].isoformat(), "--nights", "2",
                   "--scale", "0.05", "--defects", "0.02", "--seed", "3")
    assert made.exit_code == 0, made.output
    county = root / "county"
    county.mkdir()
    (county / "gridkit.toml").write_text(builtin_text("county.toml"), encoding="utf-8")
    config = load_config(county / "gridkit.toml")
    for night in NIGHTS:
        config.paths.inbox.mkdir(parents=True, exist_ok=True)
        arrived = dt.datetime.combine(night, dt.time(19)).timestamp()
        for f in sorted((samples / f"{night:%Y%m%d}").glob("*.xlsx")):
            target = config.paths.inbox / f.name
            shutil.copyfile(f, target)
            os.utime(target, (arrived, arrived))
        merged = gridkit("merge", "--config", county / "gridkit.toml", "--date",
                         night.isoformat())
        assert merged.exit_code in (0, 1), merged.output
    return county


@pytest.fixture
def county(merged_county: Path, tmp_path: Path) -> Path:
    """This test's own copy of the merged county (its gridkit.toml may be changed)."""
    return Path(shutil.copytree(merged_county, tmp_path / "county"))


@pytest.fixture
def server(pg_server: PgServer) -> dict[str, str]:
    """A new database set up with ``gridkit store server-setup``, a county role for 威信县
    and a city role (``add-county`` / ``add-city``): name -> url."""
    admin = pg_server.new_database()
    done = gridkit("store", "server-setup", "--admin", admin)
    assert done.exit_code == 0, done.output
    assert "服务器上的历史库已就绪" in done.output
    roles = {"county": role_name("county"), "city": role_name("city")}
    added = gridkit("store", "add-county", roles["county"], "--county", CODE, "--admin", admin)
    assert added.exit_code == 0, added.output
    assert f"已新建账号 {roles['county']}" in added.output and CODE in added.output
    added = gridkit("store", "add-city", roles["city"], "--admin", admin)
    assert added.exit_code == 0 and "只读" in added.output, added.output
    return {"admin": admin} | {k: as_role(admin, r) for k, r in roles.items()}


def report(county: Path, night: dt.date) -> dict[str, Any]:
    done = gridkit("report", "--config", county / "gridkit.toml", "--date", night.isoformat(),
                   "--format", "json")
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.output)
    return data


def trace(county: Path) -> dict[str, Any]:
    """``gridkit trace 排查登记(人) --township 扎西镇`` of the last night."""
    done = gridkit("trace", "排查登记(人)", "--township", "扎西镇", "--config",
                   county / "gridkit.toml", "--date", NIGHTS[-1].isoformat(), "--format", "json")
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.output)
    assert data["value"] > 0 and data["cells"]
    return data


def what_a_user_sees(store: Any, night: dt.date) -> dict[str, Any]:
    """The night as the store gives it back, without the store's own submission ids."""
    def plain(item: Any) -> Any:
        return dataclasses.replace(item, submission_id=None)

    sheets = ("排查登记", "每日汇总")
    with store.snapshot():
        return {
            "statuses": [plain(s) for s in store.statuses(night)],
            "submissions": [dataclasses.replace(s, id=None) for s in store.submissions(night)],
            "rows": {s: [plain(r) for r in store.rows(night, s)] for s in sheets},
            "findings": [plain(f) for f in store.findings(night)],
            "run": store.night_run(night),
        }


def test_a_county_history_migrated_through_the_command_line(county: Path,
                                                            server: dict[str, str]) -> None:
    from toolkit.store.postgres import PostgresStore

    config_file = county / "gridkit.toml"
    before = {night: report(county, night) for night in NIGHTS}
    traced = trace(county)
    done = gridkit("store", "migrate", "--config", config_file, "--to", server["county"])
    assert done.exit_code == 0, done.output
    assert "已复制2晚(2020-02-03、2020-02-04)" in done.output
    assert "服务器上本县现有2晚" in done.output
    assert f'url = "{server["county"]}"' in done.output  # what to put in gridkit.toml
    config = load_config(config_file)
    with SqliteStore(config.paths.store) as lite, \
            PostgresStore(server["county"], county=CODE) as pg:
        assert pg.nights() == lite.nights() == list(NIGHTS)
        rows = 0
        for night in NIGHTS:
            mine, theirs = what_a_user_sees(pg, night), what_a_user_sees(lite, night)
            assert mine == theirs
            assert [s.township for s in mine["statuses"]] == \
                [t["township"] for t in before[night]["townships"]]
            rows += lite.row_count(night)
        assert rows > 0
    assert f"{rows}行登记" in done.output

    again = gridkit("store", "migrate", "--config", config_file, "--to", server["county"],
                    "--format", "json")
    assert again.exit_code == 0, again.output
    second = json.loads(again.output)
    assert (second["copied"], second["rows"], second["submissions"]) == ([], 0, 0)
    assert second["skipped"] == [n.isoformat() for n in NIGHTS]
    assert "没有需要复制的" in second["message"] and second["configured"] is False

    with config_file.open("a", encoding="utf-8") as fh:  # as the command told the user
        fh.write("\n" + second["config_lines"] + "\n")
    assert load_config(config_file).store_url == server["county"]
    text = gridkit("store", "migrate", "--config", config_file, "--to", server["county"])
    assert text.exit_code == 0 and "已使用这个服务器" in text.output, text.output
    config.paths.store.rename(county / "old-history.sqlite3")  # the county needs it no more
    for night in NIGHTS:
        assert report(county, night) == before[night]
    assert trace(county) == traced


def test_the_city_reads_a_migrated_county_from_the_server(county: Path,
                                                          server: dict[str, str]) -> None:
    assert gridkit("store", "migrate", "--config", county / "gridkit.toml", "--to",
                   server["county"]).exit_code == 0
    city = county / "city.toml"
    city.write_text('[city]\nname = "昭通市"\ncode = "530600"\noffice = "昭通市疫情防控指挥部'
                    f'办公室"\n\n[store]\nurl = "{server["city"]}"\n\n[[counties]]\n'
                    f'name = "威信县"\ncode = "{CODE}"\n', encoding="utf-8")
    done = gridkit("city", "report", "--city", city, "--date", NIGHTS[-1].isoformat(),
                   "--format", "json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["counties_merged"] == 1
    own = report(county, NIGHTS[-1])["total"]
    assert {k: data["total"][k] for k in own} == own


@pytest.mark.parametrize("url", ["postgresql://gk:secret@127.0.0.1:5432/gridkit",
                                 "postgresql://gk@127.0.0.1:5432/gridkit?password=secret"])
def test_a_password_in_the_address_is_refused(county: Path, url: str) -> None:
    done = gridkit("store", "migrate", "--config", county / "gridkit.toml", "--to", url)
    assert done.exit_code == 2
    assert "不要把密码" in done.output and "PGPASSWORD" in done.output
    assert "secret" not in done.output
    admin = gridkit("store", "server-setup", "--admin", url)
    assert admin.exit_code == 2 and "secret" not in admin.output


def test_a_county_without_a_history_has_nothing_to_migrate(tmp_path: Path,
                                                          server: dict[str, str]) -> None:
    (tmp_path / "gridkit.toml").write_text(builtin_text("county.toml"), encoding="utf-8")
    done = gridkit("store", "migrate", "--config", tmp_path / "gridkit.toml", "--to",
                   server["county"])
    assert done.exit_code == 2
    assert "还没有历史库文件" in done.output


def test_a_migration_waits_for_a_running_merge(county: Path, server: dict[str, str]) -> None:
    """The merge's workspace lock, held by another process: exit 3, nothing copied."""
    from toolkit.store.postgres import PostgresStore

    config = load_config(county / "gridkit.toml")
    # another gridkit process holds the lock (as a merge does) until its stdin is closed
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from toolkit.night.locking import workspace_lock; "
         f"lock = workspace_lock(__import__('pathlib').Path({str(config.paths.store)!r})); "
         "lock.acquire(); print('held', flush=True); sys.stdin.read(); lock.release()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = subprocess.run(
            [sys.executable, "-c", GRIDKIT, "store", "migrate", "--config",
             str(county / "gridkit.toml"), "--to", server["county"]],
            capture_output=True, text=True, timeout=120)
    finally:
        holder.communicate(timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "另一个 gridkit 任务正在运行" in proc.stderr
    with PostgresStore(server["county"], county=CODE) as pg:
        assert pg.nights() == []


def test_a_migration_to_an_unreachable_server_says_so(county: Path,
                                                      pg_server: PgServer) -> None:
    url = f"postgresql://nobody@127.0.0.1:{pg_server.port}/no_such_database"
    done = gridkit("store", "migrate", "--config", county / "gridkit.toml", "--to", url)
    assert done.exit_code == 1
    assert "无法连接历史库服务器" in done.output
    assert "数据库或账号不存在" in done.output  # in words, not the driver's


# --- the city's server commands -----------------------------------------------------------

def test_server_commands_are_repeatable_and_refuse_crossing_roles(
        server: dict[str, str]) -> None:
    import psycopg

    admin = server["admin"]
    county_role = server["county"].split("//")[1].split("@")[0]
    city_role = server["city"].split("//")[1].split("@")[0]
    again = gridkit("store", "server-setup", "--admin", admin, "--format", "json")
    assert again.exit_code == 0 and json.loads(again.output)["version"] >= 1
    same = gridkit("store", "add-county", county_role, "--county", CODE, "--admin", admin,
                   "--format", "json")
    assert same.exit_code == 0 and json.loads(same.output)["created"] is False
    other = gridkit("store", "add-county", county_role, "--county", "530602", "--admin", admin)
    assert other.exit_code == 2 and "每个县用自己的账号" in other.output
    crossed = gridkit("store", "add-city", county_role, "--admin", admin)
    assert crossed.exit_code == 2 and "不能再作为市里" in crossed.output
    crossed = gridkit("store", "add-county", city_role, "--county", "530602", "--admin", admin)
    assert crossed.exit_code == 2 and "市里的只读账号" in crossed.output
    for group in ("gridkit_city", "gridkit_county"):  # gridkit's own group roles
        taken = gridkit("store", "add-city", group, "--admin", admin)
        assert taken.exit_code == 2 and "权限组名" in taken.output, taken.output

    role = role_name("pw")
    asked = gridkit("store", "add-county", role, "--county", "530602", "--admin", admin,
                    "--password", input="s3cret-pw\ns3cret-pw\n")
    assert asked.exit_code == 0, asked.output
    assert "s3cret-pw" not in asked.output  # typed, never shown
    with psycopg.connect(admin) as conn:
        row = conn.execute("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s",
                           (role,)).fetchone()
    assert row == (True,)
