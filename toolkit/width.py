"""How wide text shows in a fixed-width place (a terminal, an Excel column): a Chinese
character or full-width mark takes two columns, anything else one."""

from __future__ import annotations

import unicodedata


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def display_width(text: str) -> int:
    return sum(2 if is_wide(ch) else 1 for ch in text)
