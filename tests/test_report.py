"""The daily report from night figures built by hand: workbook, briefing, masking, templates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import filecmp
from pathlib import Path

import openpyxl
import pytest

from tests.factory import pid
from tests.test_report_helpers import NIGHT, night, problem, report_data
from toolkit.errors import TemplateError
from toolkit.outputs.report import render_report
from toolkit.outputs.templating import PACKAGE_TEMPLATES

REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def all_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)


def test_complete_night_briefing_in_the_county_style(config, tmp_path):
    figures = night(config)
    figures.total.leaflets, figures.total.banners = 80312, 812
    figures.total.propaganda_vehicles = 148
    result = render_report(config, report_data(config, figures), out_dir=tmp_path / "out")
    text = result.text
    lines = text.splitlines()
    assert lines[:4] == ["威信县疫情防控工作日报", "第1期",
                         "威信县疫情防控指挥部办公室　　2020年2月4日", "（数据截至2月4日20时）"]
    assert "应报10个乡镇：已报10个；纳入汇总10个，报送率100%，按时报送率100%。" in text
    assert "八、存在问题\n本日各乡镇均按时报送，报表未发现待改正的错误。" in text
    assert "九、下步工作\n（1）继续做好排查登记" in text
    assert lines[-2:] == ["威信县疫情防控指挥部办公室", "2020年2月4日"]
    assert "发放各类宣传资料8万余份" in text
    assert "标语、横幅800余条" in text
    assert "出动宣传车148辆次" in text
    assert "对1月8日后到威信人员进行“拉网式”排查" in text
    assert f"共排查登记{figures.total.screened}人" in text
    assert "无上日数据" in text
    assert "约" not in text and "估算" not in text  # no estimates in an official report
    assert result.briefing_text.read_text(encoding="utf-8-sig").replace("\r\n", "\n") == text


def test_text_and_web_page_say_the_same(config, tmp_path):
    """The web page is laid out from the text: every line of the text is on it, in order."""
    import html as html_lib
    import re

    figures = night(config, {"三桃乡": "未报", "旧城镇": "迟报", "双河乡": "退回"})
    before = night(config, date=NIGHT - dt.timedelta(days=1))
    result = render_report(config, report_data(config, figures, before), out_dir=tmp_path)
    page = result.briefing_html.read_text(encoding="utf-8")
    shown = [html_lib.unescape(t) for t in re.findall(r"<(?:h1|h2|p)>(.*?)</", page)]
    assert shown == [line for line in result.text.splitlines() if line.strip()]
    for word in ("接触史", "联防队", "应急广播", "存在问题", "下步工作", "第2期"):
        assert word in page


def test_full_width_punctuation_in_the_briefing(config, tmp_path):
    figures = night(config, {"双河乡": "退回"})
    figures.townships[7].reason = "文件不是Excel工作簿(可能已损坏),请重新保存后报送。"
    result = render_report(config, report_data(config, figures), out_dir=tmp_path)
    text = result.text
    assert ("双河乡报送的文件无法使用，已退回（文件不是Excel工作簿（可能已损坏），"
            "请重新保存后报送）") in text
    body = "\n".join(line for line in text.splitlines() if not line.startswith("应报"))
    for half in ",;(":  # next to Chinese, a half-width mark is a typo in 公文
        assert not any(half in line for line in body.splitlines()), half


def test_incomplete_night_names_missing_late_and_rejected(config, tmp_path):
    figures = night(config, {"三桃乡": "未报", "旧城镇": "迟报", "双河乡": "退回"})
    result = render_report(config, report_data(config, figures), out_dir=tmp_path)
    assert ("应报10个乡镇：已报7个、迟报1个、退回1个、未报1个；纳入汇总8个，报送率80%，"
            "按时报送率70%。迟报：旧城镇（20时35分送达）。退回：双河乡。未报：三桃乡。"
            ) in result.text
    assert ("（1）报送不及时、不规范。三桃乡截至汇总时未报送；双河乡报送的文件无法使用"
            ) in result.text
    assert "（1）督促三桃乡、双河乡于2月5日12时前报送登记表。" in result.text
    rows = sheet_rows(result.workbook, "报送情况")
    status = {r[0]: r[1] for r in rows[3:13]}
    assert status["三桃乡"] == "未报" and status["旧城镇"] == "迟报" and status["扎西镇"] == "已报"
    assert status["双河乡"] == "退回"
    sheet = [r[0] for r in sheet_rows(result.workbook, "日报") if r[0]]
    assert "八、存在问题" in sheet and "九、下步工作" in sheet  # the same words as the text
    assert "（1）督促三桃乡、双河乡于2月5日12时前报送登记表。" in sheet


def test_township_with_errors_must_fix(config, tmp_path):
    figures = night(config, {"高田乡": "有错待改"})
    figures.townships[8].errors = 3
    problems = [problem("高田乡", "身份证号校验位不对", row=5 + k) for k in range(3)]
    result = render_report(config, report_data(config, figures, problems=problems),
                           out_dir=tmp_path)
    assert "已报9个、有错待改1个；纳入汇总10个，报送率100%，按时报送率100%。" in result.text
    assert "部分报表有错误。高田乡3处，共3处，主要是身份证号校验码不对（3处）" in result.text
    assert "高田乡按反馈说明逐条改正，于2月5日12时前重新报送。" in result.text
    assert "退回乡镇" not in result.text  # merged, not sent back


def test_workbook_figures_are_the_night_figures(config, tmp_path):
    figures = night(config)
    result = render_report(config, report_data(config, figures), out_dir=tmp_path)
    assert result.workbook.name == "疫情防控工作日报_20200204.xlsx"
    wb = openpyxl.load_workbook(result.workbook)
    assert wb.sheetnames == ["日报", "乡镇情况", "报送情况", "较上日变化", "趋势", "问题清单"]
    summary = {r[0]: r[1] for r in sheet_rows(result.workbook, "日报")[6:] if r[0]}
    assert summary["排查登记"] == figures.total.screened
    assert summary["在管人数"] == figures.total.under_management
    assert summary["宣传资料"] == figures.total.leaflets
    towns = sheet_rows(result.workbook, "乡镇情况")
    header = towns[2]
    by_town = {r[0]: dict(zip(header, r, strict=True)) for r in towns[3:]}
    for t in figures.townships:
        assert by_town[t.township]["排查登记\n(人)"] == t.screened
        assert by_town[t.township]["在管\n(人)"] == t.under_management
    assert by_town["全县"]["排查登记\n(人)"] == sum(t.screened for t in figures.townships)
    assert len(wb["日报"]._charts) == 1


def test_workbook_is_printable(config, tmp_path):
    result = render_report(config, report_data(config, night(config)), out_dir=tmp_path)
    wb = openpyxl.load_workbook(result.workbook)
    for ws in wb.worksheets:
        # the 日报 page is an A4 portrait document; the tables are landscape
        assert ws.page_setup.orientation == ("portrait" if ws.title == "日报" else "landscape")
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1)  # Excel's default is 1 page wide
        assert ws.page_setup.fitToHeight == 0  # as many pages tall as needed
        assert ws.print_title_rows or ws.title == "日报", ws.title
        assert ws.page_margins.left == pytest.approx(0.4)


def test_day_over_day_change(config, tmp_path):
    before = night(config, date=NIGHT - dt.timedelta(days=1))
    now = night(config, scale=2)
    old_problem = problem("扎西镇", "旧问题", "x")
    problems = [problem("扎西镇", "旧问题", "x"), problem("旧城镇", "新问题", "y")]
    data = report_data(config, now, before, problems, [old_problem])
    result = render_report(config, data, out_dir=tmp_path)
    total = data.total_change
    assert total.screened == now.total.screened - before.total.screened
    assert total.released == now.total.released - before.total.released
    assert total.problems == 1
    assert f"排查登记增加{total.screened}人" in result.text
    rows = sheet_rows(result.workbook, "较上日变化")
    header = rows[2]
    zx = dict(zip(header, next(r for r in rows if r[0] == "扎西镇"), strict=True))
    assert zx["排查登记较上日(人)"] == 120 and zx["新发现问题(处)"] == 0
    jc = dict(zip(header, next(r for r in rows if r[0] == "旧城镇"), strict=True))
    assert jc["新发现问题(处)"] == 1
    wb = openpyxl.load_workbook(result.workbook)
    ws = wb["日报"]
    change = next(r for r in ws.iter_rows(min_row=7) if r[0].value == "排查登记")[3]
    assert change.value == total.screened and change.number_format.startswith("+")
    flagged = {r[6]: r[8] == "是" for r in sheet_rows(result.workbook, "问题清单")[3:]}
    assert flagged == {"旧问题": False, "新问题": True}


def test_falling_running_totals_are_flagged(config, tmp_path):
    before = night(config, date=NIGHT - dt.timedelta(days=1))
    now = night(config, scale=2)
    now.townships[2].checkpoints = 0  # 罗布镇: 2 checkpoints yesterday, none tonight
    now.total.checkpoints -= 2
    now.townships[2].vehicles_checked -= 100
    now.total.vehicles_checked -= 100
    result = render_report(config, report_data(config, now, before), out_dir=tmp_path)
    assert "部分累计数较上日减少：全县卡点减少2个、全县检查车辆减少100辆；涉及罗布镇（卡点、" \
        "检查车辆）。累计数只增不减，请相关乡镇说明原因" in result.text
    assert "核实累计数减少的原因" in result.text
    rows = {r[0]: r for r in sheet_rows(result.workbook, "日报")[6:] if r[0]}
    assert rows["卡点"][3] == -2
    assert rows["卡点"][4] == "累计数减少，请核实：罗布镇"
    assert rows["排查登记"][4] in (None, "")  # rose: nothing to explain


def test_falling_total_of_a_missing_township_is_not_a_fall(config, tmp_path):
    before = night(config, date=NIGHT - dt.timedelta(days=1))
    now = night(config, {"三桃乡": "未报"})
    result = render_report(config, report_data(config, now, before), out_dir=tmp_path)
    assert "累计数较上日减少" not in result.text  # 三桃乡 is named as missing instead


def test_trend_shows_fourteen_days_with_units(config, tmp_path):
    result = render_report(config, report_data(config, night(config)), out_dir=tmp_path)
    rows = sheet_rows(result.workbook, "趋势")
    assert rows[2][0] == "日期" and rows[2][1] == "在管人数(人)"
    days = [r[0] for r in rows[3:] if r[0]]
    assert len(days) == 14 and days[-1].date() == NIGHT
    assert rows[-1][1] == night(config).total.under_management and rows[3][1] is None
    chart = openpyxl.load_workbook(result.workbook)["日报"]._charts[0]
    assert len(chart.series) == 1  # persons under management only


def test_no_full_id_or_phone_anywhere(config, tmp_path):
    full_id, phone, landline = pid(42), "13912345678", "0870-2158276"
    from toolkit.outputs.report.data import column_kinds, problem_from_record
    from toolkit.store.records import FindingRecord

    records = [
        FindingRecord("扎西镇", 1, "a.xlsx", "排查登记", 5, "身份证号", "D5", "id-check-digit",
                      "error", f"身份证号 {full_id} 校验位不对", full_id),
        FindingRecord("扎西镇", 1, "a.xlsx", "住户", 6, "联系电话", "E6", "phone-invalid",
                      "error", f"电话 {phone} 与 {landline} 有误", phone),
        FindingRecord("旧城镇", 2, "b.xlsx", "排查登记", 7, "身份证号", "D7",
                      "id-stored-as-number", "error", "Excel 把身份证号存成了数字",
                      530629198005172000.0),
    ]
    kinds = column_kinds(config)
    problems = [problem_from_record(r, kinds) for r in records]
    result = render_report(config, report_data(config, night(config), problems=problems),
                           out_dir=tmp_path)
    outputs = [all_text(result.workbook), result.text,
               result.briefing_html.read_text(encoding="utf-8")]
    for out in outputs:
        for secret in (full_id, phone, "2158276", "530629198005172000"):
            assert secret not in out
    assert full_id[:6] + "********" + full_id[-4:] in outputs[0]
    assert "139****5678" in outputs[0]


def test_broken_template_names_file_and_line(config, tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "briefing.txt.j2").write_text("第一行\n第二行\n{% if reported %}没有结束\n",
                                         encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        render_report(config, report_data(config, night(config)), out_dir=tmp_path / "out")
    assert "briefing.txt.j2" in info.value.message and "第 3 行" in info.value.message
    assert not (tmp_path / "out").exists()


def test_unknown_variable_names_file_and_line(config, tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "briefing.txt.j2").write_text("{{ county }}\n共{{ total.screned }}人\n",
                                         encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        render_report(config, report_data(config, night(config)), out_dir=tmp_path / "out")
    assert "briefing.txt.j2" in info.value.message and "第 2 行" in info.value.message
    assert "screned" in info.value.message


def test_office_edited_template_is_used(config, tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "briefing.txt.j2").write_text(
        "{{ county }}已报{{ reported }}个,宣传资料{{ total.leaflets | approx }}份\n",
        encoding="utf-8")
    figures = night(config)
    figures.total.leaflets = 80312
    result = render_report(config, report_data(config, figures), out_dir=tmp_path / "out")
    # half-width punctuation next to Chinese comes out full-width
    assert result.text == "威信县已报10个，宣传资料8万余份\n"
    assert "<html" in result.briefing_html.read_text(encoding="utf-8")  # the shipped one


def test_configured_templates_folder(config, tmp_path):
    folder = tmp_path / "模板"
    folder.mkdir()
    (folder / "briefing.txt.j2").write_text("自定义{{ expected }}\n", encoding="utf-8")
    cfg = dataclasses.replace(config, paths=dataclasses.replace(config.paths, templates=folder))
    result = render_report(cfg, report_data(cfg, night(cfg)), out_dir=tmp_path / "out")
    assert result.text == "自定义10\n"


@pytest.mark.parametrize("name", ["briefing.txt.j2", "briefing.html.j2", "feedback.txt.j2"])
def test_repo_templates_match_the_shipped_copy(name):
    assert filecmp.cmp(REPO_TEMPLATES / name, PACKAGE_TEMPLATES / name, shallow=False), (
        f"templates/{name} and toolkit/outputs/templates/{name} differ: "
        "copy one to the other")


def test_a_file_late_by_days_says_the_day_it_arrived(config, tmp_path):
    import datetime as dt

    figures = night(config, {"旧城镇": "迟报"})
    figures.townships[1].arrived_at = dt.datetime(2020, 2, 5, 10, 0)
    result = render_report(config, report_data(config, figures), out_dir=tmp_path)
    assert "迟报：旧城镇（2月5日10时送达）。" in result.text
    from toolkit.store.records import LATE, TownshipStatus

    status = TownshipStatus("旧城镇", LATE, 1, "旧城镇.xlsx", dt.datetime(2020, 2, 5, 10, 0))
    assert status.note == "迟报（2月5日 10:00 送达）"  # the 说明 everywhere says the day
