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
import datetime as dt
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..config.county import Config
from ..errors import JobFailed
from ..files import crash_point, replace_file
from ..store.records import Conflict
from .master import DrawnRow, MasterBook, Rendered, StoredNight, master_fallback, stored_night

__all__ = ["MasterJob", "start_master"]

_WATCH_EVERY = 4096  # rows between two looks at the parent
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

    @property
    def background(self) -> bool:
        return self._process is not None

    def _book(self, path: Path, rows: Rendered) -> MasterBook:
        return MasterBook(path, self.config, self.night, self.counts, self.layouts,
                          self.conflicts, rows)

    def _fork(self) -> None:
        ctx = mp.get_context("fork")
        mine, theirs = ctx.Pipe()
        parent = os.getpid()
        self._process = ctx.Process(target=self._child, args=(theirs, mine, parent),
                                    daemon=True, name="gridkit-master")
        self._process.start()
        theirs.close()
        self._conn = mine

    def _child(self, conn: Connection, parents_end: Connection, parent: int) -> None:
        """The child: the data sheets (then says so), then, when the merge sends the path
        and the stored night, the pages and the file; what went wrong goes back as the
        exception. Whatever ends it (the merge gone, a cancel), its temporary files go."""
        parents_end.close()  # so that a vanished merge reads as end-of-file here
        signal.signal(signal.SIGTERM, _stop)
        book: MasterBook | None = None
        code = 1
        try:
            source = self.rows.rows
            rows = Rendered(lambda sheet: _watched(source(sheet), parent),
                            self.rows.strings, self.rows.refs)
            book = self._book(Path(os.devnull), rows)
            book.write_rows()
            conn.send(ROWS_WRITTEN)
            message = conn.recv()
            if message is not None:  # None: the night failed, nothing to write
                path, stored = message
                done, book = book, None
                done.finish(stored, Path(path))
                conn.send(None)
            code = 0
        except (_Orphaned, EOFError):  # the merge is gone
            pass
        except BaseException as exc:  # every failure goes back to the merge
            with contextlib.suppress(Exception):
                try:
                    conn.send(exc)
                except Exception:  # an exception that does not pickle
                    conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
        finally:
            if book is not None:
                book.discard()
            os._exit(code)

    def finish(self, store: Any, now: dt.datetime | None = None) -> tuple[Path, StoredNight]:
        """The master written and moved into place, its pages from ``store`` (the night is
        stored): returns the path written (a dated copy when the master could not be
        replaced) and what its pages show (the night's figures: the report's too)."""
        stored = stored_night(store, self.config, self.night)
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
            raise reply

    @staticmethod
    def _reply(conn: Connection) -> Any:
        try:
            return conn.recv()
        except EOFError:
            return JobFailed(_CHILD_GONE)

    def cancel(self) -> None:
        """Stop a child still writing (the night failed, or was interrupted)."""
        process = self._process
        if process is None:
            return
        if process.is_alive():
            process.terminate()
        process.join()
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._process = None


class _Orphaned(BaseException):
    """The child's merge is gone."""


def _stop(_signum: int, _frame: Any) -> None:
    raise SystemExit(1)  # a cancel: unwinds the child, which removes its files


def _watched(rows: Iterable[DrawnRow], parent: int) -> Iterator[DrawnRow]:
    """``rows``, stopping the child at once if its merge is gone."""
    for count, row in enumerate(rows):
        if count % _WATCH_EVERY == 0 and os.getppid() != parent:
            raise _Orphaned
        yield row
