"""``gridkit demo [DIR]``: a whole county night on generated sample data, in one folder.

What it does, in ``DIR`` (default ``./gridkit-demo``):

1. sets the folder up like ``gridkit init`` (``gridkit.toml``, ``schema.toml``, the folders)
   and copies the report templates into ``templates/`` so they can be edited and tried;
2. generates the three nights before for every township of the sample county (all on
   time; the same persons night after night, new arrivals joining) and runs each, so the
   report has a trend and a day-over-day change to show and the checks across nights have
   a history;
3. generates the demo night's submissions: every township fine except the last but one in
   the county list, whose file carries planted errors, and the last one, whose file arrives
   after the deadline (迟报);
4. runs the night (merge, report, feedback) exactly as ``gridkit nightly`` does, and returns
   where the master, the report and the feedback files are.

The demo succeeds (exit code 0) when the whole night ran, even though the night itself has a
late township and errors (``gridkit nightly`` on that night exits 1 by design); the demo
prints the night's own result and says so.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.county import CONFIG_NAME, Config, load_config
from ..config.init import init_county
from ..errors import UsageError
from ..outputs.templating import PACKAGE_TEMPLATES
from ..sample import generate
from .nightly import NightlyResult, Progress, run_nightly

DEFAULT_DIR = "gridkit-demo"
DEMO_NIGHT = dt.date(2020, 2, 4)  # the seed report's "截至2月4日"
DEMO_SCALE = 1.0  # 400 screened persons per township
DEMO_DEFECTS = 0.02  # per row, in the township with errors
DEMO_NIGHTS = 4  # the demo night and the three before it
ON_TIME_BEFORE = dt.timedelta(hours=2)  # files arrive this long before the deadline
LATE_AFTER = dt.timedelta(minutes=70)  # the late township's file, after the deadline


@dataclass
class DemoResult:
    directory: Path
    config_file: Path
    night: dt.date
    late_township: str
    error_township: str
    previous: NightlyResult
    result: NightlyResult
    samples: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0  # the demo ran; the night's own exit code is result.exit_code

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "directory": str(self.directory),
            "config": str(self.config_file),
            "night": self.night.isoformat(),
            "late_township": self.late_township,
            "error_township": self.error_township,
            "master": None if r.merge.master is None else str(r.merge.master),
            "report": None if r.report is None else [str(p) for p in r.report.paths],
            "feedback": str(r.feedback[0].note.parent.parent) if r.feedback else None,
            "log": str(r.log_file),
            "night_exit_code": r.exit_code,
            "nightly": r.to_dict(),
        }


def run_demo(directory: str | Path = DEFAULT_DIR, *, night: dt.date = DEMO_NIGHT,
             scale: float = DEMO_SCALE, progress: Progress | None = None,
             console: bool = False) -> DemoResult:
    """Set up ``directory`` and run two sample nights in it (see the module docstring)."""
    d = Path(directory).resolve()
    if d.exists() and not d.is_dir():
        raise UsageError(f"{d} 已存在且不是文件夹,请换一个文件夹名。")
    init_county(d)
    config = load_config(d / CONFIG_NAME)
    _copy_templates(config)
    towns = config.county.township_names
    if len(towns) < 3:
        raise UsageError("演示需要至少 3 个乡镇的县配置。")
    late, broken = towns[-1], towns[-2]
    deadline = config.county.deadline
    samples: list[Path] = []

    # the nights before: everyone on time, the registers of the same persons growing night
    # by night (as_of: the demo night's registers as they stood then), so the report's
    # trend and day-over-day change show new arrivals and the cross-night checks find
    # nothing to warn about
    previous: NightlyResult | None = None
    for k in range(DEMO_NIGHTS - 1, 0, -1):
        before = night - dt.timedelta(days=k)
        folder = d / "samples" / f"{before:%Y%m%d}"
        files = dict(zip(towns, generate(config, folder, night, as_of=before, scale=scale,
                                         seed=2, layouts=True).files, strict=True))
        files[broken] = generate(config, folder / "有错误", night, as_of=before, scale=scale,
                                 seed=3, townships=[broken], layouts=True).files[0]
        files[broken].replace(folder / files[broken].name)
        files[broken] = folder / files[broken].name
        samples += files.values()
        _deliver(config, list(files.values()), _at(before, deadline) - ON_TIME_BEFORE)
        previous = run_nightly(config, before, now=_run_time(config, before),
                               progress=progress, console=console)
        _clear_inbox(config, list(files.values()))
    assert previous is not None

    # the demo night: one township with errors, one late
    # every township in its own layout habits (files in county order, names may be generic)
    folder = d / "samples" / f"{night:%Y%m%d}"
    by_town = dict(zip(towns, generate(config, folder, night, scale=scale, seed=2,
                                       layouts=True).files, strict=True))
    by_town[broken] = generate(config, folder / "有错误", night, scale=scale,
                               defects=DEMO_DEFECTS, seed=3, townships=[broken],
                               layouts=True).files[0]
    samples += by_town.values()
    _deliver(config, [f for t, f in by_town.items() if t != late],
             _at(night, deadline) - ON_TIME_BEFORE)
    _deliver(config, [by_town[late]], _at(night, deadline) + LATE_AFTER)
    result = run_nightly(config, night, now=_run_time(config, night), progress=progress,
                         console=console)
    return DemoResult(d, d / CONFIG_NAME, night, late, broken, previous, result, samples)


def _at(night: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(night, time)


def _run_time(config: Config, night: dt.date) -> dt.datetime:
    """When the nightly job runs that night (``nightly_at``; never before the late file)."""
    run = _at(night, config.county.nightly_at)
    return max(run, _at(night, config.county.deadline) + LATE_AFTER + dt.timedelta(minutes=1))


def _deliver(config: Config, files: list[Path], arrived: dt.datetime) -> None:
    """Put files into the inbox as if they had arrived at ``arrived``."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = arrived.timestamp()
    for f in files:
        target = inbox / f.name
        n = 1
        while target.exists():  # two townships that both call their file 新建….xlsx
            n += 1
            target = inbox / f"{f.stem}({n}){f.suffix}"
        shutil.copyfile(f, target)
        os.utime(target, (stamp, stamp))


def _clear_inbox(config: Config, files: list[Path]) -> None:
    """The previous night's files leave the inbox once archived (as an office would)."""
    for f in files:
        (config.paths.inbox / f.name).unlink(missing_ok=True)


def _copy_templates(config: Config) -> None:
    """Editable copies of the report templates in the demo folder (existing ones kept)."""
    target = config.paths.templates or config.base_dir / "templates"
    target.mkdir(parents=True, exist_ok=True)
    for src in sorted(PACKAGE_TEMPLATES.glob("*.j2")):
        if not (target / src.name).exists():
            shutil.copyfile(src, target / src.name)
