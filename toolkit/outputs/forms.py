"""The workbook a township fills in (网格登记表.xlsx), generated from the schema and the county.

Everything comes from configuration: the sheets and columns from ``config.schema``, the
drop-downs of 乡镇 / 填报单位 and 村(社区) from ``config.county``, the hints on the tricky
columns from ``config.schema.rules``. Columns are recognised by their schema ``type`` and,
for the county lists and the rule hints, by their schema ``id`` (``township``, ``village``,
``arrival_date``, ``observation_start``, ``observation_end``), never by a hard-coded list.

``write_templates`` also writes the empty county master (全县汇总表.xlsx) through
``toolkit.outputs.master.write_empty_master``, which belongs to the night merge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..config.county import Config
from ..config.schema import ColumnSpec, Rules, SheetSpec
from ..errors import JobFailed, UsageError, os_reason
from ..files import replace_file
from ..width import display_width
from .master import write_empty_master

REGISTER_NAME = "网格登记表.xlsx"
MASTER_NAME = "全县汇总表.xlsx"
GUIDE_SHEET = "填表说明"
LIST_SHEET = "下拉选项"  # very hidden: long drop-down lists and the villages of each township

FORMAT_ROWS = 3000  # data rows whose cells carry the text/date format explicitly
LAST_ROW = 1048576  # validations and column formats reach the end of the sheet
TEXT = "@"
DATE_FORMAT = "yyyy-mm-dd"
INLINE_LIST_MAX = 250  # Excel refuses an inline list longer than 255 characters

TYPE_LABELS = {
    "text": "文字", "name": "姓名", "name-list": "姓名(多人用、分隔)", "int": "整数",
    "number": "数字", "date": "日期", "id-number": "身份证号(文本)", "phone": "电话(文本)",
    "enum": "下拉选择",
}

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
REQUIRED_FILL = PatternFill("solid", fgColor="1F4E78")
OPTIONAL_FILL = PatternFill("solid", fgColor="5B87B5")
HEADER_FONT = Font(name="宋体", bold=True, color="FFFFFF", size=11)
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
GUIDE_HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)


@dataclass
class TemplateResult:
    """What ``gridkit template`` wrote."""

    register: Path
    master: Path

    def to_dict(self) -> dict[str, Any]:
        return {"register": str(self.register), "master": str(self.master)}


def write_templates(config: Config, out_dir: str | Path) -> TemplateResult:
    """Write 网格登记表.xlsx and the empty 全县汇总表.xlsx into ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建文件夹 {out}:{os_reason(exc)},请换一个输出文件夹。"
                         ) from exc
    register = write_register_template(config, out / REGISTER_NAME)
    return TemplateResult(register=register,
                          master=write_empty_master(config, out / MASTER_NAME))


def write_register_template(config: Config, path: str | Path) -> Path:
    """Build the township register template and save it to ``path``."""
    p = Path(path)
    wb = build_register_template(config)
    try:
        replace_file(p, wb.save)
    except PermissionError as exc:
        raise JobFailed(f"无法写入 {p}:文件可能正在 Excel 中打开,请关闭后重试。") from exc
    except OSError as exc:
        raise JobFailed(f"无法写入 {p}:{os_reason(exc)},请检查文件夹后重试。") from exc
    return p


def build_register_template(config: Config) -> Workbook:
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    lists = _Lists(wb)
    for spec in config.schema.sheets:
        _data_sheet(wb.create_sheet(spec.name), spec, config, lists)
    _guide_sheet(guide, config, lists)
    wb.properties.title = f"{config.county.name}网格化管理登记表"
    wb.properties.creator = config.county.office or config.county.name
    if lists.sheet is not None:  # the hidden lists go last, after every data sheet
        wb.move_sheet(lists.sheet, offset=len(wb.sheetnames) - 1 - wb.index(lists.sheet))
    wb.active = 0
    return wb


# --- drop-down lists ---------------------------------------------------------------------


class _Lists:
    """Drop-down sources: short lists inline, long ones on a very hidden sheet as named
    ranges; the villages of each township as ``村_<乡镇>`` for a dependent drop-down."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.sheet: Worksheet | None = None
        self.columns = 0
        self.names: dict[tuple[str, ...], str] = {}

    def _column(self, name: str, values: tuple[str, ...]) -> str:
        if self.sheet is None:
            self.sheet = self.wb.create_sheet(LIST_SHEET)
            self.sheet.sheet_state = "veryHidden"
        self.columns += 1
        col = self.columns
        letter = get_column_letter(col)
        self.sheet.cell(1, col, name)
        for i, v in enumerate(values, start=2):
            self.sheet.cell(i, col, v).number_format = TEXT
        ref = f"{quote_sheetname(LIST_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        return name

    def source(self, values: tuple[str, ...]) -> str:
        """The ``formula1`` of a list validation offering ``values``."""
        inline = ",".join(values)
        if len(inline) <= INLINE_LIST_MAX and not any("," in v or '"' in v for v in values):
            return f'"{inline}"'
        if values not in self.names:
            self.names[values] = self._column(f"列表_{len(self.names) + 1}", values)
        return self.names[values]

    def villages(self, config: Config) -> bool:
        """Name the village list of every township that has one; True when any does."""
        any_listed = False
        for town in config.county.townships:
            if town.villages:
                self._column(village_range_name(town.name), town.villages)
                any_listed = True
        return any_listed


def village_range_name(township: str) -> str:
    return "村_" + "".join(ch if ch.isalnum() else "_" for ch in township)


# --- data sheets ---------------------------------------------------------------------------


def _data_sheet(ws: Worksheet, spec: SheetSpec, config: Config, lists: _Lists) -> None:
    township_col = next((c for c in spec.columns if c.id == "township"), None)
    letters = {c.id: get_column_letter(i) for i, c in enumerate(spec.columns, start=1)}
    village_lists = None
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(1, i, col.name)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.border = BORDER
        cell.alignment = CENTER
        ws.column_dimensions[letter].width = column_width(col, config.schema.rules)
        fmt = number_format(col)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
            for row in range(2, FORMAT_ROWS + 2):
                ws.cell(row, i).number_format = fmt
        if col.id == "village" and township_col is not None:
            if village_lists is None:
                village_lists = lists.villages(config)
            dv = _village_validation(letters[township_col.id], letter, village_lists)
        else:
            dv = _validation(col, letter, letters, config, lists)
        if dv is not None:
            dv.sqref = f"{letter}2:{letter}{LAST_ROW}"
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "A2"
    last = get_column_letter(len(spec.columns))
    ws.auto_filter.ref = f"A1:{last}1"
    _print_setup(ws, title_rows="1:1")


def column_width(col: ColumnSpec, rules: Rules) -> float:
    """A width that shows the header and a typical value (CJK characters count double)."""
    minimum = {"id-number": 21, "phone": 15, "date": 13, "name-list": 22, "name": 10,
               "text": 12, "int": 8, "number": 10, "enum": 8}.get(col.type, 10)
    if col.type == "name-list" and col.name in rules.grid_staffing:
        most = rules.grid_staffing[col.name][1]
        minimum = min(30, 4 + 7 * most)  # three-character names and a 、 each
    if col.type == "enum":
        minimum = max(display_width(v) for v in col.values) + 5  # room for the arrow
    if col.type == "text" and not (col.key or col.references):
        minimum = 18  # names of places, addresses, notes
    return float(min(40, max(minimum, display_width(col.name) + 4)))


def number_format(col: ColumnSpec) -> str | None:
    """Text for IDs, phones and the codes rows refer to; a date format for dates."""
    if col.type in ("id-number", "phone"):
        return TEXT
    if col.type == "text" and (col.key or col.references):
        return TEXT
    if col.type == "date":
        return DATE_FORMAT
    return None


def _excel_date(d: dt.date) -> str:
    return f"DATE({d.year},{d.month},{d.day})"


def _validation(col: ColumnSpec, letter: str, letters: dict[str, str], config: Config,
                lists: _Lists) -> DataValidation | None:
    rules = config.schema.rules
    hint = column_hint(col, rules)
    cell = f"{letter}2"
    dv: DataValidation | None = None
    if col.id == "township" and col.type == "text":
        dv = DataValidation(type="list", formula1=lists.source(config.county.township_names),
                            allow_blank=True)
        dv.error = f"请从下拉列表中选择{config.county.name}的乡镇。"
    elif col.type == "enum":
        dv = DataValidation(type="list", formula1=lists.source(col.values), allow_blank=True)
        dv.error = f"只能填写:{'、'.join(col.values)}。请从下拉列表中选择。"
    elif col.type == "date":
        if col.id == "arrival_date":
            dv = DataValidation(type="date", operator="greaterThanOrEqual",
                                formula1=_excel_date(rules.cutoff_date), allow_blank=True)
            dv.error = (f"抵达日期应不早于{_cn_date(rules.cutoff_date)},"
                        "请写成 2020-02-04 这样的日期。")
        elif col.id == "observation_end" and "observation_start" in letters:
            start = f"{letters['observation_start']}2"
            dv = DataValidation(
                type="custom", allow_blank=True,
                formula1=f'AND(ISNUMBER({cell}),OR({start}="",{cell}>={start}'
                         f"+{rules.observation_days}))")
            dv.error = (f"请写成日期;医学观察满{rules.observation_days}天后才能解除,"
                        "解除日期不能早于起始日期加观察天数。")
        else:
            dv = DataValidation(type="date", operator="greaterThanOrEqual",
                                formula1=_excel_date(dt.date(1900, 1, 1)), allow_blank=True)
            dv.error = "请填写日期,如 2020-02-04。"
    elif col.type in ("int", "number"):
        kind = "whole" if col.type == "int" else "decimal"
        low = col.min if col.min is not None else -1e9
        dv = DataValidation(type=kind, operator="greaterThanOrEqual",
                            formula1=_num(low), allow_blank=True)
        what = "整数" if col.type == "int" else "数字"
        dv.error = (f"请填写不小于{_num(low)}的{what}。" if col.min is not None
                    else f"请填写{what}。")
    elif col.type == "id-number":
        dv = DataValidation(type="custom", allow_blank=True,
                            formula1=f"OR(LEN({cell})=18,LEN({cell})=15)")
        dv.error = "身份证号应为18位(末位可为X),请核对后重新输入。"
    elif hint:
        dv = DataValidation(allow_blank=True)  # type "any": only the input message
    if dv is None:
        return None
    dv.showErrorMessage = dv.type is not None
    dv.errorStyle = "stop"
    dv.errorTitle = f"{col.name}填写有误"[:32]
    if dv.error:
        dv.error = dv.error[:225]  # Excel's limit for an error message
    if hint:
        dv.showInputMessage = True
        dv.promptTitle = col.name[:32]
        dv.prompt = hint[:250]
    return dv


def _village_validation(township_letter: str, letter: str, any_listed: bool
                        ) -> DataValidation | None:
    prompt = "填写村(社区)全称。"
    if not any_listed:
        dv = DataValidation(allow_blank=True)
    else:
        # a dependent drop-down: the villages of the township in this row's 乡镇 cell; a
        # township without a list has no such name and then any entry is accepted
        dv = DataValidation(type="list", allow_blank=True,
                            formula1=f'INDIRECT("村_"&${township_letter}2)')
        dv.showErrorMessage = True
        dv.errorStyle = "stop"
        dv.errorTitle = "村(社区)填写有误"
        dv.error = "该村(社区)不在本乡镇的名单中,请先填乡镇,再从下拉列表中选择。"
        prompt = "先填本行的乡镇,再从下拉列表中选择村(社区)。"
    dv.showInputMessage = True
    dv.promptTitle = "村(社区)"
    dv.prompt = prompt
    return dv


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def column_hint(col: ColumnSpec, rules: Rules) -> str:
    """The input message of a tricky column (empty for a plain one)."""
    parts: list[str] = []
    if col.help:
        parts.append(col.help)
    if col.type == "id-number":
        if not col.help:
            parts.append("18位身份证号,本列已设为文本格式,请直接输入。")
        parts.append("末位可为X;不要粘贴数字格式的号码,否则会显示成5.30629E+17并丢掉后三位。")
    elif col.type == "phone":
        parts.append("11位手机号,或带区号的固定电话(如0870-2158276)。本列为文本格式。")
    elif col.type == "name-list" and not col.help:
        low, high = rules.grid_staffing.get(col.name, (0, 0))
        count = "" if not high else (f"{low}名" if low == high else f"{low}至{high}名")
        parts.append(f"填写{count}姓名" + (",多人之间用顿号(、)分隔。" if high != 1 else "。"))
    elif col.id == "arrival_date":
        parts.append(f"到达本县的日期,应在{_cn_date(rules.cutoff_date)}以后,"
                     "写成2020-02-04。")
    elif col.id == "observation_start":
        measures = "、".join(rules.managed_measures)
        parts.append(f"开始{measures}的日期,这些人员必填;"
                     f"医学观察{rules.observation_days}天。")
    elif col.id == "observation_end":
        parts.append(f"解除观察的日期,不早于起始日期后{rules.observation_days}天;"
                     "尚未解除的不填。")
    return "".join(parts)


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows


# --- 填表说明 ------------------------------------------------------------------------------

GUIDE_HEADER = ("工作表", "列名", "类型", "必填", "可选值", "填写要求", "也可写作")
GUIDE_WIDTHS = (12, 18, 20, 6, 30, 60, 30)
LINE_HEIGHT = 15  # points per line of 11-point CJK text


def row_height(texts: list[tuple[str, float]]) -> float:
    """The height that shows every wrapped ``(text, column width)`` of a row (openpyxl
    cannot autofit, and Excel does not refit rows it opens)."""
    lines = 1
    for text, width in texts:
        usable = max(1.0, width - 1.5)
        lines = max(lines, -(-display_width(text) // int(usable)))
    return float(LINE_HEIGHT * lines + 4)


def type_label(col: ColumnSpec, rules: Rules) -> str:
    """The 类型 a township reads in the guide."""
    if col.type == "name-list" and rules.grid_staffing.get(col.name, (0, 0))[1] == 1:
        return TYPE_LABELS["name"]  # one person only
    return TYPE_LABELS.get(col.type, col.type)


def column_requirements(col: ColumnSpec, sheet: SheetSpec, rules: Rules) -> str:
    """The 填写要求 text of a column in the guide."""
    parts = [column_hint(col, rules)] if column_hint(col, rules) else []
    if col.min is not None:
        parts.append("不能为负数。" if col.min == 0 else f"不小于{_num(col.min)}。")
    if col.key:
        parts.append("本表内不能重复。")
    if col.unique:
        parts.append("同一人不能登记两次。")
    if col.references:
        s, c = col.references
        parts.append(f"必须是「{s}」表中已登记的{c}。")
    return "".join(parts)


def _guide_sheet(ws: Worksheet, config: Config, lists: _Lists) -> None:
    county, rules = config.county, config.schema.rules
    ncols = len(GUIDE_HEADER)
    last = get_column_letter(ncols)
    ws.cell(1, 1, f"{county.name}网格化管理登记表 填表说明").font = Font(bold=True, size=16)
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    staffing = "、".join(
        f"{role}{lo}名" if lo == hi else f"{role}{lo}至{hi}名"
        for role, (lo, hi) in rules.grid_staffing.items())
    first = county.townships[0].name
    text_columns = "、".join(dict.fromkeys(
        c.name for s in config.schema.sheets for c in s.columns if number_format(c) == TEXT))
    office = county.office or f"{county.name}疫情防控指挥部办公室"
    notes = [
        f"1. 每个乡镇每天填写一份,于当晚{county.deadline:%H:%M}前报送{office};"
        f"文件名写成“乡镇名_日期.xlsx”,如 {first}_20200204.xlsx。登记表逐日累计,"
        "每天报送到当天为止的全部记录。",
        "2. 不要改动工作表名称和每张表第一行的列名;深蓝色表头的列必须填写,浅蓝色的可不填。"
        "从第2行起每行一条记录,不要插入标题行、合计行或空行。",
        f"3. {text_columns}等列已设为文本格式,请直接输入。"
        "从别的表格复制时请用“选择性粘贴→数值”,以免覆盖本表的格式和下拉列表;"
        "身份证号若显示成5.30629E+17,后三位已经丢失,只能重新录入。",
        "4. 带下拉箭头的列请从下拉列表中选择;日期写成2020-02-04;多个姓名之间用顿号(、)分隔。",
        f"5. 每个网格:{staffing};联防队不少于{rules.joint_defence_min}人。"
        f"排查{_cn_date(rules.cutoff_date)}以后到达本县的人员;医学观察{rules.observation_days}天;"
        f"卡点每天{'、'.join(rules.shifts)}{len(rules.shifts)}个班次都要登记。",
    ]
    row = 2
    for text in notes:
        ws.cell(row, 1, text).alignment = WRAP
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = row_height([(text, sum(GUIDE_WIDTHS))])
        row += 1
    row += 1
    for i, (title, width) in enumerate(zip(GUIDE_HEADER, GUIDE_WIDTHS, strict=True), start=1):
        c = ws.cell(row, i, title)
        c.font, c.fill, c.border, c.alignment = HEADER_FONT, GUIDE_HEAD_FILL, BORDER, CENTER
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = row
    for spec in config.schema.sheets:
        row += 1
        ws.cell(row, 1, spec.name).font = Font(bold=True)
        text = spec.description + ("" if spec.required else "(可不填)")
        ws.cell(row, 2, text).alignment = WRAP
        ws.merge_cells(f"B{row}:{last}{row}")
        ws.row_dimensions[row].height = row_height([(text, sum(GUIDE_WIDTHS[1:]))])
        for i in range(1, ncols + 1):
            ws.cell(row, i).fill = SECTION_FILL
            ws.cell(row, i).border = BORDER
        for col in spec.columns:
            row += 1
            values = "、".join(col.values)
            if col.id == "township":
                values = "、".join(county.township_names)
            elif col.id == "village" and any(t.villages for t in county.townships):
                values = "按乡镇从下拉列表选择(见县配置)"
            cells = (spec.name, col.name, type_label(col, rules),
                     "是" if col.required else "", values,
                     column_requirements(col, spec, rules), "、".join(col.aliases))
            for i, v in enumerate(cells, start=1):
                c = ws.cell(row, i, v)
                c.border = BORDER
                c.alignment = CENTER if i in (3, 4) else WRAP
            ws.row_dimensions[row].height = row_height(
                list(zip(cells, GUIDE_WIDTHS, strict=True)))
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, title_rows=f"{header_row}:{header_row}")
