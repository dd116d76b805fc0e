"""Keeping the history safe: a verified backup after every night (the last
``limits.backups`` kept), refusing to start on a store that lost its history, and
``gridkit store check`` / ``gridkit store restore``.

A 0-byte or missing store file when the county has backups means the history was lost
(a copy that failed, a disk error): gridkit stops and says how to restore instead of
silently starting an empty history.

None of this applies to a store on a PostgreSQL server (``[store] url``): the city backs the
server up (pg_dump); the guard and the nightly backup say so in the log and do nothing,
``store check`` reads the server, ``store restore`` refuses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.county import Config
from ..errors import JobFailed, UsageError
from .protocol import Store
from .sqlite import SqliteStore

BACKUP_FOLDER = "backups"
log = logging.getLogger("gridkit.store")
_ON_SERVER = "历史库在数据库服务器上,由市里用 pg_dump 备份:本机不做历史库备份"
_BACKUP = re.compile(r"^gridkit-(\d{8})-(\d{6})\.sqlite3$")


def backup_folder(config: Config) -> Path:
    return config.paths.store.parent / BACKUP_FOLDER


def backups(config: Config) -> list[Path]:
    """The store's backups, oldest first."""
    folder = backup_folder(config)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _BACKUP.match(p.name))


def guard(config: Config) -> None:
    """Refuse to open a store whose history is gone although it existed."""
    if config.store_url is not None:
        log.debug("%s,也不检查本机的历史库文件。", _ON_SERVER)
        return
    path = config.paths.store
    saved = backups(config)
    if not saved:
        return
    if not path.exists():
        raise JobFailed(f"历史库 {path} 不见了,但已有 {len(saved)} 个备份:请运行 gridkit store "
                        "restore 从最近的备份恢复(如果是有意换了新的历史库位置,"
                        "请先把备份文件夹一起移过去)。")
    if path.stat().st_size == 0:
        raise JobFailed(f"历史库 {path} 是空文件(0字节),以前的汇总历史不在里面了:请运行 gridkit "
                        "store restore 从最近的备份恢复。")


def backup_after_night(store: Store, config: Config,
                       now: dt.datetime | None = None) -> Path | None:
    """A verified backup of the store, the oldest beyond ``limits.backups`` removed (none
    for a store on a server: the city backs the server up)."""
    if not isinstance(store, SqliteStore):
        log.info("%s。", _ON_SERVER)
        return None
    keep = config.limits.backups
    if keep <= 0:
        return None
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = store.backup(backup_folder(config) / f"gridkit-{stamp}.sqlite3")
    for old in backups(config)[:-keep]:
        old.unlink(missing_ok=True)
    return target


@contextlib.contextmanager
def backup_beside(config: Config, backup: Callable[[Store], None]
                  ) -> Iterator[Callable[[], None]]:
    """``backup(store)`` on a connection and a thread of its own while the body runs
    (SQLite copies and verifies without the GIL: the nightly's report is written
    meanwhile). Gives ``wait``: wait for it, raising what stopped it; the end of the body
    waits too. Under the workspace lock, after the night is stored; nothing for a store on
    a server (the city backs it up)."""
    if config.store_url is not None:
        log.info("%s。", _ON_SERVER)
        yield lambda: None
        return
    failed: list[BaseException] = []

    def run() -> None:
        try:
            store = SqliteStore(config.paths.store, migrate=False)
            try:
                backup(store)
            finally:
                store.close()
        except BaseException as exc:  # raised by wait, in the nightly
            failed.append(exc)

    thread = threading.Thread(target=run, name="gridkit-backup")
    thread.start()

    def wait() -> None:
        thread.join()
        if failed:
            raise failed.pop()

    try:
        yield wait
    finally:
        thread.join()
    wait()


@dataclass
class StoreCheck:
    path: str
    ok: bool
    message: str  # Chinese, one sentence
    nights: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.path, "ok": self.ok, "message": self.message,
                "nights": self.nights, "backups": self.backups}


def check_store(config: Config) -> StoreCheck:
    """``gridkit store check``: can the store be read, is it whole, which nights it holds."""
    if config.store_url is not None:
        return _check_server(config, config.store_url)
    path = config.paths.store
    saved = [str(p) for p in backups(config)]
    if not path.exists():
        return StoreCheck(str(path), not saved,
                          "历史库还不存在(还没有汇总过)。" if not saved else
                          "历史库不见了,但有备份:请运行 gridkit store restore。", backups=saved)
    try:
        guard(config)
        store = SqliteStore(path)
    except JobFailed as exc:
        return StoreCheck(str(path), False, exc.message, backups=saved)
    try:
        problem = store.integrity()
        nights = [d.isoformat() for d in store.nights()]
    except sqlite3.DatabaseError:
        problem, nights = "damaged", []
    finally:
        store.close()
    if problem != "ok":
        return StoreCheck(str(path), False, "历史库已损坏:请运行 gridkit store restore 从最近的备份"
                          "恢复。", nights, saved)
    last = f",最近一晚 {nights[-1]}" if nights else ""
    return StoreCheck(str(path), True,
                      f"历史库完好:共 {len(nights)} 晚{last},备份 {len(saved)} 个。", nights, saved)


def _check_server(config: Config, url: str) -> StoreCheck:
    from .postgres import PostgresStore, where  # psycopg only for a county with a server

    try:
        store = PostgresStore(url, county=config.county.area_code)
    except JobFailed as exc:
        return StoreCheck(where(url), False, exc.message)
    try:
        nights = [d.isoformat() for d in store.nights()]
    finally:
        store.close()
    last = f",最近一晚 {nights[-1]}" if nights else ""
    return StoreCheck(where(url), True, f"服务器上的历史库可以读取:本县共 {len(nights)} 晚{last}"
                      "(服务器由市里用 pg_dump 备份)。", nights)


@dataclass
class Restored:
    store: str
    backup: str
    kept: str | None  # where the replaced (damaged) store was put aside
    nights: int

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "backup": self.backup, "kept": self.kept,
                "nights": self.nights}


def restore_store(config: Config, backup: str | Path | None = None) -> Restored:
    """``gridkit store restore [BACKUP]``: the latest (or the named) backup, verified, put in
    place of the store; the store it replaces is kept beside it (``.replaced-<time>``)."""
    if config.store_url is not None:
        raise UsageError("历史库在数据库服务器上,不能用 gridkit store restore 恢复:请联系市里的"
                         "数据库管理员从服务器的备份(pg_dump)恢复。")
    saved = backups(config)
    if backup is None:
        if not saved:
            raise UsageError(f"没有找到历史库的备份(应在 {backup_folder(config)} 中),无法恢复。")
        source = saved[-1]
    else:
        source = Path(backup)
        if not source.is_file():
            raise UsageError(f"找不到备份文件 {source}:可用的备份有 "
                             f"{'、'.join(p.name for p in saved) or '(没有)'}。")
    try:
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            nights = int(copy.execute("SELECT count(*) FROM nights").fetchone()[0])
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise JobFailed(f"备份 {source} 也无法读取({exc}),请换一个更早的备份。") from exc
    if not ok:
        raise JobFailed(f"备份 {source} 校验未通过,请换一个更早的备份。")
    path = config.paths.store
    kept = None
    if path.exists():
        aside = path.with_name(f"{path.name}.replaced-{dt.datetime.now():%Y%m%d-%H%M%S}")
        os.replace(path, aside)
        kept = str(aside)
        for extra in ("-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)
    return Restored(str(path), str(source), kept, nights)


__all__ = ["BACKUP_FOLDER", "Restored", "StoreCheck", "backup_after_night", "backups",
           "check_store", "guard", "restore_store"]
