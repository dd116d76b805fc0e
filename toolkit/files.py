"""Files replaced atomically, and the named points where tests kill a run.

* :func:`replace_file` writes a file aside (same folder) and moves it into place with
  ``os.replace``, so a reader sees the old file or the new one, never half of one.
* :func:`crash_point` lets tests kill a run with SIGKILL at a named point
  (``GRIDKIT_CRASH_AT=<point>``); it does nothing otherwise.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

CRASH_ENV = "GRIDKIT_CRASH_AT"


def crash_point(point: str) -> None:
    """Die at once (SIGKILL, no clean-up) when ``GRIDKIT_CRASH_AT`` names this point.
    Used by the tests that prove a killed run loses nothing."""
    if os.environ.get(CRASH_ENV) == point:
        sys.stdout.flush()
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # pragma: no cover - Windows


@contextlib.contextmanager
def aside(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write into; removed if the block fails.
    The caller moves it into place (:func:`replace_file`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    # leftovers of a killed run (callers hold the workspace lock: no other writer)
    for old in target.parent.glob(
            f".{glob.escape(target.stem)}.*.tmp{glob.escape(target.suffix)}"):
        with contextlib.suppress(OSError):
            old.unlink()
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def replace_file(target: Path, write: Callable[[Path], None], *,
                 fallback: Path | None = None) -> Path:
    """Write ``target`` atomically: ``write(tmp)`` beside it, then ``os.replace``.

    When the target cannot be replaced (PermissionError, e.g. it is open in Excel on
    Windows) the new file goes to ``fallback`` instead, if given; returns the path written.
    """
    with aside(target) as tmp:
        write(tmp)
        crash_point("before-replace")
        try:
            os.replace(tmp, target)
        except PermissionError:
            if fallback is None:
                raise
            os.replace(tmp, fallback)
            return fallback
    return target
