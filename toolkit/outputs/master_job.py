"""The merge's master, written while the night is stored.

The master's data sheets need only the night's rows, which the workers have spooled; its
pages (汇总, 报送情况, 问题清单, 跨乡镇重复) need the night as stored. So the merge starts the
master before it stores the night: on Linux a forked child writes the data sheets (the
larger half of the master's work) while the merge's own process writes the store, then
waits; once the night is committed the merge reads the pages' figures from the store and
sends them, the child writes the pages and the file, and the merge moves the file into
place. Elsewhere (no fork) the same two steps run one after the other in the merge's
process, after the store.

Nothing is half-written: the child writes only a temporary file the merge names, and only
the merge moves it into place (:func:`toolkit.files.replace_file`). A child whose merge is
gone (killed) stops: it watches its parent while it writes the rows and reads end-of-file
on the pipe while it waits, and leaves with ``os._exit``; it never touches the store.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import multiprocessing as mp
import os
import shutil
import signal
import sys
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..config.county import Config
from ..errors import JobFailed
from ..files import crash_point, replace_file, temp_folder
from ..store.records import Conflict
from .master import DrawnRow, MasterBook, Rendered, StoredNight, master_fallback, stored_night

__all__ = ["MasterJob", "start_master"]

log = logging.getLogger("gridkit.master")

_WATCH_EVERY = 4096  # rows between two looks at the parent
_STOPS = {signal.SIGINT, signal.SIGTERM}
ROWS_WRITTEN = "rows-written"  # the child to the merge: the data sheets are written
_CHILD_GONE = ("写全县汇总表的进程意外退出,全县汇总表未更新(历史库中已保存本次汇总):"
               "请重新运行汇总。")


def background_possible() -> bool:
    """Whether the master can be written in a forked child here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def start_master(config: Config, night: dt.date, rows: Rendered, counts: dict[str, int],
                 layouts: dict[str, list[str]], conflicts: list[Conflict], *,
                 background: bool = True) -> MasterJob:
    """Start the night's master (``rows`` as the store will hold them, ``counts`` and
    ``layouts`` each sheet's number of rows and column order, ``conflicts`` the night's
    跨乡镇重复): its data sheets in a forked child when ``background`` and possible, else
    nothing yet. Finish it with :meth:`MasterJob.finish` once the night is stored; cancel
    it with :meth:`MasterJob.cancel` when the night fails."""
    job = MasterJob(config, night, rows, counts, layouts, conflicts)
    if background and background_possible():
        job._fork()
    return job


class MasterJob:
    """A master being written for the merge (see the module docstring)."""

    def __init__(self, config: Config, night: dt.date, rows: Rendered,
                 counts: dict[str, int], layouts: dict[str, list[str]],
                 conflicts: list[Conflict]) -> None:
        self.config, self.night, self.rows = config, night, rows
        self.counts, self.layouts, self.conflicts = counts, layouts, conflicts
        self._process: Any = None
        self._conn: Connection | None = None
        self._tmpdir: str | None = None
        self._held: set[int | signal.Signals] = set()

    @property
    def background(self) -> bool:
        return self._process is not None

    def _book(self, path: Path, rows: Rendered, tmpdir: str | None = None) -> MasterBook:
        return MasterBook(path, self.config, self.night, self.counts, self.layouts,
                          self.conflicts, rows, tmpdir)

    def _fork(self) -> None:
        ctx = mp.get_context("fork")
        # the child's temporary folder, made here: a cancelled child's is removed here
        self._tmpdir = temp_folder("master")
        mine, theirs = ctx.Pipe()
        parent = os.getpid()
        process = ctx.Process(target=self._child, args=(theirs, mine, parent),
                              daemon=True, name="gridkit-master")
        # stop signals held until the child has said they are not its own (it ignores
        # them: the merge acts on them), so none reaches it before that
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        self._held = held
        try:
            process.start()
        except OSError as exc:  # no memory for a fork: written after the store instead
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            log.warning("无法另开进程写全县汇总表(%s),改为在入库后写出。", exc)
            for end in (mine, theirs):
                end.close()
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            return
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        theirs.close()
        self._process, self._conn = process, mine

    def _child(self, conn: Connection, parents_end: Connection, parent: int) -> None:
        """The child: the data sheets (then says so), then, when the merge sends the path
        and the stored night, the pages and the file; an error goes back to the merge.
        Signals are the merge's to act on (it cancels the child); when the merge is gone,
        the child removes its temporary files and leaves."""
        parents_end.close()  # so that a vanished merge reads as end-of-file here
        for stop in _STOPS:
            signal.signal(stop, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, self._held)
        signal.signal(signal.SIGUSR1, _orphaned)
        _signal_when_parent_dies(signal.SIGUSR1)
        book: MasterBook | None = None
        code = 1
        try:
            if os.getppid() != parent:
                raise _Orphaned
            source = self.rows.rows
            rows = Rendered(lambda sheet: _watched(source(sheet), parent),
                            self.rows.strings, self.rows.refs)
            book = self._book(Path(os.devnull), rows, self._tmpdir)
            book.write_rows()
            conn.send(ROWS_WRITTEN)
            try:
                message = conn.recv()
            except EOFError:  # the merge is gone
                raise _Orphaned from None
            if message is not None:  # None: the night failed, nothing to write
                path, stored = message
                book.finish(stored, Path(path))
                conn.send(None)
            code = 0
        except Exception as exc:  # goes back to the merge, which raises it
            with contextlib.suppress(Exception):
                try:
                    conn.send(exc)
                except Exception:  # an exception that does not pickle
                    conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
        except BaseException:  # the merge gone: nobody to tell
            pass
        finally:
            for _attempt in range(2):  # the parent's death signal may cut into the first
                try:
                    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
                    if book is not None:
                        book.discard()  # (again, after finish: nothing left to remove)
                    if self._tmpdir is not None:  # made by the merge: the book may not be
                        shutil.rmtree(self._tmpdir, ignore_errors=True)
                    break
                except _Orphaned:
                    continue
            os._exit(code)

    def finish(self, store: Any, now: dt.datetime | None = None) -> tuple[Path, StoredNight]:
        """The master written and moved into place, its pages from ``store`` (the night is
        stored): returns the path written (a dated copy when the master could not be
        replaced) and what its pages show (the night's figures: the report's too). The
        merge holds the workspace lock: the figures are aggregated on the cores the files
        were read on (at most 4: each thread reads the whole sheet) and kept in the store
        for the nights to come."""
        cores = os.cpu_count() or 1
        threads = min(self.config.limits.workers or cores, cores, 4)
        stored = stored_night(store, self.config, self.night, threads=threads, keep=True)
        path = replace_file(self.config.paths.master, lambda tmp: self._write(tmp, stored),
                            fallback=master_fallback(self.config, self.night, now))
        return path, stored

    def _write(self, tmp: Path, stored: StoredNight) -> None:
        if not self.background:
            book = self._book(tmp, self.rows)
            try:
                book.write_rows()
            except BaseException:
                book.discard()
                raise
            book.finish(stored)
            return
        conn = self._conn
        assert conn is not None
        try:
            reply = self._reply(conn)  # the data sheets written
            if reply == ROWS_WRITTEN:
                crash_point("master-rows-written")
                conn.send((str(tmp), stored))
                reply = self._reply(conn)
            self._process.join()
            self._close()
        except BaseException:
            self.cancel()
            raise
        if reply is not None:
            raise reply if isinstance(reply, Exception) else JobFailed(_CHILD_GONE)

    @staticmethod
    def _reply(conn: Connection) -> Any:
        try:
            return conn.recv()
        except EOFError:
            return JobFailed(_CHILD_GONE)

    def cancel(self) -> None:
        """Stop a child still writing (the night failed, or was interrupted), and remove its
        temporary files."""
        process = self._process
        if process is None:
            return
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if process.is_alive():
            process.kill()  # no handler can delay it
        process.join()
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._process = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


class _Orphaned(BaseException):
    """The child's merge is gone."""


def _orphaned(_signum: int, _frame: Any) -> None:
    """The merge died (PR_SET_PDEATHSIG): unwind, removing the files (once: the handler
    turns itself off)."""
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    raise _Orphaned


def _signal_when_parent_dies(signum: int) -> None:
    """Ask Linux to send ``signum`` when the parent dies (prctl PR_SET_PDEATHSIG), so a
    child packing the file notices too; where that cannot be asked, it still notices while
    it writes rows or waits."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signum, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


def _watched(rows: Iterable[DrawnRow], parent: int) -> Iterator[DrawnRow]:
    """``rows``, stopping the child at once if its merge is gone."""
    for count, row in enumerate(rows):
        if count % _WATCH_EVERY == 0 and os.getppid() != parent:
            raise _Orphaned
        yield row
