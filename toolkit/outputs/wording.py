"""公文 wording shared by the documents that leave the office (the briefing, the feedback):
dates as 2020年2月4日, full-width punctuation in Chinese text, 你乡 / 你镇.

Templates use them as filters: ``{{ date | cn_date }}``, ``{{ date | md }}``,
``{{ text | fullwidth }}``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re

# a CJK character or full-width punctuation: what makes the text around a mark Chinese
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’]"
_PAIRS = {",": "，", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）", ":": "："}
# a mark with Chinese on either side (a colon or comma between digits stays: 20:00, 1,234)
_MARK = re.compile(rf"(?<={_CJK})[,;:!?()]|[,;:!?()](?={_CJK})|(?<={_CJK})\s*\(|\)(?=\s*{_CJK})")
_QUOTED = re.compile(r"“[^”]*”")


def cn_date(day: dt.date) -> str:
    """2020年2月4日."""
    return f"{day.year}年{day.month}月{day.day}日"


def md(day: dt.date) -> str:
    """2月4日."""
    return f"{day.month}月{day.day}日"


def hm(moment: dt.time | dt.datetime) -> str:
    """20时 for a whole hour, else 20时30分."""
    return f"{moment.hour}时" if not moment.minute else f"{moment.hour}时{moment.minute}分"


def you(township: str) -> str:
    """How the county addresses a township in writing: 你乡, 你镇, 你街道."""
    for ending in ("街道", "乡", "镇"):
        if township.endswith(ending):
            return f"你{ending}"
    return "你单位"


def fullwidth(text: str) -> str:
    """Half-width , ; : ! ? ( ) next to Chinese text become full-width; a mark between
    digits or Latin text (20:00, 1,234, A4) and anything inside “quotes” (a cell's own
    value) stays as written."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]  # in order, not overlapping
    starts = [a for a, _ in quoted]

    def inside(i: int) -> bool:
        k = bisect.bisect_left(starts, i) - 1  # the last quote opened before i
        return k >= 0 and i < quoted[k][1] - 1

    def swap(m: re.Match[str]) -> str:
        if inside(m.end() - 1):
            return m.group()
        return _PAIRS[m.group().strip()]

    return _balance(_MARK.sub(swap, text))


def _balance(text: str) -> str:
    """A bracket whose other half turned full-width follows it."""
    chars = list(text)
    stack: list[int] = []
    for i, c in enumerate(chars):
        if c in "(（":
            stack.append(i)
        elif c in ")）" and stack:
            j = stack.pop()
            if "（" in (chars[i], chars[j]) or "）" in (chars[i], chars[j]):
                chars[i], chars[j] = "）", "（"
    return "".join(chars)


FILTERS = {"cn_date": cn_date, "md": md, "hm": hm, "you": you, "fullwidth": fullwidth}
