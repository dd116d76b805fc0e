"""The city level on a real night: four counties of 昭通市 merge their own generated
registers into their own stores (威信县 with a township missing, 昭阳区 with a person also
registered in 威信县, 水富市 merged only the night before, 盐津县 killed half-way through its
merge); the city's master, report, trace and command line read those stores."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.citynight import NIGHT, county_samples, deliver, merge, write_city
from tests.test_merge import sheet_values, summary_columns
from toolkit.city.night import FAILED, MERGED, NOT_YET, gather_city
from toolkit.city.report import CityReportResult, build_city_report, read_city_night
from toolkit.city.stores import open_city_stores
from toolkit.city.trace import trace_city_figure
from toolkit.cli import main
from toolkit.config.city import City
from toolkit.config.county import Config
from toolkit.errors import UsageError
from toolkit.outputs.figures import night_figures
from toolkit.store import open_store

CODES = ("530629", "530602", "530681", "530623")
ROOT = Path(__file__).resolve().parent.parent


def _find(ws: Any, title: str) -> tuple[int, int]:
    """(header row, column) of the cell ``title`` in a register sheet."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        for cell in row:
            if cell.value == title:
                return cell.row, cell.column
    raise AssertionError(title)


def plant_person(source: Path, target: Path) -> dict[str, Any]:
    """Register the person of ``source``'s first 排查登记 row again in ``target``'s first
    排查登记 row (name, sex, ID number): the same person in two counties."""
    wb = openpyxl.load_workbook(source)
    ws = wb["排查登记"]
    head, id_col = _find(ws, "身份证号")
    _, name_col = _find(ws, "姓名")
    person = {"id": ws.cell(head + 1, id_col).value, "name": ws.cell(head + 1, name_col).value}
    wb.close()
    wb = openpyxl.load_workbook(target)
    ws = wb["排查登记"]
    head, id_col = _find(ws, "身份证号")
    _, name_col = _find(ws, "姓名")
    ws.cell(head + 1, id_col).value = person["id"]
    ws.cell(head + 1, name_col).value = person["name"]
    wb.save(target)
    return {**person, "source_row": head + 1, "target_row": head + 1}


@pytest.fixture(scope="module")
def city_night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("city")
    configs: dict[str, Config] = {}
    weixin, files = county_samples(root, "530629", seed=1, skip=1)
    deliver(weixin, files)
    merge(weixin)
    configs["530629"] = weixin
    zhaoyang, zfiles = county_samples(root, "530602", seed=2)
    planted = plant_person(files[0], zfiles[0])
    planted.update(source_file=files[0].name, target_file=zfiles[0].name)
    deliver(zhaoyang, zfiles)
    merge(zhaoyang)
    configs["530602"] = zhaoyang
    before = NIGHT - dt.timedelta(days=1)
    shuifu, sfiles = county_samples(root, "530681", seed=3, night=before)
    deliver(shuifu, sfiles, dt.datetime.combine(before, dt.time(19)))
    merge(shuifu, before)  # merged the night before, not tonight
    configs["530681"] = shuifu
    yanjin, yfiles = county_samples(root, "530623", seed=4)
    deliver(yanjin, yfiles)
    killed = subprocess.run(  # the merge killed after storing the night, before its master
        [sys.executable, "-c",
         "import datetime as dt, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
         "from tests.citynight import merge; from toolkit.config.county import sample_county;"
         "merge(sample_county('530623', cwd=Path(sys.argv[2])))", str(ROOT), str(root / "530623")],
        env={**os.environ, "GRIDKIT_CRASH_AT": "after-store"}, capture_output=True)
    assert killed.returncode != 0
    configs["530623"] = yanjin
    city = write_city(root, CODES)
    report = build_city_report(city, NIGHT, out_dir=root / "out")
    return {"root": root, "city": city, "configs": configs, "report": report,
            "planted": planted}


def city_columns(sheets: dict[str, list[tuple[Any, ...]]]) -> dict[str, dict[str, Any]]:
    """The city master's 汇总 pages: column title -> {county or 全市合计: value}."""
    out: dict[str, dict[str, Any]] = {}
    for name, rows in sheets.items():
        if name != "汇总" and not name.startswith("汇总-"):
            continue
        head = next(i for i, r in enumerate(rows) if r[0] == "县(市、区)")
        total = next(i for i, r in enumerate(rows) if r[0] == "全市合计")
        first = head + 1
        while rows[first][0] is None:
            first += 1
        for c in range(1, len(rows[head])):
            title = next(r[c] for r in reversed(rows[head:first]) if r[c] is not None)
            out.setdefault(title, {r[0]: r[c] for r in rows[first:total + 1]})
    return out


def test_city_totals_are_the_counties_own_figures(city_night: dict[str, Any]) -> None:
    report: CityReportResult = city_night["report"]
    columns = city_columns(sheet_values(report.master))
    merged = {"威信县": city_night["configs"]["530629"], "昭阳区": city_night["configs"]["530602"]}
    for county, config in merged.items():
        own = summary_columns(sheet_values(config.paths.master))  # the county's own master
        for title, values in own.items():
            if title in ("乡镇", "报送状态"):
                continue
            assert columns[title][county] == values[-1], (county, title)  # its 全县合计
    for title, by_county in columns.items():
        if title == "报送状态":
            assert by_county == {"威信县": MERGED, "昭阳区": MERGED, "水富市": NOT_YET,
                                 "盐津县": FAILED, "全市合计": "纳入2/4"}
            continue
        assert by_county["水富市"] == 0 and by_county["盐津县"] == 0, title
        assert by_county["全市合计"] == by_county["威信县"] + by_county["昭阳区"], title
    assert columns["排查登记(人)"]["全市合计"] > 0
    # and the county's figures as its own report computes them (from its store)
    config = city_night["configs"]["530629"]
    store = open_store(config)
    try:
        own_total = night_figures(store, config, NIGHT).total
    finally:
        store.close()
    county = report.night.county("威信县")
    assert county is not None and county.figures.total.screened == own_total.screened


def test_completeness_per_county_and_township(city_night: dict[str, Any]) -> None:
    report: CityReportResult = city_night["report"]
    sheets = sheet_values(report.master)
    rows = sheets["报送情况"]
    counties = {r[0]: r for r in rows[4:9]}
    assert counties["威信县"][2:8] == (MERGED, 10, 9, 9, 0.9, 0.9)
    assert counties["昭阳区"][2:6] == (MERGED, 6, 6, 6)
    assert counties["水富市"][2:6] == (NOT_YET, 4, 0, 0)  # its townships from the night before
    assert "还没有汇总2月4日" in counties["水富市"][8]
    assert counties["盐津县"][2] == FAILED and "重新运行 gridkit merge" in counties["盐津县"][8]
    assert counties["全市合计"][3:6] == (26, 15, 15)
    head = next(i for i, r in enumerate(rows) if r[:2] == ("县(市、区)", "乡镇"))
    towns = {(r[0], r[1]): r[2] for r in rows[head + 1:] if r[0]}
    assert towns[("威信县", "三桃乡")] == "未报" and towns[("威信县", "扎西镇")] == "已报"
    assert {towns[("水富市", t)] for t in ("云富街道", "向家坝镇", "太平镇", "两碗镇")} == {"未报"}
    assert len(towns) == 26
    assert rows[1][0] == report.night.status_sentence
    assert report.night.status_sentence.startswith(
        "应汇总4个县(市、区)：已汇总2个、未汇总1个、汇总失败1个")


def test_person_in_two_counties_is_listed_with_both_sources(city_night: dict[str, Any]) -> None:
    report: CityReportResult = city_night["report"]
    planted = city_night["planted"]
    found = [d for d in report.night.duplicates if d.id_number == planted["id"]]
    assert len(found) == 1 and found[0].counties == ["威信县", "昭阳区"]
    rows = sheet_values(report.master)["跨县重复"]
    listed = [r for r in rows[2:] if r[0] == planted["id"]]
    assert [(r[2], r[4], r[5], r[6], r[7]) for r in listed] == [
        ("威信县", planted["name"], planted["source_file"], "排查登记", planted["source_row"]),
        ("昭阳区", planted["name"], planted["target_file"], "排查登记", planted["target_row"]),
    ]
    assert listed[0][3] == planted["source_file"].split("_")[0]  # the township
    # the report shows the person masked, never the whole ID number
    masked = [r for r in sheet_values(report.workbook)["跨县重复"][2:] if r[2]]
    assert masked and all(r[0] != planted["id"] and r[0].startswith(planted["id"][:6])
                          for r in masked)
    assert planted["id"] not in report.text and "被两个以上县重复登记" in report.text


def test_report_workbook_and_briefing(city_night: dict[str, Any]) -> None:
    report: CityReportResult = city_night["report"]
    sheets = sheet_values(report.workbook)
    assert list(sheets) == ["日报", "各县情况", "报送情况", "跨县重复"]
    metrics = {r[0]: r[1] for r in sheets["日报"] if r[0] and isinstance(r[1], int | float)}
    assert metrics["排查登记"] == report.night.figures.total.screened
    counties = {r[0]: r for r in sheets["各县情况"][2:]}
    assert counties["全市合计"][1] == "已汇总2/4"
    assert counties["全市合计"][4] == counties["威信县"][4] + counties["昭阳区"][4]
    assert sheets["报送情况"] == sheet_values(report.master)["报送情况"]  # one writer
    text = report.briefing_text.read_text(encoding="utf-8-sig")
    assert text.startswith("昭通市疫情防控工作日报")
    assert "未汇总：水富市" in text and "汇总失败：盐津县" in text
    assert f"共排查登记{report.night.figures.total.screened}人" in text


def test_city_figure_traces_to_the_township_file_and_cell(city_night: dict[str, Any]) -> None:
    city: City = city_night["city"]
    result = trace_city_figure(city, NIGHT, "湖北来威(人)", "威信县")
    columns = city_columns(sheet_values(city_night["report"].master))
    assert result.value == columns["湖北来威(人)"]["威信县"] == len(result.cells) > 0
    cell = result.cells[0]
    sent = city_night["root"] / "samples" / "530629" / cell.file  # the file the township sent
    wb = openpyxl.load_workbook(sent, read_only=True)
    try:
        assert cell.cell is not None and wb[cell.sheet][cell.cell].value == "是" == cell.value
    finally:
        wb.close()
    one = trace_city_figure(city, NIGHT, "from_hubei", "530629", cell.township)
    assert {c.township for c in one.cells} == {cell.township}
    assert one.value == len(one.cells)
    with pytest.raises(UsageError, match="水富市还没有汇总2020-02-04"):
        trace_city_figure(city, NIGHT, "湖北来威(人)", "水富市")
    with pytest.raises(UsageError, match="不是昭通市的县"):
        trace_city_figure(city, NIGHT, "湖北来威(人)", "昆明市")


def test_cli_report_json_and_exit_code(city_night: dict[str, Any], tmp_path: Path) -> None:
    city_file = str(city_night["root"] / "city.toml")
    result = CliRunner().invoke(main, ["city", "report", "--city", city_file, "--date",
                                       "2020-02-04", "--out", str(tmp_path), "--format",
                                       "json"])
    assert result.exit_code == 1, result.output  # a county not merged, one failed
    data = json.loads(result.output)
    assert data["not_yet"] == ["水富市"] and data["failed"] == ["盐津县"]
    assert data["counties_merged"] == 2 and data["townships_expected"] == 26
    by = {c["county"]: c for c in data["counties"]}
    assert by["威信县"]["reporting_rate"] == 0.9 and by["威信县"]["state"] == MERGED
    assert data["total"]["screened"] == city_night["report"].night.figures.total.screened
    planted = city_night["planted"]["id"]
    assert data["duplicates"] and planted not in result.output
    assert Path(data["master"]).parent == tmp_path and Path(data["workbook"]).is_file()


def test_cli_trace_json(city_night: dict[str, Any]) -> None:
    city_file = str(city_night["root"] / "city.toml")
    result = CliRunner().invoke(main, ["city", "trace", "排查登记(人)", "--county", "昭阳区",
                                       "--city", city_file, "--date", "2020-02-04",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["county"] == "昭阳区" and data["value"] == len(data["cells"])
    assert {c["township"] for c in data["cells"]} == set(
        city_night["configs"]["530602"].county.township_names)
    result = CliRunner().invoke(main, ["city", "trace", "排查登记(人)", "--county", "水富市",
                                       "--city", city_file, "--date", "2020-02-04"])
    assert result.exit_code == 2 and "水富市还没有汇总" in result.output


def test_every_county_merged_is_exit_0(city_night: dict[str, Any]) -> None:
    city = write_city(city_night["root"], ("530629", "530602"), name="two.toml")
    night = read_city_night(city, NIGHT)
    assert night.exit_code == 0 and night.count(MERGED) == 2


def test_a_store_that_cannot_be_read_is_a_failed_county(city_night: dict[str, Any],
                                                        tmp_path: Path) -> None:
    (tmp_path / "530627").mkdir()
    (tmp_path / "530627" / "gridkit.sqlite3").write_bytes(b"not a database" * 100)
    city = write_city(tmp_path, ("530627",))
    problems: dict[str, str] = {}
    stores = open_city_stores(city, problems=problems)
    assert stores == {} and "530627" in problems
    night = gather_city(city, stores, NIGHT, problems)
    county = night.counties[0]
    assert county.state == FAILED and "已损坏" in county.note


def test_the_city_briefing_has_its_issue_number_and_the_change_since_the_night_before(
        tmp_path: Path) -> None:
    """第N期 counts the nights any county has merged; 较上日 compares only the counties
    merged on both nights (a county new tonight is not counted as a rise)."""
    from toolkit.store import open_store

    before = NIGHT - dt.timedelta(days=1)
    weixin, files = county_samples(tmp_path, "530629", seed=3, night=before)
    deliver(weixin, files, dt.datetime.combine(before, dt.time(19)))
    merge(weixin, before)
    for f in weixin.paths.inbox.iterdir():
        f.unlink()
    deliver(weixin, county_samples(tmp_path, "530629", seed=4)[1])
    merge(weixin)
    zhaoyang, files = county_samples(tmp_path, "530602", seed=5)  # tonight only
    deliver(zhaoyang, files)
    merge(zhaoyang)
    city = write_city(tmp_path, ("530629", "530602"))
    result = build_city_report(city, NIGHT, out_dir=tmp_path / "out")
    with open_store(weixin) as store:
        then = night_figures(store, weixin, before).total
        now = night_figures(store, weixin, NIGHT).total
    assert result.night.issue == 2 and result.night.compared == ["威信县"]
    assert result.night.changes == {f: getattr(now, f) - getattr(then, f)
                                    for f in ("screened", "under_management", "released")}
    assert "第2期" in result.text
    assert "较上日（威信县两晚都已汇总）：排查登记" in result.text
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["issue"] == 2 and data["compared"] == ["威信县"]
    # the HTML briefing: the same words, in the county briefing's page layout
    assert result.briefing_html is not None and data["briefing_html"]
    html = result.briefing_html.read_text(encoding="utf-8")
    assert "<title>昭通市疫情防控工作日报（第2期）</title>" in html
    assert "较上日（威信县两晚都已汇总）" in html


def test_a_store_failing_while_the_duplicates_are_read_leaves_the_city_report_whole(
        city_night: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A county store that fails while the city reads its ID numbers (a server gone for a
    moment) leaves that county out of 跨县重复, said beside it; its figures and the other
    counties stay, and the report is written."""
    import sqlite3

    from toolkit.store.sqlite import SqliteStore

    real = SqliteStore.pick

    def flaky(self: SqliteStore, *args: Any, **kwargs: Any) -> Any:
        if "530602" in str(self.path):
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SqliteStore, "pick", flaky)
    city: City = city_night["city"]
    night = read_city_night(city, NIGHT)
    zhaoyang = night.county("530602")
    assert zhaoyang is not None and zhaoyang.state == MERGED
    assert "跨县重复登记未能核对" in zhaoyang.note
    assert zhaoyang.figures.total.screened == city_night["report"].night.county(
        "530602").figures.total.screened
    assert night.duplicates == []  # the planted person's other county was not read
