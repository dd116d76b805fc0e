"""The briefing as a document: the plain text the office's template renders, read back into
its parts (masthead, sections with their paragraphs, signature) so that the web page lays
out exactly the same words (``briefing.html.j2`` receives ``doc``).

The text's shape (written at the top of ``briefing.txt.j2``): the first block, up to the
first blank line, is the masthead; a line starting with 一、二、… is a section's heading and
the lines after it are its paragraphs; the last block, when it is not a section, is the
signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Document:
    masthead: list[str]
    sections: list[Section]
    signature: list[str]

    @property
    def title(self) -> str:
        return self.masthead[0] if self.masthead else ""


def parse(text: str) -> Document:
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if not blocks:
        return Document([], [], [])
    masthead, rest = blocks[0], blocks[1:]
    signature: list[str] = []
    if len(rest) > 1 and not _HEADING.match(rest[-1][0]):
        signature = rest.pop()
    sections: list[Section] = []
    for block in rest:
        for line in block:
            if _HEADING.match(line):
                sections.append(Section(line))
            elif sections:
                sections[-1].paragraphs.append(line)
            else:  # a block between the masthead and the first section
                masthead.append(line)
    return Document(masthead, sections, signature)
