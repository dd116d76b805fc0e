"""Reading what townships send into the one table model.

* :mod:`.raw` reads a file (python-calamine) into a :class:`RawBook`; :mod:`.marks` adds what
  calamine reads as empty (error values, formulas without a value) and .ods merges;
* :mod:`.sheets` recognises each sheet by its header, :mod:`.headers` finds header blocks and
  maps columns, :mod:`.rows` and :mod:`.layout` tell data rows from titles, units rows,
  totals, footers…, :mod:`.cover` finds the cover information in any form;
* :mod:`.normalize` turns cell values into the model's types, recording each change;
* :mod:`.build` puts it together (:func:`build_register`), :mod:`.explain` says how a file
  was read, :mod:`.inspect` is ``gridkit inspect``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .build import ReadHints, build_register
from .inspect import InspectResult, inspect_file, inspect_paths
from .raw import (
    DATE_FORMAT,
    RawBook,
    RawSheet,
    display_name,
    gc_paused,
    read_raw,
    workbook_files,
    workbook_from_raw,
)

if TYPE_CHECKING:
    from ..config.county import Config
    from .table import Register


def read_register(path: str | Path, config: Config, *, file_name: str | None = None,
                  hints: ReadHints | None = None) -> Register:
    """:func:`read_raw` + :func:`build_register` (``file_name``: the name the file was sent
    under, when ``path`` is an archived copy)."""
    with gc_paused():
        raw = read_raw(path, limits=config.limits, name=file_name)
        return build_register(raw, config, file_name=file_name or Path(path).name, hints=hints)


__all__ = ["DATE_FORMAT", "InspectResult", "RawBook", "RawSheet", "ReadHints", "build_register",
           "display_name", "gc_paused", "inspect_file", "inspect_paths", "read_raw",
           "read_register", "workbook_files", "workbook_from_raw"]
