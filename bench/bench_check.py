"""Benchmark: checking registers vs python-calamine's pure read of the same files.

    .venv/bin/python bench/bench_check.py                # county size (generates once)
    .venv/bin/python bench/bench_check.py --data DIR     # where the sample files are kept
    .venv/bin/python bench/bench_check.py --scale 10     # a smaller night

Generates the sample night with ``toolkit.sample.generate(scale=100, defects=0.01,
layouts=True)`` (10 township files, each in its own mix of real layouts, 40,000 screened
persons each, 400,000 in all; ``--plain``: the template's layout) unless DIR already holds
it, then measures, each in a fresh process (so peak memory is that step's own high-water
mark):

  (a) python-calamine alone: open each file and turn every sheet into Python lists;
  (r) for the breakdown, gridkit's reader alone (``read_register``, its sheets parsed on as
      many threads as ``gridkit check`` gives the file);
  (1) gridkit on one thread, in this process: read_register (calamine + header detection +
      normalisation) + every rule, timing the two parts: the per-core comparison;
  (b) gridkit as ``gridkit check`` runs: ``check_paths``, each file in its bounded worker
      process (forked), as many at once as cores, a lone file's sheets parsed on the idle
      cores, the results sent back;

for one township file and for the whole county. Target: (b) within 1.3x of (a) for one
township, peak memory under 1 GiB for the county's 400,000 screened persons. The county run
also holds the findings against the truth the generator wrote: every planted defect found at
its cell, no other error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NIGHT = dt.date(2020, 2, 4)
TRUTH = "truth.json"


def _calamine(files: list[str]) -> dict[str, float]:
    from python_calamine import CalamineWorkbook

    cells = 0
    for f in files:
        wb = CalamineWorkbook.from_path(f)
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
    return {"cells": cells}


def _one_thread(files: list[str]) -> dict[str, float]:
    """What check_path does in this process (read_register + check_register) on one
    thread, timing the two parts."""
    from toolkit.check.run import check_register
    from toolkit.read import gc_paused, read_register

    config = _prepared["config"]
    reading = rules = 0.0
    for f in files:
        t0 = time.perf_counter()
        with gc_paused():  # as check_path does
            register = read_register(f, config)
            t1 = time.perf_counter()
            check_register(register, config)
        rules += time.perf_counter() - t1
        reading += t1 - t0
        del register
    return {"reading": reading, "rules": rules}


def _check(files: list[str]) -> dict[str, float]:
    """What ``gridkit check FILES`` does: check_paths (bounded workers), with the truth."""
    from toolkit.check.run import check_paths

    results = check_paths(files, _prepared["config"])
    found: set[tuple[str, str, int, str, str]] = set()
    for result in results:
        assert result.status != "unreadable", result.issues
        found.update((Path(result.file).name, i.source_sheet or "", i.row or 0,
                      i.column or "", i.rule) for i in result.issues if i.severity == "error")
    out: dict[str, float] = {"errors": sum(r.errors for r in results),
                             "warnings": sum(r.warnings for r in results)}
    truth_file = Path(files[0]).parent / TRUTH
    if truth_file.is_file():
        planted = {(t["file"], t.get("source_sheet") or t["sheet"], t["row"], t["column"],
                    t["kind"]) for t in json.loads(truth_file.read_text(encoding="utf-8"))
                   if not t["kind"].startswith("drift-")
                   and t["kind"] != "cross-township-duplicate"
                   and t["file"] in {Path(x).name for x in files}}
        out["missed"] = len(planted - found)
        out["extra"] = len(found - planted)
    return out


def _read(files: list[str]) -> dict[str, float]:
    from toolkit.read import read_register
    from toolkit.read.raw import parse_sheets_on

    config = _prepared["config"]
    parse_sheets_on(_lone_file_threads(files))
    rows = 0
    for f in files:
        rows += read_register(f, config).row_count
    return {"rows": rows}


def _lone_file_threads(files: list[str]) -> int:
    """The threads check_paths's worker parses a lone file on (the cores), else one."""
    return (os.cpu_count() or 1) if len(files) == 1 else 1


_prepared: dict[str, Any] = {}


def _prepare(mode: str) -> None:
    """Imports and the configuration, outside the timing (a run pays them once, whatever
    the number of files), like bench_read.py."""
    import python_calamine  # noqa: F401

    if mode != "calamine":
        import toolkit.check  # noqa: F401
        from toolkit.config.county import load_config

        _prepared["config"] = load_config(cwd=ROOT)


def child(mode: str, files: list[str]) -> None:
    _prepare(mode)
    start = time.perf_counter()
    info = {"calamine": _calamine, "read": _read, "one": _one_thread,
            "check": _check}[mode](files)
    seconds = time.perf_counter() - start
    peak_mib = max(resource.getrusage(who).ru_maxrss  # KiB on Linux; workers' too
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, **info}))


def measure(mode: str, files: list[Path], repeat: int) -> dict[str, float]:
    """The median of ``repeat`` fresh-process runs, with the fastest and slowest as
    ``lo`` and ``hi``."""
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", mode, *map(str, files)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["seconds"])
    return {**runs[len(runs) // 2], "lo": runs[0]["seconds"], "hi": runs[-1]["seconds"]}


def _spread(m: dict[str, float]) -> str:
    return f"({m['lo']:.2f}–{m['hi']:.2f})"


def ensure_sample(data: Path, scale: float, layouts: bool) -> list[Path]:
    files = sorted(data.glob("*.xlsx"))
    if len(files) >= 10:
        return files
    from toolkit.config.county import load_config
    from toolkit.sample import generate

    config = load_config(cwd=ROOT)
    print(f"generating the sample night (scale {scale:g}) into {data} …", flush=True)
    start = time.perf_counter()
    try:
        sample = generate(config, data, NIGHT, scale=scale, defects=0.01, seed=1,
                          layouts=layouts, truth=data / TRUTH)
        files = sample.files
    except RuntimeError as exc:  # the generator's run-wide ID pool can run out at scale 100
        print(f"  one run failed ({exc}); generating township by township", flush=True)
        files = []
        for n, township in enumerate(config.county.township_names):
            files += generate(config, data, NIGHT, scale=scale, defects=0.01, seed=n + 1,
                              townships=[township], layouts=layouts).files
    print(f"  {len(files)} files in {time.perf_counter() - start:.1f} s", flush=True)
    return sorted(files)


def report(label: str, files: list[Path], repeat: int) -> None:
    base = measure("calamine", files, repeat)
    read = measure("read", files, repeat)
    one = measure("one", files, repeat)
    ours = measure("check", files, repeat)
    ratio = ours["seconds"] / base["seconds"]
    threads = _lone_file_threads([str(f) for f in files])
    print(f"{label}:")
    print(f"  calamine read only : {base['seconds']:7.2f} s {_spread(base)}"
          f" peak {base['peak_mib']:7.0f} MiB"
          f"  ({base['cells']:,.0f} cells)")
    print(f"  read_register only : {read['seconds']:7.2f} s {_spread(read)}"
          f" peak {read['peak_mib']:7.0f} MiB"
          f"  ({read['rows']:,.0f} data rows; sheets parsed on {threads} thread(s))")
    print(f"  one thread         : {one['seconds']:7.2f} s {_spread(one)}"
          f" peak {one['peak_mib']:7.0f} MiB"
          f"  (reading {one['reading']:.2f} s, rules {one['rules']:.2f} s):"
          f" {one['seconds'] / base['seconds']:.2f}x")
    print(f"  gridkit check      : {ours['seconds']:7.2f} s {_spread(ours)}"
          f" peak {ours['peak_mib']:7.0f} MiB"
          f"  ({ours['errors']:,.0f} errors, {ours['warnings']:,.0f} warnings;"
          f" {os.cpu_count()} cores)")
    if "missed" in ours:
        print(f"  against the truth  : {ours['missed']:.0f} planted defects missed, "
              f"{ours['extra']:.0f} other errors")
    print(f"  ratio (medians)    : {ratio:7.2f}x  (target <= 1.3x for one township;"
          f" load {os.getloadavg()[0]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per measurement, the median is shown (default 3)")
    parser.add_argument("--plain", action="store_true",
                        help="the template's layout instead of every township's own habits")
    parser.add_argument("--only", choices=("township", "county"),
                        help="measure one township or the county only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    kind = "plain" if args.plain else "layouts"
    data = args.data or Path("/tmp") / f"gridkit-bench-scale{args.scale:g}-{kind}"
    files = ensure_sample(data, args.scale, not args.plain)
    biggest = max(files, key=lambda f: f.stat().st_size)
    if args.only != "county":
        report(f"one township ({biggest.name}, {biggest.stat().st_size / 2**20:.1f} MiB)",
               [biggest], args.repeat)
    if args.only != "township":
        report(f"the county ({len(files)} files)", files, max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
