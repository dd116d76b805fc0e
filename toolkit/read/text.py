"""How header texts, labels and marker cells are compared.

Offices decorate headers ('*姓名', '身份证号(必填)', '联系\\n电话', '家庭人口数(人)') and use
words the alias list does not have ('身份证号码(18位)', '联系手机'). A header is matched first
by its folded text (:func:`toolkit.config.schema.fold_header`: no spaces, half-width brackets), then
by its *key*: the folded text without decorations (required markers, bracketed notes and
units, a trailing colon) and with the schema's header synonyms applied (号码 → 号, 手机 →
电话 …). Everything here works on one distinct text at a time and is cached.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import Any

from ..config.schema import fold_header

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕")
_MARKERS = re.compile(r"[*※★☆#＃▲△●◆]")
_REQUIRED_WORDS = re.compile(r"(?:必填|选填|必须填写|可不填)")
_TRAILING_COLON = re.compile(r"[::]+$")


def nfkc(value: str) -> str:
    """Full-width to half-width (NFKC), only when the text is not plain ASCII."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def fold(value: Any) -> str:
    """The folded text of a cell ("" for anything that is not text)."""
    if type(value) is not str or not value:
        return ""
    return fold_header(nfkc(value))


@lru_cache(maxsize=65536)
def header_key(folded: str, synonyms: tuple[tuple[str, str], ...]) -> str:
    """The key of a folded header: decorations dropped, synonyms applied."""
    text = _MARKERS.sub("", folded)
    previous = None
    while previous != text:  # nested or repeated brackets
        previous = text
        text = _BRACKETED.sub("", text)
    text = _REQUIRED_WORDS.sub("", text)
    text = _TRAILING_COLON.sub("", text)
    for old, new in synonyms:
        if old in text:
            text = text.replace(old, new)
    return text


@lru_cache(maxsize=4096)
def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


def label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    """``label：`` / ``label:`` anywhere in a text (the longest label first)."""
    return _compiled(f"(?:{_alternation(labels)})[ \\t\u3000]*[::]")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def starts_with_label(text: str, labels: tuple[str, ...]) -> bool:
    """'填表人：王丽', '注：…': a label followed by a colon at the start of the text."""
    return bool(_compiled(f"^[ \\t\u3000]*(?:{_alternation(labels)})[ \\t\u3000]*[::]")
                .match(text))


def closest_text(target: str, candidates: list[str]) -> str | None:
    """The candidate most like ``target`` (difflib), or None when nothing is close."""
    if not candidates:
        return None
    scored = [(difflib.SequenceMatcher(None, target, c).ratio(), c) for c in candidates]
    best = max(scored)
    return best[1] if best[0] >= 0.3 else None
