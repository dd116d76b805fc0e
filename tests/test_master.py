"""The county master workbook: the empty one, and any night rebuilt from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from tests.test_merge import NIGHT, NOW, full_night, sheet_values
from toolkit.config.county import Config
from toolkit.night.merge import merge_night
from toolkit.outputs.master import write_empty_master, write_master
from toolkit.store import open_store

SHEETS = ["汇总", "报送情况", "填报信息", "网格", "住户", "排查登记", "卡点值守", "队伍", "宣传",
          "捐赠", "问题清单", "跨乡镇重复"]


def test_empty_master(config: Config, tmp_path: Path) -> None:
    path = write_empty_master(config, tmp_path / "全县汇总表.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    summary = [r for r in wb["汇总"].iter_rows(values_only=True)]
    assert summary[1][:3] == ("乡镇", "报送状态", "网格数")
    assert [r[0] for r in summary[2:]] == [*config.county.township_names, "全县合计"]
    assert wb["排查登记"]["A1"].value == "乡镇" and wb["排查登记"]["E1"].value == "身份证号"
    assert wb["排查登记"].max_row == 1


def test_every_master_sheet_prints_one_page_wide_with_its_header(config: Config,
                                                                  tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_empty_master(config, tmp_path / "全县汇总表.xlsx"))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # one page wide (1 is the default Excel writes as absent), as many pages tall as needed
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows, ws.title  # the header repeats on every printed page


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
        for r, values in enumerate(UNUSUAL_ROWS, start=1):
            formats = [date if isinstance(v, dt.date) else None for v in values]
            formats[11] = red
            if kind == "fast":
                ws.plain_row(r, list(values), [ws.style_of(f) for f in formats])
            else:
                for c, v in enumerate(values):
                    ws.write(r, c, v, formats[c])
        wb.close()
    fast = openpyxl.load_workbook(paths["fast"])["排查登记"]
    stock = openpyxl.load_workbook(paths["stock"])["排查登记"]
    assert fast.max_row == stock.max_row == 4
    for frow, srow in zip(fast.iter_rows(), stock.iter_rows(), strict=True):
        assert [c.value for c in frow] == [c.value for c in srow]
        assert [c.number_format for c in frow] == [c.number_format for c in srow]
        assert [c.fill.fgColor.rgb for c in frow] == [c.fill.fgColor.rgb for c in srow]
    assert fast["C2"].value == "=SUM(A1:A9)" and fast["C2"].data_type == "s"  # text, no formula
    assert fast["B2"].value == " 张三 "


def test_figures_from_sql_groups_equal_figures_from_every_row(config: Config) -> None:
    """The night's figures are summed inside SQLite; a store without that (any other
    backend) reads every row; both give the same numbers."""
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
    finally:
        store.close()
    assert fast == slow
    assert fast.total.screened > 0 and fast.total.persons > 0 and fast.total.checkpoints > 0
