"""Knowing that a night needs no redoing: a re-run with the same files, the same
configuration and its outputs untouched since they were written.

After a night's merge (and after its report and feedback) the store keeps a fingerprint of
what the step depended on — gridkit's version, the whole configuration, every submission of
the night with its hash and arrival time, the clerk's recorded times, the templates — and
the size and modification time of every file the step wrote. A later run of the same night
compares both: equal means the step's outputs are what it would write again, so it is
skipped (one line says so); anything different, a file missing or touched, and the step
runs in full. Keeping the whole step as the unit (not each township) keeps it simple to keep
right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..config.county import Config
from ..store.protocol import Store

_KEY = "unchanged:{step}:{night}"
MERGE, OUTPUTS = "merge", "outputs"


def fingerprint(config: Config, night: dt.date, store: Store, *extra: Any) -> str:
    """What a night's step depends on, as one hash."""
    subs = sorted((s.id or 0, s.sha256, s.file_name, s.arrived_at.isoformat())
                  for s in store.submissions(night))
    parts = [__version__, repr(config), night.isoformat(), subs, *(repr(e) for e in extra)]
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


def _stat(path: Path) -> list[Any] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [str(path), st.st_size, st.st_mtime_ns]


def remember(store: Store, step: str, night: dt.date, print_: str,
             outputs: Iterable[Path]) -> None:
    """Record that ``step`` of ``night`` wrote ``outputs`` from what ``print_`` says."""
    stats = [_stat(Path(p)) for p in outputs]
    store.set_meta(_KEY.format(step=step, night=night.isoformat()),
                   json.dumps({"fingerprint": print_, "outputs": stats}))


def forget(store: Store, step: str, night: dt.date) -> None:
    store.set_meta(_KEY.format(step=step, night=night.isoformat()), "")


def unchanged(store: Store, step: str, night: dt.date, print_: str) -> list[Path] | None:
    """The outputs ``step`` wrote last time, when nothing it depends on changed and every
    output is still as written; else None."""
    raw = store.get_meta(_KEY.format(step=step, night=night.isoformat()))
    if not raw:
        return None
    try:
        saved = json.loads(raw)
    except ValueError:
        return None
    if saved.get("fingerprint") != print_:
        return None
    stats: Sequence[Any] = saved.get("outputs") or []
    if not stats or any(s is None or _stat(Path(s[0])) != s for s in stats):
        return None
    return [Path(s[0]) for s in stats]


def templates_state(folder: Path) -> list[tuple[str, int, int]]:
    """The county's own templates (name, size, mtime): an edited one means a new report."""
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob("*.j2")):
        st = p.stat()
        out.append((p.name, st.st_size, st.st_mtime_ns))
    return out
