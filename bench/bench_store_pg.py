"""Benchmark the history store on the city's PostgreSQL server against the county's SQLite
file: a county night, a city night of several counties, and the city report.

Measurements, each merge in its own process (seconds, CPU of the process, rows):
  county   ``merge_night`` of the sample county's registers (威信县, 10 townships) into
           PostgreSQL (its own county role) vs into SQLite, one after the other;
  city     every county of the sample city (昭通市, 5 counties) merging its own registers
           at the same time, each its own process: into one server vs each into its own
           SQLite file (wall time from the first start to the last finish);
  report   ``gridkit city report``'s ``build_city_report`` over the server (the city's
           read-only role) vs over the counties' SQLite files, after the city night.

The server is started by the bench itself in a temporary folder (``tests/pgserver.py``:
initdb + pg_ctl on a free loopback port), restarted with the durability a city would run
(fsync, full_page_writes and synchronous_commit on; the tests turn them off); SQLite runs
as gridkit opens it (WAL, synchronous=NORMAL) and, as on a county PC, each SQLite merge also
writes its verified backup (a server is backed up by the city with pg_dump instead). Every
run has a new database and new SQLite folders.

Run:  .venv/bin/python bench/bench_store_pg.py [--scale 10] [--repeat 3] [--counties 5]
      [--dir /tmp/gridkit-bench-pg] [--stages county,city,report]
``--scale``: the county's size (1 = 400 screened persons per township; 100 = a full county,
40,000 per township). With ``--repeat N`` every stage runs N times in turn; each figure is
the median with the spread (min-max), the ratios are of the medians, and the load average
is printed before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pgserver: the tests' own throwaway server

NIGHT = dt.date(2020, 2, 4)
COUNTY = "530629"  # 威信县, the county of the county night
CITY = ("530629", "530602", "530623", "530627", "530681")  # the sample city's counties


# --- inside a stage's own process -------------------------------------------------------

def stage_merge(base: Path, code: str, url: str | None, ws: Path) -> dict[str, Any]:
    """One county's merge of its registers (``base/night/<code>``) into ``url`` (None:
    SQLite in ``ws``)."""
    import dataclasses

    from toolkit.config.county import sample_county
    from toolkit.night.merge import merge_night

    config = dataclasses.replace(sample_county(code, cwd=ws), store_url=url)
    start, cpu = time.perf_counter(), time.process_time()
    result = merge_night(config, NIGHT, inbox=base / "night" / code,
                         now=dt.datetime.combine(NIGHT, dt.time(23, 0)))
    return {"seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2), "rows": result.rows,
            "merged": sum(t.merged for t in result.townships)}


def stage_report(city_file: Path, out: Path) -> dict[str, Any]:
    from toolkit.city.report import build_city_report
    from toolkit.config.city import load_city

    start, cpu = time.perf_counter(), time.process_time()
    result = build_city_report(load_city(city_file), NIGHT, out_dir=out)
    return {"seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "merged": result.night.count("已汇总"),
            "screened": result.night.figures.total.screened}


# --- the driver ---------------------------------------------------------------------------

def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def collect(proc: subprocess.Popen[str], what: str) -> dict[str, Any]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed: {err.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def merge_args(base: Path, code: str, url: str | None, ws: Path) -> list[str]:
    return ["--stage", "merge", "--dir", str(base), "--code", code, "--url", url or "",
            "--ws", str(ws)]


class Server:
    """The bench's server: a new database per run with a role per county and the city's."""

    def __init__(self) -> None:
        import psycopg

        from tests.pgserver import start_server

        self.pg = start_server()
        # restarted without the tests' fsync=off, full_page_writes=off, synchronous_commit=off
        pg = self.pg
        restarted = pg._ctl("-l", str(pg.root / "server.log"), "-w", "-t", "60", "-o",
                            f"-c listen_addresses=127.0.0.1 -p {pg.port} -k {pg.root}",
                            "restart")
        if restarted.returncode != 0:
            pg.stop()
            raise SystemExit(f"pg_ctl restart failed: {restarted.stderr.strip()[-300:]}")
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            self.settings = {s: conn.execute(f"SHOW {s}").fetchone()[0]  # type: ignore[index]
                             for s in ("fsync", "full_page_writes", "synchronous_commit")}
            self.version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        self.runs = 0

    def database(self, codes: tuple[str, ...]) -> tuple[dict[str, str], str]:
        """A new database set up for ``codes``: county code -> its url, and the city's."""
        from tests.pgserver import as_role
        from toolkit.store.pg_admin import add_city_role, add_county_role, setup_server

        self.runs += 1
        admin = self.pg.new_database()
        setup_server(admin)
        urls = {}
        for code in codes:
            role = f"bench_{code}_{self.runs}"
            add_county_role(admin, role, code)
            urls[code] = as_role(admin, role)
        add_city_role(admin, f"bench_city_{self.runs}")
        return urls, as_role(admin, f"bench_city_{self.runs}")

    def stop(self) -> None:
        self.pg.stop()


def city_file(path: Path, codes: tuple[str, ...], url: str | None,
              stores: dict[str, Path] | None = None) -> Path:
    from toolkit.config.county import sample_county

    lines = ['[city]', 'name = "昭通市"', 'code = "530600"',
             'office = "昭通市疫情防控指挥部办公室"', '']
    if url is not None:
        lines += ['[store]', f'url = "{url}"', '']
    for code in codes:
        lines += ['[[counties]]', f'name = "{sample_county(code).county.name}"',
                  f'code = "{code}"']
        if stores is not None:
            lines.append(f'store = "{stores[code]}"')
        lines.append('')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def generate(base: Path, codes: tuple[str, ...], scale: float) -> None:
    from toolkit.config.county import sample_county
    from toolkit.sample import generate as write_samples

    for code in codes:
        folder = base / "night" / code
        marker = base / f"night-{code}-scale-{scale:g}"
        if marker.exists():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        start = time.perf_counter()
        write_samples(sample_county(code, cwd=base / "gen"), folder, NIGHT, scale=scale,
                      seed=int(code[-2:]))
        arrived = dt.datetime.combine(NIGHT, dt.time(19, 0)).timestamp()  # on time
        for f in folder.iterdir():
            os.utime(f, (arrived, arrived))
        marker.write_text("ok")
        print(f"generated {code}: {len(list(folder.iterdir()))} files in "
              f"{time.perf_counter() - start:.1f} s", flush=True)


def run_county(base: Path, server: Server, run: int) -> dict[str, dict[str, Any]]:
    urls, _ = server.database((COUNTY,))
    out = {}
    for backend, url in (("sqlite", None), ("postgres", urls[COUNTY])):
        ws = base / "runs" / f"county-{backend}-{run}"
        out[backend] = collect(spawn(*merge_args(base, COUNTY, url, ws)), f"county {backend}")
    return out


def run_city(base: Path, server: Server, run: int, codes: tuple[str, ...]
             ) -> tuple[dict[str, dict[str, Any]], dict[str, Path]]:
    """Every county at once, into the server and into SQLite files; the two city files."""
    urls, city_url = server.database(codes)
    out, cities = {}, {}
    for backend in ("sqlite", "postgres"):
        stores: dict[str, Path] = {}
        start = time.perf_counter()
        procs = {}
        for code in codes:
            ws = base / "runs" / f"city-{backend}-{run}" / code
            stores[code] = ws / "gridkit.sqlite3"
            url = urls[code] if backend == "postgres" else None
            procs[code] = spawn(*merge_args(base, code, url, ws))
        each = {code: collect(p, f"city {backend} {code}") for code, p in procs.items()}
        wall = time.perf_counter() - start
        out[backend] = {"seconds": round(wall, 2),
                        "cpu_seconds": round(sum(e["cpu_seconds"] for e in each.values()), 2),
                        "rows": sum(e["rows"] for e in each.values()),
                        "slowest_county": max(e["seconds"] for e in each.values())}
        cities[backend] = city_file(base / "runs" / f"city-{backend}-{run}" / "city.toml",
                                    codes, city_url if backend == "postgres" else None,
                                    None if backend == "postgres" else stores)
    return out, cities


def run_report(base: Path, cities: dict[str, Path], run: int) -> dict[str, dict[str, Any]]:
    out = {}
    for backend, path in cities.items():
        target = base / "runs" / f"report-{backend}-{run}"
        out[backend] = collect(spawn("--stage", "report", "--dir", str(base), "--ws",
                                     str(target), "--city-file", str(path)),
                               f"report {backend}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gridkit-bench-pg"))
    ap.add_argument("--stages", default="county,city,report")
    ap.add_argument("--repeat", type=int, default=1, help="runs of every stage, in turn")
    ap.add_argument("--counties", type=int, default=len(CITY),
                    help="counties of the city night (1-5)")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--code", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--city-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    base: Path = args.dir
    if args.stage == "merge":
        print(json.dumps(stage_merge(base, args.code, args.url or None, args.ws)))
        return
    if args.stage == "report":
        print(json.dumps(stage_report(args.city_file, args.ws)))
        return
    stages = args.stages.split(",")
    codes = CITY[:max(1, min(args.counties, len(CITY)))]
    made = codes if {"city", "report"} & set(stages) else (COUNTY,)
    generate(base, made, args.scale)
    shutil.rmtree(base / "runs", ignore_errors=True)
    files = sum(len(list((base / "night" / c).iterdir())) for c in made)
    print(f"scale {args.scale:g}: {len(made)} counties, {files} township files; "
          f"{os.cpu_count()} cores; load average before: {_load()}")
    server = Server()
    print(f"PostgreSQL {server.version} on 127.0.0.1:{server.pg.port} ({server.settings})",
          flush=True)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    try:
        for run in range(args.repeat):
            if "county" in stages:
                for backend, r in run_county(base, server, run).items():
                    runs.setdefault("county", {}).setdefault(backend, []).append(r)
                    print(f"county  {backend:8s} {r}", flush=True)
            if {"city", "report"} & set(stages):
                city, cities = run_city(base, server, run, codes)
                for backend, r in city.items():
                    runs.setdefault("city", {}).setdefault(backend, []).append(r)
                    print(f"city    {backend:8s} {r}", flush=True)
                if "report" in stages:
                    for backend, r in run_report(base, cities, run).items():
                        runs.setdefault("report", {}).setdefault(backend, []).append(r)
                        print(f"report  {backend:8s} {r}", flush=True)
            shutil.rmtree(base / "runs", ignore_errors=True)
    finally:
        server.stop()
    print(f"load average after: {_load()}")
    what = {"county": f"county night ({COUNTY}, merge)",
            "city": f"city night ({len(codes)} counties merging at once)",
            "report": "city report"}
    for stage, backends in runs.items():
        med = {b: statistics.median(r["seconds"] for r in rs) for b, rs in backends.items()}
        for b, rs in backends.items():
            secs = [r["seconds"] for r in rs]
            cpu = statistics.median(r["cpu_seconds"] for r in rs)
            print(f"{what[stage]:42s} {b:8s} median {med[b]:.2f} s ({min(secs):.2f}-"
                  f"{max(secs):.2f}, {len(rs)} runs), CPU {cpu:.1f} s")
        if "postgres" in med and "sqlite" in med and med["sqlite"]:
            print(f"{what[stage]:42s} postgres / sqlite: {med['postgres'] / med['sqlite']:.2f}x"
                  f" wall ({med['postgres']:.2f} s vs {med['sqlite']:.2f} s)")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
