"""A township file's merged rows, written to disk by the worker that read the file, already
in the forms the night needs: the JSON array the store keeps and the row XML of the county
master (:mod:`toolkit.outputs.master_rows`). The night's own process then streams them into
the store and the master, one chunk at a time: its memory does not grow with the county's
rows, and the encoding is done on every core while files are read.

A spool is one file per sheet, beside the night's archived copies under gridkit's
temporary-file names (a killed run's are swept at the next start), removed when the merge
is done. Each file is a sequence of zlib-packed pickled chunks of rows
``(excel_row, status, source, json, xml)``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config.schema import SheetSpec
from ..outputs.master import DrawnRow
from ..outputs.master_rows import ROW_LABELS, SheetRows
from ..store.records import RowRecord, row_json, source_text

CHUNK = 4096  # rows per packed chunk
ZLIB_LEVEL = 1  # a county night's rows: ~1 GB of text as ~0.2 GB on disk, packed fast

# (Excel row, check status, the sheet's name in the file, JSON values, master row XML or
# None when the master writes it the stock way)
SpooledRow = tuple[int, str, str, str, "str | None"]


@dataclass
class Spool:
    """Where one submission's rows were written, and how many each sheet has."""

    township: str
    submission_id: int
    file_name: str
    paths: dict[str, Path] = field(default_factory=dict)  # sheet -> its file
    counts: dict[str, int] = field(default_factory=dict)
    shared_refs: int = 0  # references to the shared strings in the rows' XML

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def read(self, sheet: str) -> Iterator[SpooledRow]:
        path = self.paths.get(sheet)
        if path is None:
            return
        with path.open("rb") as f:
            while True:
                try:
                    packed = pickle.load(f)
                except EOFError:
                    return
                yield from pickle.loads(zlib.decompress(packed))

    def records(self) -> Iterator[RowRecord]:
        """Every row as the store takes it (values already JSON)."""
        for sheet in self.paths:
            for excel_row, status, source, data, _xml in self.read(sheet):
                yield RowRecord(self.township, self.submission_id, sheet, excel_row, status,
                                data=data, source=source)

    def drawn(self, sheet: str) -> Iterator[DrawnRow]:
        """The sheet's rows as the master takes them (rendered by the worker)."""
        town, file = self.township, self.file_name
        for excel_row, status, source, values, xml in self.read(sheet):
            yield (town, source_text(file, source, sheet), excel_row, status, xml, values)

    def remove(self) -> None:
        for path in self.paths.values():
            with contextlib.suppress(OSError):
                path.unlink()
        self.paths.clear()


def write_spool(folder: Path, township: str, submission_id: int, file_name: str,
                sheets: Mapping[str, Sequence[RowRecord]], specs: Sequence[SheetSpec],
                shared: Mapping[str, int]) -> Spool:
    """Write ``sheets`` (sheet -> its rows, values in the schema's column order) into
    ``folder``; ``shared`` the night's shared strings and their numbers in the master."""
    spool = Spool(township, submission_id, file_name)
    lookup = shared.get
    for k, spec in enumerate(specs):
        rows = sheets.get(spec.name)
        if not rows:
            continue
        cells = SheetRows(spec.columns, [c.id for c in spec.columns], lookup)
        path = folder / f".rows-{submission_id}-{k}.{os.getpid()}.tmp"
        spool.paths[spec.name] = path
        spool.counts[spec.name] = len(rows)
        name = spec.name
        with path.open("wb") as f:
            for at in range(0, len(rows), CHUNK):
                part = rows[at:at + CHUNK]
                made = cells.many([(township, source_text(file_name, r.source, name),
                                    r.excel_row, r.status, r.values or ()) for r in part])
                chunk = [(r.excel_row, r.status, r.source, row_json(r), xml)
                         for r, xml in zip(part, made, strict=True)]
                pickle.dump(zlib.compress(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL),
                                          ZLIB_LEVEL), f, pickle.HIGHEST_PROTOCOL)
        spool.shared_refs += cells.render.refs_shared
    return spool


def shared_strings(townships: Sequence[str], files: Sequence[str],
                   specs: Sequence[SheetSpec]) -> dict[str, int]:
    """The texts the master's shared columns hold on a night (townships, the night's file
    names, every enum value, the check results), numbered in order: the workers refer to
    them by these numbers, the master registers them first in the same order."""
    texts = [*townships, *files, *(label for label, _style in ROW_LABELS.values())]
    for spec in specs:
        for col in spec.columns:
            if col.type == "enum":
                texts += col.values
    out: dict[str, int] = {}
    for text in texts:
        if text and text not in out:
            out[text] = len(out)
    return out
