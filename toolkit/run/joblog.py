"""The job's log: every ``gridkit`` logger to ``<logs>/gridkit.log`` (rotated) and the
console while a job runs."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
from collections.abc import Iterator
from pathlib import Path

from ..config.county import Config

LOG_NAME = "gridkit.log"
_CONTROL = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": " ", "\x1b": "\\e"})


class OneLineFormatter(logging.Formatter):
    """Every record on one line: a newline inside a message (a file name a township chose)
    cannot forge another log line."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.msg, record.args = record.getMessage().translate(_CONTROL), None
        return super().format(record)


@contextlib.contextmanager
def job_logging(config: Config, *, console: bool = True) -> Iterator[Path]:
    """Log the ``gridkit`` loggers to ``<logs>/gridkit.log`` (rotated, 5 × 5 MB) and the
    console for the duration of a job; nested use (schedule → nightly) adds nothing."""
    logger = logging.getLogger("gridkit")
    path = config.paths.logs / LOG_NAME
    if any(getattr(h, "gridkit_log", None) == path for h in logger.handlers):
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(fmt)
    handlers.append(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(OneLineFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
        handlers.append(stream)
    for h in handlers:
        h.gridkit_log = path  # type: ignore[attr-defined]
        logger.addHandler(h)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield path
    finally:
        logger.setLevel(old_level)
        for h in handlers:
            logger.removeHandler(h)
            h.close()
