"""不漏一户、不漏一人: every reference resolves (a household's grid, a screened person's
household), keys are unique within their sheet. (An empty 包保责任人 is reported by
:mod:`.fields` as ``no-responsible-person``.)"""

from __future__ import annotations

from .context import Context, duplicate_rows, report_duplicates, show

# the rule for a reference that does not resolve, by the referenced sheet's schema id
_UNKNOWN = {
    "grids": ("unknown-grid",
              "{col}“{v}”在“{target}”表中没有登记:每户都必须属于一个已登记的网格。"
              "请改正编号,或先在“{target}”表中登记这个网格。"),
    "households": ("unknown-household",
                   "{col}“{v}”在“{target}”表中没有登记:每个排查人员都必须属于一个已登记的住户。"
                   "请改正户编号,或先在“{target}”表中登记这一户。"),
}
_DEFAULT = ("unknown-reference",
            "{col}“{v}”在“{target}”表中没有登记:请改正,或先在“{target}”表中登记。")


def _references(ctx: Context) -> None:
    for _spec, sheet, col, values in ctx.present_columns():
        if col.references is None:
            continue
        target_name, target_col = col.references
        target = ctx.register.sheets.get(target_name)
        if target is None or target_col not in target.columns:
            continue
        keys = {v for v in target.columns[target_col].values if v is not None}
        keys.add(None)
        keys.add("")
        rule, template = _UNKNOWN.get(ctx.schema.sheet(target_name).id, _DEFAULT)
        for i in [i for i, v in enumerate(values) if v not in keys]:
            ctx.report(rule, template.format(col=col.name, v=show(values[i]),
                                            target=target_name),
                      sheet, i, col.name, values[i])


def _keys(ctx: Context) -> None:
    for _spec, sheet, col, values in ctx.present_columns():
        if not col.key or col.type == "id-number":
            continue
        rows = duplicate_rows(values, lambda v: v is not None and v != "")
        report_duplicates(ctx, sheet, col.name, rows, "duplicate-key",
                          f"{col.name}必须唯一,请给每一行不同的编号,或删除重复的行。")


def check_coverage(ctx: Context) -> None:
    _keys(ctx)
    _references(ctx)


__all__ = ["check_coverage"]
