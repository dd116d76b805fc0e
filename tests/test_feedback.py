"""What townships get back, and one status for a township in every output: a night with
each status (已报, 迟报, 有错待改, 退回, 未报), the feedback listing every problem of its own
township with whose row it is, the people another township registered too, 公文 wording,
the resubmission deadline and contact from the configuration, an office-edited template."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.factory import pid, set_cell
from tests.test_merge import LATE, NIGHT, NOW, ON_TIME, send, stamp, township_book
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.errors import TemplateError
from toolkit.outputs.feedback import feedback_for_night
from toolkit.run.nightly import run_nightly
from toolkit.store import open_store

SHARED_ID = pid(777)
EXPECTED = {"扎西镇": "已报", "旧城镇": "迟报", "罗布镇": "有错待改", "麟凤镇": "已报",
            "长安镇": "退回"}  # the others: 未报


@pytest.fixture
def every_status(config: Config) -> Config:
    """扎西镇 on time and clean; 旧城镇 late; 罗布镇 with errors (a bad phone, a bad ID)
    and a person 麟凤镇 registered too; 长安镇 a file that is not a workbook; the rest
    send nothing."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    send(inbox, "扎西镇_20200204.xlsx", township_book("扎西镇", 1))
    send(inbox, "旧城镇_20200204.xlsx", township_book("旧城镇", 2), at=LATE)
    bad = township_book("罗布镇", 3)
    set_cell(bad, "排查登记", 1, "联系电话", "12345")
    set_cell(bad, "住户", 2, "身份证号", pid(5)[:-1] + ("0" if pid(5)[-1] != "0" else "1"))
    set_cell(bad, "排查登记", 3, "身份证号", SHARED_ID)
    send(inbox, "罗布镇_20200204.xlsx", bad)
    shared = township_book("麟凤镇", 4)
    set_cell(shared, "排查登记", 3, "身份证号", SHARED_ID)
    set_cell(shared, "排查登记", 3, "姓名", "胡明军")  # as 麟凤镇 wrote the name
    send(inbox, "麟凤镇_20200204.xlsx", shared)
    junk = inbox / "长安镇_20200204.xlsx"
    junk.write_text("这不是表格", encoding="utf-8")
    stamp(junk, ON_TIME)
    return config


def test_one_status_in_every_output(every_status: Config, monkeypatch, tmp_path) -> None:
    config = every_status
    result = run_nightly(config, NIGHT, now=NOW, console=False)
    names = config.county.township_names
    want = {n: EXPECTED.get(n, "未报") for n in names}

    # the merge (the CLI's JSON is the same TownshipStatus)
    assert {t.township: t.word for t in result.merge.townships} == want
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["report", "--date", "2020-02-04", "--format", "json"])
    assert {t["township"]: t["status"] for t in json.loads(res.output)["townships"]} == want
    # the master's 报送情况 and the 日报's 报送情况
    for path in (config.paths.master, result.report.workbook):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:  # closed here: a read-only workbook left open fails a later test when collected
            rows = list(wb["报送情况"].iter_rows(values_only=True))
        finally:
            wb.close()
        shown = {r[0]: r[1] for r in rows if r and r[0] in want}
        assert shown == want, path.name
    # the briefing names each township under its status
    text = result.report.text
    assert "已报2个、迟报1个、有错待改1个、退回1个、未报5个" in text
    assert "迟报：旧城镇（21时30分送达）。退回：长安镇。" in text
    assert "罗布镇按反馈说明逐条改正" in text
    # the feedback
    for fb in result.feedback:
        assert fb.status == want[fb.township]
        note = fb.note.read_text(encoding="utf-8-sig")
        assert f"状态：{want[fb.township]}" in note or want[fb.township] in ("退回", "未报")
    notes = {fb.township: fb.note.read_text(encoding="utf-8-sig") for fb in result.feedback}
    assert "已纳入全县汇总" in notes["罗布镇"] and "有错待改" in notes["罗布镇"]
    assert "晚于截止时间20时，记为迟报" in notes["旧城镇"]
    assert "无法使用，已退回，未纳入全县汇总。原因：" in notes["长安镇"]
    assert "未收到你镇2月4日的登记表" in notes["水田镇"]
    assert "未收到你乡2月4日的登记表" in notes["三桃乡"]


def test_feedback_lists_every_problem_of_its_township(every_status: Config) -> None:
    config = every_status
    result = run_nightly(config, NIGHT, now=NOW, console=False)
    store = open_store(config)
    try:
        findings = [f for f in store.findings(NIGHT) if f.township == "罗布镇"]
    finally:
        store.close()
    assert findings
    fb = next(f for f in result.feedback if f.township == "罗布镇")
    note = fb.note.read_bytes()
    assert note.startswith(b"\xef\xbb\xbf") and b"\r\n" in note  # Notepad reads it
    text = note.decode("utf-8-sig").replace("\r\n", "\n")
    listed = re.findall(r"^\d+\. 【(错误|警告)】(.*)$", text, flags=re.M)
    assert len(listed) == len(findings) == fb.problems
    for f in findings:
        line = next(t for _, t in listed if f"第{f.row}行" in t and (f.cell or "") in t)
        assert f"“{f.column}”栏" in line
    # whose row: the person's name from the township's own row, in full
    phone = next(t for _, t in listed if "联系电话" in t)
    assert "姓名：马小军" in phone
    # the copy is named for what it is, never like the file the township sent
    assert fb.annotated is not None and fb.annotated.name == "罗布镇_20200204_检查结果.xlsx"
    assert "标注副本“罗布镇_20200204_检查结果.xlsx”" in text
    # 公文: how the county writes to a township, the date, when to resend, whom to call
    assert "你镇" in text and "贵乡镇" not in text
    assert text.rstrip().endswith("威信县疫情防控指挥部办公室\n2020年2月4日")
    assert "于2月5日12时前重新报送" in text
    assert f"如有疑问，请联系：{config.county.contact}。" in text
    # a township with no problem: no list, no copy, no '谢谢' before anything else
    clean = next(f for f in result.feedback if f.township == "扎西镇")
    assert clean.annotated is None and clean.problems == 0
    assert "检查未发现问题" in clean.note.read_text(encoding="utf-8-sig")


def test_a_person_registered_by_two_townships(every_status: Config) -> None:
    result = run_nightly(every_status, NIGHT, now=NOW, console=False)
    notes = {fb.township: fb.note.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
             for fb in result.feedback}
    # each side sees its own row and name, the ID in full (its own data), the other named
    assert re.search(rf"排查登记第4行，胡明（身份证号{SHARED_ID}）：麟凤镇也登记了此人。"
                     r"请与麟凤镇核实", notes["罗布镇"]), notes["罗布镇"]
    assert re.search(rf"排查登记第4行，胡明军（身份证号{SHARED_ID}）：罗布镇也登记了此人",
                     notes["麟凤镇"])
    # nothing of the other township's row: the name it wrote is not in the note
    assert "胡明军" not in notes["罗布镇"] and "胡明（" not in notes["麟凤镇"]
    assert "重复登记" not in notes["扎西镇"]


def test_deadline_and_contact_come_from_the_configuration(every_status: Config) -> None:
    import datetime as dt

    county = dataclasses.replace(every_status.county, resubmit_by=dt.time(9, 30),
                                 contact="县指挥部 王丽 13887012345")
    config = dataclasses.replace(every_status, county=county)
    result = run_nightly(config, NIGHT, now=NOW, console=False)
    note = next(f for f in result.feedback if f.township == "长安镇").note
    text = note.read_text(encoding="utf-8-sig")
    assert "于2月5日9时30分前重新报送" in text and "县指挥部 王丽 13887012345" in text


def test_an_office_edited_feedback_template_is_used(every_status: Config) -> None:
    own = every_status.base_dir / "templates"
    own.mkdir(exist_ok=True)
    (own / "feedback.txt.j2").write_text(
        "{{ township }}{{ status }},问题{{ items | length }}处\n", encoding="utf-8")
    result = run_nightly(every_status, NIGHT, now=NOW, console=False)
    fb = next(f for f in result.feedback if f.township == "罗布镇")
    assert fb.note.read_bytes().decode("utf-8-sig") == f"罗布镇有错待改，问题{fb.problems}处\r\n"


def test_a_broken_feedback_template_writes_nothing(every_status: Config) -> None:
    run_nightly(every_status, NIGHT, now=NOW, console=False)
    own = every_status.base_dir / "templates"
    own.mkdir(exist_ok=True)
    (own / "feedback.txt.j2").write_text("{% if status %}没有结束\n", encoding="utf-8")
    for note in Path(every_status.paths.outbox).rglob("*.txt"):
        note.unlink()
    with pytest.raises(TemplateError) as info:
        feedback_for_night(every_status, NIGHT)
    assert "feedback.txt.j2" in info.value.message
    assert not list(Path(every_status.paths.outbox).rglob("*.txt"))
