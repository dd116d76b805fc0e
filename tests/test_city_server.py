"""The city over one PostgreSQL server: the five counties of 昭通市 run their own nightly
job at the same time, each a separate ``gridkit nightly`` process with its own gridkit.toml
(``[store] url`` with its own county role) and its own sample registers from ``gridkit
sample --county CODE``; two of them are killed (SIGKILL) in the middle of their merge. The
city's report, read from the server with the city's role, has the other counties whole and
the killed ones 未汇总 / 汇总失败; re-running those two completes the city."""

from __future__ import annotations

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
from tests.test_city import city_columns
from tests.test_merge import sheet_values, summary_columns
from toolkit.city.night import FAILED, MERGED, NOT_YET
from toolkit.cli import main
from toolkit.config.county import load_config, sample_counties
from toolkit.config.toml import builtin_text
from toolkit.files import CRASH_ENV

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

NIGHT = dt.date(2020, 2, 4)
SCALE = "0.05"
CODES = ("530629", "530602", "530623", "530627", "530681")  # the built-in city's five
# killed in the middle of the merge: inside the night's transaction (nothing committed: the
# county has not merged), and after the night was stored but before its master was written
KILLED = {"530623": "store-mid-transaction", "530681": "after-store"}
GRIDKIT = "import sys; from toolkit.cli import main; sys.argv[0] = 'gridkit'; main()"
_ids = itertools.count(1)


def gridkit(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def spawn(*args: str | Path, crash: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash is not None:
        env[CRASH_ENV] = crash
    return subprocess.Popen([sys.executable, "-c", GRIDKIT, *(str(a) for a in args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(procs: dict[str, subprocess.Popen[str]]) -> dict[str, tuple[int, str]]:
    """Each process's (exit code, stderr), waited for."""
    out = {}
    for code, proc in procs.items():
        _, err = proc.communicate(timeout=180)
        out[code] = (proc.returncode, err)
    return out


def county_report(folder: Path) -> dict[str, Any]:
    """The county's own ``gridkit report --format json``, from the server."""
    done = gridkit("report", "--config", folder / "gridkit.toml", "--date", NIGHT.isoformat(),
                   "--format", "json")
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.output)
    return data


def city_report(city: Path) -> tuple[int, dict[str, Any]]:
    done = gridkit("city", "report", "--city", city, "--date", NIGHT.isoformat(),
                   "--format", "json")
    assert done.exit_code in (0, 1), done.output
    data: dict[str, Any] = json.loads(done.output)
    return done.exit_code, data


@pytest.fixture
def city(pg_server: PgServer, tmp_path: Path) -> dict[str, Any]:
    """The server set up with ``gridkit store`` (a role per county, one for the city), every
    county's folder with its gridkit.toml and tonight's registers in its inbox, and the
    city.toml reading the server."""
    admin = pg_server.new_database()
    assert gridkit("store", "server-setup", "--admin", admin).exit_code == 0
    tag = f"{os.getpid()}_{next(_ids)}"
    samples = {code: spawn("sample", tmp_path / "samples" / code, "--date", NIGHT.isoformat(),
                           "--county", code, "--scale", SCALE, "--seed", str(i))
               for i, code in enumerate(CODES)}
    folders: dict[str, Path] = {}
    for code in CODES:
        role = f"gk_{code}_{tag}"
        added = gridkit("store", "add-county", role, "--county", code, "--admin", admin)
        assert added.exit_code == 0, added.output
        folder = tmp_path / code
        folder.mkdir()
        text = builtin_text(sample_counties()[code])
        (folder / "gridkit.toml").write_text(
            f'{text}\n[store]\nurl = "{as_role(admin, role)}"\n', encoding="utf-8")
        folders[code] = folder
    city_role = f"gk_city_{tag}"
    assert gridkit("store", "add-city", city_role, "--admin", admin).exit_code == 0
    for code, (rc, err) in finish(samples).items():
        assert rc == 0, (code, err)
        inbox = load_config(folders[code] / "gridkit.toml").paths.inbox
        inbox.mkdir(parents=True)
        arrived = dt.datetime.combine(NIGHT, dt.time(19)).timestamp()  # on time
        for f in sorted((tmp_path / "samples" / code).glob("*.xlsx")):
            shutil.copyfile(f, inbox / f.name)
            os.utime(inbox / f.name, (arrived, arrived))
    city_file = tmp_path / "city.toml"
    lines = ['[city]', 'name = "昭通市"', 'code = "530600"',
             'office = "昭通市疫情防控指挥部办公室"', '',
             '[store]', f'url = "{as_role(admin, city_role)}"', '']
    for code in CODES:
        name = load_config(folders[code] / "gridkit.toml").county.name
        lines += ['[[counties]]', f'name = "{name}"', f'code = "{code}"', '']
    city_file.write_text("\n".join(lines), encoding="utf-8")
    return {"folders": folders, "file": city_file}


def nightly(folders: dict[str, Path], codes: tuple[str, ...],
            crash: dict[str, str]) -> dict[str, tuple[int, str]]:
    """``gridkit nightly`` of every county in ``codes`` at once, each its own process."""
    return finish({code: spawn("nightly", "--config", folders[code] / "gridkit.toml",
                               "--date", NIGHT.isoformat(), "--format", "json",
                               crash=crash.get(code)) for code in codes})


def master_totals(folder: Path) -> dict[str, Any]:
    """The county master's 全县合计 of every 汇总 column."""
    master = load_config(folder / "gridkit.toml").paths.master
    return {title: values[-1] for title, values in summary_columns(sheet_values(master)).items()
            if title not in ("乡镇", "报送状态")}


def test_counties_merge_into_one_server_at_once_and_a_killed_merge_is_rerun(
        city: dict[str, Any]) -> None:
    folders: dict[str, Path] = city["folders"]
    names = {code: load_config(folders[code] / "gridkit.toml").county.name for code in CODES}
    ran = nightly(folders, CODES, KILLED)
    for code, (rc, err) in ran.items():
        assert rc == (-9 if code in KILLED else 0), (code, err)
    whole = [c for c in CODES if c not in KILLED]

    # the city from the server: the three whole counties as their own reports say
    exit_code, data = city_report(city["file"])
    assert exit_code == 1
    assert data["counties_merged"] == len(whole)
    assert data["not_yet"] == [names["530623"]]  # killed inside its transaction
    assert data["failed"] == [names["530681"]]  # stored, master not written
    reports = {code: county_report(folders[code]) for code in whole}
    for key in reports[whole[0]]["total"]:
        assert data["total"][key] == sum(r["total"][key] for r in reports.values()), key
    assert data["total"]["screened"] > 0
    states = {c["code"]: c for c in data["counties"]}
    for code in whole:
        assert states[code]["state"] == MERGED
        assert states[code]["reported"] == reports[code]["reported"] > 0
    assert states["530623"]["state"] == NOT_YET and states["530681"]["state"] == FAILED
    assert "重新运行" in states["530681"]["note"]
    columns = city_columns(sheet_values(Path(data["master"])))
    for code in whole:  # every 汇总 figure of the city master is the county's 全县合计
        for title, value in master_totals(folders[code]).items():
            assert columns[title][names[code]] == value, (code, title)
    for code in KILLED:
        assert columns["排查登记(人)"][names[code]] == 0
    before = {title: {names[c]: by[names[c]] for c in whole} for title, by in columns.items()}

    # re-running the two killed counties (their stale locks taken over) completes the city
    again = nightly(folders, tuple(KILLED), {})
    for code, (rc, err) in again.items():
        assert rc == 0, (code, err)
    exit_code, data = city_report(city["file"])
    assert exit_code == 0
    assert data["counties_merged"] == len(CODES) and data["not_yet"] == data["failed"] == []
    reports |= {code: county_report(folders[code]) for code in KILLED}
    for key in reports[CODES[0]]["total"]:
        assert data["total"][key] == sum(r["total"][key] for r in reports.values()), key
    columns = city_columns(sheet_values(Path(data["master"])))
    for code in CODES:
        for title, value in master_totals(folders[code]).items():
            assert columns[title][names[code]] == value, (code, title)
    for title, by_county in before.items():  # the others' figures unchanged
        for county, value in by_county.items():
            assert columns[title][county] == value, (county, title)
    assert columns["排查登记(人)"]["全市合计"] == sum(
        columns["排查登记(人)"][names[c]] for c in CODES)
