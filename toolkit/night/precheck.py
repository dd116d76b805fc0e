"""A township's file checked before it is sent, also against its township's earlier nights
in the county's history store (``gridkit check --history``): the same checks across nights
the merge makes, so an office can see tonight's warnings before the county does.

Nothing is written to the store; a township with no accepted earlier night, a file whose
township is not one of the county's, or a county with no history yet is checked as
tonight only (each cross-night finding names the earlier night it compared with).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..check.isolate import map_bounded
from ..check.run import CheckResult, check_path, unreadable, workbook_files
from ..config.county import Config
from ..findings import ERROR
from ..read import ReadHints
from ..store import open_store
from .archive import sha256_file
from .history import Tonight, across_nights_in_worker
from .merge import register_rows


@dataclass
class HistoryCheck:
    """The files checked, and what the history added."""

    results: list[CheckResult]
    has_history: bool  # the county's store holds at least one night
    failures: list[str] = field(default_factory=list)  # why a comparison was not made


def has_history(config: Config) -> bool:
    """Whether the county has a store with nights to compare with (never creates one)."""
    if config.store_url is None and not config.paths.store.is_file():
        return False
    store = open_store(config)
    try:
        return bool(store.nights())
    finally:
        store.close()


def check_with_history(paths: Iterable[str | Path], config: Config, *,
                       night: dt.date | None = None,
                       out_dir: str | Path | None = None) -> HistoryCheck:
    """Check every file (folders expanded), each in its own bounded worker, and compare it
    with its township's last accepted night before ``night`` (default: the file's report
    date, else today); with ``out_dir``, the annotated copies (cross-night findings
    included) written there."""
    files = workbook_files(paths)
    history = has_history(config)
    out = HistoryCheck([], history)
    calls = [(path.name, (str(path), config, night, history)) for path in files]
    done = (map_bounded(_checked, calls, config.limits) if config.limits.isolated
            else [_checked(*args) for _, args in calls])
    for path, r in zip(files, done, strict=True):
        if not isinstance(r, tuple):
            out.results.append(unreadable(path, r.message.split("\n")[0]))
            continue
        result, failure = r
        out.results.append(result)
        if failure is not None:
            out.failures.append(failure)
    if out_dir is not None:
        # imported here: the copies need openpyxl, a check without --out should not load it
        from ..annotate.copy import annotate_results

        annotate_results(out.results, out_dir)
    return out


def _checked(path: str, config: Config, night: dt.date | None, history: bool
             ) -> tuple[CheckResult, str | None]:
    """One file in a worker: checked, then against the store; sent back without its
    register."""
    hints = ReadHints(report_date=night) if night is not None else None
    result = check_path(path, config, hints=hints)
    reg, result.register = result.register, None
    if (not history or reg is None or result.status == "unreadable"
            or reg.township not in config.county.township_names):
        return result, None
    when = night or reg.report_date or dt.date.today()
    sheets, letters, _ids = register_rows(config, reg, result.issues, reg.township, 0)
    del reg
    found, failure = across_nights_in_worker(
        config, when, Tonight(result.township or "", sha256_file(Path(path)), sheets, letters))
    result.issues.extend(found)
    if any(f.severity == ERROR for f in found):
        result.status = "errors"
    return result, failure


__all__ = ["HistoryCheck", "check_with_history", "has_history"]
