"""The county master workbook: the empty one, and any night rebuilt from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from toolkit.config import Config
from toolkit.master import write_empty_master, write_master
from toolkit.merge import merge_night
from toolkit.store import open_store

from .test_merge import NIGHT, NOW, full_night, sheet_values

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
