"""Each township's file read and checked in its own worker process, within bounds.

A hostile or broken file (a stray cell at XFD1048576 that makes the parser ask for 512 GiB,
a zip bomb, five million rows) must cost its township its night, never the county's. So the
work on one file runs in a child process with a cap on its address space (``RLIMIT_AS``, on
Linux and macOS) and a wall-clock timeout; a child that runs out of memory, crashes (the
parser aborts) or runs out of time is reported as :class:`Refused` with one sentence, and
the other files go on. Several files run at once (as many as ``limits.workers``, or the
machine's cores), so a county night uses every core.

On Linux a child is forked (no start-up cost, nothing to pickle on the way in); elsewhere it
is spawned. A child never touches the parent's store: it sends its result back through a
pipe and leaves with ``os._exit``.
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from ..config.limits import Limits
from ..read.raw import parse_sheets_on

try:
    import resource  # POSIX: the address-space cap (Windows has only the timeout)
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

T = TypeVar("T")

_CONTEXT: Any = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


@dataclass
class Refused:
    """What became of a file whose worker did not finish: the one sentence to show."""

    message: str
    cause: str  # "memory", "time", "crash", "error"


@dataclass
class _Task(Generic[T]):
    index: int
    label: str
    process: Any
    conn: Connection
    started: float


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0 or resource is None:
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...],
           megabytes: int, threads: int) -> None:
    """The worker: bound itself, run, send ("ok", result) or ("memory"/"error", text).
    What a parser prints when it aborts (Rust's out-of-memory backtrace) is not the
    office's business: the worker's stderr goes nowhere, its failure is reported."""
    try:
        faulthandler.disable()  # a parser's abort is reported by the parent, not dumped
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        _limit_memory(megabytes)
        parse_sheets_on(threads)
        try:
            conn.send(("ok", fn(*args)))
        except MemoryError:
            conn.send(("memory", ""))
        except Exception as exc:
            conn.send(("error", "".join(traceback.format_exception(exc))[-4000:]))
    except BaseException:
        pass
    finally:
        conn.close()
        os._exit(0)


def _start(index: int, label: str, fn: Callable[..., Any], args: tuple[Any, ...],
           limits: Limits, threads: int) -> _Task[Any]:
    receive, send = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child,
                               args=(send, fn, args, limits.file_memory_mb, threads),
                               daemon=True, name=f"gridkit-file-{index}")
    process.start()
    send.close()
    return _Task(index, label, process, receive, time.monotonic())


def refused_sentence(label: str, cause: str, limits: Limits) -> str:
    """The one sentence for a file whose reading ran out of time or memory, or crashed."""
    if cause == "time":
        why = f"读取和检查用了{limits.file_seconds}秒还没有完成"
    elif cause == "memory":
        why = f"读取时需要的内存超过了{limits.file_memory_mb} MB"
    else:
        why = "读取时程序异常退出"
    return (f"文件“{label}”过大或结构异常({why}),无法读取:请打开文件删去无关的工作表、"
            "图片和表格右下方的多余内容(按Ctrl+End可看到最后一个单元格),另存为.xlsx后重新报送。")


def _finish(task: _Task[Any], limits: Limits, timed_out: bool) -> Any:
    message: Any = None
    if not timed_out:
        try:
            message = task.conn.recv()
        except (EOFError, OSError):
            message = None
    if timed_out or message is None:
        task.process.kill()
    task.process.join()
    task.conn.close()
    if timed_out:
        return Refused(refused_sentence(task.label, "time", limits), "time")
    if message is None:  # killed by the memory cap or a crash of the parser (abort)
        return Refused(refused_sentence(task.label, "crash", limits), "crash")
    kind, value = message
    if kind == "ok":
        return value
    if kind == "memory":
        return Refused(refused_sentence(task.label, "memory", limits), "memory")
    return Refused(refused_sentence(task.label, "crash", limits) + f"\n{value}", "error")


def map_bounded(fn: Callable[..., T], calls: Sequence[tuple[str, tuple[Any, ...]]],
                limits: Limits) -> list[T | Refused]:
    """``fn(*args)`` for every (label, args) in ``calls``, each in its own bounded worker,
    several at once; results in the order of ``calls`` (a :class:`Refused` for a worker that
    did not finish). ``fn`` and its result must be picklable where processes are spawned.
    A worker started while fewer files than cores remain parses its file's sheets on the
    idle cores too (one file checked on two cores: two threads)."""
    results: list[T | Refused | None] = [None] * len(calls)
    cores = os.cpu_count() or 1
    workers = limits.workers or cores
    pending = list(enumerate(calls))
    running: list[_Task[Any]] = []
    while pending or running:
        while pending and len(running) < workers:
            index, (label, args) = pending.pop(0)
            # cores no other worker will take parse this file's sheets side by side (not
            # where one worker at a time is all the machine's memory allows)
            threads = (cores // min(workers, len(running) + 1 + len(pending))
                       if workers > 1 else 1)
            running.append(_start(index, label, fn, args, limits, threads))
        now = time.monotonic()
        deadline = min(t.started + limits.file_seconds for t in running)
        ready = wait([t.conn for t in running], timeout=max(0.0, deadline - now))
        now = time.monotonic()
        for task in list(running):
            timed_out = task.conn not in ready and now >= task.started + limits.file_seconds
            if task.conn in ready or timed_out:
                results[task.index] = _finish(task, limits, timed_out)
                running.remove(task)
    return results  # type: ignore[return-value]


def run_bounded(fn: Callable[..., T], label: str, args: tuple[Any, ...],
                limits: Limits) -> T | Refused:
    """One call of :func:`map_bounded`."""
    return map_bounded(fn, [(label, args)], limits)[0]


__all__ = ["Refused", "map_bounded", "refused_sentence", "run_bounded"]
