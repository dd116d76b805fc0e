"""Numbers the way the county's own reports write them.

The seed report writes counts of things the office tallied exactly as they are
("联防队1396支", "共计出动宣传车148辆") and large publicity figures as a round number
with 余 ("发放各类宣传资料8万余份", "标语、横幅800余条"). Templates choose per figure:

``{{ n | exact }}``   always the exact number, no thousands separator: 1396 → "1396".
``{{ n | approx }}``  the report style for large tallies:
    * below ``APPROX_FROM`` (500) the number is exact: 148 → "148", 23 → "23";
    * otherwise it is rounded DOWN to one significant digit, or to two when one digit
      would drop more than a tenth of the value, and "余" is added when anything was
      dropped: 812 → "800余", 1396 → "1300余", 80312 → "8万余", 123456 → "12万余",
      800 → "800", 15000 → "1.5万";
    * from 10 000 on the unit is 万, from 100 000 000 on 亿.
    Rounding down (never up) keeps "8万余" true: at least 80 000.
``{{ r | pct }}``     a rate 0..1 as a percentage: 0.9 → "90%", 0.9567 → "95.7%".
``{{ n | signed }}``  a change with its sign: 5 → "+5", -3 → "-3", 0 → "0".
"""

from __future__ import annotations

import math

APPROX_FROM = 500
_MAX_DROP = 0.10
_UNITS = ((100_000_000, "亿"), (10_000, "万"))


def exact(value: float | int | None) -> str:
    """The exact number; floats with a fraction keep up to two decimals."""
    if value is None:
        return "0"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value))


def _round_down(n: int) -> int:
    """n rounded down to 1 significant digit, or 2 when 1 drops more than a tenth."""
    digits = len(str(n))
    for keep in (1, 2):
        step = 10 ** max(digits - keep, 0)
        rounded = n // step * step
        if n - rounded <= n * _MAX_DROP:
            return rounded
    return rounded


def _in_unit(n: int) -> str:
    for size, unit in _UNITS:
        if n >= size:
            whole, rest = divmod(n, size)
            if rest == 0:
                return f"{whole}{unit}"
            return f"{n / size:.4f}".rstrip("0").rstrip(".") + unit
    return str(n)


def approx(value: float | int | None, threshold: int = APPROX_FROM) -> str:
    """The report style: "8万余", "800余", "148" (see the module docstring)."""
    if value is None:
        return "0"
    if isinstance(value, float) and not math.isfinite(value):
        return "0"
    n = int(value)  # a fraction of a yuan or a person never shows in a report
    if n < 0:
        return "-" + approx(-n, threshold)
    if n < threshold:
        return str(n)
    rounded = _round_down(n)
    return _in_unit(rounded) + ("余" if rounded < n else "")


def pct(rate: float | None, digits: int = 1) -> str:
    """A rate between 0 and 1 as a percentage without trailing zeros: 0.9 → "90%"."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{rate * 100:.0f}"
    return f"{text}%"


def signed(value: float | int | None) -> str:
    """A day-over-day change: "+5", "-3", "0"."""
    if not value:
        return "0"
    text = exact(value)
    return text if text.startswith("-") else "+" + text


def change(value: float | int | None, unit: str = "") -> str:
    """A day-over-day change in words: 增加5人, 减少3人, 持平."""
    if not value:
        return "持平"
    return f"{'增加' if value > 0 else '减少'}{exact(abs(value))}{unit}"


FILTERS = {"approx": approx, "change": change, "exact": exact, "pct": pct, "signed": signed}
