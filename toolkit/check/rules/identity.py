"""ID numbers (GB 11643): destroyed by Excel, length, check digit, birth date, legacy
15-digit IDs, 性别 against the ID's sex digit, and the same ID twice in a sheet.

The common case (a valid 18-digit text ID) takes a fast path: a precomputed set of real
birth dates and the check digit computed with one ``int(..., 13)`` (13 ≡ 2 mod 11, and the
GB 11643 weights are the powers of 2 mod 11). Anything else goes through
:func:`toolkit.check.idcard.problem` for the exact reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Container
from functools import lru_cache
from typing import Any

from ...read.table import Sheet
from .. import idcard
from .context import Context, duplicate_rows, report_duplicates, show

_CHECK = "10X98765432"
_CHECK_BY_SUM = [_CHECK[2 * k % 11] for k in range(11)]  # int(first 17, 13) % 11 -> digit
SCIENTIFIC_RE = re.compile(r"\d(?:\.\d+)?[eE]\+?\d{1,2}", re.ASCII)
DESTROYED_RE = re.compile(r"\d{15}000", re.ASCII)

_MESSAGES = {
    "id-length": "{col}“{v}”不是18位(最后一位可以是X):请对照身份证重新填写完整的18位号码。",
    "id-check-digit": "{col}“{v}”的最后一位校验码不对,说明号码中有录错的数字:"
                      "请对照身份证逐位核对后改正。",
    "id-birth-date": "{col}“{v}”中的出生日期不存在:请对照身份证核对第7至14位(出生年月日)。",
    "id-legacy-15": "{col}“{v}”是15位旧身份证号码:请尽量换成现在使用的18位号码。",
    "id-trailing-zeros": "{col}“{v}”以000结尾:号码本身有效,但Excel把长数字的最后几位改成0时"
                         "也会这样,请对照身份证核对一次。",
}
_STORED_AS_NUMBER = (
    "{col}被存成了数字“{v}”:Excel只保留15位有效数字,身份证号的最后几位已被改成0,"
    "原号码已无法恢复。请把这个单元格设置为“文本”格式,再对照身份证重新输入完整的18位号码。")


@lru_cache(maxsize=8)
def _birth_dates(until: dt.date) -> frozenset[str]:
    """Every real birth date from 1890-01-01 to ``until`` as YYYYMMDD text."""
    days = [f"{d:02d}" for d in range(1, 32)]
    out: list[str] = []
    for year in range(1890, until.year + 1):
        for month in range(1, 13 if year < until.year else until.month + 1):
            last = calendar.monthrange(year, month)[1]
            if (year, month) == (until.year, until.month):
                last = until.day
            out.extend(map(f"{year}{month:02d}".__add__, days[:last]))
    return frozenset(out)


_TABLE_FROM = 20_000  # ID cells from which the table of every birth date (35 ms) pays


class _BirthDates:
    """Whether YYYYMMDD text is a real birth date up to ``until``, without the table."""

    def __init__(self, until: dt.date) -> None:
        self.until = until

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str) or len(text) != 8 or not text.isdigit():
            return False
        try:
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return False
        return _FIRST_BIRTH <= day <= self.until


_FIRST_BIRTH = dt.date(1890, 1, 1)


def id_problem(value: Any, today: dt.date | None = None) -> str | None:
    """The rule code for an ID cell value, or None when it is a valid 18-digit ID."""
    if isinstance(value, bool):
        return "id-length"
    if isinstance(value, int | float):
        if abs(value) >= 1e15:  # 16+ digits: Excel kept only 15 significant ones
            return "id-stored-as-number"
        if not float(value).is_integer():
            return "id-length"
        value = str(int(value))  # up to 15 digits survive a number cell intact
    text = str(value).strip().upper()
    if SCIENTIFIC_RE.fullmatch(text):
        return "id-stored-as-number"
    if DESTROYED_RE.fullmatch(text):
        # typed as text after Excel showed it, or a real ID whose last three digits are 0
        valid = isinstance(value, str) and idcard.problem(text, today=today) is None
        return "id-trailing-zeros" if valid else "id-stored-as-number"
    return idcard.problem(text, today=today)


def _classify(ctx: Context, sheet: Sheet, column: str, values: list[Any]) -> list[bool]:
    """Flag every bad ID in ``values``; return which rows hold a usable (valid) ID."""
    today = ctx.report_date or dt.date.today()
    dates: Container[str] = (_birth_dates(today) if len(values) > _TABLE_FROM
                             else _BirthDates(today))
    digit = _CHECK_BY_SUM
    good = [type(v) is str and len(v) == 18 and v.isascii() and (head := v[:17]).isdigit()
            and v[6:14] in dates and digit[int(head, 13) % 11] == v[17] and v[15:] != "000"
            for v in values]
    for i in [i for i, ok in enumerate(good) if not ok]:
        v = values[i]
        if v is None or v == "":
            continue
        code = id_problem(v, today)
        if code is None:  # valid after strip/upper: the reader should have normalised it
            continue
        if code == "id-stored-as-number":
            shown = f"{float(v):.5E}" if isinstance(v, int | float) else show(v)  # as Excel
            ctx.report(code, _STORED_AS_NUMBER.format(col=column, v=shown), sheet, i,
                      column, v)
        elif code == "id-legacy-15":
            ctx.report(code, _MESSAGES[code].format(col=column, v=v), sheet, i, column, v)
            # a legacy ID still tells the sex and identifies the person
            good[i] = type(v) is str and len(v) == 15
        elif code == "id-trailing-zeros":
            ctx.report(code, _MESSAGES[code].format(col=column, v=v), sheet, i, column, v)
            good[i] = True
        else:
            ctx.report(code, _MESSAGES[code].format(col=column, v=show(v)), sheet, i,
                      column, v)
    return good


def _sex(ctx: Context, sheet: Sheet, sheet_id: str, values: list[Any], good: list[bool],
         id_column: str) -> None:
    sexes = ctx.values(sheet, sheet_id, "sex")
    if sexes is None:
        return
    sex_col = ctx.name(sheet_id, "sex")
    male, female = "男", "女"
    odd = frozenset("13579")
    for i in [i for i, (ok, v, s) in enumerate(zip(good, values, sexes, strict=True))
              if ok and s in (male, female)
              and (s == male) != ((v[16] if len(v) == 18 else v[14]) in odd)]:
        expected = idcard.sex(values[i])
        ctx.report("id-sex-mismatch",
                  f"{sex_col}填的是“{sexes[i]}”,但{id_column}{values[i]}的第17位表示"
                  f"“{expected}”:请核对性别和身份证号,改正填错的一项。",
                  sheet, i, sex_col, sexes[i])


def _duplicates(ctx: Context, sheet: Sheet, column: str, values: list[Any]) -> None:
    rows = duplicate_rows(
        values, lambda v: type(v) is str and bool(v) and not DESTROYED_RE.fullmatch(v))
    report_duplicates(ctx, sheet, column, rows, "duplicate-id",
                      "同一人只能登记一次,请删除重复的行,或对照身份证改正录错的号码。")


def check_identity(ctx: Context) -> None:
    for spec, sheet, col, values in ctx.present_columns():
        if col.type != "id-number":
            continue
        good = _classify(ctx, sheet, col.name, values)
        _sex(ctx, sheet, spec.id, values, good, col.name)
        if col.unique or col.key:
            _duplicates(ctx, sheet, col.name, values)


__all__ = ["check_identity", "id_problem"]
