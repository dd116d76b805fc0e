"""``generate``: one realistic submission per township, optional defects and drift, and the
truth of what was planted where."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..config.county import Config, Township
from ..errors import UsageError, os_reason
from .across import plant_across_nights
from .defects import Donor, Planter, per_kind, sheet_kinds
from .drift import Drifter
from .layouts import Layouter, choose_layouts, generic_file_name
from .model import Mark, PlantedDefect, SampleResult, SheetPlan, Table
from .people import IdFactory
from .township import TownshipBuilder
from .writer import plain_plan, positions, write_workbook

SHEET_ORDER = ("填报信息", "网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠")
MAX_SCALE = 1000.0
PARALLEL_FROM_SCALE = 10.0


def file_name(township: str, date: dt.date) -> str:
    return f"{township}_{date:%Y%m%d}.xlsx"


def select_townships(config: Config, townships: int | Sequence[str] | None
                     ) -> list[Township]:
    """All townships of the county, the first N, or those named."""
    every = list(config.county.townships)
    if townships is None:
        return every
    if isinstance(townships, int):
        if not 1 <= townships <= len(every):
            raise UsageError(f"--townships 应在 1 到 {len(every)} 之间,实际是 {townships}。")
        return every[:townships]
    chosen = []
    for name in townships:
        t = config.county.township(name)
        if t is None:
            known = "、".join(config.county.township_names)
            raise UsageError(f"本县没有乡镇“{name}”,可用:{known}。")
        if t not in chosen:
            chosen.append(t)
    if not chosen:
        raise UsageError("--townships 没有列出任何乡镇。")
    return chosen


def generate(config: Config, out_dir: str | Path, date: dt.date, *, scale: float = 1.0,
             defects: float = 0.0, seed: int = 0,
             townships: int | Sequence[str] | None = None,
             drift: bool | None = None, truth: str | Path | None = None,
             workers: int = 1, layouts: bool = False,
             as_of: dt.date | None = None,
             cross_night_since: dt.date | None = None) -> SampleResult:
    """Write one sample submission per township into ``out_dir``.

    ``scale`` 1 is a small realistic night (400 screened persons per township), 100 is county
    size (40,000 per township). ``defects`` is the rate per row at which the brief's defects
    are planted (at least one of each kind when positive and the sheet is big enough).
    ``drift`` (default: on when ``defects`` > 0) adds harmless real-world drift. The same
    ``seed`` and arguments give identical cell values. ``truth``: also write the truth there
    as JSON (a list of ``{file, township, sheet, row, column, kind}``, plus ``source_sheet``
    where the worksheet is not named ``sheet``). ``workers``: processes writing files:
    default one; 0 = the cores for county-size runs (a script calling this with workers needs
    the ``if __name__ == "__main__":`` guard where processes are spawned); the output is the
    same. ``layouts``: every township lays its file out in its own mix of
    real-world habits (``layouts.py``: cover forms, renamed and split sheets, two-level
    headers, merged cells, subtotals, footers, counts with units ...), chosen from the seed
    so that over the county's townships every habit appears; each is recorded in the truth
    as ``drift-layout-<feature>``, and the values stay valid. ``as_of``: the registers as
    they stood on that earlier night (:func:`as_of_night`): the same persons, households
    and grids as on ``date``, without those not yet arrived, observations not yet released,
    the day's own rows dated that night; consecutive nights built this way build on each
    other (see :func:`generate_nights`). ``cross_night_since``: also plant, in every
    township, the defects only a comparison with the registers of that earlier night shows
    (:mod:`.across`).
    """
    if isinstance(date, dt.datetime):
        date = date.date()
    if as_of is not None and as_of > date:
        raise UsageError(f"as_of {as_of:%Y-%m-%d} 晚于 {date:%Y-%m-%d}。")
    if not 0 < scale <= MAX_SCALE:
        raise UsageError(f"--scale 应大于 0 且不超过 {MAX_SCALE:g},实际是 {scale:g}。")
    if not 0 <= defects < 1:
        raise UsageError(f"--defects 是每行的比例,应在 0 到 1 之间(如 0.01),实际是 {defects:g}。")
    cutoff = config.schema.rules.cutoff_date
    if date < cutoff:
        raise UsageError(f"日期 {date:%Y-%m-%d} 早于排查起始日期 {cutoff:%Y-%m-%d},请换一个日期。")
    selected = select_townships(config, townships)
    drift = defects > 0 if drift is None else drift
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(out, exc) from exc

    ids = IdFactory()
    result = SampleResult(out_dir=out, date=as_of or date, files=[], truth=[])
    donors: list[Donor] = []
    run_texts: set[str] = set()
    workers = auto_workers(scale, len(selected)) if workers == 0 else max(1, workers)
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    pending: deque[Future[Path]] = deque()
    features = choose_layouts(config, seed) if layouts else {}
    names: set[str] = set()
    try:
        for township in selected:
            chosen = features.get(township.name, ())
            name = file_name(township.name, as_of or date)
            if "generic-file-name" in chosen:
                name = generic_file_name(seed, township.name, names)
            names.add(name)
            path = out / name
            if layouts:
                result.layouts[name] = list(chosen)
            plans = _prepare(config, township, name, date, scale, defects, seed, drift,
                             ids, donors, run_texts, result, chosen if layouts else None,
                             as_of, cross_night_since)
            result.files.append(path)
            if pool is None:
                write_workbook(path, plans, config)
                continue
            pending.append(pool.submit(write_workbook, path, plans, config))
            del plans
            while len(pending) > workers:  # bound the tables held in memory
                pending.popleft().result()
        while pending:
            pending.popleft().result()
    except OSError as exc:
        raise unwritable(Path(exc.filename or out), exc) from exc
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    order = {f.name: i for i, f in enumerate(result.files)}
    result.truth.sort(key=lambda t: (order.get(t.file, 0), t.sheet, t.source_sheet, t.row,
                                     t.column, t.kind))
    if truth is not None:
        try:
            result.truth_file = write_truth(result, Path(truth))
        except OSError as exc:
            raise unwritable(Path(truth), exc) from exc
    return result


def unwritable(path: Path, exc: OSError) -> UsageError:
    return UsageError(f"无法写入 {path}:{os_reason(exc)}。请检查文件夹是否存在、"
                      f"是否有写入权限,或关闭在Excel中打开的同名文件后重试。")


def write_truth(result: SampleResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump([t.to_dict() for t in result.truth], fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return path


def auto_workers(scale: float, townships: int) -> int:
    """Worker processes for writing: one for small runs (no start-up cost), the machine's
    cores for county-size runs (xlsxwriter is pure Python: writing is the slow part)."""
    if scale < PARALLEL_FROM_SCALE or townships < 2:
        return 1
    return max(1, min(os.cpu_count() or 1, townships, 4))


def _prepare(config: Config, township: Township, name: str, date: dt.date, scale: float,
             defects: float, seed: int, drift: bool, ids: IdFactory, donors: list[Donor],
             run_texts: set[str], result: SampleResult, layout: tuple[str, ...] | None,
             as_of: dt.date | None = None,
             cross_night_since: dt.date | None = None) -> list[SheetPlan]:
    """Build one township's tables, plant defects and drift, lay the sheets out (the
    template's layout, or the township's ``layout`` features), record the truth at the
    sheets and Excel rows as written; return the sheets in writing order."""
    rng = random.Random(f"gridkit-sample:{seed}:{township.name}")
    tables = TownshipBuilder(config, township, date, scale, rng, ids).build()
    if as_of is not None and as_of != date:
        as_of_night(config, tables, date, as_of)
        date = as_of
    marks: list[Mark] = []
    pairs: list[tuple[Donor, object]] = []
    offered: list[Donor] = []
    if defects > 0:
        planter = Planter(config, tables, date, rng, marks, run_texts)
        pairs = list(planter.plant(defects, donors))
        screened = len(tables["排查登记"].rows)
        offered = planter.donors(
            name, township.name,
            2 * per_kind(defects, screened, len(sheet_kinds(config)["排查登记"])))
    if cross_night_since is not None:
        plant_across_nights(config, tables, cross_night_since, rng, marks)
    result.rows[name] = {s: len(t.rows) for s, t in tables.items()}  # data rows, before drift
    if drift:
        Drifter(config, tables, township.name, date, rng, marks).apply(defects)
    ordered = [tables[s] for s in SHEET_ORDER] + [
        t for s, t in tables.items() if s not in SHEET_ORDER]
    if layout is None:
        plans = [plain_plan(t) for t in ordered]
    else:
        plans = Layouter(config, ordered, township.name, date, f"{seed}:{township.name}",
                         marks).plans(layout)
    rows_at = positions(plans)
    holding: dict[str, list[str]] = {}  # canonical sheet -> the worksheets holding it
    for p in plans:
        if not p.copy:
            holding.setdefault(p.canonical, []).append(p.name)
    for m in marks:
        if m.row is not None:
            source, row = rows_at[id(m.row)]
            result.truth.append(PlantedDefect(name, township.name, m.sheet, row, m.column,
                                              m.kind, source))
            continue
        for source in [m.source] if m.source is not None else holding.get(m.sheet, [""]):
            result.truth.append(PlantedDefect(name, township.name, m.sheet, 0, m.column,
                                              m.kind, source))
    for donor, _row in pairs:
        result.truth.append(PlantedDefect(donor.file, donor.township, "排查登记",
                                          donor.excel_row, "身份证号",
                                          "cross-township-duplicate", donor.excel_sheet))
    for donor in offered:
        donor.excel_sheet, donor.excel_row = rows_at[id(donor.row)]
        donor.row = []  # release the row (memory at county scale)
    donors.extend(offered)
    for t in ordered:
        t.tainted.clear()
    return plans


def as_of_night(config: Config, tables: dict[str, Table], last: dt.date, night: dt.date
                ) -> None:
    """Turn the registers of ``last`` into those of the earlier ``night``, in place: persons
    who arrived after it left out, an observation released after it still running, the
    day's own rows (checkpoint shifts, publicity, donations, the cover) dated ``night``."""
    rules = config.schema.rules
    screening = tables.get("排查登记")
    if screening is not None:
        col = {c: k for k, c in enumerate(screening.columns)}
        arrival, measure = col.get("抵威日期"), col.get("管控措施")
        end = col.get("观察解除日期")
        kept = []
        for row in screening.rows:
            day = row[arrival] if arrival is not None else None
            if isinstance(day, dt.date) and day > night:
                continue
            if (measure is not None and end is not None and row[measure] == rules.released_measure
                    and isinstance(row[end], dt.date) and row[end] > night):
                row[measure] = rules.managed_measures[0]
            kept.append(row)
        seq = col.get("序号")
        if seq is not None:
            for k, row in enumerate(kept, start=1):
                if isinstance(row[seq], int):
                    row[seq] = k
        screening.rows[:] = kept
    for table in tables.values():
        if table is screening:  # a person's dates are the person's (a release planned on
            continue            # ``last`` is still planned on that day)
        for row in table.rows:
            for k, value in enumerate(row):
                if value == last and isinstance(value, dt.date):
                    row[k] = night


def generate_nights(config: Config, out_dir: str | Path, last: dt.date, nights: int, *,
                    defects: float = 0.0, cross_night: bool = False,
                    **options: Any) -> list[SampleResult]:
    """``nights`` consecutive nights ending on ``last``, one folder each (``YYYYMMDD``), that
    build on each other: yesterday's persons stay, new arrivals join, observations end,
    cumulative counts only grow. Defects (``defects``, and with ``cross_night`` those only
    the night before shows) are planted on the last night only, so the earlier nights are
    clean."""
    if not 1 <= nights <= 60:
        raise UsageError(f"--nights 应在 1 到 60 之间,实际是 {nights}。")
    out = Path(out_dir)
    results = []
    truth = options.pop("truth", None)  # the defects are the last night's: its truth only
    for k in range(nights - 1, -1, -1):
        night = last - dt.timedelta(days=k)
        since = night - dt.timedelta(days=1) if cross_night and k == 0 and nights > 1 else None
        results.append(generate(config, out / f"{night:%Y%m%d}", last, as_of=night,
                                defects=defects if k == 0 else 0.0,
                                cross_night_since=since, truth=truth if k == 0 else None,
                                **options))
    return results
