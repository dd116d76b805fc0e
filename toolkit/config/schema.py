"""The register schema: sheets, columns, aliases, types and rule parameters, from TOML.

The schema is configuration (``toolkit/data/schema.toml`` is the built-in one). Loading
validates it and raises :class:`~toolkit.errors.ConfigError` naming the file, key and reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, os_reason
from .toml import TomlReader, builtin_text, parse_toml, read_toml_text

DEFAULT_IGNORE_SHEETS = ("填表说明", "说明", "下拉选项", "检查结果", "gridkit标记", "操作按钮",
                         "xlwings.conf", "_xlwings.conf")
DEFAULT_SYNONYMS = (("身份证件号", "身份证号"), ("号码", "号"), ("证件号", "身份证号"),
                    ("手机号", "电话"), ("手机", "电话"), ("联系方式", "电话"),
                    ("电话号", "电话"), ("时间", "日期"))
DEFAULT_FOOTER_LABELS = ("填表人", "填报人", "制表人", "审核人", "审核", "负责人", "单位负责人",
                         "分管领导", "主要领导", "联系电话", "电话", "联系人", "填报单位",
                         "报送单位", "填报日期", "报送日期", "填表日期", "制表日期", "日期",
                         "注", "备注", "说明", "签字", "盖章")
DEFAULT_TITLE_WORDS = ("登记表", "统计表", "汇总表", "情况表", "一览表", "花名册", "台账",
                       "明细表", "名单", "信息表", "报表", "登记册")
DEFAULT_UNITS = ("辆次", "人次", "户次", "公斤", "千克", "人", "户", "口", "名", "个", "份", "条",
                 "辆", "次", "支", "处", "台", "套", "件", "箱", "袋", "瓶", "盒", "包", "副",
                 "双", "张", "只", "顶", "桶", "斤", "元", "天", "场", "块", "幅", "期", "批")
DEFAULT_PLACEHOLDERS = ("/", "\\", "无", "—", "——", "-", "--", "–", "空", "暂无", "N/A", "n/a")
NONE_MEANINGS = ("zero", "empty")
SHEET_LAYOUTS = ("table", "cover")

COLUMN_TYPES = frozenset(
    {"text", "name", "name-list", "int", "number", "date", "id-number", "phone", "enum"}
)

_FOLD = str.maketrans({"(": "(", ")": ")", "/": "/", "\u3000": "", " ": "", "\n": "", "*": ""})


def fold_header(text: object) -> str:
    """The form in which headers and sheet names are compared: no spaces, no line breaks,
    no required-marker ``*``, half-width brackets and slash."""
    return str(text).translate(_FOLD).strip()


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    id: str
    type: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    key: bool = False
    unique: bool = False
    references: tuple[str, str] | None = None  # (sheet, column)
    values: tuple[str, ...] = ()
    min: float | None = None
    help: str = ""
    # what '/', '无', '—' … mean in this column: "zero" (a count) or "empty"
    none_is: str = "empty"

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class SheetSpec:
    name: str
    id: str
    columns: tuple[ColumnSpec, ...]
    aliases: tuple[str, ...] = ()
    required: bool = True
    description: str = ""
    layout: str = "table"  # "table": a header row and a row per record; "cover": a form

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def is_cover(self) -> bool:
        return self.layout == "cover"

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name}")

    def match_column(self, header: object) -> ColumnSpec | None:
        """The column a header text means, through the canonical name or an alias."""
        folded = fold_header(header)
        if not folded:
            return None
        for col in self.columns:
            if any(fold_header(n) == folded for n in col.names):
                return col
        return None


@dataclass(frozen=True)
class Rules:
    cutoff_date: dt.date
    observation_days: int
    joint_defence_min: int
    shifts: tuple[str, ...]
    managed_measures: tuple[str, ...]
    released_measure: str
    unmanaged_measure: str
    symptoms: tuple[str, ...]
    total_markers: tuple[str, ...]
    grid_staffing: dict[str, tuple[int, int]] = field(default_factory=dict)
    history: HistoryRules = field(default_factory=lambda: HistoryRules())


@dataclass(frozen=True)
class HistoryRules:
    """``[rules.history]``: the checks of a township's register against its earlier nights
    (every key optional; these are the defaults)."""

    # sheets whose rows must still be there the next night (by ID number, else by key)
    kept_sheets: tuple[str, ...] = ("screening", "households", "grids")
    # columns of a person's row that do not change from night to night
    fixed_columns: tuple[str, ...] = ("arrival_date", "observation_start")
    jump_nights: int = 7  # the nights a day's new rows are compared with
    jump_min_nights: int = 4  # fewer nights of history: no jump check
    jump_threshold: float = 3.5  # modified z-score (0.6745 x distance / MAD) above which
    stale_nights: int = 14  # an earlier file sent again is looked for this far back
    # a day's figures whose jumps are warned (ids of DAILY_FIGURES), on the same bound
    jump_figures: tuple[str, ...] = ("new_arrivals", "under_management", "fever",
                                     "checkpoint_persons", "checkpoint_vehicles")


# a township's figures of one night that the checks across nights follow: id -> (what it
# is in words, unit)
DAILY_FIGURES: dict[str, tuple[str, str]] = {
    "new_arrivals": ("当日新抵达人员", "人"),
    "under_management": ("在管人数", "人"),
    "fever": ("卡点体温异常人数", "人"),
    "checkpoint_persons": ("卡点检查人员", "人次"),
    "checkpoint_vehicles": ("卡点检查车辆", "辆次"),
}


@dataclass(frozen=True)
class ReadingRules:
    """The words the reader knows rows and cells by (``[reading]`` in schema.toml)."""

    ignore_sheets: tuple[str, ...] = DEFAULT_IGNORE_SHEETS
    header_scan_rows: int = 30
    header_synonyms: tuple[tuple[str, str], ...] = DEFAULT_SYNONYMS
    footer_labels: tuple[str, ...] = DEFAULT_FOOTER_LABELS
    title_words: tuple[str, ...] = DEFAULT_TITLE_WORDS
    units: tuple[str, ...] = DEFAULT_UNITS
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS


@dataclass(frozen=True)
class Schema:
    sheets: tuple[SheetSpec, ...]
    rules: Rules
    source: str = "<built-in>"
    reading: ReadingRules = field(default_factory=lambda: ReadingRules())

    def sheet(self, name: str) -> SheetSpec:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(f"the schema has no sheet {name}")

    def sheet_by_id(self, sheet_id: str) -> SheetSpec:
        for sheet in self.sheets:
            if sheet.id == sheet_id:
                return sheet
        raise KeyError(f"the schema has no sheet with id {sheet_id}")

    def match_sheet(self, sheet_name: object) -> SheetSpec | None:
        folded = fold_header(sheet_name)
        for sheet in self.sheets:
            if any(fold_header(n) == folded for n in sheet.names):
                return sheet
        return None


BUILTIN_SCHEMA = "schema.toml"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _layout(r: TomlReader, sheet_t: dict[str, Any], where: str) -> str:
    layout: str = r.get(sheet_t, "layout", where, str, "table")
    if layout not in SHEET_LAYOUTS:
        raise r.fail(f"{where}.layout", "只能是 \"table\"(表格)或 \"cover\"(填报信息表单)")
    return layout


def _history(r: TomlReader, t: dict[str, Any]) -> HistoryRules:
    d = HistoryRules()
    where = "rules.history"
    out = HistoryRules(
        kept_sheets=r.strings(t, "kept_sheets", where, d.kept_sheets),
        fixed_columns=r.strings(t, "fixed_columns", where, d.fixed_columns),
        jump_nights=r.get(t, "jump_nights", where, int, d.jump_nights),
        jump_min_nights=r.get(t, "jump_min_nights", where, int, d.jump_min_nights),
        jump_threshold=float(r.get(t, "jump_threshold", where, (int, float),
                                   d.jump_threshold)),
        stale_nights=r.get(t, "stale_nights", where, int, d.stale_nights),
        jump_figures=r.strings(t, "jump_figures", where, d.jump_figures),
    )
    unknown = [f for f in out.jump_figures if f not in DAILY_FIGURES]
    if unknown:
        raise r.fail(f"{where}.jump_figures", f"“{unknown[0]}”不是可比较的数字,可写:"
                     + "、".join(DAILY_FIGURES))
    if not 2 <= out.jump_min_nights <= out.jump_nights:
        raise r.fail(f"{where}.jump_min_nights", "应为 2 到 jump_nights 之间的整数")
    if out.jump_threshold <= 0:
        raise r.fail(f"{where}.jump_threshold", "应大于 0")
    return out


def _reading(r: TomlReader, t: dict[str, Any]) -> ReadingRules:
    """The ``[reading]`` table; every key optional (the defaults above)."""
    d = ReadingRules()
    pairs = r.get(t, "header_synonyms", "reading", list, None)
    synonyms = d.header_synonyms
    if pairs is not None:
        if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and x
                                                               for x in p) for p in pairs):
            raise r.fail("reading.header_synonyms", "每一项应写成 [\"原词\", \"替换为\"]")
        synonyms = tuple((a, b) for a, b in pairs)
    scan = r.get(t, "header_scan_rows", "reading", int, d.header_scan_rows)
    if not 1 <= scan <= 200:
        raise r.fail("reading.header_scan_rows", "应为 1 到 200 之间的整数")
    return ReadingRules(
        ignore_sheets=r.strings(t, "ignore_sheets", "reading", d.ignore_sheets),
        header_scan_rows=scan,
        header_synonyms=synonyms,
        footer_labels=r.strings(t, "footer_labels", "reading", d.footer_labels),
        title_words=r.strings(t, "title_words", "reading", d.title_words),
        units=r.strings(t, "units", "reading", d.units),
        placeholders=r.strings(t, "placeholders", "reading", d.placeholders),
    )


def load_schema(path: str | Path | None = None) -> Schema:
    """Load and validate a schema TOML; ``None`` loads the built-in one."""
    if path is None:
        source, text = "<内置 schema.toml>", builtin_text(BUILTIN_SCHEMA)
    else:
        source = str(path)
        try:
            text = read_toml_text(Path(path), source)
        except OSError as exc:
            raise ConfigError(f"无法读取配置文件 {source}:"
                              f"{os_reason(exc)},请检查配置中 schema 的路径。"
                              ) from exc
    return schema_from_dict(parse_toml(text, source), source)


def schema_from_dict(data: dict[str, Any], source: str) -> Schema:
    r = TomlReader(source)
    rules_t = r.get(data, "rules", "", dict)
    staffing_t = r.get(rules_t, "grid_staffing", "rules", dict)
    staffing: dict[str, tuple[int, int]] = {}
    for role, bounds in staffing_t.items():
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
                or bounds[0] > bounds[1] or bounds[0] < 0):
            raise r.fail(f"rules.grid_staffing.{role}", "应为 [最少, 最多] 两个整数")
        staffing[role] = (bounds[0], bounds[1])
    cutoff = r.get(rules_t, "cutoff_date", "rules", dt.date)
    if isinstance(cutoff, dt.datetime):
        cutoff = cutoff.date()
    rules = Rules(
        cutoff_date=cutoff,
        observation_days=r.get(rules_t, "observation_days", "rules", int),
        joint_defence_min=r.get(rules_t, "joint_defence_min", "rules", int),
        shifts=r.strings(rules_t, "shifts", "rules"),
        managed_measures=r.strings(rules_t, "managed_measures", "rules"),
        released_measure=r.get(rules_t, "released_measure", "rules", str),
        unmanaged_measure=r.get(rules_t, "unmanaged_measure", "rules", str),
        symptoms=r.strings(rules_t, "symptoms", "rules"),
        total_markers=r.strings(rules_t, "total_markers", "rules", ("合计", "小计", "总计")),
        grid_staffing=staffing,
        history=_history(r, r.get(rules_t, "history", "rules", dict, {})),
    )
    if rules.observation_days <= 0:
        raise r.fail("rules.observation_days", "应为正整数")

    sheets: list[SheetSpec] = []
    for place, sheet_t in r.tables(data, "sheets", ""):
        name = r.get(sheet_t, "name", place, str)
        where = f"{place}({name})"
        sheet_id = r.get(sheet_t, "id", where, str)
        if not _ID_RE.match(sheet_id):
            raise r.fail(f"{where}.id", "只能用小写英文字母、数字和下划线")
        columns: list[ColumnSpec] = []
        for cplace, col_t in r.tables(sheet_t, "columns", where):
            cname = r.get(col_t, "name", cplace, str)
            cwhere = f"{cplace}({cname})"
            ctype = r.get(col_t, "type", cwhere, str)
            if ctype not in COLUMN_TYPES:
                known = "、".join(sorted(COLUMN_TYPES))
                raise r.fail(f"{cwhere}.type", f"未知类型 {ctype!r},可用:{known}")
            values = r.strings(col_t, "values", cwhere, ())
            if ctype == "enum" and not values:
                raise r.fail(f"{cwhere}.values", "enum 类型必须列出允许的值")
            ref = r.get(col_t, "references", cwhere, str, None)
            ref_pair: tuple[str, str] | None = None
            if ref is not None:
                if "." not in ref:
                    raise r.fail(f"{cwhere}.references", "应写成 \"工作表.列名\"")
                s, c = ref.split(".", 1)
                ref_pair = (s, c)
            cid = r.get(col_t, "id", cwhere, str)
            if not _ID_RE.match(cid):
                raise r.fail(f"{cwhere}.id", "只能用小写英文字母、数字和下划线")
            minimum = r.get(col_t, "min", cwhere, (int, float), None)
            none_is = r.get(col_t, "none_is", cwhere, str,
                            "zero" if ctype in ("int", "number") else "empty")
            if none_is not in NONE_MEANINGS:
                raise r.fail(f"{cwhere}.none_is", "只能是 \"zero\"(当作0)或 \"empty\"(当作空)")
            columns.append(ColumnSpec(
                name=cname, id=cid, type=ctype,
                aliases=r.strings(col_t, "aliases", cwhere, ()),
                required=r.get(col_t, "required", cwhere, bool, False),
                key=r.get(col_t, "key", cwhere, bool, False),
                unique=r.get(col_t, "unique", cwhere, bool, False),
                references=ref_pair, values=values,
                min=None if minimum is None else float(minimum),
                help=r.get(col_t, "help", cwhere, str, ""),
                none_is=none_is,
            ))
        if len({c.name for c in columns}) != len(columns):
            raise r.fail(where, "列名重复")
        if len({c.id for c in columns}) != len(columns):
            raise r.fail(where, "列的 id 重复")
        sheets.append(SheetSpec(
            name=name, id=sheet_id, columns=tuple(columns),
            aliases=r.strings(sheet_t, "aliases", where, ()),
            required=r.get(sheet_t, "required", where, bool, True),
            description=r.get(sheet_t, "description", where, str, ""),
            layout=_layout(r, sheet_t, where),
        ))
    schema = Schema(sheets=tuple(sheets), rules=rules, source=source,
                    reading=_reading(r, r.get(data, "reading", "", dict, {})))
    if len({s.name for s in sheets}) != len(sheets) or len({s.id for s in sheets}) != len(sheets):
        raise r.fail("sheets", "工作表名或 id 重复")
    for sheet in sheets:
        for col in sheet.columns:
            if col.references:
                s, c = col.references
                try:
                    target = schema.sheet(s).column(c)
                except KeyError:
                    raise r.fail(f"{sheet.name}.{col.name}.references",
                                 f"引用的 {s}.{c} 不存在") from None
                if not target.key:
                    raise r.fail(f"{sheet.name}.{col.name}.references",
                                 f"引用的 {s}.{c} 不是 key 列")
    for role in staffing:
        try:
            schema.sheet_by_id("grids").column(role)
        except KeyError:
            raise r.fail(f"rules.grid_staffing.{role}", "网格工作表中没有这一列") from None
    return schema
