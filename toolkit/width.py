"""How wide text shows in a fixed-width place (a terminal, an Excel column): a Chinese
character or full-width mark takes two columns, anything else one."""

from __future__ import annotations

import unicodedata


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


class _Widths(dict[str, int]):
    """Each character's width, looked up once."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if is_wide(ch) else 1
        return width


_WIDTHS = _Widths()


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))
