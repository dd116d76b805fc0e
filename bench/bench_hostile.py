"""Benchmark: what each hostile file costs under the default limits (and what a plain
township file costs, for comparison): wall time and the peak memory of the worker that read
it, each in a fresh process.

    .venv/bin/python bench/bench_hostile.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(path: str) -> None:
    from toolkit.check import check_paths
    from toolkit.config import load_config

    config = load_config(cwd=Path(path).parent)
    start = time.perf_counter()
    [result] = check_paths([Path(path)], config)
    seconds = time.perf_counter() - start
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "worker_mib": worker, "status": result.status,
                      "findings": len(result.issues),
                      "error": (result.error or "")[:40]}, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="rows of the many-rows file (default 1,000,000)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from tests import hostile

    cases = dict(hostile.HOSTILE)
    cases["many-rows"] = lambda f: hostile.many_rows(f, args.rows)
    cases["plain township"] = lambda f: hostile.register_package(
        f / "三桃乡_20200204.xlsx", hostile.clean_register("三桃乡"))
    print(f"{'file':22} {'size':>9} {'time':>7} {'worker peak':>12}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in cases.items():
            folder = Path(tmp) / name.replace(" ", "-")
            folder.mkdir()
            path = build(folder)
            size = path.stat().st_size
            out = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            what = r["status"] + (f" ({r['findings']} findings)" if r["status"] != "unreadable"
                                  else f": {r['error']}…")
            print(f"{name:22} {size / 1024:8.0f}K {r['seconds']:6.2f}s {r['worker_mib']:9.0f} MiB"
                  f"  {what}")


if __name__ == "__main__":
    main()
