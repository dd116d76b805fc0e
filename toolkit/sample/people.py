"""Plausible people: names, ID numbers (valid, unique across the county), phones."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ..check.idcard import make_id
from .names import FAR_AREAS, HUBEI_AREAS, LANDLINE_CODE, MOBILE_PREFIXES, NEARBY_AREAS, NamePicker


@dataclass(slots=True)
class Person:
    name: str
    male: bool
    id_number: str
    phone: str

    @property
    def sex(self) -> str:
        return "男" if self.male else "女"


class IdFactory:
    """Makes valid 18-digit IDs (toolkit.check.idcard.make_id) that are unique across a whole
    sample run, so that only planted duplicates are duplicates. No ID ends in 000: the
    checks read that as an ID Excel destroyed."""

    def __init__(self) -> None:
        self._used: set[int] = set()

    def make(self, rng: random.Random, area: str, birth: dt.date, male: bool) -> str:
        for _ in range(50):
            number = make_id(area, birth, rng.randrange(1000), male)
            key = int(number[:17])
            # a text ID ending in 000 looks like one Excel destroyed (15 digits + 000)
            if key not in self._used and not number.endswith("000"):
                self._used.add(key)
                return number
            birth = birth - dt.timedelta(days=1)
        raise RuntimeError("ran out of ID sequence numbers")  # pragma: no cover


class People:
    """Random people for one township, from a seeded ``random.Random``."""

    def __init__(self, rng: random.Random, ids: IdFactory, local_area: str,
                 today: dt.date) -> None:
        self.rng = rng
        self.ids = ids
        self.names = NamePicker(rng)
        self.local_area = local_area
        self.today = today

    def birth(self, min_age: int, max_age: int) -> dt.date:
        age_days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 200)
        return self.today - dt.timedelta(days=age_days)

    def area(self, hubei: bool = False) -> str:
        """Mostly the county's own area code; Hubei codes for some Hubei arrivals; a few
        from the neighbours and from farther away."""
        x = self.rng.random()
        if hubei and x < 0.3:
            return self.rng.choice(HUBEI_AREAS)
        if x < 0.86:
            return self.local_area
        if x < 0.96:
            return self.rng.choice(NEARBY_AREAS)
        return self.rng.choice(FAR_AREAS)

    def mobile(self) -> str:
        r = self.rng
        return r.choice(MOBILE_PREFIXES) + f"{r.randrange(100_000_000):08d}"

    def landline(self) -> str:
        return f"{LANDLINE_CODE}-{self.rng.randint(2_000_000, 8_999_999)}"

    def phone(self, landline_share: float = 0.02) -> str:
        return self.landline() if self.rng.random() < landline_share else self.mobile()

    def person(self, *, male: bool | None = None, min_age: int = 18, max_age: int = 70,
               surname: str | None = None, hubei: bool = False) -> Person:
        if male is None:
            male = self.rng.random() < 0.53
        birth = self.birth(min_age, max_age)
        number = self.ids.make(self.rng, self.area(hubei), birth, male)
        return Person(self.names.name(male, surname), male, number, self.phone())

    def staff_name(self) -> str:
        return self.names.name(self.rng.random() < 0.65)
