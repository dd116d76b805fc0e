"""Build a :class:`toolkit.read.table.Register` straight from a ``tests.factory`` book, without
reading a file and normalising nothing (only empty text becomes None and name-list cells
are split on 、, as the reader's contract gives them). Used to unit-test the checks
independently of the reader."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factory import Book
from toolkit.config.county import Config
from toolkit.read.table import Column, Register, Sheet


def build(book: Book, config: Config, *, source: str = "扎西镇_20200204.xlsx",
          township: str | None = None, report_date: dt.date | None = None) -> Register:
    """The register ``book`` would give, data starting at Excel row 2 of each sheet."""
    schema = config.schema
    sheets: dict[str, Sheet] = {}
    for name, rows in book.items():
        spec = schema.match_sheet(name)
        if spec is None:
            continue
        columns: dict[str, Column] = {}
        for j, header in enumerate(rows[0]):
            col = spec.match_column(header)
            if col is None:
                continue
            values: list[Any] = [r[j] if j < len(r) and r[j] != "" else None
                                 for r in rows[1:]]  # None = empty, as the reader gives
            if col.type == "name-list":
                values = [tuple(v.split("、")) if isinstance(v, str) and v else v
                          for v in values]
            columns[col.name] = Column(col.name, str(header), j, values)
        sheets[spec.name] = Sheet(spec.name, name, 1, list(range(2, len(rows) + 1)), columns)
    info = book.get("填报信息")
    if info and len(info) > 1:
        header = info[0]
        township = township or info[1][header.index("填报单位")]
        report_date = report_date or info[1][header.index("填报日期")]
    return Register(source=source, sheets=sheets, township=township, report_date=report_date)
