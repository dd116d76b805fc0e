"""Files gridkit writes, and the named points where tests kill a run.

* :func:`replace_file` writes a file aside (same folder) and moves it into place with
  ``os.replace``, so a reader sees the old file or the new one, never half of one; the file
  gets the permissions the umask gives (readable by the office's group on a shared folder),
  not the 0600 of a temporary file. :func:`write_text` does it for a text file.
* :func:`sweep` removes what a killed run left of its temporary files;
  :func:`temp_folder` / :func:`sweep_temp_folders` the same for a process's folder in the
  system's temporary folder.
* :func:`safe_name` / :func:`short_name`: a file name as it can be shown, logged and stored
  (any bytes, any length), and a short one for a file gridkit names itself.
* :func:`crash_point` lets tests kill a run with SIGKILL at a named point
  (``GRIDKIT_CRASH_AT=<point>``); it does nothing otherwise.
* :func:`decode_text`: a text file the office saved, whatever Notepad saved it as.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

CRASH_ENV = "GRIDKIT_CRASH_AT"
# our temporary files: ".<stem>.<pid>.tmp<suffix>" (replace_file) and older ".<name>.tmp<pid>"
_TEMP = re.compile(r"^\..+\.(?:\d+\.tmp(?:\.[^.]*)?|tmp\d+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


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


def replace_file(target: Path, write: Callable[[Path], object], *,
                 fallback: Path | None = None) -> Path:
    """Write ``target`` atomically: ``write(tmp)`` beside it, then ``os.replace``.

    When the target cannot be replaced (PermissionError, e.g. it is open in Excel on
    Windows) the new file goes to ``fallback`` instead, if given; returns the path written.
    """
    with aside(target) as tmp:
        write(tmp)
        readable(tmp)
        crash_point("before-replace")
        try:
            os.replace(tmp, target)
        except PermissionError:
            if fallback is None:
                raise
            os.replace(tmp, fallback)
            return fallback
    return target


def readable(path: Path) -> None:
    """The permissions a new file gets from the umask (0644 under the usual 022), whatever
    wrote it (a temporary file is 0600)."""
    with contextlib.suppress(OSError):
        os.chmod(path, (stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP
                        | stat.S_IROTH | stat.S_IWOTH) & ~_UMASK)


def write_text(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    """A text file written atomically (UTF-8; ``bom`` and ``crlf`` for Windows Notepad)."""
    data = (text.replace("\r\n", "\n").replace("\n", "\r\n") if crlf else text).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    return replace_file(path, lambda tmp: tmp.write_bytes(data))


def sweep(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Remove the temporary files a killed run left in ``folder`` (only gridkit's own
    names); the caller holds the workspace lock. Returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for p in (folder.rglob(".*") if recursive else folder.glob(".*")):
        if _TEMP.match(p.name) and p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def temp_folder(kind: str) -> str:
    """A new folder of this process's in the system's temporary folder
    (``gridkit-<kind>-<pid>-…``): removed by its maker when done, and by the next run's
    :func:`sweep_temp_folders` when its maker was killed with it (power loss)."""
    return tempfile.mkdtemp(prefix=f"gridkit-{kind}-{os.getpid()}-")


# a merge's master folder lives a minute or two; one older than these is left over
_DEAD_AFTER = 10 * 60  # seconds, when its process is gone (POSIX: asked by signal 0)
_ABANDONED_AFTER = 24 * 3600  # whatever its process (Windows, a reused process number)


def sweep_temp_folders(kind: str) -> list[Path]:
    """Remove the :func:`temp_folder` folders of ``kind`` left over (this user's only):
    unchanged for 10 minutes with their process gone, or for a day whatever it (where a
    process cannot be asked without a signal, Windows; a process number used again); a
    running merge's folder (another county's) is left alone."""
    removed: list[Path] = []
    pattern = re.compile(rf"gridkit-{re.escape(kind)}-(\d+)-[^/]+")
    now = time.time()
    for p in Path(tempfile.gettempdir()).glob(f"gridkit-{kind}-*"):
        try:
            if p.is_symlink() or not p.is_dir():
                continue
            st = p.stat()
            if sys.platform != "win32" and st.st_uid != os.getuid():
                continue
            age = now - st.st_mtime
            m = pattern.fullmatch(p.name)
            gone = age > _ABANDONED_AFTER or (
                age > _DEAD_AFTER and m is not None and sys.platform != "win32"
                and not _running(int(m.group(1))))
        except OSError:
            continue
        if gone:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def safe_name(name: str) -> str:
    """A file name as it can be shown, logged and stored: bytes that are not UTF-8 (a GBK
    name on a Linux share) read as GBK when they are, else replaced; control characters
    (a newline in a name) and surrogates gone."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        raw = name.encode("utf-8", "surrogateescape")
        for encoding in ("gbk", "gb18030"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            name = raw.decode("utf-8", "replace")
    name = unicodedata.normalize("NFC", name)
    return _CONTROL.sub("_", name)


def short_name(name: str, limit: int = 150) -> str:
    """A name for a file gridkit writes itself: safe, without path separators, at most
    ``limit`` bytes in UTF-8 (its suffix kept), so that a 200-character name a township sent
    can still be archived beside a hash prefix (file systems allow 255 bytes)."""
    name = safe_name(name).replace("/", "_").replace("\\", "_").strip(" .") or "未命名"
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 8:
        stem, suffix = name, ""
    tail = ("…." + suffix) if suffix else "…"
    while len((stem + tail).encode("utf-8")) > limit:
        stem = stem[:-1]
    return stem + tail


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_text(data: bytes) -> str | None:
    """The text of a file saved by Notepad (or anything else an office uses): with a byte
    order mark, in that encoding (UTF-8, UTF-16, UTF-32); else UTF-8; else GB18030 (what
    Chinese Windows calls "ANSI" is GBK, which GB18030 contains). None when it is none of
    these, or holds NUL characters (UTF-16 without a mark, a binary file): no text file
    does."""
    candidates = [enc for bom, enc in _BOMS if data.startswith(bom)][:1] or ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None
