"""The county master workbook: the empty one, and any night rebuilt from the store."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.test_merge import NIGHT, NOW, full_night, sheet_values, summary_columns
from toolkit.config.county import Config
from toolkit.config.schema import ColumnSpec
from toolkit.findings import display_value
from toolkit.night.merge import merge_night
from toolkit.outputs.master import _EmptyStore, write_empty_master, write_master
from toolkit.store import open_store
from toolkit.store.records import ROW_ERROR, ROW_OK, ROW_WARNING, FindingRecord

SUMMARIES = ["汇总", "汇总-排查管控", "汇总-卡点", "汇总-队伍", "汇总-宣传与捐赠"]
DATA = ["填报信息", "网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠"]
SHEETS = [*SUMMARIES, "报送情况", *DATA, "问题清单", "跨乡镇重复"]


def test_empty_master(config: Config, tmp_path: Path) -> None:
    path = write_empty_master(config, tmp_path / "全县汇总表.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    summary = [r for r in wb["汇总"].iter_rows(values_only=True)]
    assert summary[1][:3] == ("乡镇", "报送状态", "网格数")
    assert [r[0] for r in summary[2:-1]] == [*config.county.township_names, "全县合计"]
    assert summary[-1][0].startswith("说明:")
    assert wb["排查登记"]["A1"].value == "乡镇" and wb["排查登记"]["E1"].value == "身份证号"
    assert wb["排查登记"].max_row == 1
    assert wb["跨乡镇重复"]["A3"].value is None  # no night: no sentence either


def test_every_master_sheet_is_set_up_for_a4_landscape(config: Config, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_empty_master(config, tmp_path / "全县汇总表.xlsx"))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.print_title_rows, ws.title  # the header repeats on every printed page
        assert ws.oddFooter.center.text == "第&P页 共&N页", ws.title
        assert ws.page_margins.left < 0.5 and ws.page_margins.bottom < 0.75
        if ws.title in DATA and not ws.sheet_properties.pageSetUpPr.fitToPage:
            # too wide to stay readable on one page: printed at 85 %, over then down,
            # with 乡镇 (and the row's name) on every page
            assert ws.page_setup.scale == 85 and ws.page_setup.pageOrder == "overThenDown"
            assert ws.print_title_cols and ws.print_title_cols.startswith("$A:")
        else:
            # one page wide (1 is the default Excel writes as absent), as tall as needed
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert wb["排查登记"].print_title_cols == "$A:$C"  # 乡镇, 序号, 姓名
    assert wb["汇总"].print_title_rows == "$2:$2"
    assert wb["汇总-排查管控"].print_title_rows == "$2:$3"  # a group title above the measures


def test_summary_pages_fit_a4_at_full_size(config: Config, tmp_path: Path) -> None:
    """Each 汇总 page, 报送情况, 问题清单 and 跨乡镇重复 is narrow enough to print one page
    wide without shrinking (the font stays 11 pt), in 宋体."""
    from toolkit.outputs.master_sheets import PAGE_WIDTH_PX, columns_px

    wb = openpyxl.load_workbook(write_empty_master(config, tmp_path / "全县汇总表.xlsx"))
    for name in [*SUMMARIES, "报送情况", "跨乡镇重复"]:
        ws = wb[name]
        assert columns_px(column_widths(ws), stored=True) <= PAGE_WIDTH_PX, name
        assert ws["A2"].font.name == "宋体" and ws["A2"].font.sz >= 11
    assert columns_px(column_widths(wb["问题清单"]), stored=True) <= PAGE_WIDTH_PX / 0.85


def column_widths(ws: Any) -> list[float]:
    """The widths of the sheet's columns A.. up to its last (xlsxwriter writes one <col>
    for a run of equal widths)."""
    widths = [0.0] * ws.max_column
    for dim in ws.column_dimensions.values():
        for c in range(dim.min, min(dim.max, ws.max_column) + 1):
            widths[c - 1] = dim.width
    return widths


def test_every_column_title_is_distinct_and_has_its_unit(config: Config,
                                                        tmp_path: Path) -> None:
    """解除观察 was shown twice (the count by 管控措施 and the released figure: the same
    number); now every figure once, under a title a trace finds, the measures under a
    group title with their unit."""
    from toolkit.outputs.figures import figure_specs

    sheets = sheet_values(write_empty_master(config, tmp_path / "全县汇总表.xlsx"))
    titles = [t for name in SUMMARIES for t in summary_columns({name: sheets[name]})]
    figures = [t for t in titles if t not in ("乡镇", "报送状态")]
    assert len(figures) == len(set(figures))
    labels = {s.label: s for s in figure_specs(config, NIGHT)}
    assert set(figures) == set(labels) - {"解除观察(人)"}
    measures = sheets["汇总-排查管控"]
    assert "按管控措施分(人)" in measures[1]
    group = measures[1].index("按管控措施分(人)")
    assert measures[2][group:group + 5] == tuple(config.schema.sheet_by_id("screening")
                                                 .columns[11].values)
    for t in figures:
        assert labels[t].name.startswith("by_measure:") or t.endswith(")") or t in (
            "网格数", "值守班次", "值守人次"), t


def test_any_night_is_rebuilt_from_the_store(config: Config) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    first = sheet_values(config.paths.master)
    nxt = NIGHT + dt.timedelta(days=1)
    merge_night(config, nxt, now=NOW + dt.timedelta(days=1))  # a night with nothing in
    assert sheet_values(config.paths.master)["汇总"][2][1] == "未报"
    config.paths.master.unlink()
    store = open_store(config)
    try:
        path = write_master(config, NIGHT, store)
    finally:
        store.close()
    assert path == config.paths.master
    assert sheet_values(path) == first


UNUSUAL_ROWS: list[list[object]] = [
    ["扎西镇", " 张三 ", "=SUM(A1:A9)", "a & b <c> \"d\"", "_x0041_", "tab\there\x01\x1f",
     dt.date(2020, 2, 1), 12, 3.5, None, "", "有错误", "扎西镇_20200204.xlsx", 7],
    ["水田镇", "x" * 20_000, "line\nbreak", 10**17, -0.0, dt.date(1899, 12, 31), "2月31日",
     None, "+86 138", "\ufffe", "  ", "有警告", "水田镇.xlsx", 8],
    ["罗布镇", "普通", "文本", 1, 2, 3, dt.date(2020, 2, 4), "", None, "末", "尾", None,
     "罗布镇.xlsx", 9],
    # one odd text among ordinary ones (the row is tested for odd text as a whole first)
    ["庙沟镇", "普通", "尾部空格 ", "正常", 1, "x", "y", "z", None, "a", "b", None,
     "庙沟镇.xlsx", 10],
    ["庙沟镇", "普通", "正常", "\t首部制表符", 1, "x", "y", "a<b", None, "a", "b", None,
     "庙沟镇.xlsx", 11],
    ["庙沟镇", "普通", "正常", "一", 1, "x", "y", "二", None, "a", "_x000D_", None,
     "庙沟镇.xlsx", 12],
]


def test_fast_data_rows_read_back_as_xlsxwriters_own(tmp_path: Path) -> None:
    """The master's data rows are written straight as row XML for speed; a township's
    odd text (leading spaces, "=...", XML specials, control characters, very long text)
    and numbers and dates read back exactly as xlsxwriter's own writer stores them."""
    import xlsxwriter

    from toolkit.outputs.master import _DataWorksheet

    paths = {}
    for kind in ("fast", "stock"):
        path = paths[kind] = tmp_path / f"{kind}.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                             "strings_to_formulas": False,
                                             "strings_to_urls": False,
                                             "strings_to_numbers": False})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        red = wb.add_format({"bg_color": "#FFC7CE"})
        ws = wb.add_worksheet("排查登记", worksheet_class=_DataWorksheet)
        ws.write_row(0, 0, ["乡镇", "A", "B"])
        ws.share_columns([0, 1, 3, 5, 11], 14)  # shared-string table, the others inline
        all_formats = []
        for values in UNUSUAL_ROWS:
            formats = [date if isinstance(v, dt.date) else None for v in values]
            formats[11] = red
            all_formats.append(formats)
        if kind == "fast":
            ws.plain_rows(1, [list(v) for v in UNUSUAL_ROWS],
                          [[ws.style_of(f) for f in formats] for formats in all_formats])
        else:
            for r, (values, formats) in enumerate(zip(UNUSUAL_ROWS, all_formats,
                                                      strict=True), start=1):
                for c, v in enumerate(values):
                    ws.write(r, c, v, formats[c])
        wb.close()
    fast = openpyxl.load_workbook(paths["fast"])["排查登记"]
    stock = openpyxl.load_workbook(paths["stock"])["排查登记"]
    assert fast.max_row == stock.max_row == len(UNUSUAL_ROWS) + 1
    for frow, srow in zip(fast.iter_rows(), stock.iter_rows(), strict=True):
        assert [c.value for c in frow] == [c.value for c in srow]
        assert [c.number_format for c in frow] == [c.number_format for c in srow]
        assert [c.fill.fgColor.rgb for c in frow] == [c.fill.fgColor.rgb for c in srow]
    assert fast["C2"].value == "=SUM(A1:A9)" and fast["C2"].data_type == "s"  # text, no formula
    assert fast["B2"].value == " 张三 "


def test_data_rows_made_a_column_at_a_time_equal_rows_made_one_by_one(config: Config) -> None:
    """A chunk of merged rows is rendered from its columns (dates as dates or ISO text, name
    lists as tuples or lists, every check result): the same XML, cell for cell, as the rows
    made one at a time, and the same count of shared-string references."""
    from toolkit.outputs.master_rows import SheetRows

    spec = config.schema.sheet_by_id("screening")
    shared = {"扎西镇": 0, "有错误": 1, "居家观察": 2}

    def value(col: ColumnSpec, k: int) -> object:
        if col.type == "date":
            return [dt.date(2020, 2, 1 + k % 3), "2020-02-03", "不是日期", None][k % 4]
        if col.type == "name-list":
            return [("张三", "李四"), ["王五"], "赵六", None][k % 4]
        if col.type in ("int", "number"):
            return [k, 2.5, None, "七"][k % 4]
        if col.type == "enum":
            return [*col.values, "不在列表", None][k % (len(col.values) + 2)]
        return [f"文本{k}", "a<b", " 边上空格", None][k % 4]

    rows = [("扎西镇", f"扎西镇.xlsx{'' if k % 2 else ' / 另一表'}", 3 + k,
             [ROW_OK, ROW_ERROR, ROW_WARNING][k % 3],
             tuple(value(c, k) for c in spec.columns)) for k in range(40)]
    ids = [c.id for c in spec.columns]
    by_columns = SheetRows(spec.columns, ids, shared.get)
    one_by_one = SheetRows(spec.columns, ids, shared.get)
    made = [one_by_one.cells(*r) for r in rows]
    expected = one_by_one.render.many([v for v, _s in made], [s for _v, s in made])
    assert by_columns.many(rows) == expected
    assert by_columns.render.refs_shared == one_by_one.render.refs_shared > 0
    assert all(x is not None and ' t="s"' in x for x in expected)  # 乡镇 by its number


def test_figures_from_sql_groups_equal_figures_from_every_row(config: Config) -> None:
    """The night's figures are summed inside SQLite (on several threads in the merge); a
    store without that (any other backend) reads every row; all give the same numbers."""
    from toolkit.outputs.figures import night_figures

    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    store = open_store(config)

    class RowsOnly:
        def __getattr__(self, name: str) -> object:
            if name == "aggregate":
                raise AttributeError(name)
            return getattr(store, name)

    try:
        fast = night_figures(store, config, NIGHT)
        slow = night_figures(RowsOnly(), config, NIGHT)  # type: ignore[arg-type]
        # as the merge reads them: each sheet's groups split by township across threads
        split = [night_figures(store, config, NIGHT, threads=n) for n in (2, 3, 16)]
        queries = [(spec.name, [0, 3], [1]) for spec in config.schema.sheets]
        one = [sorted(r, key=repr) for r in store.aggregate_many(NIGHT, queries)]
        many = [sorted(r, key=repr) for r in store.aggregate_many(NIGHT, queries, threads=3)]
        import sqlite3

        from toolkit.store import sqlite as sqlite_store

        def unopenable(*_a: Any, **_k: Any) -> Any:  # a store SQLite cannot open twice
            raise sqlite3.OperationalError("unable to open database file")

        real_connect = sqlite_store.sqlite3.connect
        sqlite_store.sqlite3.connect = unopenable  # type: ignore[assignment]
        try:
            alone = [sorted(r, key=repr)
                     for r in store.aggregate_many(NIGHT, queries, threads=3)]
        finally:
            sqlite_store.sqlite3.connect = real_connect  # type: ignore[assignment]
    finally:
        store.close()
    assert fast == slow
    assert split == [fast] * 3
    assert many == one == alone and sum(map(len, one)) > len(config.county.township_names)
    assert fast.total.screened > 0 and fast.total.persons > 0 and fast.total.checkpoints > 0


class _NightStore(_EmptyStore):
    """A store with one night's findings and nothing else."""

    def __init__(self, findings: list[FindingRecord]) -> None:
        self._findings = findings

    def snapshot(self) -> Any:
        return contextlib.nullcontext()

    def findings(self, night: dt.date) -> list[FindingRecord]:
        return self._findings


def _finding(message: str, value: Any, row: int = 7) -> FindingRecord:
    return FindingRecord("扎西镇", 1, "扎西镇_20200204.xlsx", "排查登记", row, "姓名",
                         f"O{row}", "required-missing", "error", message, value)


def test_problem_list_reads_as_the_clerk_sees_it(config: Config) -> None:
    """Values as Excel shows them (names joined by 、, a destroyed ID as digits), the rule
    by its title, long messages wrapped in rows tall enough, a title with the counts."""
    long = "身份证号“530629195604126000”被存成了数字:" + "请设置为文本格式后重新输入。" * 6
    store = _NightStore([_finding("包保责任人填了两人", ["刘昌俊", "吕翠"]),
                         _finding(long, 5.30629195604126e+17, row=8),
                         _finding("日期", dt.date(2020, 2, 4), row=9)])
    path = write_master(config, NIGHT, store)  # type: ignore[arg-type]
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert ws["A1"].value == "各乡镇登记表问题清单(2020年2月4日),共 3 条:错误 3 条、警告 0 条"
    assert [c.value for c in ws[2]] == ["乡镇", "文件", "工作表", "行", "列", "单元格", "级别",
                                        "规则", "说明", "值"]
    values = [ws.cell(r, 10).value for r in (3, 4, 5)]
    assert values == ["刘昌俊、吕翠", display_value(5.30629195604126e+17), "2020-02-04"]
    assert values[1].isdigit() and len(values[1]) == 18  # digits, never 5.30629195604126e+17
    assert ws["H3"].value == "必填项为空"
    assert ws["I4"].alignment.wrap_text and ws["B4"].alignment.wrap_text
    assert ws.row_dimensions[4].height >= 4 * 14.25  # four lines of 宋体 11
    assert ws.row_dimensions[3].height < 2 * 14.25
    assert ws.print_title_rows == "$2:$2" and ws.freeze_panes == "A3"


def test_no_conflicts_is_said_in_a_sentence(config: Config) -> None:
    path = write_master(config, NIGHT, _NightStore([]))  # type: ignore[arg-type]
    rows = sheet_values(path)["跨乡镇重复"]
    assert rows[0][0] == "跨乡镇重复登记的身份证号(同一人被两个及以上乡镇登记)(2020年2月4日)"
    assert rows[2][0] == "本日未发现跨乡镇重复登记。"


def test_status_summary_has_its_own_columns(config: Config) -> None:
    """报送情况: the summary is a label / value / explanation block above the table (the
    explanation across the wide columns), so no column is sized for the summary."""
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    wb = openpyxl.load_workbook(config.paths.master)
    ws = wb["报送情况"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0].startswith("应报10个乡镇：已报10个")
    labels = [r[0] for r in rows[2:13]]
    assert labels == ["应报乡镇", "已纳入汇总", "报送率", "按时报送", "按时报送率", "已报", "迟报",
                      "有错待改", "退回", "未报", "跨乡镇重复"]
    assert rows[4][1] == 1 and ws["B5"].number_format == "0.0%"
    assert rows[11][2] == "截至汇总时未收到报表"  # 未报: what it means (nobody tonight)
    assert f"C{3}:H{3}" in {str(r) for r in ws.merged_cells.ranges}
    head = next(i for i, r in enumerate(rows) if r[0] == "乡镇")
    assert rows[head] == ("乡镇", "状态", "文件", "收到时间", "行数", "错误", "警告", "说明")
    assert ws.print_title_rows == f"${head + 1}:${head + 1}"
    assert ws.cell(head + 2, 8).alignment.wrap_text  # 说明 wraps


def test_a_sheet_past_excels_rows_goes_on_in_a_second_sheet(config: Config,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """More rows than a sheet holds: 排查登记 goes on in 排查登记(续2), right after it, with
    its header; no row is lost and none is repeated."""
    from toolkit.outputs import master

    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    every = sheet_values(config.paths.master)["排查登记"]
    assert len(every) == 31  # the header and 30 persons
    monkeypatch.setattr(master, "PER_SHEET", 12)
    merge_night(config, NIGHT, now=NOW, redo=True)
    sheets = sheet_values(config.paths.master)
    names = list(sheets)
    at = names.index("排查登记")
    assert names[at + 1:at + 3] == ["排查登记(续2)", "排查登记(续3)"]
    parts = [sheets[n] for n in names[at:at + 3]]
    assert [len(p) for p in parts] == [13, 13, 7]
    assert all(p[0] == every[0] for p in parts)  # each with the header
    assert [r for p in parts for r in p[1:]] == every[1:]


def _no_aggregating(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.store.sqlite import SqliteStore

    def refused(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the night's rows were aggregated again")

    monkeypatch.setattr(SqliteStore, "aggregate", refused)
    monkeypatch.setattr(SqliteStore, "aggregate_many", refused)
    monkeypatch.setattr(SqliteStore, "rows", refused)


def test_the_merges_figures_are_kept_for_the_reports_to_come(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tomorrow's report, gridkit report and trace read the night's figures the merge kept
    instead of aggregating its rows again, whatever else of the configuration changes; a
    night merged again with other files keeps new ones (never the old), and another version
    of how figures are made computes its own."""
    import dataclasses

    from tests.test_merge import send, township_book
    from toolkit.outputs import figures
    from toolkit.outputs.figures import night_figures

    other = dataclasses.replace(config, limits=dataclasses.replace(config.limits, backups=3))
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    with open_store(config) as store:
        with monkeypatch.context() as m:
            _no_aggregating(m)
            kept = night_figures(store, config, NIGHT)
            assert night_figures(store, other, NIGHT) == kept
        with monkeypatch.context() as m:
            m.setattr(figures, "_FIGURES_FORMAT", 2)
            assert night_figures(store, config, NIGHT) == kept  # computed from the rows
            with pytest.raises(AssertionError, match="again"):
                _no_aggregating(m)
                night_figures(store, config, NIGHT)
    assert kept.total.screened > 0

    name = config.county.township_names[0]
    book = township_book(name, 1)
    book["排查登记"] = book["排查登记"][:2]  # one person left
    send(config.paths.inbox, f"{name}_{NIGHT:%Y%m%d}.xlsx", book)
    merge_night(config, NIGHT, now=NOW)  # the same minute, other rows
    with open_store(config) as store:
        with monkeypatch.context() as m:
            _no_aggregating(m)
            again = night_figures(store, config, NIGHT)
        monkeypatch.setattr(figures, "_FIGURES_FORMAT", 2)
        assert night_figures(store, config, NIGHT) == again
    assert again.total.screened < kept.total.screened
