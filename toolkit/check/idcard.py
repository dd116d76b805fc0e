"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, sex digit.

Used by the checks (validation) and the sample generator (making valid numbers).
"""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
ID18_RE = re.compile(r"^\d{17}[\dX]$")
ID15_RE = re.compile(r"^\d{15}$")


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def make_id(area: str, birth: dt.date, sequence: int, male: bool) -> str:
    """A valid 18-digit ID: 6-digit area, birth date, 3-digit sequence whose last digit
    is odd for men and even for women, and the check digit."""
    seq = sequence % 1000
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    first17 = f"{area[:6]:0>6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def birth_date(id_number: str) -> dt.date | None:
    """The birth date an 18- or 15-digit ID encodes, or None when it is not a real date."""
    try:
        if len(id_number) == 18:
            return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        if len(id_number) == 15:
            return dt.date(1900 + int(id_number[6:8]), int(id_number[8:10]),
                           int(id_number[10:12]))
    except ValueError:
        return None
    return None


def sex(id_number: str) -> str | None:
    """男 or 女 from the sequence digit (17th of 18, 15th of 15)."""
    digit = id_number[16] if len(id_number) == 18 else id_number[14:15]
    if not digit.isdigit():
        return None
    return "男" if int(digit) % 2 == 1 else "女"


def problem(id_number: str, today: dt.date | None = None) -> str | None:
    """Why a text ID is invalid, as a stable code, or None when it is a valid 18-digit ID.

    Codes: ``id-length`` (not 18 digits / 17 digits + X), ``id-legacy-15`` (a valid 15-digit
    legacy ID), ``id-birth-date`` (no such date, or in the future), ``id-check-digit``.
    """
    if ID15_RE.match(id_number):
        return "id-legacy-15" if birth_date(id_number) else "id-birth-date"
    if not ID18_RE.match(id_number):
        return "id-length"
    born = birth_date(id_number)
    if born is None or born.year < 1890 or (today is not None and born > today):
        return "id-birth-date"
    if check_digit(id_number[:17]) != id_number[17]:
        return "id-check-digit"
    return None


def mask(id_number: str) -> str:
    """``530629********1234``: the area and the last four kept, for reports that leave the
    office."""
    s = str(id_number)
    if len(s) <= 10:
        return s[:2] + "*" * max(len(s) - 2, 0)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
