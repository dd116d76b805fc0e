"""Benchmark the master's data sheets against other writers on the same rows (issue 13:
the master within 1.3x of the fastest writer measured).

The rows are the data sheets of a merged night (every cell as the master writes it: 乡镇,
the register's columns, 检查结果, 来源文件, 来源行), read from a workspace's store once;
then each writer writes them into one workbook, one sheet per register sheet, and is timed
(seconds of wall clock, best of ``--repeat``):

  gridkit     the master's row writer (rows rendered to XML and streamed by xlsxwriter,
              packed at deflate level 1) — what ``gridkit master`` from the store does;
  gridkit-put the same with the rows already rendered (the merge renders them in the
              township workers: this is what the night's own process still does);
  xlsxwriter  xlsxwriter's stock ``write_row`` in constant-memory mode (zlib level 6);
  rustpy      rustpy-xlsxwriter (the rust_xlsxwriter binding), rows as dicts;
  pyexcelerate pyexcelerate's ``new_sheet(data=...)``;
  floor       plain inline-string sheet XML into a level-1 zip (no styles, no shared strings).

Run:  .venv/bin/python bench/bench_master.py --ws /tmp/gk-prof/ws [--repeat 3]
      [--writers gridkit,rustpy,floor]
The workspace is one a night was merged into (bench_nightly.py leaves <dir>/ws). Writers
that are not installed (rustpy-xlsxwriter, pyexcelerate) are listed as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Rows = dict[str, tuple[list[str], list[list[Any]], list[list[str]]]]  # sheet -> head, rows, styles


def load_rows(ws: Path) -> tuple[Rows, dt.date]:
    from toolkit.config.county import load_config
    from toolkit.outputs.master_rows import SheetRows
    from toolkit.store import open_store

    config = load_config(cwd=ws).with_base(ws)
    store = open_store(config)
    try:
        night = max(store.nights()) if hasattr(store, "nights") else None
        if night is None:
            raise SystemExit("no merged night in the store")
        out: Rows = {}
        for spec in config.schema.sheets:
            layout = store.columns(night, spec.name)
            if not layout:
                continue
            cells = SheetRows(spec.columns, layout, lambda _text: None)
            head = ["乡镇", *(c.name for c in spec.columns), "检查结果", "来源文件", "来源行"]
            rows, styles = [], []
            for r in store.rows(night, spec.name):
                values, st = cells.cells(r.township, r.place, r.excel_row, r.status, r.values)
                rows.append(values)
                styles.append(st)
            if rows:
                out[spec.name] = (head, rows, styles)
        return out, night
    finally:
        store.close()


def w_gridkit(rows: Rows, path: Path, *, prerender: bool = False) -> float:
    """The master's own data-sheet writer; with ``prerender`` only the writing is timed."""

    from toolkit.outputs.master import CHUNK, _DataWorksheet, _FastZipWorkbook
    from toolkit.outputs.master_rows import DATA_STYLES, RowXml

    pre: dict[str, list[str | None]] = {}
    if prerender:
        for name, (head, data, styles) in rows.items():
            render = RowXml(len(head), [], lambda _text: None)
            pre[name] = [xml for at in range(0, len(data), CHUNK)
                         for xml in render.many(data[at:at + CHUNK], styles[at:at + CHUNK])]
    start = time.perf_counter()
    wb = _FastZipWorkbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False})
    formats = [wb.add_format({"num_format": "yyyy-mm-dd"}), wb.add_format({"text_wrap": True}),
               wb.add_format({"bg_color": "#FFC7CE"}), wb.add_format({"bg_color": "#FFEB9C"})]
    for k, f in enumerate(formats, start=1):
        assert f._get_xf_index() == k and DATA_STYLES
    for name, (head, data, styles) in rows.items():
        ws = wb.add_worksheet(name, worksheet_class=_DataWorksheet)
        ws.write_row(0, 0, head)
        for f in formats:
            ws.style_of(f)
        width = len(head)
        ws.share_columns([0, width - 2], width)
        if prerender:
            for r, xml in enumerate(pre[name], start=1):
                if xml is None:
                    ws.stock_row(r, data[r - 1], styles[r - 1])
                else:
                    ws.put(r, xml, width)
        else:  # rendered a chunk at a time, as the master does
            for at in range(0, len(data), CHUNK):
                ws.plain_rows(at + 1, data[at:at + CHUNK], styles[at:at + CHUNK])
    wb.close()
    return time.perf_counter() - start


def w_xlsxwriter(rows: Rows, path: Path) -> float:
    import xlsxwriter

    start = time.perf_counter()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, (head, data, _styles) in rows.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, head)
        for r, values in enumerate(data, start=1):
            for c, v in enumerate(values):
                if v is not None:
                    ws.write(r, c, v, date if v.__class__ is dt.date else None)
    wb.close()
    return time.perf_counter() - start


def w_rustpy(rows: Rows, path: Path) -> float:
    import rustpy_xlsxwriter

    def records(head: list[str], data: list[list[Any]]) -> Any:
        keys = [f"{k:03d}{h}" for k, h in enumerate(head)]  # unique keys in column order
        for values in data:
            yield dict(zip(keys, values, strict=True))

    start = time.perf_counter()
    rustpy_xlsxwriter.write_worksheets(
        [(name, records(head, data)) for name, (head, data, _s) in rows.items()], str(path),
        datetime_format="yyyy-mm-dd")
    return time.perf_counter() - start


def w_pyexcelerate(rows: Rows, path: Path) -> float:
    from pyexcelerate import Workbook

    start = time.perf_counter()
    wb = Workbook()
    for name, (head, data, _styles) in rows.items():
        wb.new_sheet(name, data=[head, *data])
    wb.save(str(path))
    return time.perf_counter() - start


def w_floor(rows: Rows, path: Path) -> float:
    """Sheet XML with inline strings into a level-1 zip: what any writer must at least do."""
    from xml.sax.saxutils import escape

    from xlsxwriter.utility import xl_col_to_name

    start = time.perf_counter()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for k, (_name, (head, data, _styles)) in enumerate(rows.items(), start=1):
            refs = [xl_col_to_name(c) for c in range(len(head))]
            with z.open(f"xl/worksheets/sheet{k}.xml", "w", force_zip64=True) as f:
                f.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                for r, values in enumerate([head, *data], start=1):
                    cells = []
                    for c, v in enumerate(values):
                        if v is None:
                            continue
                        if isinstance(v, str):
                            cells.append(f'<c r="{refs[c]}{r}" t="inlineStr"><is><t>'
                                         f"{escape(v)}</t></is></c>")
                        elif isinstance(v, dt.date):
                            cells.append(f'<c r="{refs[c]}{r}"><v>{v.toordinal() - 693594}'
                                         "</v></c>")
                        else:
                            cells.append(f'<c r="{refs[c]}{r}"><v>{v}</v></c>')
                    f.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
                f.write(b"</sheetData></worksheet>")
    return time.perf_counter() - start


WRITERS: dict[str, Callable[[Rows, Path], float]] = {
    "gridkit": w_gridkit,
    "gridkit-put": functools.partial(w_gridkit, prerender=True),
    "xlsxwriter": w_xlsxwriter,
    "rustpy": w_rustpy,
    "pyexcelerate": w_pyexcelerate,
    "floor": w_floor,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ws", type=Path, default=Path("/tmp/gridkit-bench-nightly/ws"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--writers", default=",".join(WRITERS))
    args = ap.parse_args()
    t = time.perf_counter()
    rows, night = load_rows(args.ws)
    total = sum(len(d) for _h, d, _s in rows.values())
    print(f"{total:,} rows of {night} in {len(rows)} sheets, loaded in "
          f"{time.perf_counter() - t:.1f} s; load average {os.getloadavg()[0]:.2f}")
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name in args.writers.split(","):
                path = Path(tmp) / f"{name}.xlsx"
                try:
                    seconds = WRITERS[name](rows, path)
                except ImportError as exc:
                    print(f"{name:13s} not installed ({exc.name})")
                    continue
                results.setdefault(name, []).append(seconds)
                print(f"{name:13s} {seconds:7.2f} s  {path.stat().st_size / 2**20:6.1f} MiB",
                      flush=True)
                path.unlink()
    ours = ("floor", "gridkit", "gridkit-put")
    fastest = min((min(v), k) for k, v in results.items() if k not in ours)
    print(f"\nmedians (spread), ratio to the fastest other writer ({fastest[1]}):")
    for name, times in results.items():
        med = statistics.median(times)
        ref = statistics.median(results[fastest[1]])
        print(f"  {name:13s} {med:7.2f} s ({min(times):.2f}-{max(times):.2f})  "
              f"{med / ref:5.2f}x")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
