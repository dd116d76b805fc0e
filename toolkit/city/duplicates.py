"""The same person registered in two counties on one night: an ID number in the 排查登记 of
two or more counties' merged nights, with every place it is registered (county, township,
file, the sheet as named in the file, Excel row, the name registered there).

Composed from the Store protocol (``columns`` and ``rows``), the way a county finds its
跨乡镇重复 in the merge: a first pass keeps which county registered each ID first and which
IDs more than one county registered; a second reads the sources of those few IDs only.
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


def _columns(city: City, store: Store, night: dt.date) -> tuple[str, int, int | None] | None:
    """The screening sheet's name and the positions of its ID and name columns in the
    night's layout, or None when the night has no ID column."""
    spec = city.schema.sheet_by_id("screening")
    layout = store.columns(night, spec.name)
    name_id = next((c.id for c in spec.columns if c.type == "name"), None)
    if "id_number" not in layout:
        return None
    return (spec.name, layout.index("id_number"),
            layout.index(name_id) if name_id in layout else None)


def cross_county_duplicates(city: City, stores: dict[str, Store], night: dt.date
                            ) -> list[CrossDuplicate]:
    """Every ID number of ``night`` registered in two or more of ``stores``' counties (county
    code -> its store, the counties merged tonight), in the city's county order."""
    order = [c for c in city.counties if c.code in stores]
    first: dict[str, str] = {}  # ID number -> the first county registering it
    shared: set[str] = set()
    places = {}
    for county in order:
        store = stores[county.code]
        cols = _columns(city, store, night)
        if cols is None:
            continue
        places[county.code] = cols
        sheet, id_at, _ = cols
        for row in store.rows(night, sheet):
            value = row.values[id_at] if id_at < len(row.values) else None
            if isinstance(value, str) and value and \
                    first.setdefault(value, county.code) != county.code:
                shared.add(value)
    del first
    if not shared:
        return []
    found: dict[str, list[CrossSource]] = {}
    for county in order:
        if county.code not in places:
            continue
        sheet, id_at, name_at = places[county.code]
        for row in stores[county.code].rows(night, sheet):
            value = row.values[id_at] if id_at < len(row.values) else None
            if isinstance(value, str) and value in shared:
                name = row.values[name_at] if name_at is not None and name_at < len(
                    row.values) else None
                found.setdefault(value, []).append(CrossSource(
                    county.name, county.code, row.township, row.file, row.source or row.sheet,
                    row.excel_row, name))
    return [CrossDuplicate(k, v) for k, v in found.items()]
