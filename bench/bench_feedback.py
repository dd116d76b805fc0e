"""Benchmark the townships' annotated copies against their zip floor (issue 13: the copies
within 1.5x of it).

For every township file of a night: the file is checked once (not timed), then
  copy   ``annotate.copy.write_annotated``: the copy with every finding marked (fill and
         note), the 检查结果 sheet and its links — what the nightly feedback writes;
  floor  the same package rewritten member by member at the same deflate levels with no
         change: reading and packing, what any copy must at least do.
Each is the best of ``--repeat`` runs, in one process, one file after the other.

Run:  .venv/bin/python bench/bench_feedback.py [--files DIR] [--repeat 3]
(DIR: a night's township files, default /tmp/gridkit-bench-merge/night from bench_merge.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NIGHT = dt.date(2020, 2, 4)


def floor(source: Path, out: Path) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            z.writestr(info.filename, data, compresslevel=1 if len(data) > 1 << 20 else 6)


def main() -> None:
    from toolkit.annotate.copy import write_annotated
    from toolkit.check.run import check_path
    from toolkit.config.county import load_config
    from toolkit.read import ReadHints

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=Path, default=Path("/tmp/gridkit-bench-merge/night"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    config = load_config(cwd=Path(tempfile.gettempdir()))
    files = sorted(args.files.glob("*.xls*"))
    print(f"{len(files)} files from {args.files}; load average {os.getloadavg()[0]:.2f}")
    total = {"copy": 0.0, "floor": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            result = check_path(path, config, hints=ReadHints(report_date=NIGHT))
            result.register = None
            best = {"copy": float("inf"), "floor": float("inf")}
            for _ in range(args.repeat):
                t = time.perf_counter()
                write_annotated(result, tmp, name=path.name)
                best["copy"] = min(best["copy"], time.perf_counter() - t)
                t = time.perf_counter()
                floor(path, Path(tmp) / "floor.xlsx")
                best["floor"] = min(best["floor"], time.perf_counter() - t)
            for k in total:
                total[k] += best[k]
            print(f"{path.name:28s} {len(result.issues):6d} findings  copy {best['copy']:6.2f} s"
                  f"  floor {best['floor']:6.2f} s  {best['copy'] / best['floor']:5.2f}x",
                  flush=True)
    print(f"all files: copy {total['copy']:.2f} s, floor {total['floor']:.2f} s, "
          f"{total['copy'] / total['floor']:.2f}x (target <= 1.5x); "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
