"""The same person registered in two counties on one night: an ID number in the 排查登记 of
two or more counties' merged nights, with every place it is registered (county, township,
file, the sheet as named in the file, Excel row, the name registered there).

Composed from the Store protocol, the way a county finds its 跨乡镇重复 in the merge: a
first pass reads only each township's ID column (``pick``) and keeps which county
registered each ID first and which IDs more than one county registered; a second reads the
rows of those few IDs only (``rows(..., excel_rows=)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from ..config.city import City
from ..outputs.privacy import mask_id
from ..store.protocol import Store


@dataclass
class CrossSource:
    """Where a county registered the person."""

    county: str
    code: str
    township: str
    file: str
    sheet: str  # the sheet's name in the file
    row: int  # Excel row
    name: Any  # the name registered in that row

    def to_dict(self) -> dict[str, Any]:
        return {"county": self.county, "code": self.code, "township": self.township,
                "file": self.file, "sheet": self.sheet, "row": self.row,
                "name": None if self.name is None else str(self.name)}


@dataclass
class CrossDuplicate:
    """An ID number registered by two or more counties tonight, every place it is."""

    id_number: str
    sources: list[CrossSource]

    @property
    def counties(self) -> list[str]:
        return list(dict.fromkeys(s.county for s in self.sources))

    def masked(self) -> CrossDuplicate:
        """The same with the ID number masked (for what leaves the office)."""
        return replace(self, id_number=mask_id(self.id_number))

    def to_dict(self) -> dict[str, Any]:
        return {"id_number": self.id_number, "counties": self.counties,
                "sources": [s.to_dict() for s in self.sources]}


def cross_county_duplicates(city: City, stores: dict[str, Store], night: dt.date, *,
                            unread: list[str] | None = None) -> list[CrossDuplicate]:
    """Every ID number of ``night`` registered in two or more of ``stores``' counties (county
    code -> its store, the counties merged tonight), in the city's county order. A store
    that fails while it is read leaves that county out (its code added to ``unread``),
    never stops the city's report."""
    order = [c for c in city.counties if c.code in stores]
    sheet = city.schema.sheet_by_id("screening").name
    first: dict[str, str] = {}  # ID number -> the first county registering it
    shared: set[str] = set()
    picked: dict[str, list[tuple[str, list[tuple[Any, ...]]]]] = {}
    for county in order:
        store = stores[county.code]
        try:
            if "id_number" not in store.columns(night, sheet):
                continue
            towns = [s.township for s in store.statuses(night) if s.merged]
            # the ID column of each township's rows, read inside the store (no row decoded)
            picked[county.code] = [(t, store.pick(night, sheet, t, ["id_number"]))
                                   for t in towns]
        except Exception:  # a store failing while read: that county is left out
            if unread is not None:
                unread.append(county.code)
            continue
        for _, rows in picked[county.code]:
            for _, _, value in rows:
                if value.__class__ is str and value and \
                        first.setdefault(value, county.code) != county.code:
                    shared.add(value)
    del first
    if not shared:
        return []
    found: dict[str, list[CrossSource]] = {}
    name_id = next((c.id for c in city.schema.sheet_by_id("screening").columns
                    if c.type == "name"), None)
    for county in order:
        if county.code not in picked:
            continue
        store = stores[county.code]
        sources: list[tuple[str, CrossSource]] = []
        try:
            layout = store.columns(night, sheet)
            for town, rows in picked[county.code]:
                at = {r[0] for r in rows if r[2] in shared}
                for row in store.rows(night, sheet, town, excel_rows=at) if at else ():
                    value = row.values[layout.index("id_number")]
                    if value not in shared:
                        continue
                    name = (row.values[layout.index(name_id)] if name_id in layout
                            and layout.index(name_id) < len(row.values) else None)
                    sources.append((value, CrossSource(
                        county.name, county.code, row.township, row.file,
                        row.source or row.sheet, row.excel_row, name)))
        except Exception:  # a store failing while read: that county is left out
            if unread is not None:
                unread.append(county.code)
            continue
        for value, source in sources:
            found.setdefault(value, []).append(source)
    duplicates = [CrossDuplicate(k, v) for k, v in found.items()]
    return [d for d in duplicates if len(d.counties) > 1]
