"""The rule catalogue (``toolkit/data/rules.toml``): every rule's stable code, its title for
office staff, its default severity, where it is found (reading, a check, the merge), the help
the user guide gives, and the sheets the sample generator plants it in.

The checks and the reader take the severity from here (:func:`severity`), summaries take the title
(:data:`RULE_TITLES`), the sample generator takes the sheets (:func:`planted_in`), and a test
holds the user guide's rule table to it. Adding a rule touches this file and one check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from ..findings import ERROR, WARNING, Severity
from .toml import TomlReader, builtin_text, parse_toml

CATALOGUE_FILE = "rules.toml"
Stage = Literal["read", "check", "merge"]
_STAGES = ("read", "check", "merge")


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: Severity
    stage: Stage
    help: str
    plant: tuple[str, ...] = ()  # sheets the sample generator plants this defect in


@cache
def catalogue() -> dict[str, Rule]:
    """Code -> rule, in the catalogue's order (validated once)."""
    source = f"<内置 {CATALOGUE_FILE}>"
    data = parse_toml(builtin_text(CATALOGUE_FILE), source)
    r = TomlReader(source)
    out: dict[str, Rule] = {}
    for where, t in r.tables(data, "rules", ""):
        code = r.get(t, "code", where, str)
        severity = r.get(t, "severity", where, str)
        stage = r.get(t, "stage", where, str)
        if severity not in (ERROR, WARNING):
            raise r.fail(f"{where}.severity", "只能是 error 或 warning")
        if stage not in _STAGES:
            raise r.fail(f"{where}.stage", "只能是 read、check 或 merge")
        if code in out:
            raise r.fail(f"{where}.code", f"规则 {code} 列了两次")
        out[code] = Rule(code, r.get(t, "title", where, str), severity, stage,
                         r.get(t, "help", where, str), r.strings(t, "plant", where, ()))
    return out


def rule(code: str) -> Rule:
    """The catalogue's entry for ``code`` (a code missing from it is a bug)."""
    return catalogue()[code]


def severity(code: str) -> Severity:
    return rule(code).severity


def planted_in(sheet: str) -> tuple[str, ...]:
    """The codes the sample generator plants in ``sheet``, in catalogue order."""
    return tuple(c for c, r in catalogue().items() if sheet in r.plant)


RULE_TITLES: dict[str, str] = {c: r.title for c, r in catalogue().items()}

GUIDE_START, GUIDE_END = "<!-- 规则表开始 -->", "<!-- 规则表结束 -->"
_WORD = {ERROR: "错误", WARNING: "警告"}


def guide_table() -> str:
    """The user guide's rule table, from the catalogue (docs/用户手册.md holds it between
    the two markers; ``python -m toolkit.config.catalogue docs/用户手册.md`` rewrites it)."""
    lines = ["| 规则代码 | 程度 | 含义 |", "|---|---|---|"]
    lines += [f"| `{r.code}` | {_WORD[r.severity]} | {r.help} |" for r in catalogue().values()]
    return "\n".join(lines)


def rewrite_guide(path: str | Path) -> bool:
    """Put :func:`guide_table` between the markers of the guide at ``path``; True if it
    changed."""
    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(GUIDE_START) + len(GUIDE_START), text.index(GUIDE_END)
    new = text[:start] + "\n" + guide_table() + "\n" + text[end:]
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        print(f"{arg}: {'rewritten' if rewrite_guide(arg) else 'already up to date'}")

__all__ = ["RULE_TITLES", "Rule", "catalogue", "guide_table", "planted_in", "rewrite_guide",
           "rule", "severity"]
