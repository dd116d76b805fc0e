"""Check township registers: read, run every rule, and return one :class:`CheckResult` per
file. Never raises for a bad file: an unreadable one becomes status ``"unreadable"`` with
the reader's one sentence."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..config.county import Config
from ..errors import StructureError, UnreadableWorkbook
from ..findings import ERROR, WARNING, Finding
from ..read import ReadHints, gc_paused, read_register, workbook_files
from ..read.explain import Reading
from ..read.table import Register
from .isolate import map_bounded, refused_sentence
from .rules import run_checks, sort_findings

Status = Literal["ok", "errors", "unreadable"]


@dataclass
class CheckResult:
    file: str
    township: str | None
    report_date: dt.date | None
    status: Status
    error: str | None  # the one sentence when unreadable
    issues: list[Finding]
    register: Register | None = None  # not serialised
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(
        microsecond=0))  # not serialised; the annotated copy shows it
    annotated: Path | None = None  # the annotated copy, when one was written
    annotate_error: str | None = None  # why the annotated copy could not be written
    # canonical sheet name -> the sheet's name in the file (kept when the register is freed)
    sheet_names: dict[str, str] = field(default_factory=dict)
    reading: Reading | None = None  # how the file was read (not serialised; 读取说明)
    # the township the file names when it could not be used (its submission is its 退回)
    named_township: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.issues if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.issues if f.severity == WARNING)

    def counts_by_rule(self) -> list[tuple[str, str, int]]:
        """(rule, severity, count) in order of first appearance."""
        counts = Counter((f.rule, f.severity) for f in self.issues)
        return [(rule, sev, n) for (rule, sev), n in counts.items()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "township": self.township,
            "report_date": self.report_date.isoformat() if self.report_date else None,
            "status": self.status,
            "error": self.error,
            "issues": [f.to_dict() for f in self.issues],
        }


def check_register(register: Register, config: Config) -> CheckResult:
    """Check a register already read (a file, or a live workbook via the Excel macros).
    The reader's own findings (extra columns…) are included."""
    issues = sort_findings([*register.findings, *run_checks(register, config)], register,
                           config)
    status: Status = "errors" if any(f.severity == ERROR for f in issues) else "ok"
    return CheckResult(file=register.source, township=register.township,
                       report_date=register.report_date, status=status, error=None,
                       issues=issues, register=register,
                       sheet_names={c: sh.source_name for c, sh in register.sheets.items()},
                       reading=register.reading)


def unreadable(path: str | Path, sentence: str, *, township: str | None = None,
               reading: Reading | None = None) -> CheckResult:
    return CheckResult(file=str(path), township=None, report_date=None, status="unreadable",
                       error=sentence, issues=[], reading=reading, named_township=township)


def check_path(path: str | Path, config: Config, *, file_name: str | None = None,
               hints: ReadHints | None = None) -> CheckResult:
    """Read and check one workbook; an unreadable one gives status ``unreadable``.
    ``file_name``: the name the file was sent under (``path`` is then an archived copy:
    the reader takes township and date from that name when the file does not say)."""
    p = Path(path)
    if not p.is_file():
        return unreadable(p, f"找不到文件 {p}:请检查文件名和路径。")
    with gc_paused():  # the register's many small objects hold no cycles
        try:
            register = read_register(p, config, file_name=file_name, hints=hints)
        except StructureError as exc:
            reading = exc.reading if isinstance(exc.reading, Reading) else None
            return unreadable(p, exc.message, township=exc.township, reading=reading)
        except UnreadableWorkbook as exc:
            return unreadable(p, exc.message)
        except MemoryError:  # in a worker, at its cap; in this process, the machine's
            return unreadable(p, refused_sentence(file_name or p.name, "memory",
                                                  config.limits))
        result = check_register(register, config)
    result.file = str(p)
    return result


def check_paths(paths: Iterable[str | Path], config: Config, *,
                keep_registers: bool = False) -> list[CheckResult]:
    """Check every file, folders expanded to their workbooks: each in its own bounded
    worker (a file that exhausts the limits is unreadable with the sentence why), several
    at once. ``keep_registers`` checks in this process and keeps each file's register."""
    files = workbook_files(paths)
    if keep_registers or not config.limits.isolated:
        results = [check_path(path, config) for path in files]
        if not keep_registers:
            for r in results:
                r.register = None
        return results
    done = map_bounded(_checked, [(path.name, (str(path), config)) for path in files],
                       config.limits)
    return [r if isinstance(r, CheckResult) else unreadable(path, r.message.split("\n")[0])
            for path, r in zip(files, done, strict=True)]


def _checked(path: str, config: Config) -> CheckResult:
    """One file checked in a worker, sent back without its register."""
    result = check_path(path, config)
    result.register = None
    return result


def exit_code(results: list[CheckResult]) -> int:
    """2 when a file is unreadable, 1 when there are errors, else 0 (warnings allowed)."""
    if any(r.status == "unreadable" for r in results):
        return 2
    if any(r.status == "errors" for r in results):
        return 1
    return 0


__all__ = ["CheckResult", "check_path", "check_paths", "check_register", "exit_code",
           "workbook_files"]
