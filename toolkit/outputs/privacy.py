"""Masking personal data for everything that leaves the office.

ID numbers and phone numbers are sensitive personal information (domain brief, "Data
protection"). The county master and the history store keep them whole; every report,
briefing and feedback note shows them masked:

* ID numbers: area and last four kept, ``530629********1234`` (:func:`toolkit.check.idcard.mask`);
* mobiles: ``138****5678``;
* landlines: area code and last four kept, ``0870-***8276``.

:func:`mask_text` finds and masks such numbers inside free text (finding messages, values),
and any other long run of digits, in whatever form it was typed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..check.idcard import mask as mask_id_number

# an 18-digit (17 + X) or 15-digit ID number, not part of a longer run of digits
_ID_RE = re.compile(r"(?<![0-9])(?:\d{17}[\dXx]|\d{15})(?![0-9Xx])")
# an ID Excel turned into a float/scientific notation: 5.30629198005172E+17
_SCI_RE = re.compile(r"\d\.\d+[Ee]\+?\d{1,2}")
_MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[-. ]?(\d{4})[-. ]?(\d{4})(?![0-9])")
# anything else that is a long run of digits (17 or 19 digits, 530629-19800101-1234 …): an ID
# or a phone in a form the patterns above do not know; a date (2020-02-04) is not one
_LONG_RE = re.compile(r"(?<![\d*])(?!\d{4}-\d{1,2}-\d{1,2}(?![\d]))\d(?:[- ]?\d){6,}(?![\d*])")
_LANDLINE_RE = re.compile(r"(?<![0-9])(0\d{2,3})([- ]?)(\d{3,4})(\d{4})(?![0-9])")


def mask_id(value: Any) -> str:
    """``530629********1234``; anything that is not text is masked as its text."""
    if value is None:
        return ""
    text = (value if isinstance(value, str) else _number_text(value)).strip()
    if not re.fullmatch(r"\d+[Xx]?", text):  # 5.30629E+17, text around a number
        return mask_text(text)
    return mask_id_number(text)


def mask_phone(value: Any) -> str:
    """``138****5678`` for a mobile, ``0870-***8276`` for a landline; other text keeps only
    its last four characters."""
    if value is None:
        return ""
    text = (value if isinstance(value, str) else _number_text(value)).strip()
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits):
        d = digits[-11:]
        return f"{d[:3]}****{d[-4:]}"
    m = _LANDLINE_RE.fullmatch(text.replace(" ", ""))
    if m:
        return f"{m.group(1)}-{'*' * len(m.group(3))}{m.group(4)}"
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_text(text: Any) -> str:
    """Free text with every ID number and phone number in it masked."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else _number_text(text)
    s = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), s)
    s = _SCI_RE.sub(lambda m: m.group(0)[:3] + "****", s)
    s = _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", s)
    s = _LANDLINE_RE.sub(
        lambda m: f"{m.group(1)}-{'*' * len(m.group(3))}{m.group(4)}", s)
    return _LONG_RE.sub(lambda m: _mask_run(m.group(0)), s)


def _mask_run(run: str) -> str:
    """Every digit of a long run masked but the first three and the last two."""
    digits = [i for i, ch in enumerate(run) if ch.isdigit()]
    keep = set(digits[:3] + digits[-2:])
    return "".join(ch if i in keep or not ch.isdigit() else "*" for i, ch in enumerate(run))


def mask_value(value: Any, kind: str | None = None) -> Any:
    """A cell value ready for a report: ``kind`` is the schema column type
    (``id-number``, ``phone``) when known; other text is scanned with :func:`mask_text`.
    Numbers that are not IDs or phones, dates and None pass unchanged."""
    if value is None:
        return None
    if kind == "id-number":
        return mask_id(value)
    if kind == "phone":
        return mask_phone(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e9:
        return mask_text(_number_text(value))  # an ID or phone typed as a number
    return value


def _number_text(value: Any) -> str:
    """A number as Excel shows its digits: 5.30629198005172E+17 → "530629198005172000"."""
    if isinstance(value, float) and value.is_integer():
        return format(Decimal(repr(value)).to_integral_value(), "f")
    return str(value)
