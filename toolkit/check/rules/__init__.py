"""The rules a township register must follow, as findings.

``run_checks(register, config)`` runs every rule module on a :class:`~toolkit.table.Register`
and returns its findings sorted by sheet, row and column. Rule codes, titles and
severities are the rule catalogue's (:mod:`toolkit.check.catalogue`); the sample generator
plants defects under the same codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from ...config.catalogue import RULE_TITLES, severity
from ...config.county import Config
from ...findings import Finding
from ...read.table import Register, column_index
from .checkpoints import check_checkpoints, check_teams
from .context import Context, show
from .coverage import check_coverage
from .fields import check_fields
from .grids import check_grids
from .identity import check_identity
from .screening import check_screening

RULE_MODULES: tuple[Callable[[Context], None], ...] = (
    check_fields, check_identity, check_grids, check_coverage, check_screening,
    check_checkpoints, check_teams,
)

_LETTERS = re.compile(r"[A-Z]+")

def run_checks(register: Register, config: Config) -> list[Finding]:
    """Every finding of every rule on ``register``, sorted by sheet, row and column."""
    ctx = Context(register, config)
    for rule_module in RULE_MODULES:
        rule_module(ctx)
    return sort_findings([*ctx.findings, *unlisted_findings(ctx.unlisted, config)], register,
                         config)


def unlisted_findings(unlisted: Mapping[str, int], config: Config) -> list[Finding]:
    """One finding per rule that had more findings than a file gets in full, counting the
    rest."""
    cap = config.limits.findings_per_rule
    return [Finding(rule, severity(rule),
                    f"另有{n}处“{RULE_TITLES.get(rule, rule)}”的问题没有逐一列出(每条规则最多列出"
                    f"{cap}处):请先改正上面列出的,再检查一次会列出其余的。", value=n)
            for rule, n in unlisted.items() if n]


def sort_findings(findings: Iterable[Finding], register: Register | None,
                  config: Config) -> list[Finding]:
    """Sheet order (the file's, then the schema's), Excel row, column, rule."""
    order: dict[str, int] = {}
    if register is not None:
        for s in register.sheets:
            order.setdefault(s, len(order))
    for spec in config.schema.sheets:
        order.setdefault(spec.name, len(order))

    def key(f: Finding) -> tuple[int, int, int, str]:
        col = -1
        if f.cell:
            m = _LETTERS.match(f.cell)
            if m:
                col = column_index(m.group())
        return (order.get(f.sheet or "", len(order)), f.row or 0, col, f.rule)

    return sorted(findings, key=key)


__all__ = ["RULE_MODULES", "Context", "run_checks", "show", "sort_findings"]
