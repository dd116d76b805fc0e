"""How an Excel button runs: find the calling workbook, the county config, run one action,
and show ONE sentence to the person who pressed the button.

xlwings' RunPython shows whatever Python writes to stderr in a window when the process
fails. So a button never lets an exception out: a :class:`GridkitError` becomes its
sentence, anything else a generic Chinese sentence naming the log file, and the traceback
goes to that log file only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import logging.handlers
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.county import CONFIG_NAME, Config, load_config
from ..errors import ConfigError, GridkitError
from ..run.crashlog import log_dir
from .xlwings_lean import load

_xlwings = load()  # without pandas and numpy: a button's start-up

if TYPE_CHECKING:
    import xlwings as xw

TITLE = "gridkit"
CONFIG_KEY = "GRIDKIT_CONFIG"  # key in the xlwings.conf sheet: path of gridkit.toml


def log_path() -> Path:
    """The file the buttons log to: %GRIDKIT_LOG_DIR%, else ~/.gridkit/logs."""
    return log_dir() / "excel.log"


def _logger() -> logging.Logger:
    logger = logging.getLogger("gridkit.excel")
    path = log_path()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def conf_sheet(book: xw.Book) -> dict[str, Any]:
    """The xlwings.conf sheet as {KEY: value} (keys upper-cased), {} when there is none."""
    data = _xlwings.utils.read_config_sheet(book) or {}
    return {str(k).strip().upper(): v for k, v in data.items() if k}


def book_path(book: xw.Book) -> Path | None:
    try:
        full = Path(book.fullname)
    except Exception:  # a new, never saved book
        return None
    return full if full.is_absolute() else None


def config_for_book(book: xw.Book) -> Config:
    """The county config for a workbook: the GRIDKIT_CONFIG entry of its xlwings.conf sheet,
    else a gridkit.toml in the workbook's folder or the two folders above it, else the
    built-in sample county with its folders beside the workbook's folder."""
    conf = conf_sheet(book)
    where = book_path(book)
    explicit = conf.get(CONFIG_KEY)
    if explicit:
        path = Path(os.path.expandvars(str(explicit))).expanduser()
        if not path.is_absolute() and where is not None:
            path = where.parent / path
        if not path.is_file():
            raise ConfigError(
                f"xlwings.conf 表中 {CONFIG_KEY} 指向的配置文件 {path} 不存在,请改正该路径。")
        return load_config(path)
    if where is None:
        return load_config()
    for folder in (where.parent, *list(where.parent.parents)[:2]):
        if (folder / CONFIG_NAME).is_file():
            return load_config(folder / CONFIG_NAME)
    base = where.parent.parent if where.parent.name == "workbooks" else where.parent
    return load_config(cwd=base)


def show(book: xw.Book | None, message: str, *, critical: bool = False) -> None:
    """One sentence in a message box and on the status bar; never raises."""
    if book is None:
        return
    app = book.app
    with contextlib.suppress(Exception):
        app.status_bar = message
    with contextlib.suppress(Exception):
        app.alert(message, TITLE, mode="critical" if critical else "info")


def failure_sentence(exc: BaseException) -> str:
    if isinstance(exc, GridkitError):
        return exc.message
    return f"操作没有完成:程序出错了。请把日志文件 {log_path()} 发给县指挥部技术人员。"


def run_button(name: str, action: Callable[[xw.Book, Config], str]) -> str:
    """Run one button: ``action(book, config)`` returns the one-line summary to show.
    Returns the sentence shown (for tests and logs). Never raises."""
    log = _logger()
    book: xw.Book | None = None
    started = dt.datetime.now()
    try:
        book = _xlwings.Book.caller()
        log.info("button %s pressed in %s", name, book.fullname)
        config = config_for_book(book)
        with contextlib.suppress(Exception):
            book.app.screen_updating = False
        try:
            message = action(book, config)
        finally:
            with contextlib.suppress(Exception):
                book.app.screen_updating = True
        log.info("button %s done in %.1fs: %s", name,
                 (dt.datetime.now() - started).total_seconds(), message)
        show(book, message)
        return message
    except BaseException as exc:  # a button never shows a traceback
        if not isinstance(exc, GridkitError):
            log.error("button %s failed:\n%s", name, traceback.format_exc())
        else:
            log.warning("button %s: %s", name, exc.message)
        sentence = failure_sentence(exc)
        show(book, sentence, critical=True)
        return sentence
