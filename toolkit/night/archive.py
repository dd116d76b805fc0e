"""Archive first: every inbox file is copied as received, with its hash and arrival time,
before anything reads it.

The arrival time (送达时间, which decides 迟报) is the clerk's record in ``送达时间.txt``, else
when the scheduler first saw the file, else its modification time
(:mod:`toolkit.night.arrival`); ``送达时间.txt`` itself is not a submission.

Layout: ``archive/<night>/<township or unknown>/<sha256 prefix>_<name>`` (the township from
the file name; the register may later say otherwise, the archive path does not move). The
same bytes sent twice are recognised by their SHA-256 and archived and merged once. Excel
lock files (``~$…``) and temporary files are ignored. Rejected files are copied to
``quarantine/<night>/…`` beside a text file giving the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config.county import Config
from ..errors import os_reason
from ..files import crash_point, readable, replace_file, safe_name, short_name, write_text
from ..store.protocol import Store
from ..store.records import Submission
from .arrival import ARRIVALS_NAME, Recorded, load_seen, observed_arrival, read_recorded

log = logging.getLogger("gridkit.archive")

UNKNOWN = "unknown"
_IGNORED_PREFIXES = ("~$", ".~", "~", ".")
_IGNORED_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", ".swp", ".bak", "~")
HASH_PREFIX = 12


def is_ignored(path: Path) -> bool:
    """Lock files of Excel/WPS (``~$name.xlsx``), hidden and temporary files."""
    return ignored_because(path) is not None


def ignored_because(path: Path) -> str | None:
    """Why an inbox file is not a submission (in Chinese), or None when it is one."""
    name = path.name
    if name.startswith(("~$", ".~")):
        return "Excel或WPS打开文件时生成的临时文件,不是报表"
    if name.startswith("."):
        return "隐藏文件,不是报表"
    if name.startswith("~") or name.lower().endswith(_IGNORED_SUFFIXES):
        return "临时或备份文件(还没有复制完,或是自动备份),不是报表"
    return None


def _regular(p: Path) -> bool:
    """A regular file of its own (not a link to one, not a pipe or a device)."""
    try:
        return stat.S_ISREG(p.lstat().st_mode)
    except OSError:
        return False


def is_arrivals_file(path: Path) -> bool:
    """The clerk's ``送达时间.txt``: read for the arrival times, not a submission."""
    return safe_name(path.name) == ARRIVALS_NAME


def inbox_files(inbox: Path) -> list[Path]:
    """The files to take from the inbox (regular files, not in sub-folders), oldest first."""
    files = [p for p in inbox.iterdir()
             if _regular(p) and not is_ignored(p) and not is_arrivals_file(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def passed_over(inbox: Path) -> list[tuple[str, str]]:
    """(name, why) of every inbox entry that is not taken: temporary files and folders."""
    out: list[tuple[str, str]] = []
    for p in sorted(inbox.iterdir(), key=lambda p: p.name):
        name = safe_name(p.name)
        if name == ARRIVALS_NAME and _regular(p):
            continue
        if p.is_symlink():
            out.append((name, "是一个链接(快捷方式),不读取它指向的文件:请把报表文件本身放进收件箱"))
        elif p.is_dir():
            out.append((name, "文件夹,其中的文件不汇总:请把报表直接放在收件箱中"))
        elif not _regular(p):
            out.append((name, "不是普通文件,不读取"))
        elif (why := ignored_because(p)) is not None:
            out.append((name, why))
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def township_from_name(name: str, config: Config) -> str | None:
    """The configured township whose name the file name contains (longest match)."""
    found = [t for t in config.county.township_names if t in name]
    return max(found, key=len) if found else None


@dataclass
class ArchiveResult:
    received: list[Submission] = field(default_factory=list)  # new this run
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, same as file)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    left: list[tuple[str, str]] = field(default_factory=list)  # (file, why): for the next run
    # one sentence when the inbox had no file to take (None when it had)
    empty_inbox: str | None = None
    recorded: Recorded | None = None  # the clerk's 送达时间.txt for the night

    def restamp(self, subs: list[Submission]) -> list[str]:
        """Apply the clerk's recorded arrival times to the night's submissions (read, so
        their townships are known) before they are judged late or not; what could not be
        used joins ``skipped``. Returns the names restamped."""
        if self.recorded is None:
            return []
        before = len(self.recorded.problems)
        done = self.recorded.restamp(subs)
        self.skipped += self.recorded.problems[before:]
        return done


def archive_path(config: Config, night: dt.date, township: str | None, sha256: str,
                 name: str) -> Path:
    """``archive/<night>/<township>/<sha256 prefix>_<name>``: the name made safe and short
    (any bytes, any length a township sent), the hash keeping it unique."""
    return (config.paths.archive / night.isoformat() / (township or UNKNOWN)
            / f"{sha256[:HASH_PREFIX]}_{short_name(name)}")


def _settling(st: os.stat_result, now: dt.datetime, settle: int) -> bool:
    """A file changed in the last ``settle`` seconds may still be being copied in."""
    return settle > 0 and now.timestamp() - st.st_mtime < settle


def _receive(src: Path, tmp: Path) -> tuple[str, int]:
    """Copy ``src`` to ``tmp`` and hash the same bytes (so the stored hash is the archived
    file's, whatever the inbox file does meanwhile); returns (sha256, size)."""
    h = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, tmp.open("wb") as fout:
        for block in iter(lambda: fin.read(1 << 20), b""):
            h.update(block)
            fout.write(block)
            size += len(block)
    return h.hexdigest(), size


def archive_inbox(config: Config, night: dt.date, store: Store, inbox: Path,
                  now: dt.datetime) -> ArchiveResult:
    """Copy every new inbox file into the archive and record it as a submission of
    ``night`` (each committed at once, before any file is read). A file still being copied
    in (changed in the last seconds, or while it was copied) is left for the next run."""
    result = ArchiveResult(skipped=passed_over(inbox))
    seen: dict[str, str] = {}  # sha256 -> file name, this run
    settle = config.limits.settle_seconds
    incoming = config.paths.archive / night.isoformat()
    incoming.mkdir(parents=True, exist_ok=True)
    files = inbox_files(inbox)
    if not files:
        result.empty_inbox = _empty_sentence(inbox, night, store, bool(result.skipped))
    result.recorded = read_recorded(config, night, inbox)
    result.skipped += result.recorded.problems
    first_seen = load_seen(config, inbox) if files else {}
    for path in files:
        name = safe_name(path.name)
        try:
            before = path.stat()
        except OSError:
            continue  # gone since the folder was listed
        if _settling(before, now, settle):
            result.left.append((name, f"文件在{settle}秒内刚被修改,可能还在复制中,留到下次汇总"))
            continue
        tmp = incoming / f".incoming.{os.getpid()}.tmp"
        try:
            sha, size = _receive(path, tmp)
            after = path.stat()
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            result.left.append((name, f"无法读取({os_reason(exc)}),留到下次汇总"))
            continue
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
                or size != after.st_size:
            tmp.unlink(missing_ok=True)
            result.left.append((name, "文件在复制时仍在变化,留到下次汇总"))
            continue
        if sha in seen:
            tmp.unlink()
            result.duplicates.append((name, seen[sha]))
            continue
        seen[sha] = name
        known = store.submission_by_hash(sha)
        same_night = [s for s in known if s.night == night]
        if same_night:
            tmp.unlink()
            if same_night[0].file_name != name:
                result.duplicates.append((name, same_night[0].file_name))
            continue
        merged = [s for s in known if s.accepted]
        if merged:  # it belongs to another night, where it was merged
            tmp.unlink()
            result.skipped.append(
                (name, f"与 {merged[0].night:%Y-%m-%d} 已汇总的文件 {merged[0].file_name} "
                       "完全相同,不再重复汇总"))
            continue
        arrived, source = observed_arrival(name, before, now, first_seen)
        log.info("收到 %s:送达时间 %s(取自%s)。", name, f"{arrived:%Y-%m-%d %H:%M:%S}", source)
        guess = township_from_name(name, config)
        target = archive_path(config, night, guess, sha, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        readable(tmp)
        os.replace(tmp, target)
        sub = Submission(night=night, file_name=name, archive_path=str(target),
                         sha256=sha, arrived_at=arrived, township=guess)
        store.add_submission(sub)
        result.received.append(sub)
        crash_point("after-archive-file")
    crash_point("after-archive")
    return result


def _empty_sentence(inbox: Path, night: dt.date, store: Store, others: bool) -> str:
    """What to say of an inbox with no file to take for ``night``."""
    what = "报表文件" if others else "文件"
    earlier = len(store.submissions(night))
    if earlier:
        return (f"收件箱 {inbox} 中没有{what}:这一晚此前收到的{earlier}个文件照旧汇总,"
                "没有新报送的文件。")
    return f"收件箱 {inbox} 中没有{what}:{night.month}月{night.day}日还没有乡镇报送。"


def _copier(src: Path) -> Callable[[Path], None]:
    def copy(tmp: Path) -> None:
        shutil.copy2(src, tmp)

    return copy


def quarantine(config: Config, submission: Submission, reason: str) -> Path:
    """Copy a rejected file to ``quarantine/<night>/<township>/`` with a reason file;
    returns the copy's path. Idempotent."""
    folder = (config.paths.quarantine / submission.night.isoformat()
              / (submission.township or UNKNOWN))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{submission.sha256[:HASH_PREFIX]}_{short_name(submission.file_name)}"
    src = Path(submission.archive_path)
    if src.exists() and not target.exists():
        replace_file(target, _copier(src))
    note = target.with_name(target.name + ".退回原因.txt")
    write_text(note, f"文件:{submission.file_name}\n"
                     f"收到时间:{submission.arrived_at:%Y-%m-%d %H:%M:%S}\n"
                     f"SHA-256:{submission.sha256}\n"
                     f"退回原因:{reason}\n", bom=True, crlf=True)
    return target
