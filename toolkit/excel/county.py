"""The county master workbook's buttons: 汇总, 生成日报, 生成反馈.

Each takes the calling workbook (an ``xw.Book``) and the county config, makes ONE library
call (merge, report, feedback) and returns the one sentence to show. The night is today,
unless the workbook's xlwings.conf sheet has a ``GRIDKIT_DATE`` entry (re-running a past
night, the demo, tests).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..night.merge import merge_night
from ..outputs.feedback import feedback_for_night
from ..outputs.report import build_report
from ..read import read_raw
from ..run.joblog import job_logging
from .live import as_text
from .runner import conf_sheet

if TYPE_CHECKING:
    import xlwings as xw

    from ..config.county import Config

DATE_KEY = "GRIDKIT_DATE"
log = logging.getLogger("gridkit.buttons")  # into the county's gridkit.log (job_logging)


def night_for(book: xw.Book) -> dt.date:
    value = conf_sheet(book).get(DATE_KEY)
    if value in (None, ""):
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(f"xlwings.conf 表中 {DATE_KEY} 的值“{text}”不是日期,请写成 2020-02-04。")


REFRESH_MAX_CELLS = 300_000  # larger sheets are not copied cell by cell into Excel


@dataclass
class Refresh:
    sheets: list[str] = field(default_factory=list)  # refreshed
    too_big: list[str] = field(default_factory=list)  # left to the master file


def refresh_from(book: xw.Book, source: Path) -> Refresh:
    """Copy every sheet's values of the workbook file ``source`` into the open ``book``:
    a sheet of the same name is cleared and refilled, a missing one is added at the end.
    Values only: the open book keeps its own formatting and buttons. A sheet of more than
    REFRESH_MAX_CELLS cells (the county's 排查登记) is not copied: its place says where the
    master file is."""
    raw = read_raw(source)
    existing = {s.name: s for s in book.sheets}
    done = Refresh()
    for rs in raw.sheets:
        sheet = existing.get(rs.name)
        if sheet is None:
            sheet = book.sheets.add(rs.name, after=book.sheets[len(book.sheets) - 1])
        else:
            sheet.used_range.clear_contents()
        width = max((len(r) for r in rs.rows), default=0)
        if len(rs.rows) * width > REFRESH_MAX_CELLS:
            sheet["A1"].value = f"本表数据量大({len(rs.rows)}行),请打开 {source} 查看。"
            done.too_big.append(rs.name)
            continue
        if rs.rows:
            grid = [[_value(v) for v in r] + [None] * (width - len(r)) for r in rs.rows]
            sheet.range((rs.first_row, rs.first_col + 1)).value = grid
        done.sheets.append(rs.name)
    return done


def _value(v: Any) -> Any:
    return None if v == "" else as_text(v)  # a township's text stays text, never a formula


def merge_and_refresh(book: xw.Book, config: Config) -> str:
    """汇总: run the night's merge now, then refresh the open workbook from the master."""
    night = night_for(book)
    with job_logging(config, console=False):  # the county's gridkit.log records it too
        log.info("Excel 按钮“汇总”:%s", night)
        result = merge_night(config, night)
    sentence = f"{night:%Y-%m-%d} 汇总完成:{result.status_sentence.rstrip('。')}"
    if result.conflicts:
        sentence += f";跨乡镇重复登记{len(result.conflicts)}人"
    if result.master is not None and result.master.is_file():
        refreshed = refresh_from(book, result.master)
        sentence += f";已按全县汇总表刷新本工作簿{len(refreshed.sheets)}张表"
        if refreshed.too_big:
            sentence += (f"({'、'.join(refreshed.too_big)}数据量大,"
                         f"请打开 {result.master} 查看)")
    if result.master_fallback:
        sentence += f"({result.master_fallback})"
    with job_logging(config, console=False):
        log.info("%s。", sentence)
    return sentence + "。"


def report_and_open(book: xw.Book, config: Config) -> str:
    """生成日报: write the night's report and open its workbook in Excel."""
    night = night_for(book)
    with job_logging(config, console=False):
        result = build_report(config, night)
    book.app.books.open(str(result.workbook))
    return f"{night:%Y-%m-%d} 日报已生成并打开:{result.workbook}。"


def write_feedback(book: xw.Book, config: Config) -> str:
    """生成反馈: write each township's feedback (note + annotated copy) into the outbox."""
    night = night_for(book)
    with job_logging(config, console=False):
        written = feedback_for_night(config, night)
    annotated = sum(1 for f in written if f.annotated is not None)
    sentence = (f"{night:%Y-%m-%d} 已为{len(written)}个乡镇写出反馈说明"
                f"(其中{annotated}个附标注副本),在 {config.paths.outbox} 下各乡镇的文件夹中")
    problems = [f"{f.township}:{f.problem}" for f in written if f.problem]
    if problems:
        sentence += ";标注副本未写出:" + ";".join(problems)
    return sentence + "。"
