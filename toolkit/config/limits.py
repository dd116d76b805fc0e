"""How much one township's file may cost, and how the night protects itself: the bounds a
file is read and checked within (in its own worker process), the cheap limits checked before
a file is opened at all, how long a file must rest in the inbox before it is taken, how many
findings of one rule a file gets in full, and how many store backups are kept.

The defaults fit a 40,000-person township many times over (it reads in about 2 s and 200 MiB);
a county changes them in ``[limits]`` of gridkit.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .toml import TomlReader

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


@dataclass(frozen=True)
class Limits:
    file_memory_mb: int = 3072  # address space of the worker reading one file
    file_seconds: int = 300  # wall time for reading and checking one file
    workers: int = 0  # processes reading files at once; 0 = the machine's cores
    max_file_mb: int = 256  # the file as sent
    max_uncompressed_mb: int = 2048  # all parts of an .xlsx/.ods once inflated
    max_ratio: int = 200  # inflated / compressed, per part (a zip bomb is far above)
    max_cells: int = 40_000_000  # rows x columns of one sheet, as the sheet declares them
    settle_seconds: int = 10  # a file changed this recently may still be being copied
    findings_per_rule: int = 2000  # per file; the rest are counted in one more finding
    backups: int = 14  # verified copies of the history store kept (one per night)

    @property
    def isolated(self) -> bool:
        """Whether files are read in worker processes (file_seconds 0 turns it off)."""
        return self.file_seconds > 0


def limits_from_dict(table: dict[str, Any], r: TomlReader) -> Limits:
    known = {f.name for f in fields(Limits)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise r.fail(f"limits.{unknown[0]}", f"未知的项,可用:{'、'.join(sorted(known))}")
    values: dict[str, int] = {}
    for name in known:
        if name in table:
            value = r.get(table, name, "limits", int)
            if value < 0:
                raise r.fail(f"limits.{name}", "不能为负数")
            values[name] = value
    return Limits(**values)


__all__ = ["EXCEL_COLUMNS", "EXCEL_ROWS", "Limits", "limits_from_dict"]
