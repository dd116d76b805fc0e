"""The rules a township register must follow, as findings.

``run_checks(register, config)`` runs every rule module on a :class:`~toolkit.table.Register`
and returns its findings sorted by sheet, row and column. Rule codes, severities and
locations are those of the table in ``docs/architecture.md``; the sample generator plants
defects under the same codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..config import Config
from ..findings import Finding
from ..table import Register, column_index
from ._base import Context, show
from .checkpoints import check_checkpoints, check_teams
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

# A short Chinese title per rule code, for summaries office staff read.
RULE_TITLES: dict[str, str] = {
    "extra-column": "多余或重复的列",
    "required-missing": "必填项为空",
    "invalid-number": "不是数字",
    "invalid-date": "日期无法识别",
    "invalid-enum": "不是允许的选项",
    "negative-number": "数量小于下限",
    "id-stored-as-number": "身份证号被存成数字(后几位已丢失)",
    "id-length": "身份证号位数不对",
    "id-check-digit": "身份证号校验码不对",
    "id-birth-date": "身份证号出生日期不存在",
    "id-legacy-15": "15位旧身份证号",
    "id-trailing-zeros": "身份证号以000结尾(请核对)",
    "id-sex-mismatch": "性别与身份证号不符",
    "phone-invalid": "电话号码无效",
    "duplicate-key": "编号重复",
    "duplicate-id": "同一身份证号重复登记",
    "grid-staffing": "网格人员配备不符合规定",
    "defence-team-too-small": "联防队不足规定人数",
    "party-members-exceed-size": "党员人数多于总人数",
    "unknown-village": "村(社区)不在本乡镇名单中",
    "wrong-township": "乡镇与填报单位不符",
    "unknown-grid": "网格编号未登记",
    "no-responsible-person": "住户没有包保责任人",
    "unknown-household": "户编号未登记",
    "unknown-reference": "引用的编号未登记",
    "arrival-before-cutoff": "抵威日期早于排查起始日",
    "arrival-after-report-date": "抵威日期晚于填报日期",
    "unmanaged-risk": "风险人员未落实管控",
    "observation-too-short": "观察期不足",
    "observation-start-missing": "缺观察起始日期",
    "missing-shift": "卡点缺少班次",
    "excel-error-value": "单元格是Excel错误值",
    "formula-no-value": "公式没有保存计算结果",
    "cover-conflict": "乡镇或日期前后不一致",
    "hidden-sheet-ignored": "隐藏的旧副本未读取",
}


def run_checks(register: Register, config: Config) -> list[Finding]:
    """Every finding of every rule on ``register``, sorted by sheet, row and column."""
    ctx = Context(register, config)
    for rule_module in RULE_MODULES:
        rule_module(ctx)
    return sort_findings(ctx.findings, register, config)


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


__all__ = ["RULE_MODULES", "RULE_TITLES", "Context", "run_checks", "show", "sort_findings"]
