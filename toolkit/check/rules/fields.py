"""Cell-level rules driven by each column's schema: required cells, numbers, dates, allowed
values, minimums and phone numbers. (ID numbers are in :mod:`.identity`.)

One validator per column type is chosen once per column; each validator first filters the
column with a cheap comprehension and only builds messages for the few offending cells.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from typing import Any

from ...config.schema import ColumnSpec, SheetSpec
from ...read.table import Sheet
from .context import Context, is_empty, show

# (sheet id, column id) whose empty cell has its own rule instead of required-missing
_OWN_EMPTY_RULE = {
    ("households", "responsible"): (
        "no-responsible-person",
        "这一户没有填{col}:每户都必须落实包保责任人(不漏一户):"
        "请填写负责这一户的网格工作人员姓名。"),
}

MOBILE_RE = re.compile(r"1[3-9]\d{9}", re.ASCII)
LANDLINE_RE = re.compile(r"(?:0\d{2,3}[-—– ]?|\(0\d{2,3}\))\d{7,8}(?:-\d{1,5})?", re.ASCII)


def closest(value: Any, allowed: tuple[str, ...] | list[str]) -> str | None:
    """The allowed value closest to ``value`` (difflib), or None when nothing is close."""
    text = show(value)
    match = difflib.get_close_matches(text, list(allowed), n=1, cutoff=0.3)
    if match:
        return match[0]
    # one shared character is a good hint for short Chinese values (发烧 -> 发热)
    scored = [(len(set(text) & set(a)), a) for a in allowed]
    best = max(scored, default=(0, ""))
    return best[1] if best[0] else None


def _required(ctx: Context, sheet: Sheet, spec: SheetSpec, col: ColumnSpec,
              values: list[Any]) -> None:
    if None not in values:  # the common case, decided in C (the reader gives None for empty)
        return
    empty = [i for i, v in enumerate(values) if v is None or v == "" or v == ()]
    rule, template = _OWN_EMPTY_RULE.get(
        (spec.id, col.id),
        ("required-missing", "{col}是必填项,这里是空的:请补填。"))
    message = template.format(col=col.name)
    for i in empty:
        ctx.report(rule, message, sheet, i, col.name, values[i])


def _numbers(ctx: Context, sheet: Sheet, spec: SheetSpec, col: ColumnSpec,
             values: list[Any]) -> None:
    whole = col.type == "int"
    lo = col.min
    ok_types = (int,) if whole else (int, float)
    if lo is None:
        suspects = [i for i, v in enumerate(values) if v is not None and type(v) not in ok_types]
    else:
        suspects = [i for i, v in enumerate(values)
                    if v is not None and (type(v) not in ok_types or v < lo)]
    kind = "整数" if whole else "数字"
    for i in suspects:
        v = values[i]
        if v == "" or v == ():
            continue
        if type(v) in (int, float) and not isinstance(v, bool):
            if lo is not None and v < lo:
                low = show(float(lo))
                ctx.report("negative-number",
                          f"{col.name}不能小于{low},这里填的是{show(v)}:请填写实际数量"
                          f"(没有就填{low})。", sheet, i, col.name, v)
            elif whole and not float(v).is_integer():
                ctx.report("invalid-number",
                          f"{col.name}应为整数,这里填的是{show(v)}:请填写整数。",
                          sheet, i, col.name, v)
            continue
        ctx.report("invalid-number",
                  f"{col.name}应为{kind},这里填的“{show(v)}”不是{kind}:"
                  f"请只填阿拉伯数字,不要带单位或文字。", sheet, i, col.name, v)


_DATE_TYPES = (dt.date, dt.datetime)


def _dates(ctx: Context, sheet: Sheet, spec: SheetSpec, col: ColumnSpec,
           values: list[Any]) -> None:
    for i in [i for i, v in enumerate(values) if v is not None and type(v) not in _DATE_TYPES]:
        v = values[i]
        if v == "":
            continue
        ctx.report("invalid-date",
                  f"{col.name}“{show(v)}”不是可识别的日期:请按 2020-02-04 的格式填写"
                  f"真实存在的日期。", sheet, i, col.name, v)


def _enums(ctx: Context, sheet: Sheet, spec: SheetSpec, col: ColumnSpec,
           values: list[Any]) -> None:
    allowed = frozenset(col.values) | {None, ""}
    bad = [i for i, v in enumerate(values) if v not in allowed]
    listing = "、".join(col.values)
    for i in bad:
        v = values[i]
        hint = closest(v, col.values)
        suggestion = f"是否应为“{hint}”?" if hint else ""
        ctx.report("invalid-enum",
                  f"{col.name}不能填“{show(v)}”,只能填:{listing}。{suggestion}"
                  f"请从下拉列表中选择。", sheet, i, col.name, v)


def phone_ok(value: Any) -> bool:
    if type(value) is not str:
        return False
    return bool(MOBILE_RE.fullmatch(value) or LANDLINE_RE.fullmatch(value))


def _phones(ctx: Context, sheet: Sheet, spec: SheetSpec, col: ColumnSpec,
            values: list[Any]) -> None:
    mobile, landline = MOBILE_RE.fullmatch, LANDLINE_RE.fullmatch
    bad = [i for i, v in enumerate(values)
           if v is not None and v != "" and not (type(v) is str and (mobile(v) or landline(v)))]
    for i in bad:
        v = values[i]
        text = show(v)
        if type(v) in (int, float) and MOBILE_RE.fullmatch(text):
            continue  # a mobile number stored as a number: harmless, the reader keeps digits
        ctx.report("phone-invalid",
                  f"{col.name}“{text}”不是有效的电话号码:请填写11位手机号,"
                  f"或带区号的固定电话(如 0870-6123456)。", sheet, i, col.name, v)


Validator = Callable[[Context, Sheet, SheetSpec, ColumnSpec, list[Any]], None]
VALIDATORS: dict[str, Validator] = {
    "int": _numbers,
    "number": _numbers,
    "date": _dates,
    "enum": _enums,
    "phone": _phones,
}


def check_fields(ctx: Context) -> None:
    """Required cells and per-type validation for every column the file has."""
    for spec, sheet, col, values in ctx.present_columns():
        if col.required:
            _required(ctx, sheet, spec, col, values)
        validator = VALIDATORS.get(col.type)
        if validator is not None:
            validator(ctx, sheet, spec, col, values)

__all__ = ["VALIDATORS", "check_fields", "closest", "is_empty", "phone_ok"]
