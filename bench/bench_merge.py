"""Benchmark the night's merge (issue 4): a night of 10 township files x 40,000 screened
persons (``toolkit.sample.generate`` scale=100).

Three measurements, each in its own process (seconds and peak RSS):
  calamine  python-calamine's pure read of every sheet of the same files (the floor);
  merge     ``merge_night``: archive, check, store, figures, the master workbook;
  pandas    what an office would otherwise write: ``read_excel`` every sheet of every file,
            ``concat`` per sheet, ``to_excel`` one workbook (needs the ``bench`` extra).

Run:  .venv/bin/python bench/bench_merge.py [--scale 100] [--dir /tmp/gridkit-bench-merge]
Target: merge faster than the pandas script, peak under 1 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

NIGHT = dt.date(2020, 2, 4)


def _peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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


STAGES = {"calamine": stage_calamine, "merge": stage_merge, "pandas": stage_pandas}


def run_stage(name: str, base: Path) -> dict[str, float]:
    start, cpu = time.perf_counter(), time.process_time()
    extra = STAGES[name](base)
    return {"seconds": round(time.perf_counter() - start, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "peak_mb": round(_peak_mb(), 1), **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=100.0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gridkit-bench-merge"))
    ap.add_argument("--stages", default="calamine,merge,pandas")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    args = ap.parse_args()
    base: Path = args.dir
    if args.stage:
        print(json.dumps(run_stage(args.stage, base)))
        return
    marker = base / f"night-scale-{args.scale:g}"
    if not marker.exists():
        from toolkit.config.county import load_config
        from toolkit.sample import generate

        shutil.rmtree(base, ignore_errors=True)
        (base / "night").mkdir(parents=True)
        start = time.perf_counter()
        generate(load_config(cwd=base), base / "night", NIGHT, scale=args.scale)
        marker.write_text("ok")
        print(f"generated {len(_files(base))} files in {time.perf_counter() - start:.1f} s")
    size = sum(p.stat().st_size for p in _files(base)) / 2**20
    print(f"night: {len(_files(base))} files, {size:.1f} MiB, scale {args.scale:g}")
    results = {}
    for name in args.stages.split(","):
        proc = subprocess.run([sys.executable, __file__, "--stage", name, "--dir", str(base)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{name:9s} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:9s} {results[name]}")
    if "merge" in results and "pandas" in results:
        m, p = results["merge"], results["pandas"]
        print(f"merge / pandas time: {m['seconds'] / p['seconds']:.2f}x wall, "
              f"{m['cpu_seconds'] / p['cpu_seconds']:.2f}x CPU; "
              f"merge peak {m['peak_mb']:.0f} MiB (target < 1024)")
    if "merge" in results and "calamine" in results:
        ratio = results["merge"]["seconds"] / results["calamine"]["seconds"]
        print(f"merge / calamine read: {ratio:.2f}x")


if __name__ == "__main__":
    main()
