"""Benchmark the county's night against the script an office would otherwise write: a
night of 10 township files x 40,000 screened persons (``toolkit.sample.generate``
scale=100, 705,000 rows).

Measurements, each in its own process (seconds, CPU, peak RSS of the process and of its
worker processes):
  calamine  python-calamine's pure read of every sheet of the same files (the floor);
  merge     ``merge_night``: archive, check, store, figures, the master workbook;
  nightly   ``run_nightly``: the merge, the 日报 and every township's feedback;
  pandas    the peer: ``read_excel`` every sheet of every file, ``concat`` per sheet,
            ``to_excel`` one workbook (needs the ``bench`` extra).

Run:  .venv/bin/python bench/bench_merge.py [--repeat 3] [--stages merge,pandas]
      [--files DIR] [--dir /tmp/gridkit-bench-merge]
With ``--repeat N`` the stages run in turn N times; each figure is the median with the
spread (min-max), the ratios are of the medians, and the load average is printed before
and after. Target (issue 13): nightly <= 0.08x pandas, peak <= 600 MiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

NIGHT = dt.date(2020, 2, 4)


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _files(base: Path) -> list[Path]:
    return sorted((base / "night").glob("*.xls*"))


def stage_calamine(base: Path) -> dict[str, float]:
    from python_calamine import CalamineWorkbook

    rows = 0
    for path in _files(base):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows += len(wb.get_sheet_by_name(name).to_python())
    return {"rows": rows}


def stage_merge(base: Path) -> dict[str, float]:
    from toolkit.config.county import load_config
    from toolkit.night.merge import merge_night

    ws = base / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir()
    config = load_config(cwd=ws)
    result = merge_night(config, NIGHT, inbox=base / "night",
                         now=dt.datetime.combine(NIGHT, dt.time(23, 0)))
    return {"rows": result.rows, "master_mb": result.master.stat().st_size / 2**20
            if result.master else 0.0,
            "store_mb": config.paths.store.stat().st_size / 2**20,
            "reported": sum(t.status in ("已报", "迟报") for t in result.townships)}


def stage_pandas(base: Path) -> dict[str, float]:
    import pandas as pd

    frames: dict[str, list[pd.DataFrame]] = {}
    for path in _files(base):
        for name, df in pd.read_excel(path, sheet_name=None, dtype=str).items():
            df.insert(0, "来源文件", path.name)
            frames.setdefault(name, []).append(df)
    out = base / "pandas_master.xlsx"
    rows = 0
    with pd.ExcelWriter(out) as writer:
        for name, dfs in frames.items():
            merged = pd.concat(dfs, ignore_index=True)
            rows += len(merged)
            merged.to_excel(writer, sheet_name=name[:31], index=False)
    return {"rows": rows}


def stage_nightly(base: Path) -> dict[str, float]:
    from toolkit.config.county import load_config
    from toolkit.run.nightly import run_nightly

    ws = base / "ws-nightly"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir()
    config = load_config(cwd=ws).with_base(ws)
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    for path in _files(base):
        shutil.copy2(path, config.paths.inbox / path.name)  # with its arrival time
    result = run_nightly(config, NIGHT, now=dt.datetime.combine(NIGHT, dt.time(23, 0)),
                         console=False)
    return {"rows": result.merge.rows if result.merge else 0}


STAGES = {"calamine": stage_calamine, "merge": stage_merge, "nightly": stage_nightly,
          "pandas": stage_pandas}


def run_stage(name: str, base: Path) -> dict[str, float]:
    start, cpu = time.perf_counter(), time.process_time()
    extra = STAGES[name](base)
    return {"seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "peak_mb": round(_peak_mb(), 1),
            "workers_peak_mb": round(_peak_mb(resource.RUSAGE_CHILDREN), 1), **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=100.0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gridkit-bench-merge"))
    ap.add_argument("--stages", default="calamine,merge,nightly,pandas")
    ap.add_argument("--repeat", type=int, default=1, help="runs of every stage, in turn")
    ap.add_argument("--files", type=Path, help="use the township files in this folder")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    args = ap.parse_args()
    base: Path = args.dir
    if args.stage:
        print(json.dumps(run_stage(args.stage, base)))
        return
    marker = base / f"night-scale-{args.scale:g}"
    arrived = dt.datetime.combine(NIGHT, dt.time(19, 0)).timestamp()  # on time
    if args.files:
        shutil.rmtree(base / "night", ignore_errors=True)
        (base / "night").mkdir(parents=True)
        for path in sorted(args.files.glob("*.xls*")):
            shutil.copyfile(path, base / "night" / path.name)
    elif not marker.exists():
        from toolkit.config.county import load_config
        from toolkit.sample import generate

        shutil.rmtree(base, ignore_errors=True)
        (base / "night").mkdir(parents=True)
        start = time.perf_counter()
        generate(load_config(cwd=base), base / "night", NIGHT, scale=args.scale)
        marker.write_text("ok")
        print(f"generated {len(_files(base))} files in {time.perf_counter() - start:.1f} s")
    for path in _files(base):  # arrived on time, long settled (a file just written waits)
        os.utime(path, (arrived, arrived))
    size = sum(p.stat().st_size for p in _files(base)) / 2**20
    print(f"night: {len(_files(base))} files, {size:.1f} MiB; {os.cpu_count()} cores; "
          f"load average before: {_load()}")
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for name in args.stages.split(","):
            proc = subprocess.run([sys.executable, __file__, "--stage", name, "--dir",
                                   str(base)], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name:9s} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            if name in ("merge", "nightly") and not run.get("rows"):
                sys.exit(f"{name}: no row merged ({run}): not a measurement")
            runs.setdefault(name, []).append(run)
            print(f"{name:9s} {runs[name][-1]}", flush=True)
    print(f"load average after: {_load()}")
    med = {name: {key: statistics.median(r[key] for r in rs) for key in
                  ("seconds", "cpu_seconds", "peak_mb", "workers_peak_mb")}
           for name, rs in runs.items()}
    for name, rs in runs.items():
        secs = [r["seconds"] for r in rs]
        print(f"{name:9s} median {med[name]['seconds']:.1f} s ({min(secs):.1f}-{max(secs):.1f}"
              f", {len(rs)} runs), CPU {med[name]['cpu_seconds']:.1f} s, peak "
              f"{med[name]['peak_mb']:.0f} MiB, workers' peak "
              f"{med[name]['workers_peak_mb']:.0f} MiB")
    for mine in ("merge", "nightly"):
        if mine in med and "pandas" in med:
            m, p = med[mine], med["pandas"]
            print(f"{mine} / pandas: {m['seconds'] / p['seconds']:.3f}x wall "
                  f"({m['seconds']:.1f} s vs {p['seconds']:.1f} s)")
        if mine in med and "calamine" in med:
            print(f"{mine} / calamine read: "
                  f"{med[mine]['seconds'] / med['calamine']['seconds']:.2f}x")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
