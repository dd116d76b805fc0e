"""Benchmark a whole night (issue 5): ``toolkit.nightly.run_nightly`` — merge, report,
feedback — for the county's 10 township files x 40,000 screened persons.

The night's files are copied into the inbox of a fresh workspace
(``config.with_base(<dir>/ws)``) and the night runs in a fresh process, which prints seconds
per step (merge, report, feedback), the whole night, and peak memory (ru_maxrss).

Files: ``--files DIR`` (default: the first of /tmp/gk-bench-merge/night, /tmp/gk-bench-data
that holds .xlsx files, i.e. what bench_merge.py generated at scale 100); ``--scale N``
generates a night with ``toolkit.sample.generate`` instead (e.g. ``--scale 10`` for a quick
run; cached in ``<dir>/night-<N>``).

Run:  .venv/bin/python bench/bench_nightly.py [--repeat 3] [--scale 10] [--profile out.txt]
``--profile`` runs once under pyinstrument when installed (else cProfile) and writes the
report to the given file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NIGHT = dt.date(2020, 2, 4)
DEFAULT_FILES = (Path("/tmp/gk-bench-merge/night"), Path("/tmp/gk-bench-data"))


def _peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.xls*") if not p.name.startswith("~$"))


def run_night(files: Path, base: Path, profile: Path | None) -> dict[str, float]:
    """One night in this process (a fresh workspace under ``base``)."""
    from toolkit.config.county import load_config
    from toolkit.run.nightly import run_nightly

    ws = base / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    config = load_config(cwd=ws).with_base(ws)
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    arrived = dt.datetime.combine(NIGHT, dt.time(19, 0)).timestamp()  # before the deadline
    for path in _files(files):
        copy = config.paths.inbox / path.name
        shutil.copyfile(path, copy)
        os.utime(copy, (arrived, arrived))
    marks: dict[str, float] = {}

    def progress(step: str, done: int, total: int) -> None:
        key = step.split()[0]
        if done == 0 and key not in marks:
            marks[key] = time.perf_counter()

    start, cpu = time.perf_counter(), time.process_time()
    profiler: Any = None
    if profile is not None:
        try:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.005)
            profiler.start()
        except ImportError:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
    result = run_nightly(config, NIGHT, now=dt.datetime.combine(NIGHT, dt.time(23, 0)),
                         progress=progress, console=False)
    end = time.perf_counter()
    if profile is not None and profiler is not None:
        if hasattr(profiler, "output_text"):
            profiler.stop()
            profile.write_text(profiler.output_text(unicode=True, show_all=False))
        else:
            import io
            import pstats

            profiler.disable()
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(60)
            profile.write_text(buf.getvalue())
    report_at = marks.get("日报", end)
    feedback_at = marks.get("反馈", end)
    master = result.merge.master
    return {
        "merge": round(report_at - start, 2),
        "report": round(feedback_at - report_at, 2),
        "feedback": round(end - feedback_at, 2),
        "night": round(end - start, 2),
        "cpu": round(time.process_time() - cpu, 2),
        "peak_mb": round(_peak_mb(), 1),
        "rows": result.merge.rows,
        "exit_code": result.exit_code,
        "failures": len(result.failures),
        "master_mb": round(master.stat().st_size / 2**20, 1) if master else 0.0,
        "store_mb": round(config.paths.store.stat().st_size / 2**20, 1),
    }


def _night_files(args: argparse.Namespace) -> Path:
    if args.files is not None:
        return Path(args.files)
    if args.scale is None:
        for folder in DEFAULT_FILES:
            if len(_files(folder)) >= 10:
                return folder
        args.scale = 100.0
    folder = args.dir / f"night-{args.scale:g}"
    if not _files(folder):
        from toolkit.config.county import load_config
        from toolkit.sample import generate

        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        generate(load_config(cwd=args.dir), folder, NIGHT, scale=args.scale, defects=0.01)
        print(f"generated {len(_files(folder))} files in {time.perf_counter() - start:.1f} s")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=Path, help="folder with the night's township files")
    ap.add_argument("--scale", type=float, help="generate a night at this scale instead")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gridkit-bench-nightly"))
    ap.add_argument("--repeat", type=int, default=1, help="runs; the best one is reported")
    ap.add_argument("--profile", type=Path, help="profile one run into this file")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_night(args.files, args.dir, args.profile)))
        return
    files = _night_files(args)
    size = sum(p.stat().st_size for p in _files(files)) / 2**20
    print(f"night: {len(_files(files))} files, {size:.1f} MiB from {files}")
    runs = []
    for i in range(1 if args.profile else args.repeat):
        cmd = [sys.executable, __file__, "--child", "--files", str(files), "--dir",
               str(args.dir)]
        if args.profile:
            cmd += ["--profile", str(args.profile.resolve())]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"run {i + 1} failed:\n{proc.stderr.strip()[-2000:]}")
            sys.exit(1)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"run {i + 1}: {runs[-1]}")
    best = min(runs, key=lambda r: r["night"])
    print(f"best of {len(runs)}: night {best['night']} s, CPU {best['cpu']} s "
          f"(merge {best['merge']} s, report "
          f"{best['report']} s, feedback {best['feedback']} s), peak {best['peak_mb']:.0f} MiB "
          f"(target < 1024), {best['rows']} rows")
    if args.profile:
        print(f"profile written to {args.profile}")


if __name__ == "__main__":
    main()
