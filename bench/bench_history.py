"""Benchmark: what the checks across nights cost at county size, against the night.

    .venv/bin/python bench/bench_history.py [--store DIR/ws/gridkit.sqlite3] [--night N]

Takes a store that holds one county-size night (what ``bench_merge.py`` leaves in
``/tmp/gk-county/ws``), turns each township's stored rows of that night back into the rows
the merge holds, and runs :func:`toolkit.night.history.cross_night` for the next night
against it, for every township, tonight lacking the last row of each sheet (so every
person, household and grid is looked up, and the sizes differ as on a real night).
Measured twice: one township after the other in this process (the CPU they cost), and as
the night runs them, each township in the worker that read its file, several at once
(``limits.workers``; the wall time the night spends on them). Prints the seconds, the
findings, and the share of the night given with ``--night`` (seconds of a whole night
measured in the same session, e.g. bench_merge's nightly median).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from toolkit.check.isolate import map_bounded
    from toolkit.config.county import load_config
    from toolkit.night.history import Tonight, cross_night
    from toolkit.store.records import RowRecord
    from toolkit.store.sqlite import SqliteStore

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/gk-county/ws/gridkit.sqlite3"))
    ap.add_argument("--night", type=float, help="seconds of the whole night, for the share")
    args = ap.parse_args()
    config = load_config(cwd=args.store.parent)
    with SqliteStore(args.store) as store:
        [last] = store.nights()[-1:]
        tonight = last + dt.timedelta(days=1)
        towns = []
        for status in store.statuses(last):
            if not status.merged:
                continue
            sheets: dict[str, list[RowRecord]] = {}
            for spec in config.schema.sheets:
                layout = store.columns(last, spec.name)
                pos = [layout.index(c.id) if c.id in layout else None for c in spec.columns]
                sheets[spec.name] = [
                    RowRecord(r.township, r.submission_id, spec.name, r.excel_row, r.status,
                              values=tuple(r.values[p] if p is not None and p < len(r.values)
                                           else None for p in pos), source=r.source)
                    for r in store.rows(last, spec.name, status.township)][:-1]
                # tonight's register lacks the last row of each sheet (a "gone" each), so
                # the sheets' sizes differ as on a real night
            towns.append(Tonight(status.township, "not-the-same-file", sheets, {}))
        rows = sum(len(v) for t in towns for v in t.sheets.values())
        start, cpu = time.perf_counter(), time.process_time()
        found = [f for t in towns for f in cross_night(config, tonight, store, t)]
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    print(f"cross-night checks: {len(towns)} townships, {rows} rows against {last}: "
          f"{seconds:.2f} s in one process ({cpu:.2f} s CPU), {len(found)} findings "
          f"({sorted({f.rule for f in found})})")
    start = time.perf_counter()
    done = map_bounded(_in_worker, [(t.township, (config, tonight, t)) for t in towns],
                       config.limits)
    parallel = time.perf_counter() - start
    failed = [d for d in done if not isinstance(d, int)]
    print(f"in the night's workers ({config.limits.workers or os.cpu_count()} at once): "
          f"{parallel:.2f} s, {sum(d for d in done if isinstance(d, int))} findings"
          + (f", {len(failed)} workers failed" if failed else ""))
    if args.night:
        print(f"share of the night ({args.night:.1f} s): {parallel / args.night:.1%} "
              "(target under 10%)")


def _in_worker(config: Any, night: dt.date, today: Any) -> int:
    """One township's checks across nights as the merge's worker runs them."""
    from toolkit.night.history import cross_night
    from toolkit.store import open_store

    store = open_store(config)
    try:
        return len(cross_night(config, night, store, today))
    finally:
        store.close()


if __name__ == "__main__":
    main()
