"""When a township's file arrived (送达时间, which decides 迟报), and how that is known.

Three sources; the first that knows wins:

1. **登记** — the time the clerk recorded in ``送达时间.txt`` in the inbox (the time on the
   WeChat message), one line a file or a township::

       三桃乡 2月4日 19:40
       扎西镇网格登记表(2).xlsx 2020-02-04 19:55

   The date is required (a line of another night is never applied to this one); a township
   line applies only when that township sent one file that night. It is read at every merge,
   so a time recorded after the night ran takes effect when the night is merged again; the
   lines used are kept beside the night's archive (``archive/<night>/送达时间.txt``) for a
   re-merge after the inbox was cleared. The file itself is not a submission.
2. **计划任务发现** — ``gridkit schedule`` looks at the inbox every minute and keeps, for each
   file (name + size + modification time), when it first saw it and when it last looked
   without seeing it (``<store folder>/inbox-seen.json``, replaced atomically). A file's
   modification time is kept when it lies between the two (it is when the file was saved
   into the inbox, to the second); when it is older than a look that did not see the file
   (the file was copied with its original time, from a USB stick or a share) or later than
   when it was first seen (another machine's clock), the first-seen time is the arrival.
3. **修改时间** — otherwise the file's modification time when it was archived (when the clerk
   saved it from WeChat into the inbox), never later than the merge.

The store keeps the arrival of 2 or 3 with the submission; 1 is applied at each merge (the
night's statuses, the 迟报 judgement, the quarantine note carry it). Which source was used is
logged for every file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.county import Config
from ..errors import os_reason
from ..files import decode_text, safe_name, write_text
from ..store.records import Submission

log = logging.getLogger("gridkit.arrival")

ARRIVALS_NAME = "送达时间.txt"
SEEN_NAME = "inbox-seen.json"
SOURCE_RECORDED = f"{ARRIVALS_NAME}中登记的时间"
SOURCE_SEEN = "计划任务第一次在收件箱中看到它的时间"
SOURCE_MTIME = "文件的修改时间"
# a line dated the day after the night counts for the night until this hour (after midnight)
NEXT_MORNING = dt.time(12, 0)

_DATE = (r"(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?")
_TIME = r"(?P<H>\d{1,2})\s*[:\uff1a时点]\s*(?P<M>\d{2})\s*分?"
_LINE = re.compile(rf"^(?P<key>.+?)[\s,=;\uff0c\uff1b\u3001]+(?:{_DATE}\s*)?{_TIME}$")
_EXAMPLE = "请写成“三桃乡 2月4日 19:40”(乡镇或文件名、日期、时间),这一行未使用"
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u300c\u300d\u300a\u300b"


# ---------------------------------------------------------------- first seen in the inbox
def seen_path(config: Config) -> Path:
    return config.paths.store.parent / SEEN_NAME


def file_key(name: str, st: os.stat_result) -> str:
    """A file as the watcher knows it: a changed file is a new one."""
    return f"{st.st_size}:{st.st_mtime_ns}:{name}"


@dataclass(frozen=True)
class Seen:
    first_seen: dt.datetime  # the first look that saw the file
    absent_at: dt.datetime | None  # the last look before it that did not (None: unknown)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _inbox_id(inbox: Path) -> str:
    return str(inbox.resolve())


def load_seen(config: Config, inbox: Path) -> dict[str, Seen]:
    """What the watcher recorded for ``inbox`` (empty when it never looked at it, or its
    file is unreadable: the modification times are used then)."""
    data = _load(seen_path(config))
    if data.get("inbox") != _inbox_id(inbox) or not isinstance(data.get("files"), dict):
        return {}
    out: dict[str, Seen] = {}
    for key, entry in data["files"].items():
        try:
            absent = entry.get("absent_at")
            out[key] = Seen(dt.datetime.fromisoformat(entry["first_seen"]),
                            dt.datetime.fromisoformat(absent) if absent else None)
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return out


class InboxWatch:
    """The scheduler's look at the inbox: records when each file was first seen (the only
    writer of the record; it is read once, then kept in memory)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.path = seen_path(config)
        self._known: dict[str, Any] | None = None  # key -> {"first_seen", "absent_at"}
        self._last: dt.datetime | None = None  # the previous look

    def _start(self, inbox: Path) -> dict[str, Any]:
        data = _load(self.path)
        if data.get("inbox") == _inbox_id(inbox) and isinstance(data.get("files"), dict):
            self._last = _time(data.get("looked_at"))
            return dict(data["files"])
        return {}

    def look(self, files: Iterable[Path], now: dt.datetime) -> list[str]:
        """Record the files not seen before (``files``: the inbox's submissions now); forget
        those gone. Returns the names first seen by this look."""
        inbox = self.config.paths.inbox
        fresh = self._known is None
        known = self._start(inbox) if self._known is None else self._known
        current: dict[str, str] = {}
        for p in files:
            try:
                current[file_key(safe_name(p.name), p.stat())] = safe_name(p.name)
            except OSError:
                continue  # gone since the folder was listed
        new = [k for k in current if k not in known]
        kept = {k: v for k, v in known.items() if k in current}
        absent = None if self._last is None else self._last.isoformat()
        for key in new:
            kept[key] = {"first_seen": now.isoformat(), "absent_at": absent}
        if new or len(kept) != len(known) or fresh:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_text(self.path, json.dumps(
                    {"inbox": _inbox_id(inbox), "looked_at": now.isoformat(), "files": kept},
                    ensure_ascii=False, indent=1))
            except OSError as exc:  # e.g. being read on Windows: the next look writes it
                log.warning("无法写入 %s(%s),下一次查看收件箱时再写。", self.path,
                            os_reason(exc))
                return []
        self._known, self._last = kept, now
        return [current[k] for k in new]


def _time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def observed_arrival(name: str, st: os.stat_result, now: dt.datetime,
                     seen: dict[str, Seen]) -> tuple[dt.datetime, str]:
    """The arrival of an inbox file from what was observed (sources 2 and 3 of the module
    docstring), to the second, and which source it is."""
    mtime = dt.datetime.fromtimestamp(st.st_mtime)
    entry = seen.get(file_key(name, st))
    if entry is not None and (mtime > entry.first_seen or (
            entry.absent_at is not None and mtime <= entry.absent_at)):
        return entry.first_seen.replace(microsecond=0), SOURCE_SEEN
    return min(mtime, now).replace(microsecond=0), SOURCE_MTIME


# ---------------------------------------------------------------- recorded by the clerk
@dataclass
class Recorded:
    """The clerk's 送达时间.txt lines for one night, and what could not be used."""

    night: dt.date
    lines: list[tuple[str, str, dt.datetime]] = field(default_factory=list)  # (where, key, at)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    townships: tuple[str, ...] = ()  # the county's

    def restamp(self, subs: Iterable[Submission]) -> list[str]:
        """Give each submission the time recorded for its file name, else for its township
        (when that township sent one file this night); the lines naming neither a file nor
        a township of this night become problems. Returns the names restamped."""
        subs = list(subs)
        by_name = {s.file_name: s for s in subs}
        towns = set(self.townships)
        done: list[str] = []
        named = {key for _w, key, _at in self.lines if key in by_name}
        for where, key, at in self.lines:
            if key in by_name:
                targets = [by_name[key]]
            elif key in towns:
                targets = [s for s in subs if s.township == key and s.file_name not in named]
                if len(targets) > 1:
                    self.problems.append((ARRIVALS_NAME, f"{where}:{key}这一晚有{len(targets)}个"
                                          "文件,请写文件名而不是乡镇名,这一行未使用"))
                    continue
                if not targets:
                    self.problems.append((ARRIVALS_NAME,
                                          f"{where}:这一晚没有收到{key}的文件,这一行未使用"))
                    continue
            else:
                self.problems.append((ARRIVALS_NAME, f"{where}:“{key}”既不是这一晚收到的文件名,"
                                      "也不是本县的乡镇,这一行未使用"))
                continue
            for s in targets:
                if s.arrived_at != at:
                    log.info("%s 的送达时间按%s改为 %s(原为 %s)。", s.file_name, SOURCE_RECORDED,
                             f"{at:%Y-%m-%d %H:%M}", f"{s.arrived_at:%Y-%m-%d %H:%M}")
                s.arrived_at = at
                done.append(s.file_name)
        return done


def _parse_date(m: re.Match[str], night: dt.date) -> dt.date | None:
    """The date a line names; a date without a year is in the night's year (or the next
    one's, for a line of 1月1日 after the night of 12月31日)."""
    if m.group("m") is None:
        return None
    month, day = int(m.group("m")), int(m.group("d"))
    years = [int(m.group("y"))] if m.group("y") else [night.year, night.year + 1]
    for year in years:
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return None
        if date >= night:
            return date
    return dt.date(years[0], month, day)


def parse_recorded(text: str, night: dt.date, *, source: str = "") -> Recorded:
    """The lines of ``text`` for ``night``: a time dated the night, or the next morning;
    lines of other nights are left alone. Blank lines and lines starting with # are
    comments."""
    out = Recorded(night)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith(("#", "\uff03")):
            continue
        where = f"{source}第{number}行"
        m = _LINE.match(line)
        if m is None:
            out.problems.append((ARRIVALS_NAME, f"{where}“{line[:60]}”看不懂:{_EXAMPLE}"))
            continue
        key = m.group("key").strip().strip(_QUOTES).strip()
        date = _parse_date(m, night)
        hour, minute = int(m.group("H")), int(m.group("M"))
        if date is None or hour > 23 or minute > 59:
            why = "没有写日期" if m.group("m") is None else "日期或时间不对"
            out.problems.append((ARRIVALS_NAME, f"{where}“{line[:60]}”{why}:{_EXAMPLE}"))
            continue
        at = dt.datetime.combine(date, dt.time(hour, minute))
        if date == night or (date == night + dt.timedelta(days=1) and at.time() < NEXT_MORNING):
            out.lines.append((where, safe_name(key), at))
    return out


def read_recorded(config: Config, night: dt.date, inbox: Path) -> Recorded:
    """The night's recorded times: the inbox's ``送达时间.txt``, over the copy kept with the
    night's archive (a line of the inbox wins for its key). The lines used are kept with the
    archive."""
    kept = config.paths.archive / night.isoformat() / ARRIVALS_NAME
    result = Recorded(night, townships=tuple(config.county.township_names))
    sources = []
    for path, label in ((kept, "归档副本"), (inbox / ARRIVALS_NAME, "")):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.problems.append((ARRIVALS_NAME, f"{label or '文件'}无法读取({os_reason(exc)}),"
                                    "其中登记的送达时间未使用"))
            continue
        text = decode_text(data)
        if text is None:
            result.problems.append((ARRIVALS_NAME, f"{label or '文件'}不是能读取的文字文件:"
                                    "请用记事本打开,“另存为”时编码选“UTF-8”,"
                                    "其中登记的送达时间未使用"))
            continue
        sources.append(parse_recorded(text, night, source=label))
    lines: dict[str, tuple[str, str, dt.datetime]] = {}
    for rec in sources:  # the inbox's last: its line wins for a key
        lines.update({key: (where, key, at) for where, key, at in rec.lines})
        result.problems += rec.problems
    result.lines = list(lines.values())
    if result.lines:
        text = "".join(f"{key} {at:%Y-%m-%d %H:%M}\n" for _w, key, at in result.lines)
        header = (f"# {night:%Y-%m-%d} 这一晚登记的送达时间(gridkit 汇总时从收件箱的"
                  f"{ARRIVALS_NAME}中抄存,重新汇总时使用)\n")
        if _read_text(kept) != header + text:
            kept.parent.mkdir(parents=True, exist_ok=True)
            write_text(kept, header + text, bom=True, crlf=True)
    return result


def _read_text(path: Path) -> str | None:
    try:
        return (decode_text(path.read_bytes()) or "").replace("\r\n", "\n")
    except OSError:
        return None
