"""gridkit demo end to end in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from toolkit.cli import main


def test_demo_runs_a_whole_night(tmp_path):
    target = tmp_path / "演示"
    out = CliRunner().invoke(main, ["demo", str(target), "--scale", "0.1"])
    assert out.exit_code == 0, out.output
    assert "演示完成" in out.stdout and "演示本身成功" in out.stdout
    master = target / "workbooks" / "全县汇总表.xlsx"
    report = target / "reports" / "疫情防控工作日报_20200204.xlsx"
    briefing = target / "reports" / "疫情防控工作日报_20200204.txt"
    for path in (master, report, briefing, target / "gridkit.toml", target / "logs" /
                 "gridkit.log", target / "templates" / "briefing.txt.j2"):
        assert path.exists(), path
        assert str(path) in out.stdout or path.suffix in (".toml", ".log", ".j2")
    from toolkit.config.county import load_config

    config = load_config(target / "gridkit.toml")
    names = config.county.township_names
    wb = openpyxl.load_workbook(master, read_only=True)
    first_column = [r[0] for r in wb["汇总"].iter_rows(values_only=True)]
    for name in names:
        assert name in first_column
    wb.close()
    rep = openpyxl.load_workbook(report)
    summary = {r[0]: r[1] for r in rep["日报"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert summary["排查登记"] > 0 and summary["网格"] > 0
    status = {r[0]: r[1] for r in rep["报送情况"].iter_rows(min_row=4, values_only=True)
              if r[0] in names}
    assert status[names[-1]] == "迟报"
    assert status[names[-2]] == "有错待改"  # the township whose file has errors
    assert sum(1 for s in status.values() if s == "已报") == len(names) - 2
    changes = [list(r) for r in rep["较上日变化"].iter_rows(values_only=True)]
    assert changes[-2][0] == "全县" or any(r[0] == "全县" for r in changes)
    text = briefing.read_text(encoding="utf-8")
    assert f"迟报：{names[-1]}（" in text and "较上日" in text
    for name in names:
        assert list((target / "outbox" / name).glob("反馈说明_20200204.txt")), name
    assert (target / "outbox" / names[-2] / f"{names[-2]}_20200204_检查结果.xlsx").exists()
    # the earlier nights are clean: every township 已报 on each (the 日报's 近14天报送)
    nights = {r[0]: r[1:4] for r in rep["近14天报送"].iter_rows(min_row=4, values_only=True)
              if r[0] in names}
    assert all(words == ("已报", "已报", "已报") for words in nights.values()), nights


def test_demo_json(tmp_path):
    target = tmp_path / "d"
    out = CliRunner().invoke(main, ["demo", str(target), "--scale", "0.1", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["night_exit_code"] == 1  # the night itself has a late township
    assert data["late_township"] and data["error_township"]
    assert Path(data["master"]).exists()
    assert all(Path(p).exists() for p in data["report"])
    statuses = {t["township"]: t["status"] for t in data["nightly"]["merge"]["townships"]}
    assert statuses[data["late_township"]] == "迟报"
