"""``gridkit inspect``: how gridkit reads a file, without checking it.

For each file: every sheet and what it was read as (and why), its header rows, each column's
field, the rows skipped and why, where township and date came from, and what the reader
itself noticed (extra columns, error values, cover conflicts…). A file that cannot be used
still shows how far reading got, with the one sentence that says what to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import StructureError, UnreadableWorkbook
from ..findings import Finding
from .build import ReadHints, build_register
from .explain import Reading
from .raw import gc_paused, read_raw, workbook_files

if TYPE_CHECKING:
    from ..config.county import Config


@dataclass
class InspectResult:
    file: str
    status: Literal["ok", "unreadable"]
    error: str | None = None
    reading: Reading | None = None
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        reading = self.reading.to_dict() if self.reading is not None else {
            "township": {"value": None, "source": None, "where": None},
            "report_date": {"value": None, "source": None, "where": None}, "sheets": []}
        return {"file": self.file, "status": self.status, "error": self.error,
                "township": reading["township"], "report_date": reading["report_date"],
                "sheets": reading["sheets"],
                "findings": [f.to_dict() for f in self.findings]}


def inspect_file(path: str | Path, config: Config, *, file_name: str | None = None,
                 hints: ReadHints | None = None) -> InspectResult:
    """How ``path`` is read (never raises for a bad file)."""
    p = Path(path)
    name = file_name or p.name
    with gc_paused():
        try:
            raw = read_raw(p, limits=config.limits)
            register = build_register(raw, config, file_name=name, hints=hints)
        except StructureError as exc:
            reading = exc.reading if isinstance(exc.reading, Reading) else None
            return InspectResult(str(p), "unreadable", exc.message, reading)
        except UnreadableWorkbook as exc:
            return InspectResult(str(p), "unreadable", exc.message)
    return InspectResult(str(p), "ok", None, register.reading, list(register.findings))


def inspect_paths(paths: Iterable[str | Path], config: Config) -> list[InspectResult]:
    """Every file (folders expanded to their workbooks)."""
    return [inspect_file(p, config) for p in workbook_files(paths)]


__all__ = ["InspectResult", "inspect_file", "inspect_paths"]
