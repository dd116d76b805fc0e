"""Archive first: every inbox file is copied as received, with its hash and arrival time,
before anything reads it.

Layout: ``archive/<night>/<township or unknown>/<sha256 prefix>_<name>`` (the township from
the file name; the register may later say otherwise, the archive path does not move). The
same bytes sent twice are recognised by their SHA-256 and archived and merged once. Excel
lock files (``~$…``) and temporary files are ignored. Rejected files are copied to
``quarantine/<night>/…`` beside a text file giving the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config.county import Config
from ..files import crash_point, replace_file
from ..store.protocol import Store
from ..store.records import Submission

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


def inbox_files(inbox: Path) -> list[Path]:
    """The files to take from the inbox (not in sub-folders), oldest first."""
    files = [p for p in inbox.iterdir() if p.is_file() and not is_ignored(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def passed_over(inbox: Path) -> list[tuple[str, str]]:
    """(name, why) of every inbox entry that is not taken: temporary files and folders."""
    out: list[tuple[str, str]] = []
    for p in sorted(inbox.iterdir(), key=lambda p: p.name):
        if p.is_dir():
            out.append((p.name, "文件夹,其中的文件不汇总:请把报表直接放在收件箱中"))
            continue
        why = ignored_because(p)
        if why is not None:
            out.append((p.name, why))
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


def archive_path(config: Config, night: dt.date, township: str | None, sha256: str,
                 name: str) -> Path:
    return (config.paths.archive / night.isoformat() / (township or UNKNOWN)
            / f"{sha256[:HASH_PREFIX]}_{name}")


def archive_inbox(config: Config, night: dt.date, store: Store, inbox: Path,
                  now: dt.datetime) -> ArchiveResult:
    """Copy every new inbox file into the archive and record it as a submission of
    ``night`` (each committed at once, before any file is read)."""
    result = ArchiveResult(skipped=passed_over(inbox))
    seen: dict[str, str] = {}  # sha256 -> file name, this run
    for path in inbox_files(inbox):
        sha = sha256_file(path)
        if sha in seen:
            result.duplicates.append((path.name, seen[sha]))
            continue
        seen[sha] = path.name
        known = store.submission_by_hash(sha)
        same_night = [s for s in known if s.night == night]
        if same_night:
            if same_night[0].file_name != path.name:
                result.duplicates.append((path.name, same_night[0].file_name))
            continue
        merged = [s for s in known if s.accepted]
        if merged:  # it belongs to another night, where it was merged
            result.skipped.append(
                (path.name, f"与 {merged[0].night:%Y-%m-%d} 已汇总的文件 {merged[0].file_name} "
                            "完全相同,不再重复汇总"))
            continue
        arrived = dt.datetime.fromtimestamp(path.stat().st_mtime)
        arrived = min(arrived, now).replace(microsecond=0)
        guess = township_from_name(path.name, config)
        target = archive_path(config, night, guess, sha, path.name)
        replace_file(target, _copier(path))
        sub = Submission(night=night, file_name=path.name, archive_path=str(target),
                         sha256=sha, arrived_at=arrived, township=guess)
        store.add_submission(sub)
        result.received.append(sub)
        crash_point("after-archive-file")
    crash_point("after-archive")
    return result


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
    target = folder / f"{submission.sha256[:HASH_PREFIX]}_{submission.file_name}"
    src = Path(submission.archive_path)
    if src.exists() and not target.exists():
        replace_file(target, _copier(src))
    note = target.with_name(target.name + ".退回原因.txt")
    note.write_text(
        f"文件:{submission.file_name}\n"
        f"收到时间:{submission.arrived_at:%Y-%m-%d %H:%M:%S}\n"
        f"SHA-256:{submission.sha256}\n"
        f"退回原因:{reason}\n", encoding="utf-8")
    return target
