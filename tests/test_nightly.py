"""gridkit nightly on generated sample files: merge, report, feedback, logging, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.run.nightly import run_nightly
from toolkit.sample import generate
from toolkit.store import open_store

D = dt.date(2020, 2, 4)
SCALE = 0.1


def deliver(config, files, when: dt.datetime) -> None:
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = config.paths.inbox / f.name
        shutil.copyfile(f, target)
        os.utime(target, (when.timestamp(), when.timestamp()))


@pytest.fixture
def night_inbox(config, tmp_path):
    """Every township but the last sends on time; the second one's file has errors."""
    names = config.county.township_names
    files = generate(config, tmp_path / "samples", D, scale=SCALE, seed=5,
                     townships=list(names[:-1])).files
    bad = generate(config, tmp_path / "bad", D, scale=SCALE, seed=6, defects=0.05,
                   townships=[names[1]]).files
    files = [f for f in files if names[1] not in f.name] + bad
    deliver(config, files, dt.datetime.combine(D, dt.time(18)))
    return names


def run(config):
    return run_nightly(config, D, now=dt.datetime.combine(D, dt.time(22)), console=False)


def test_nightly_merges_reports_and_writes_feedback(config, night_inbox):
    names = night_inbox
    result = run(config)
    assert result.exit_code == 1  # the last township did not report
    assert result.failures == []
    assert result.merge.master is not None and result.merge.master.exists()
    assert result.report is not None and result.report.workbook.exists()
    assert "未报：" + names[-1] in result.report.text
    errors = sum(t.errors for t in result.merge.townships)
    assert errors and f"共{errors}处" in result.report.text  # errors, not warnings
    by_town = {f.township: f for f in result.feedback}
    assert list(by_town) == list(names)
    for fb in result.feedback:
        assert fb.note.exists() and fb.note.parent == config.paths.outbox / fb.township
    bad = by_town[names[1]]
    assert bad.annotated is not None
    wb = openpyxl.load_workbook(bad.annotated)
    assert "检查结果" in wb.sheetnames
    assert "检查发现错误" in bad.note.read_text(encoding="utf-8-sig")
    assert by_town[names[0]].annotated is None  # nothing to fix: only the note
    assert "检查未发现问题" in by_town[names[0]].note.read_text(encoding="utf-8-sig")
    assert "未收到你乡" in by_town[names[-1]].note.read_text(encoding="utf-8-sig")
    log_text = result.log_file.read_text(encoding="utf-8")
    assert "夜间任务开始" in log_text and "夜间任务结束" in log_text and names[-1] in log_text


def test_report_figures_equal_the_sums_of_the_merged_rows(config, night_inbox):
    result = run(config)
    assert result.report is not None
    schema = config.schema
    screening = schema.sheet_by_id("screening")
    measure_col = next(c for c in screening.columns if c.name == "管控措施")
    managed = set(schema.rules.managed_measures)
    store = open_store(config)
    try:
        cols = store.columns(D, screening.name)
        k = cols.index(measure_col.id)
        screened: dict[str, int] = {}
        under: dict[str, int] = {}
        for row in store.rows(D, screening.name):
            screened[row.township] = screened.get(row.township, 0) + 1
            if row.values[k] in managed:
                under[row.township] = under.get(row.township, 0) + 1
    finally:
        store.close()
    wb = openpyxl.load_workbook(result.report.workbook)
    rows = [list(r) for r in wb["乡镇情况"].iter_rows(values_only=True)]
    header = rows[2]
    table = {r[0]: dict(zip(header, r, strict=True)) for r in rows[3:]}
    for name in config.county.township_names:
        assert table[name]["排查登记\n(人)"] == screened.get(name, 0), name
        assert table[name]["在管\n(人)"] == under.get(name, 0), name
    assert table["全县"]["排查登记\n(人)"] == sum(screened.values())
    summary = {r[0]: r[1] for r in wb["日报"].iter_rows(min_row=7, values_only=True) if r[0]}
    assert summary["排查登记"] == sum(screened.values())
    assert summary["在管人数"] == sum(under.values())
    assert f"共排查登记{sum(screened.values())}人" in result.report.text


def test_no_full_id_or_phone_leaves_the_office(config, night_inbox):
    result = run(config)
    assert result.report is not None
    secrets: set[str] = set()
    by_town: dict[str, set[str]] = {}
    store = open_store(config)
    try:
        for sheet in config.schema.sheets:
            kinds = {c.id: c.type for c in sheet.columns}
            cols = store.columns(D, sheet.name)
            for row in store.rows(D, sheet.name):
                for cid, v in zip(cols, row.values, strict=True):
                    if kinds.get(cid) in ("id-number", "phone") and isinstance(v, str) \
                            and len(v) >= 11:
                        secrets.add(v)
                        by_town.setdefault(row.township, set()).add(v)
        for f in store.findings(D):
            if isinstance(f.value, str) and len(f.value) >= 11 and f.value.isdigit():
                secrets.add(f.value)
                by_town.setdefault(f.township or "", set()).add(f.value)
    finally:
        store.close()
    assert len(secrets) > 50
    # a township's feedback is its own register: its own numbers in full, nobody else's
    for fb in result.feedback:
        note = fb.note.read_text(encoding="utf-8-sig")
        others = secrets - by_town.get(fb.township, set())
        assert [s for s in others if s in note] == []
    wb = openpyxl.load_workbook(result.report.workbook)
    texts = ["\n".join(str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)
                       for v in r if v is not None),
             result.report.text, result.report.briefing_html.read_text(encoding="utf-8")]
    assert any("****" in t for t in texts[:1])  # the problem list shows masked values
    for text in texts:
        leaked = [s for s in secrets if s in text]
        assert leaked == []


def test_a_broken_template_fails_the_report_step_only(config, night_inbox, tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "briefing.txt.j2").write_text("{{ county\n", encoding="utf-8")
    result = run(config)
    assert result.report is None
    assert result.exit_code == 1
    assert len(result.failures) == 1 and "briefing.txt.j2" in result.failures[0]
    assert len(result.feedback) == len(config.county.townships)
    assert result.merge.master is not None and result.merge.master.exists()


def test_cli_nightly_json(config, night_inbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["nightly", "--date", D.isoformat(), "--format", "json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    assert data["date"] == D.isoformat() and data["exit_code"] == 1
    assert [t["status"] for t in data["merge"]["townships"]][-1] == "未报"
    assert Path(data["report"]["workbook"]).exists()
    assert len(data["feedback"]) == len(config.county.townships)


def test_cli_report_rebuilds_from_the_store(config, night_inbox, tmp_path, monkeypatch):
    run(config)
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["report", "--date", D.isoformat(), "--out", "again",
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["missing"] == 1 and data["reported"] == len(config.county.townships) - 1
    assert (tmp_path / "again" / "疫情防控工作日报_20200204.xlsx").exists()
    nothing = CliRunner().invoke(main, ["report", "--date", "2020-02-01"])
    assert nothing.exit_code == 1
    assert "还没有汇总" in nothing.output and "Traceback" not in nothing.output


def _commented_cells(path: Path) -> set[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate) for ws in wb.worksheets if ws.title != "检查结果"
            for row in ws.iter_rows() for c in row if c.comment is not None}


def test_feedback_copy_is_named_as_sent_and_marks_what_check_marks(config, night_inbox,
                                                                   tmp_path):
    """The township gets back its own file name with _检查结果, with the same cells marked as
    `gridkit check --out` marks on the file it sent (the merge's check is reused)."""
    from toolkit.annotate.copy import write_annotated
    from toolkit.check.run import check_path

    names = night_inbox
    result = run(config)
    bad = {f.township: f for f in result.feedback}[names[1]]
    sent = next(p for p in config.paths.inbox.iterdir() if names[1] in p.name)
    assert bad.annotated is not None
    assert bad.annotated.name == f"{sent.stem}_检查结果{sent.suffix}"
    expected = write_annotated(check_path(sent, config), tmp_path / "by-check")
    assert _commented_cells(bad.annotated) == _commented_cells(expected) != set()


def test_feedback_copy_failure_is_explained_in_chinese(config, night_inbox, monkeypatch):
    import errno

    import toolkit.outputs.feedback

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(toolkit.outputs.feedback, "_annotated_copy", refuse)
    result = run(config)
    bad = {f.township: f for f in result.feedback}[night_inbox[1]]
    assert bad.problem == "无法写出标注副本:没有访问权限,或文件正在Excel中打开"


def test_feedback_for_night_rewrites_every_townships_feedback(config, night_inbox):
    from toolkit.outputs.feedback import NOTE_NAME, feedback_for_night

    run(config)
    shutil.rmtree(config.paths.outbox)
    written = feedback_for_night(config, D)
    assert [f.township for f in written] == list(config.county.township_names)
    assert all(f.note.is_file() and f.note.name == NOTE_NAME.format(night=D) for f in written)
    bad = {f.township: f for f in written}[night_inbox[1]]
    assert bad.annotated is not None and bad.annotated.is_file()


def test_the_nightly_report_shows_the_merges_figures_read_once(config, night_inbox,
                                                              tmp_path, monkeypatch):
    """The night's figures are read from the store once (by the merge, for the master) and
    the report shows the same: its text equals a report rebuilt from the store later."""
    from toolkit.outputs import figures
    from toolkit.outputs.report import build_report

    reads = []
    real = figures.night_figures

    def counted(store, cfg, night, **kwargs):
        reads.append(night)
        return real(store, cfg, night, **kwargs)

    for module in ("toolkit.outputs.master", "toolkit.outputs.report.data"):
        monkeypatch.setattr(f"{module}.night_figures", counted)
    result = run(config)
    assert result.report is not None and reads == [D]
    again = build_report(config, D, out_dir=tmp_path / "again",
                         now=dt.datetime.combine(D, dt.time(22)))
    assert again.text == result.report.text


def test_the_nightly_backs_up_the_night_it_merged_beside_its_report(config, night_inbox,
                                                                   monkeypatch):
    """The store is backed up (verified, holding the night) while the report is written;
    an unchanged re-run makes no new backup; a backup that fails stops the night with its
    sentence after the report, the store and the master as merged, and the next run merges
    the night again to back it up."""
    import sqlite3
    import threading

    from toolkit.errors import JobFailed
    from toolkit.store.maintenance import backups
    from toolkit.store.sqlite import SqliteStore

    seen = []
    real = SqliteStore.backup

    def backup(self, target):
        seen.append(threading.current_thread().name)
        return real(self, target)

    monkeypatch.setattr(SqliteStore, "backup", backup)
    result = run(config)
    assert result.report is not None and result.failures == []
    assert seen == ["gridkit-backup"]  # beside the report, not in the merge
    [saved] = backups(config)
    copy = sqlite3.connect(saved)
    assert copy.execute("SELECT night FROM nights").fetchall() == [(D.isoformat(),)]
    copy.close()
    assert run(config).unchanged is not None and len(backups(config)) == 1

    def failing(self, target):
        raise JobFailed("历史库的备份校验未通过,已丢弃:请检查磁盘后重新运行。")

    monkeypatch.setattr(SqliteStore, "backup", failing)
    with pytest.raises(JobFailed) as exc:
        run_nightly(config, D, now=dt.datetime.combine(D, dt.time(22)), console=False,
                    redo=True)
    assert "备份" in exc.value.message
    assert len(backups(config)) == 1 and config.paths.master.exists()
    monkeypatch.setattr(SqliteStore, "backup", backup)
    seen.clear()
    again = run(config)  # the night without its backup is merged again, and backed up
    assert not again.merge.unchanged and again.failures == []
    assert seen == ["gridkit-backup"]
