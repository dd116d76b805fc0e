"""The formatted report workbook 疫情防控工作日报_YYYYMMDD.xlsx (xlsxwriter).

Sheets: 日报 (title, completeness, county figures with the day-over-day change, the trend
chart), 乡镇情况 (one row per township and the county), 报送情况, 较上日变化, 趋势 (the chart's
data), 问题清单 (open problems by township, personal data already masked). Every sheet is set
up for printing: A4 landscape, fit to one page wide, header rows repeated, margins, page
numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...files import replace_file
from ...findings import ERROR, SEVERITY_TEXT, WARNING, display_value
from ...store.records import LATE, MISSING, REJECTED, STATUS_WORDS, TO_FIX
from ...width import display_width
from ..wording import cn_date, hm, md
from .data import HISTORY_NIGHTS, TOTAL

if TYPE_CHECKING:
    from ...config.county import Config
    from .data import ReportData
    from .document import Document

# (label, TownshipFigures attribute, unit) of the county figures, in report order
METRICS: tuple[tuple[str, str, str], ...] = (
    ("网格", "grids", "个"), ("包保住户", "households", "户"), ("住户人口", "persons", "人"),
    ("排查登记", "screened", "人"), ("其中湖北来人员", "from_hubei", "人"),
    ("有接触史", "with_contact", "人"), ("有症状", "symptomatic", "人"),
    ("在管人数", "under_management", "人"), ("累计解除观察", "released", "人"),
    ("当日抵达", "new_arrivals", "人"),
    ("卡点", "checkpoints", "个"), ("值守班次", "checkpoint_shifts", "班"),
    ("值守人次", "checkpoint_staff", "人次"),
    ("值守人员中党员", "checkpoint_party_members", "人次"),
    ("检查车辆", "vehicles_checked", "辆次"), ("检查人员", "persons_checked", "人次"),
    ("卡点体温异常", "fever_at_checkpoints", "人"),
    ("各类队伍", "teams", "支"), ("队伍人数", "team_members", "人"),
    ("队员中党员", "team_party_members", "名"),
    ("党员志愿服务队、先锋队", "volunteer_teams", "支"),
    ("联防队", "defence_teams", "支"), ("联防队员", "defence_members", "人"),
    ("联防队员中党员", "defence_party_members", "名"),
    ("宣传资料", "leaflets", "份"), ("标语横幅", "banners", "条"),
    ("宣传车", "propaganda_vehicles", "辆次"), ("摩托车", "motorcycles", "辆次"),
    ("应急广播", "broadcasts", "次"), ("取消宴席聚会", "cancelled_banquets", "户"),
    ("捐赠", "donations", "笔"), ("捐赠折合金额", "donation_amount", "元"),
)
# columns of 乡镇情况 (a subset that fits one landscape page)
TOWNSHIP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("网格\n(个)", "grids"), ("住户\n(户)", "households"), ("排查登记\n(人)", "screened"),
    ("湖北来威\n(人)", "from_hubei"), ("在管\n(人)", "under_management"),
    ("累计解除\n观察(人)", "released"), ("当日抵达\n(人)", "new_arrivals"),
    ("卡点\n(个)", "checkpoints"), ("值守\n(人次)", "checkpoint_staff"),
    ("队伍\n(支)", "teams"), ("联防队\n(支)", "defence_teams"),
    ("宣传资料\n(份)", "leaflets"), ("标语横幅\n(条)", "banners"),
    ("捐赠金额\n(元)", "donation_amount"), (SEVERITY_TEXT[ERROR] + "\n(处)", "errors"),
    (SEVERITY_TEXT[WARNING] + "\n(处)", "warnings"),
)
CHANGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("当日抵达(人)", "new_arrivals"), ("排查登记较上日(人)", "screened"),
    ("在管人数较上日(人)", "under_management"), ("解除观察较上日(人)", "released"),
    ("新发现问题(处)", "problems"),
)
MESSAGE_WIDTH = 44  # column width of 问题 in 问题清单
CHART_FIELD = "under_management"  # the trend chart: persons under management, in 人
TREND_DAYS = 14
SIGNED = "+#,##0;-#,##0;0"  # a change always shows its sign
SERIES_LABELS = {"under_management": "在管人数", "screened": "排查登记", "released": "解除观察",
                 "from_hubei": "湖北来人员", "new_arrivals": "当日抵达"}


def title_of(config: Config, night: dt.date) -> str:
    return f"{config.county.name}疫情防控工作日报"


def write_workbook(config: Config, data: ReportData, path: Path,
                   *, generated_at: dt.datetime, doc: Document | None = None) -> Path:
    """Write the report workbook atomically (aside, then replace). ``doc`` is the briefing
    as rendered: its 存在问题 and 下步工作 go on the 日报 sheet word for word."""
    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {"remove_timezone": True,
                                            "strings_to_formulas": False})
        try:
            _Writer(wb, config, data, generated_at, doc).write()
        finally:
            wb.close()
    return replace_file(path, write)


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook, config: Config, data: ReportData,
                 generated_at: dt.datetime, doc: Document | None) -> None:
        self.wb, self.config, self.data, self.generated_at = wb, config, data, generated_at
        self.doc = doc
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        self.f_title = wb.add_format({**base, "bold": True, "font_size": 18, "align": "center"})
        self.f_sub = wb.add_format({**base, "align": "center"})
        self.f_head = wb.add_format({**base, "bold": True, "border": 1, "align": "center",
                                     "text_wrap": True, "bg_color": "#DDEBF7"})
        self.f_text = wb.add_format({**base, "border": 1})
        self.f_wrap = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.f_int = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.f_money = wb.add_format({**base, "border": 1, "num_format": "#,##0.00"})
        self.f_pct = wb.add_format({**base, "border": 1, "num_format": "0.0%"})
        self.f_date = wb.add_format({**base, "border": 1, "num_format": "m月d日"})
        self.f_time = wb.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        self.f_total = wb.add_format({**base, "border": 1, "bold": True, "num_format": "#,##0",
                                      "bg_color": "#F2F2F2"})
        self.f_bad = wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True})
        self.f_late = wb.add_format({**base, "border": 1, "font_color": "#B45F06"})
        self.f_note = wb.add_format({**base, "italic": True, "font_color": "#595959"})
        self.f_section = wb.add_format({**base, "bold": True, "font_size": 12})
        self.f_signed = wb.add_format({**base, "border": 1, "num_format": SIGNED})
        self.f_flag = wb.add_format({**base, "border": 1, "font_color": "#C00000",
                                     "text_wrap": True})
        self.f_masthead = wb.add_format({**base, "bold": True, "font_size": 20,
                                         "align": "center", "font_color": "#C00000"})
        self.f_rule = wb.add_format({**base, "align": "center", "bottom": 2,
                                     "bottom_color": "#C00000"})
        self.f_para = wb.add_format({**base, "text_wrap": True, "valign": "top"})

    # ---------------------------------------------------------------- helpers
    def _sheet(self, name: str, header_row: int | None, widths: Sequence[float], *,
               portrait: bool = False) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        if portrait:
            ws.set_portrait()
        else:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        if header_row is not None:
            ws.repeat_rows(0, header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        ws.center_horizontally()
        if not portrait:  # the 日报 page carries its own masthead
            ws.set_header(f"&L{self.config.county.office}&R{cn_date(self.data.night.date)}")
        ws.set_footer("&C第 &P 页，共 &N 页")
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        return ws

    def _title(self, ws: Worksheet, text: str, ncols: int) -> None:
        d = self.data.night.date
        ws.merge_range(0, 0, 0, ncols - 1, text, self.f_title)
        ws.merge_range(1, 0, 1, ncols - 1,
                       f"{d.year}年{d.month}月{d.day}日  {self.config.county.office}  "
                       f"(生成于 {self.generated_at:%Y-%m-%d %H:%M})", self.f_sub)
        ws.set_row(0, 30)

    def _header(self, ws: Worksheet, row: int, labels: list[str]) -> None:
        for j, label in enumerate(labels):
            ws.write_string(row, j, label, self.f_head)

    def _num(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
        if value is None:
            ws.write_string(row, col, "—", self.f_text)
        elif isinstance(value, float) and not value.is_integer():
            ws.write_number(row, col, value, fmt or self.f_money)
        else:
            ws.write_number(row, col, value, fmt or self.f_int)

    # ---------------------------------------------------------------- sheets
    def write(self) -> None:
        self._summary()
        self._townships()
        self._completeness()
        self._timeliness()
        self._changes()
        self._trend_data()
        self._problems()
        self.wb.set_properties({"title": title_of(self.config, self.data.night.date),
                                "author": self.config.county.office})

    def _summary(self) -> None:
        n, total, county = self.data.night, self.data.night.total, self.config.county
        ws = self._sheet("日报", None, [24, 13, 7, 11, 34], portrait=True)
        self.summary_sheet = ws
        ws.merge_range(0, 0, 0, 4, title_of(self.config, n.date), self.f_masthead)
        ws.set_row(0, 36)
        ws.merge_range(1, 0, 1, 4, f"第{self.data.issue}期", self.f_sub)
        ws.merge_range(2, 0, 2, 4, f"{county.office}　　{cn_date(n.date)}"
                       f"（数据截至{md(n.date)}{hm(county.deadline)}）", self.f_rule)
        ws.merge_range(3, 0, 3, 4, n.status_sentence, self.f_para)
        ws.set_row(3, 34)
        self._header(ws, 5, ["指标", "全县", "单位", "较上日", "说明"])
        prev = self.data.previous.total if self.data.previous else None
        falling = {f.figure: f for f in self.data.falling if f.township == TOTAL}
        towns: dict[str, list[str]] = {}
        for f in self.data.falling:
            if f.township != TOTAL:
                towns.setdefault(f.figure, []).append(f.township)
        row = 6
        for label, attr, unit in METRICS:
            value = getattr(total, attr)
            ws.write_string(row, 0, label, self.f_text)
            self._num(ws, row, 1, value)
            ws.write_string(row, 2, unit, self.f_text)
            if prev is None or attr == "new_arrivals":
                ws.write_string(row, 3, "—", self.f_text)
            else:
                ws.write_number(row, 3, value - getattr(prev, attr), self.f_signed)
            note = ""
            if attr in falling or attr in towns:
                where = towns.get(attr, [])
                note = "累计数减少，请核实" + (
                    "" if not where else "：" + "、".join(where[:2])
                    + (f"等{len(where)}个乡镇" if len(where) > 2 else ""))
            ws.write_string(row, 4, note, self.f_flag if note else self.f_text)
            row += 1
        ws.write_string(row, 0, "“较上日”为与上一晚汇总相比的增减；当日抵达为当日新抵人数。"
                        if prev is not None else "无上一晚的汇总数据，暂不比较。", self.f_note)
        row += 1
        ws.set_h_pagebreaks([row])  # the chart and the text on a page of their own
        self.chart_anchor = (row, 0)
        row += 19  # the chart's height in rows
        for section in (self.doc.sections if self.doc else []):
            if not section.title.split("、", 1)[-1].startswith(("存在问题", "下步工作")):
                continue
            ws.merge_range(row, 0, row, 4, section.title, self.f_section)
            row += 1
            for para in section.paragraphs:
                ws.merge_range(row, 0, row, 4, para, self.f_para)
                ws.set_row(row, 17 * max(1, -(-display_width(para) // 80)))
                row += 1
        ws.merge_range(row + 1, 0, row + 1, 4, f"{county.office}　{cn_date(n.date)}",
                       self.wb.add_format({"font_name": "宋体", "align": "right"}))
        ws.freeze_panes(6, 0)

    def _townships(self) -> None:
        n = self.data.night
        labels = ["乡镇", "报送"] + [label for label, _ in TOWNSHIP_COLUMNS]
        # 18 columns on one A4 landscape page at a readable size (above 8 pt): figures 7.5
        # wide, the amount in yuan wider; a title wraps onto three lines
        widths = [8.0, 7.0] + [10.0 if attr == "donation_amount" else 7.5
                               for _, attr in TOWNSHIP_COLUMNS]
        ws = self._sheet("乡镇情况", 2, widths)
        self._title(ws, "各乡镇情况", len(labels))
        self._header(ws, 2, labels)
        ws.set_row(2, 45)
        for i, t in enumerate([*n.townships, n.total], start=3):
            is_total = t is n.total
            ws.write_string(i, 0, t.township, self.f_total if is_total else self.f_text)
            ws.write_string(i, 1, t.status or f"{n.reported}/{n.expected}", self._status_fmt(
                t.status))
            for j, (_, attr) in enumerate(TOWNSHIP_COLUMNS, start=2):
                self._num(ws, i, j, getattr(t, attr), self.f_total if is_total else None)
        ws.freeze_panes(3, 1)
        ws.autofilter(2, 0, 2 + len(n.townships), len(labels) - 1)

    def _status_fmt(self, status: str) -> Any:
        if status in (MISSING, REJECTED, TO_FIX):
            return self.f_bad
        if status == LATE:
            return self.f_late
        return self.f_text

    def _completeness(self) -> None:
        n = self.data.night
        labels = ["乡镇", "状态", "文件", "送达时间", "行数", SEVERITY_TEXT[ERROR],
                  SEVERITY_TEXT[WARNING], "说明"]
        ws = self._sheet("报送情况", 2, [10, 9, 30, 16, 7, 7, 7, 40])
        self._title(ws, "报送情况", len(labels))
        self._header(ws, 2, labels)
        row = 3
        for t in n.townships:
            ws.write_string(row, 0, t.township, self.f_text)
            ws.write_string(row, 1, t.status, self._status_fmt(t.status))
            ws.write_string(row, 2, t.file or "", self.f_text)
            if t.arrived_at is not None:
                ws.write_datetime(row, 3, t.arrived_at, self.f_time)
            else:
                ws.write_string(row, 3, "", self.f_text)
            for j, v in enumerate((t.rows, t.errors, t.warnings), start=4):
                self._num(ws, row, j, v)
            ws.write_string(row, 7, t.note, self.f_text)
            row += 1
        row += 1
        for label, value in (("应报", n.expected), ("已纳入汇总", n.reported),
                             ("按时报送", n.on_time),
                             *((w, n.count(w)) for w in STATUS_WORDS)):
            ws.write_string(row, 0, label, self.f_head)
            self._num(ws, row, 1, value)
            row += 1
        for label, rate in (("报送率", n.reporting_rate), ("按时报送率", n.on_time_rate)):
            ws.write_string(row, 0, label, self.f_head)
            ws.write_number(row, 1, rate, self.f_pct)
            row += 1
        ws.freeze_panes(3, 1)

    def _timeliness(self) -> None:
        """近14天报送: each township's status word on each of the last nights, the counts and
        tonight's run."""
        nights = self.data.timeliness_nights
        if not nights:
            return
        labels = ["乡镇", *(f"{d.month}/{d.day}" for d in nights), "按时", "迟报", "未报",
                  "目前"]
        ws = self._sheet(f"近{HISTORY_NIGHTS}天报送", 2,
                         [10] + [6.5] * len(nights) + [5, 5, 5, 12])
        self._title(ws, f"近{HISTORY_NIGHTS}天报送情况" + (
            "" if len(nights) >= HISTORY_NIGHTS else f"(历史库中有{len(nights)}晚)"),
            len(labels))
        self._header(ws, 2, labels)
        for row, t in enumerate(self.data.timeliness, start=3):
            ws.write_string(row, 0, t.township, self.f_text)
            for j, word in enumerate(t.words, start=1):
                ws.write_string(row, j, word or "—", self._status_fmt(word))
            for j, n in enumerate((t.on_time, t.late, t.missing), start=len(nights) + 1):
                self._num(ws, row, j, n)
            bad = t.streak.endswith(("未报", "迟报")) and t.streak.startswith("连续")
            ws.write_string(row, len(nights) + 4, t.streak, self.f_bad if bad else self.f_text)
        ws.write_string(3 + len(self.data.timeliness), 0,
                        "“未报”含退回;“目前”为到本晚为止连续相同的情况。", self.f_note)
        ws.freeze_panes(3, 1)

    def _changes(self) -> None:
        labels = ["乡镇"] + [label for label, _ in CHANGE_FIELDS]
        ws = self._sheet("较上日变化", 2, [10] + [14] * len(CHANGE_FIELDS))
        self._title(ws, "较上日变化", len(labels))
        self._header(ws, 2, labels)
        for i, c in enumerate(self.data.changes, start=3):
            is_total = i == 2 + len(self.data.changes)
            ws.write_string(i, 0, c.township, self.f_total if is_total else self.f_text)
            for j, (_, attr) in enumerate(CHANGE_FIELDS, start=1):
                value = getattr(c, attr)
                if value is None:
                    ws.write_string(i, j, "—", self.f_text)
                elif attr in ("new_arrivals", "problems"):
                    self._num(ws, i, j, value, self.f_total if is_total else None)
                else:
                    ws.write_number(i, j, value, self.f_signed)
        if self.data.previous is None:
            ws.write_string(4 + len(self.data.changes), 0, "无上一晚数据，暂不比较。",
                            self.f_note)
        ws.freeze_panes(3, 1)

    def _trend_data(self) -> None:
        """The last 14 days up to the night (a night not stored is a gap), and the chart of
        persons under management on the 日报 sheet."""
        fields = list(SERIES_LABELS)
        ws = self._sheet("趋势", 2, [12] + [12] * len(fields))
        self._title(ws, f"近{TREND_DAYS}日趋势", len(fields) + 1)
        self._header(ws, 2, ["日期"] + [f"{SERIES_LABELS[f]}(人)" for f in fields])
        stored = {p.night: p for p in self.data.series}
        night = self.data.night.date
        days = [night - dt.timedelta(days=k) for k in range(TREND_DAYS - 1, -1, -1)]
        for i, day in enumerate(days, start=3):
            ws.write_datetime(i, 0, dt.datetime.combine(day, dt.time()), self.f_date)
            point = stored.get(day)
            for j, f in enumerate(fields, start=1):
                if point is None or f not in point.values:
                    ws.write_blank(i, j, None, self.f_text)
                else:
                    self._num(ws, i, j, point.values[f])
        last = 2 + len(days)
        chart = self.wb.add_chart({"type": "line"})
        j = fields.index(CHART_FIELD) + 1
        chart.add_series({
            "name": ["趋势", 2, j], "categories": ["趋势", 3, 0, last, 0],
            "values": ["趋势", 3, j, last, j], "marker": {"type": "circle"},
            "data_labels": {"value": True, "position": "above"},
        })
        chart.show_blanks_as("gap")
        chart.set_title({"name": f"近{TREND_DAYS}日在管人数（人）",
                         "name_font": {"name": "宋体", "size": 12}})
        chart.set_x_axis({"date_axis": True, "num_format": "m月d日",
                          "major_unit": 1, "major_unit_type": "days",
                          "num_font": {"rotation": -45}})
        chart.set_y_axis({"min": 0, "name": "人", "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": 340})
        self.summary_sheet.insert_chart(*self.chart_anchor, chart)

    def _problems(self) -> None:
        labels = ["乡镇", "工作表", "单元格", "行", "列", "级别", "问题", "值", "新增", "文件"]
        # one A4 landscape page wide at a readable size: 问题, 值 and 文件 wrap
        widths = [9, 9, 7, 5, 11, 5, MESSAGE_WIDTH, 16, 5, 16]
        wrapped = (6, 7, 9)
        ws = self._sheet("问题清单", 2, widths)
        self._title(ws, "待改正问题(按乡镇)", len(labels))
        self._header(ws, 2, labels)
        order = {t.township: i for i, t in enumerate(self.data.night.townships)}
        problems = sorted(self.data.problems, key=lambda p: (
            order.get(p.township, len(order)), p.severity != "error", p.sheet or "", p.row or 0))
        for i, p in enumerate(problems, start=3):
            values = [p.township, p.sheet or "", p.cell or "", p.row, p.column or "",
                      SEVERITY_TEXT[ERROR if p.severity == ERROR else WARNING], p.message,
                      display_value(p.value), "是" if p.new else "",
                      p.file]
            # wrapped cells: set the height (a Chinese character is ~2 width units)
            lines = max(-(-display_width(str(values[j] or "")) * 20 // (widths[j] * 23))
                        for j in wrapped)
            if lines > 1:
                ws.set_row(i, 15 * lines)
            for j, v in enumerate(values):
                if isinstance(v, int):
                    ws.write_number(i, j, v, self.f_int)
                elif v is None:
                    ws.write_string(i, j, "", self.f_text)
                else:
                    ws.write_string(i, j, v, self.f_wrap if j in wrapped else self.f_text)
        if not problems:
            ws.write_string(3, 0, "各乡镇报表未发现待改正的问题。", self.f_note)
        else:
            ws.autofilter(2, 0, 2 + len(problems), len(labels) - 1)
        ws.freeze_panes(3, 1)
