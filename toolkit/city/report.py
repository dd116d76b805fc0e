"""The city's night: gathered once from every county's store (:class:`.night.CityNight`), then
rendered as the city master workbook (:mod:`.master`) and the city daily report:

* ``全市疫情防控工作日报_YYYYMMDD.txt`` and ``.html``: the briefing from the Jinja2 template
  ``city_briefing.txt.j2`` (looked up in the city's templates folder, then the copy shipped
  in ``toolkit/city/templates/``; the county report's filters);
* ``全市疫情防控工作日报_YYYYMMDD.xlsx``: 日报 (the city's figures and the briefing), 各县情况
  (a row per county), 报送情况 and 跨县重复 (the same sheet writers as the master).

ID numbers are masked in the report (:mod:`toolkit.outputs.privacy`), once, in
:func:`report_data`; the master keeps them whole, as a county master does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.city import City
from ..files import replace_file, write_text
from ..outputs.master_sheets import Formats, print_setup, row_height, text_lines
from ..outputs.report import HTML_TEMPLATE
from ..outputs.report.document import Document, parse
from ..outputs.report.workbook import METRICS, TOWNSHIP_COLUMNS
from ..outputs.templating import PACKAGE_TEMPLATES, environment, render
from ..outputs.wording import cn_date, fullwidth, md
from ..store.records import MISSING
from .duplicates import CrossDuplicate
from .master import new_workbook, write_city_master
from .night import CITY_TOTAL, FAILED, MERGED, NOT_YET, UNIT, CityNight, gather_city
from .sheets import DUPLICATES, STATUS, duplicates_sheet, mark_states, status_sheet
from .stores import close_stores, open_city_stores

REPORT_STEM = "全市疫情防控工作日报_{night:%Y%m%d}"
TEXT_TEMPLATE = "city_briefing.txt.j2"
SHIPPED_TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class CityReportData:
    """What the city report shows: the night, with personal data masked."""

    night: CityNight
    duplicates: list[CrossDuplicate]  # ID numbers masked


@dataclass
class CityReportResult:
    night: CityNight
    master: Path
    workbook: Path
    briefing_text: Path
    text: str
    briefing_html: Path | None = None

    @property
    def exit_code(self) -> int:
        """1 when a county has not merged the night (未汇总 or 汇总失败), else 0."""
        return self.night.exit_code

    def to_dict(self) -> dict[str, Any]:
        n = self.night
        total = n.figures.total
        return {
            "date": n.date.isoformat(), "city": n.city, "code": n.code,
            "master": str(self.master), "workbook": str(self.workbook),
            "briefing_text": str(self.briefing_text),
            "briefing_html": None if self.briefing_html is None else str(self.briefing_html),
            "counties_expected": len(n.counties), "counties_merged": n.count(MERGED),
            "not_yet": n.names(NOT_YET), "failed": n.names(FAILED),
            "townships_expected": n.townships_expected,
            "townships_reported": n.townships_reported,
            "townships_on_time": n.townships_on_time,
            "reporting_rate": round(n.reporting_rate, 4),
            "on_time_rate": round(n.on_time_rate, 4),
            "status_sentence": n.status_sentence,
            "issue": n.issue, "change": n.changes, "compared": n.compared,
            "counties": [c.to_dict() for c in n.counties],
            "total": {name: getattr(total, name) for _, name, _ in METRICS},
            "duplicates": [d.masked().to_dict() for d in n.duplicates],
            "text": self.text,
        }


def build_city_report(city: City, night: dt.date, *, out_dir: Path | None = None
                      ) -> CityReportResult:
    """Gather the night from every county's store and write the city master and the city
    report (into ``out_dir`` when given, else the city file's ``[paths]``). A county that
    cannot be read is 汇总失败 with its reason; the template is rendered before anything is
    written."""
    return render_city(city, read_city_night(city, night), out_dir=out_dir)


def read_city_night(city: City, night: dt.date) -> CityNight:
    """The night as every county's store tells it (each store opened and closed here; one
    that cannot be opened is that county's 汇总失败 with the reason)."""
    problems: dict[str, str] = {}
    stores = open_city_stores(city, problems=problems)
    try:
        return gather_city(city, stores, night, problems)
    finally:
        close_stores(stores.values())


def report_data(data: CityNight) -> CityReportData:
    return CityReportData(data, [d.masked() for d in data.duplicates])


def render_city(city: City, data: CityNight, *, out_dir: Path | None = None
                ) -> CityReportResult:
    """Write the city master and the city report of already gathered data."""
    report = report_data(data)
    # the city's own templates, then the city's shipped, then the county's (the page layout
    # of the HTML briefing is the county's)
    env = environment(city.paths.templates, (SHIPPED_TEMPLATES, PACKAGE_TEMPLATES))
    context = template_context(report)
    text = fullwidth(render(env, TEXT_TEMPLATE, context))
    doc = parse(text)
    html = render(env, HTML_TEMPLATE, {**context, "doc": doc})
    out = Path(out_dir) if out_dir is not None else city.paths.reports
    master_path = (out / city.paths.master.name) if out_dir is not None else city.paths.master
    out.mkdir(parents=True, exist_ok=True)
    master = write_city_master(city, data, master_path)
    stem = REPORT_STEM.format(night=data.date)
    workbook = write_report_workbook(city, report, doc, out / f"{stem}.xlsx")
    text_path = write_text(out / f"{stem}.txt", text, bom=True, crlf=True)
    html_path = write_text(out / f"{stem}.html", html)
    return CityReportResult(data, master, workbook, text_path, text, html_path)


def template_context(report: CityReportData) -> dict[str, Any]:
    """The variables ``city_briefing.txt.j2`` sees (listed at its top)."""
    n = report.night
    return {
        "city": n.city, "office": n.office, "date": n.date, "date_cn": cn_date(n.date),
        "date_text": md(n.date), "status_sentence": n.status_sentence,
        "counties": [{"name": c.name, "state": c.state, "note": c.note, "merged": c.merged,
                      "expected": c.figures.expected, "reported": c.figures.reported,
                      "reporting_rate": c.figures.reporting_rate,
                      "on_time_rate": c.figures.on_time_rate,
                      "missing_names": c.figures.names(MISSING), "total": c.figures.total}
                     for c in n.counties],
        "merged_count": n.count(MERGED), "county_count": len(n.counties),
        "not_yet_names": n.names(NOT_YET), "failed_names": n.names(FAILED),
        "total": n.figures.total,
        "issue": n.issue, "change": n.changes, "compared": n.compared,
        "duplicates": len(report.duplicates),
        "duplicate_counties": list(dict.fromkeys(c for d in report.duplicates
                                                 for c in d.counties)),
    }


def write_report_workbook(city: City, report: CityReportData, doc: Document,
                          path: Path) -> Path:
    """The city report workbook: 日报, 各县情况, 报送情况, 跨县重复 (masked)."""
    def write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        try:
            fmt = Formats(wb)
            mark_states(fmt)
            _summary(wb.add_worksheet("日报"), city, report, doc, fmt)
            _counties(wb.add_worksheet("各县情况"), report.night, fmt)
            status_sheet(wb.add_worksheet(STATUS), report.night, fmt)
            duplicates_sheet(wb.add_worksheet(DUPLICATES), report.duplicates, fmt,
                             report.night.date)
            wb.set_properties({"title": f"{city.name}疫情防控工作日报", "author": city.office})
        finally:
            wb.close()

    return replace_file(path, write)


_SUMMARY_WIDTHS = [24.0, 14.0, 8.0, 44.0]


def _summary(ws: Any, city: City, report: CityReportData, doc: Document,
             fmt: Formats) -> None:
    """日报: the masthead, the night in one sentence, the city's figures (the county report's
    metrics), then the briefing's sections word for word."""
    n = report.night
    last = len(_SUMMARY_WIDTHS) - 1
    for c, width in enumerate(_SUMMARY_WIDTHS):
        ws.set_column(c, c, width)
    ws.merge_range(0, 0, 0, last, doc.title or f"{city.name}疫情防控工作日报", fmt.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, last, f"{city.office}　　{cn_date(n.date)}", fmt.subtitle)
    ws.merge_range(2, 0, 2, last, n.status_sentence, fmt.subtitle)
    ws.set_row(2, row_height(text_lines(n.status_sentence, sum(_SUMMARY_WIDTHS))))
    head = 4
    ws.write_row(head, 0, ["指标", CITY_TOTAL, "单位", "说明"], fmt.header)
    row = head + 1
    total = n.figures.total
    for label, attr, unit in METRICS:
        ws.write_string(row, 0, label, fmt.text)
        value = getattr(total, attr)
        ws.write_number(row, 1, value, fmt.money if attr == "donation_amount" else fmt.int)
        ws.write_string(row, 2, unit, fmt.center)
        ws.write_blank(row, 3, None, fmt.text)
        row += 1
    note = f"全市为{n.count(MERGED)}个已汇总的{UNIT}之和。"
    ws.merge_range(row, 0, row, last, note, fmt.note)
    row += 2
    for section in doc.sections:
        ws.merge_range(row, 0, row, last, section.title, fmt.label)
        row += 1
        for para in section.paragraphs:
            ws.merge_range(row, 0, row, last, para, fmt.note)
            ws.set_row(row, row_height(text_lines(para, sum(_SUMMARY_WIDTHS))))
            row += 1
    ws.freeze_panes(head + 1, 0)
    print_setup(ws, header=(head, head))


def _counties(ws: Any, n: CityNight, fmt: Formats) -> None:
    """各县情况: a row per county (its state and its figures, as the county report's 乡镇情况
    columns) and 全市."""
    titles = [UNIT, "汇总状态", *(label.replace("\n", "") for label, _ in TOWNSHIP_COLUMNS)]
    widths = [10.0, 9.0, *(10.0 if a == "donation_amount" else 8.0 for _, a in TOWNSHIP_COLUMNS)]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.merge_range(0, 0, 0, len(titles) - 1, f"各{UNIT}情况({cn_date(n.date)})", fmt.title)
    ws.set_row(0, 30)
    ws.write_row(1, 0, titles, fmt.header)
    ws.set_row(1, row_height(max(text_lines(t, w) for t, w in zip(titles, widths, strict=True))))
    rows = [*n.figures.townships, n.figures.total]
    for r, tf in enumerate(rows, start=2):
        is_total = tf is n.figures.total
        ws.write_string(r, 0, f"{CITY_TOTAL}合计" if is_total else tf.township,
                        fmt.total_text if is_total else fmt.text)
        state = f"已汇总{n.figures.reported}/{n.figures.expected}" if is_total else tf.status
        ws.write_string(r, 1, state, fmt.total_center if is_total else fmt.bad.get(
            state, fmt.center))
        for c, (_, attr) in enumerate(TOWNSHIP_COLUMNS, start=2):
            money = attr == "donation_amount"
            style = (fmt.total_money if money else fmt.total) if is_total else (
                fmt.money if money else fmt.int)
            ws.write_number(r, c, getattr(tf, attr), style)
    ws.freeze_panes(2, 1)
    print_setup(ws, header=(1, 1))
