"""Where an unexpected failure (a bug, not a bad file) is written down.

Office staff never see a traceback: the CLI and the Excel buttons show one sentence that
names the log file, and the traceback goes to that file for whoever supports the office.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

LOG_ENV = "GRIDKIT_LOG_DIR"


def log_dir() -> Path:
    """%GRIDKIT_LOG_DIR%, else ~/.gridkit/logs."""
    base = os.environ.get(LOG_ENV)
    return Path(base) if base else Path.home() / ".gridkit" / "logs"


def record_crash(context: str, exc: BaseException) -> Path | None:
    """Append the traceback of ``exc`` to ``errors.log``; the file, or None when even
    that cannot be written."""
    path = log_dir() / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {context}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def crash_sentence(exc: BaseException, path: Path | None) -> str:
    where = f"详细信息已写入 {path}" if path else "详细信息未能写入日志"
    return (f"gridkit 遇到意外错误({type(exc).__name__}: {exc}),本次操作未完成;{where},"
            f"请把该文件发给技术支持。")
