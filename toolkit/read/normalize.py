"""Per-type normalisation of the values read from a register, recorded as changes.

Harmless drift (full-width digits, stray spaces, 〇 for 0, dates written as text, Excel
serial numbers, phones stored as floats) is turned into the value types the table model
promises (see docs/architecture.md, "Reading"); it is never an error. Values that cannot be
read stay as they were, so the checks can flag them.

Speed: a column is handled through its distinct values (``set`` runs in C); all distinct
strings are tested at once (joined, one C pass) before any per-value work, so a clean column
of 400,000 cells costs a hash pass and no per-cell Python call.

A change the township would see in the cell (``"１３８…"`` → ``"138…"``) is reported with a
stable kind; a pure representation change (an Excel number 12.0 read as the integer 12, a
datetime at midnight read as a date, an empty string read as ``None``) is not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Any

# Stable kinds of recorded changes.
FULL_WIDTH = "full-width"  # full-width digits/letters/spaces/punctuation -> half-width
SPACES = "spaces"  # leading/trailing spaces, or spaces inside a name/ID/phone/enum
LING_ZERO = "ling-zero"  # 〇 used as the digit 0
LOWER_X = "lower-x"  # x as the last character of an ID number
DATE_TEXT = "date-text"  # a date written as text (2020.1.28, 20200128, 1月28日 …)
DATE_SERIAL = "date-serial"  # an Excel serial number in a date column
PHONE_FLOAT = "phone-float"  # a phone number stored as a number
NUMBER_TEXT = "number-text"  # a number written as text in a number column ("1,200")
INT_FLOAT = "int-float"  # a whole number stored as a number in a text column (12.0 -> "12")
TO_TEXT = "to-text"  # another non-text value (a date, TRUE) in a text column
UNIT_TEXT = "unit-text"  # a count written with its unit ("12人", "3 辆")
PLACEHOLDER = "placeholder"  # "/", "无", "—" … for none: 0 in a count column, else empty
APOSTROPHE = "apostrophe"  # a leading ' typed before an ID or phone to keep it as text
PHONE_FORMAT = "phone-format"  # a mobile written with dashes, dots or +86


@dataclass(frozen=True)
class Vocab:
    """What the reader's configuration says about cell texts (``[reading]`` of the schema):
    placeholders for "none", units written after counts, and what none means here."""

    placeholders: frozenset[str] = frozenset()
    units: tuple[str, ...] = ()
    none_is: str = "empty"  # "zero" in a count column

    @property
    def unit_pattern(self) -> re.Pattern[str] | None:
        return _unit_pattern(self.units)


@lru_cache(maxsize=64)
def _unit_pattern(units: tuple[str, ...]) -> re.Pattern[str] | None:
    if not units:
        return None
    words = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"^([+-]?\d+(?:\.\d+)?)\s*(?:{words})$")


NO_VOCAB = Vocab()

# A recorded change inside a column: (data row index, kind, before, after).
Change = tuple[int, str, Any, Any]
Values = list[Any] | tuple[Any, ...]

_SAME: Any = object()  # "this value needs no change"
_LING = str.maketrans({"〇": "0"})
_NAME_SPLIT = re.compile(r"[\u3001\uff0c,\uff1b;/\uff0f\s]+")  # 、,,;;/ and spaces
_WS = re.compile(r"\s+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, past its 1900-02-29 bug
_SERIAL_MIN, _SERIAL_MAX = 1.0, 2958466.0  # 1900-01-01 .. 9999-12-31
_LANDLINE_SPACED = re.compile(r"^(0\d{2,3})\s+(\d{7,8})$")

_DATE_YMD = re.compile(
    r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*[日号.]?"
    r"(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_MD = re.compile(r"^(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*[日号.]?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _clean(text: str) -> tuple[str, str | None]:
    """NFKC (full-width -> half-width) and outer spaces; the kind of the first change."""
    kind = None
    if not text.isascii():
        folded = unicodedata.normalize("NFKC", text)
        if folded != text:
            kind = FULL_WIDTH
            text = folded
    stripped = text.strip()
    if stripped != text:
        kind = kind or SPACES
    return stripped, kind


def _squeeze(text: str, kind: str | None) -> tuple[str, str | None]:
    """Remove every inner space."""
    if " " in text or "\t" in text or "\n" in text:
        text = _WS.sub("", text)
        kind = kind or SPACES
    return text, kind


def _ling(text: str, kind: str | None) -> tuple[str, str | None]:
    if "〇" in text:
        return text.translate(_LING), LING_ZERO if kind in (None, SPACES) else kind
    return text, kind


def _int_text(v: float) -> str:
    return str(int(v)) if v.is_integer() else repr(v)


# --- text, name, enum, name-list -------------------------------------------------------

def _text(v: Any) -> Any:
    if type(v) is str:
        if v.isascii() and v.strip() == v:
            return _SAME
        new, kind = _clean(v)
        return _SAME if new == v else (new, kind)
    if type(v) is float:
        if math.isfinite(v):
            return (_int_text(v), INT_FLOAT if v.is_integer() else TO_TEXT)
        return _SAME
    if type(v) is int:
        return (str(v), None)
    if isinstance(v, dt.datetime):
        return (v.date().isoformat() if not v.time() else v.isoformat(sep=" "), TO_TEXT)
    if isinstance(v, dt.date):
        return (v.isoformat(), TO_TEXT)
    return _SAME


def _name(v: Any) -> Any:
    """A person's name (or an enum value): also loses every inner space ("王 丽" -> "王丽")."""
    if type(v) is str:
        if v.isascii() and " " not in v and v.strip() == v:
            return _SAME
        new, kind = _clean(v)
        new, kind = _squeeze(new, kind)
        return _SAME if new == v else (new, kind)
    return _text(v)


def _name_list(v: Any) -> Any:
    """Names split on 、,,;;/ and spaces into a tuple; the split itself is not a change."""
    if type(v) is not str:
        r = _text(v)
        v = v if r is _SAME else r[0]
        if type(v) is not str:
            return (v, None)
    new, kind = _clean(v)
    names = tuple(n for n in _NAME_SPLIT.split(new) if n)
    if kind is not None and names == tuple(n for n in _NAME_SPLIT.split(v) if n):
        kind = None  # only a separator was full-width: nothing to fix
    return (names, kind)


# --- numbers ---------------------------------------------------------------------------

def _parse_number(text: str) -> int | float | None:
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    if value.is_integer() and "e" not in text.lower():
        return int(value)
    return value


def _number_fn(vocab: Vocab) -> Callable[[Any], Any]:
    none = 0 if vocab.none_is == "zero" else None
    units = vocab.unit_pattern

    def _number(v: Any) -> Any:
        if type(v) is float:
            return (int(v), None) if v.is_integer() else _SAME
        if type(v) is str:
            text, kind = _clean(v)
            text, kind = _squeeze(text, kind)
            text, kind = _ling(text, kind)
            if not text:
                return (None, kind)
            if text in vocab.placeholders:
                return (none, PLACEHOLDER)
            value = _parse_number(text)
            if value is None:
                m = units.match(text) if units is not None else None
                if m is None:
                    return _SAME  # unparseable: the original text stays, the check flags it
                value = _parse_number(m[1])
                return _SAME if value is None else (value, UNIT_TEXT)
            return (value, NUMBER_TEXT)
        return _SAME
    return _number


# --- dates -----------------------------------------------------------------------------

def _date_or_none(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_date_text(text: str, year: int) -> dt.date | None:
    """A date written as text: 2020.1.28, 2020/1/28, 2020-1-28, 2020年1月28日, 20200128,
    and 1月28日 / 1.28 (in ``year``). None when it is not one."""
    m = _DATE_YMD.match(text)
    if m:
        return _date_or_none(int(m[1]), int(m[2]), int(m[3]))
    m = _DATE_COMPACT.match(text)
    if m:
        return _date_or_none(int(m[1]), int(m[2]), int(m[3]))
    m = _DATE_MD.match(text)
    if m:
        return _date_or_none(year, int(m[1]), int(m[2]))
    return None


def serial_to_date(serial: float) -> dt.date | None:
    """An Excel serial number (1900 date system) as a date."""
    if not _SERIAL_MIN <= serial < _SERIAL_MAX:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _date_fn(year: int, vocab: Vocab = NO_VOCAB) -> Callable[[Any], Any]:
    def _date(v: Any) -> Any:
        if type(v) is dt.date:
            return _SAME
        if isinstance(v, dt.datetime):
            return (v.date(), None)
        if type(v) is float or type(v) is int:
            if 19000101 <= v <= 99991231 and float(v).is_integer():  # 20200128 typed as a number
                parsed = parse_date_text(str(int(v)), year)
                return _SAME if parsed is None else (parsed, DATE_TEXT)
            if v < 1000:  # not a plausible serial for a register date: leave it to the check
                return _SAME
            parsed = serial_to_date(float(v))
            return _SAME if parsed is None else (parsed, DATE_SERIAL)
        if type(v) is str:
            text, kind = _clean(v)
            text, kind = _ling(text, kind)
            if not text:
                return (None, kind)
            if text in vocab.placeholders:
                return (None, PLACEHOLDER)
            parsed = parse_date_text(text, year)
            if parsed is None:
                return _SAME
            return (parsed, DATE_TEXT)
        return _SAME
    return _date


# --- ID numbers and phones -------------------------------------------------------------

_APOSTROPHES = ("'", "\u2018", "\u2019", "`")


def _apostrophe(text: str, kind: str | None) -> tuple[str, str | None]:
    if text.startswith(_APOSTROPHES):
        return text.lstrip("".join(_APOSTROPHES)).strip(), kind or APOSTROPHE
    return text, kind


def _id_fn(vocab: Vocab) -> Callable[[Any], Any]:
    def _id_number(v: Any) -> Any:
        """Text IDs are cleaned (spaces, full-width, 〇, lower-case x, a leading '); a
        number stays a number, so the check can say that Excel destroyed its digits."""
        if type(v) is not str:
            return _SAME
        if v.isascii() and v.isdigit():
            return _SAME
        text, kind = _clean(v)
        text, kind = _apostrophe(text, kind)
        text, kind = _squeeze(text, kind)
        text, kind = _ling(text, kind)
        if text.endswith("x"):
            text = text[:-1] + "X"
            kind = kind or LOWER_X
        if not text:
            return (None, kind)
        if text in vocab.placeholders:
            return (None, PLACEHOLDER)
        return _SAME if text == v else (text, kind)
    return _id_number


_MOBILE_PARTS = re.compile(
    r"^(?:\(?\+?(?:0086|86)\)?[-\s.]*)?(1\d{2})[-\s.]*(\d{4})[-\s.]*(\d{4})$")


def _phone_fn(vocab: Vocab) -> Callable[[Any], Any]:
    def _phone(v: Any) -> Any:
        if type(v) is float:
            if v.is_integer() and v >= 0:
                return (str(int(v)), PHONE_FLOAT)
            return (repr(v), PHONE_FLOAT)
        if type(v) is int:
            return (str(v), PHONE_FLOAT)
        if type(v) is not str:
            return _SAME
        if v.isascii() and v.isdigit():
            return _SAME
        text, kind = _clean(v)
        text, kind = _apostrophe(text, kind)
        text, kind = _ling(text, kind)
        if text in vocab.placeholders:
            return (None, PLACEHOLDER)
        mobile = _MOBILE_PARTS.match(text)
        if mobile and text != "".join(mobile.groups()):
            joined = "".join(mobile.groups())
            only_spaces = text.replace(" ", "") == joined
            return (joined, kind or (SPACES if only_spaces else PHONE_FORMAT))
        spaced = _LANDLINE_SPACED.match(text)
        if spaced:
            text, kind = f"{spaced[1]}-{spaced[2]}", kind or SPACES
        else:
            text, kind = _squeeze(text, kind)
        if text.endswith(".0") and text[:-2].isdigit():
            text, kind = text[:-2], kind or PHONE_FLOAT
        if not text:
            return (None, kind)
        return _SAME if text == v else (text, kind)
    return _phone


@lru_cache(maxsize=256)
def value_normaliser(column_type: str, year: int,
                     vocab: Vocab = NO_VOCAB) -> Callable[[Any], Any]:
    """The normaliser of one column type: ``fn(value)`` returns ``_SAME`` or
    ``(new value, kind or None)``; ``year`` completes dates written without one."""
    if column_type in ("text",):
        return _text
    if column_type in ("name", "enum"):
        return _name
    if column_type == "name-list":
        return _name_list
    if column_type in ("int", "number"):
        return _number_fn(vocab)
    if column_type == "date":
        return _date_fn(year, vocab)
    if column_type == "id-number":
        return _id_fn(vocab)
    if column_type == "phone":
        return _phone_fn(vocab)
    raise ValueError(f"unknown column type {column_type!r}")


def _finite(v: Any) -> Any:
    """A non-finite float as the text a person reads (the check then says it is no
    number); anything else unchanged."""
    if type(v) is float and not math.isfinite(v):
        return "无穷大" if v > 0 else "负无穷大" if v < 0 else "非数字(NaN)"
    return v


def normalise_value(value: Any, column_type: str, year: int,
                    vocab: Vocab = NO_VOCAB) -> tuple[Any, str | None]:
    """One value normalised (slow path, for single cells): ``(new value, kind or None)``."""
    value = _finite(value)
    if value == "" or value is None:
        return None, None
    result = value_normaliser(column_type, year, vocab)(value)
    return (value, None) if result is _SAME else result


_NUMERIC_TYPES = frozenset({int, float, bool})
_is_nfkc = unicodedata.is_normalized
_ANY_SPACE = re.compile(r"\s")
_EDGE_SPACE = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)")
_CODE_DIRTY = re.compile(r"[^0-9A-Za-z\x00]")


def _text_clean(joined: str) -> bool:
    return _is_nfkc("NFKC", joined) and not _EDGE_SPACE.search(joined)


def _name_clean(joined: str) -> bool:
    return _is_nfkc("NFKC", joined) and not _ANY_SPACE.search(joined)


def _code_clean(joined: str) -> bool:
    return joined.isascii() and "x" not in joined and not _CODE_DIRTY.search(joined)


def _text_dirty(strs: Iterable[str]) -> list[str]:
    return [v for v in strs if (not v.isascii() and not _is_nfkc("NFKC", v)) or v.strip() != v]


def _name_dirty(strs: Iterable[str]) -> list[str]:
    return [v for v in strs if (not v.isascii() and not _is_nfkc("NFKC", v))
            or _ANY_SPACE.search(v)]


def _code_dirty(strs: Iterable[str]) -> list[str]:
    return [v for v in strs if not v.isascii() or not v.isalnum() or v[-1] == "x"]


# Per string-like type: a test of all distinct strings at once (joined by NUL, one C pass),
# and the per-string test used only when the joined test finds something.
_STRING_TESTS: dict[str, tuple[Callable[[str], bool], Callable[[Iterable[str]], list[str]]]] = {
    "text": (_text_clean, _text_dirty),
    "name": (_name_clean, _name_dirty),
    "enum": (_name_clean, _name_dirty),
    "id-number": (_code_clean, _code_dirty),
    "phone": (_code_clean, _code_dirty),
}


def _candidates(distinct: dict[Any, Any], types: set[type],
                column_type: str) -> Iterable[Any]:
    """The distinct values that may need work (cheap tests first)."""
    if column_type in ("int", "number"):
        return [v for v in distinct if type(v) is not float] if types - {float} else ()
    if column_type == "date":
        return [v for v in distinct if type(v) is not dt.date] if types - {dt.date} else ()
    tests = _STRING_TESTS.get(column_type)
    if tests is None:
        return distinct
    if types <= {str}:
        strs: Iterable[str] = distinct
        others: list[Any] = []
    else:
        strs = [v for v in distinct if type(v) is str]
        others = [v for v in distinct if type(v) is not str]
    clean_all, dirty = tests
    if clean_all("\x00".join(strs)):
        return others
    return others + dirty(strs)


def normalise_column(values: Values, column_type: str, year: int,
                     vocab: Vocab = NO_VOCAB) -> tuple[list[Any], list[Change]]:
    """Normalise one column: the new values (``None`` for empty cells) and the recorded
    changes as ``(index, kind, before, after)``.

    Works on the column's distinct values, kept in reading order (``dict.fromkeys``: later
    passes over them touch memory in the order the cells were read, several times faster
    than a set's hash order); cheap tests pick those that may need work, only they go
    through the per-type normaliser; the new column and the changed cells' indices are
    found by C-level ``map``/``compress`` passes, never a Python loop over every cell.
    """
    fn = value_normaliser(column_type, year, vocab)
    distinct = dict.fromkeys(values)
    has_blank = distinct.pop("", _SAME) is not _SAME
    distinct.pop(None, None)
    types = set(map(type, distinct))
    if float in types and not all(map(math.isfinite, (v for v in distinct
                                                        if type(v) is float))):
        # inf / nan (1e400 typed in a cell): never a number the store or master could hold
        values = [_finite(v) for v in values]
        return normalise_column(values, column_type, year, vocab)
    changes: list[Change] = []
    if len(types & _NUMERIC_TYPES) > 1:  # 1, 1.0 and True would share a dict slot
        return _normalise_slow(values, fn, changes), changes
    new: dict[Any, Any] = {}
    recorded: dict[Any, tuple[str, Any]] = {}
    for v in _candidates(distinct, types, column_type):
        result = fn(v)
        if result is not _SAME:
            new[v] = result[0]
            if result[1] is not None:
                recorded[v] = (result[1], result[0])
    if column_type in ("int", "number") and float in types:
        new.update((v, int(v)) for v in distinct if type(v) is float and v.is_integer())
    if len(distinct) * 4 < len(values):
        # A repetitive column (enums, dates, villages): map every cell to one shared object
        # per distinct value, so 400,000 copies of "居家观察" become one (memory).
        table = dict(zip(distinct, distinct, strict=True))
        table.update(new)
        table[""] = table[None] = None
        out = list(map(table.__getitem__, values))
    elif new or has_blank:
        if has_blank:
            new[""] = None
        out = list(map(new.get, values, values))
    else:
        out = list(values)
    if recorded:
        hit = compress(range(len(values)), map(recorded.__contains__, values))
        changes = [(i, kind, v, after) for i in hit
                   for v in (values[i],) for kind, after in (recorded[v],)]
    return out, changes


def _normalise_slow(values: list[Any] | tuple[Any, ...], fn: Callable[[Any], Any],
                    changes: list[Change]) -> list[Any]:
    out: list[Any] = []
    cache: dict[tuple[type, Any], Any] = {}
    for i, v in enumerate(values):
        if v == "" or v is None:
            out.append(None)
            continue
        key = (type(v), v)
        result = cache.get(key)
        if result is None:
            result = cache[key] = fn(v)
        if result is _SAME:
            out.append(v)
            continue
        new, kind = result
        out.append(new)
        if kind is not None:
            changes.append((i, kind, v, new))
    return out
