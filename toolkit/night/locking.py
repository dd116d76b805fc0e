"""One run at a time: :class:`RunLock` is a lock file created with ``O_EXCL`` holding the
owner's pid, host and start time. A second live run gets :class:`~toolkit.errors.LockBusy`
(its own exit code) with one Chinese sentence. The lock is re-entrant within one process
(the nightly job holds it and calls the merge).

A lock is stale, and taken over, when its owner is gone: its process no longer runs, or the
pid now belongs to another program (pids are reused after a reboot), or that process started
after the lock was written; an empty or unreadable lock left by a run killed while writing it
is stale once it is a minute old; a lock written on another machine (a shared folder) is
judged by its age alone."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path

from ..errors import LockBusy

LOCK_NAME = "gridkit.lock"
EMPTY_GRACE = dt.timedelta(minutes=1)  # a run writes its lock at once: an empty one is stale
MAX_RUN = dt.timedelta(hours=12)  # no night takes longer: older foreign locks are stale
_OURS = ("gridkit", "toolkit", "macros", "xlwings", "pytest")  # in the command line of a run

_held: dict[str, int] = {}  # lock path -> re-entrant depth in this process


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this machine)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - os.kill would terminate it on Windows
        import ctypes  # Windows only

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_run(pid: int, started: str) -> bool:
    """Whether the live process ``pid`` is the gridkit run that wrote the lock: its command
    line is a gridkit run, and it started before the lock was written (where /proc tells;
    elsewhere a live pid counts as the owner)."""
    proc = Path(f"/proc/{pid}")
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return True  # no /proc (Windows, macOS): cannot tell, be safe
    if not any(word in cmdline for word in _OURS):
        return False  # the pid was reused by another program
    try:
        when = dt.datetime.fromisoformat(started)
        began = dt.datetime.fromtimestamp(proc.stat().st_mtime)  # about when it started
    except (ValueError, OSError):
        return True
    return began <= when + dt.timedelta(seconds=5)


class RunLock:
    """``with RunLock(path):`` — at most one gridkit run at a time on this workspace."""

    def __init__(self, path: str | Path, *, what: str = "汇总") -> None:
        self.path = Path(path)
        self.what = what

    def _owner(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _age(self) -> dt.timedelta:
        try:
            written = dt.datetime.fromtimestamp(self.path.stat().st_mtime)
        except OSError:
            return dt.timedelta(0)
        return dt.datetime.now() - written

    def _stale(self, owner: dict[str, object] | None) -> bool:
        pid = owner.get("pid") if owner else None
        if not owner or not isinstance(pid, int) or isinstance(pid, bool):
            # empty or unreadable: a run killed between creating and writing the file
            return self._age() > EMPTY_GRACE
        if owner.get("host") != socket.gethostname():
            return self._age() > MAX_RUN  # another machine's: only its age tells
        if pid == os.getpid() or not pid_alive(pid):
            return True
        return not _is_our_run(pid, str(owner.get("started") or ""))

    def acquire(self) -> None:
        key = str(self.path.resolve())
        if _held.get(key):
            _held[key] += 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = self._owner()
                if self._stale(owner):
                    with contextlib.suppress(FileNotFoundError):
                        stale = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}")
                        os.replace(self.path, stale)
                        stale.unlink()
                    continue
                raise self._busy(owner) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                           "started": dt.datetime.now().isoformat(timespec="seconds"),
                           "what": self.what}, fh, ensure_ascii=False)
            _held[key] = 1
            return
        raise self._busy(self._owner())

    def _busy(self, owner: dict[str, object] | None) -> LockBusy:
        who = ""
        if owner:
            who = f"(进程 {owner.get('pid')},开始于 {owner.get('started')})"
        return LockBusy(f"另一个 gridkit 任务正在运行{who},请等它结束后再试;"
                        f"如确认没有任务在运行,可删除锁文件 {self.path}。")

    def release(self) -> None:
        key = str(self.path.resolve())
        depth = _held.get(key, 0)
        if depth > 1:
            _held[key] = depth - 1
            return
        _held.pop(key, None)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def workspace_lock(config_store_path: Path) -> RunLock:
    """The lock of a workspace: ``gridkit.lock`` beside the history store."""
    return RunLock(config_store_path.parent / LOCK_NAME)


