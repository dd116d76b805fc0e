"""A county pins one township's odd layout in gridkit.toml when detection is not enough:
which sheets hold a register sheet, its header rows, its own column names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.factory import clean_register, write_workbook
from toolkit.check.run import check_path
from toolkit.cli import main
from toolkit.config.county import CONFIG_NAME, load_config
from toolkit.config.init import init_county
from toolkit.errors import ConfigError

PIN = '''
  [townships.layout."排查登记"]
  sheets = ["人员花名册"]
  header_rows = [3]
  columns = { "身份证号" = ["身份号码"], "抵威日期" = "到达的那天" }
'''


def _county(tmp_path: Path, pin: str = PIN) -> Path:
    d = tmp_path / "county"
    init_county(d)
    path = d / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    anchor = 'name = "三桃乡"\ncode = "STX"\n'
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + pin), encoding="utf-8")
    return path


def _odd_register(folder: Path, township: str) -> Path:
    """三桃乡's habit: the screening sheet is 人员花名册 under a title and a note, with two
    column names of its own."""
    book = clean_register(township)
    rows = book.pop("排查登记")
    header = rows[0]
    header[header.index("身份证号")] = "身份号码"
    header[header.index("抵威日期")] = "到达的那天"
    book["人员花名册"] = rows
    return write_workbook(folder / f"{township}_20200204.xlsx", book,
                          title_rows={"人员花名册": [["三桃乡人员花名册"], ["本表按村汇总"]]})


def test_pinned_layout_reads_that_townships_file(tmp_path: Path) -> None:
    config = load_config(_county(tmp_path))
    pin = config.county.township("三桃乡")
    assert pin is not None and pin.layout["排查登记"].header_rows == (3,)
    result = check_path(_odd_register(tmp_path, "三桃乡"), config)
    assert result.status == "ok", result.error
    assert [(f.rule, f.cell) for f in result.issues] == []
    assert result.reading is not None
    sheet = next(s for s in result.reading.sheets if s.name == "人员花名册")
    assert (sheet.register_sheet, sheet.header_rows, sheet.data_rows) == ("排查登记", [3], 3)
    assert {c.header: c.field for c in sheet.columns}["身份号码"] == "身份证号"


def test_a_pin_is_only_for_its_township(tmp_path: Path) -> None:
    config = load_config(_county(tmp_path))
    result = check_path(_odd_register(tmp_path, "扎西镇"), config)
    assert result.status == "unreadable"
    assert result.error is not None and "“身份号码”最接近“身份证号”" in result.error


@pytest.mark.parametrize(("pin", "words"), [
    ('\n  [townships.layout."人员登记"]\n  sheets = ["x"]\n', ["layout.人员登记", "没有"]),
    ('\n  [townships.layout."排查登记"]\n  columns = { "证件" = ["x"] }\n', ["columns", "证件"]),
    ('\n  [townships.layout."排查登记"]\n  header_rows = [3, 5]\n', ["header_rows", "相邻"]),
], ids=["unknown-sheet", "unknown-column", "rows-apart"])
def test_a_wrong_pin_names_its_key(tmp_path: Path, pin: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(_county(tmp_path, pin))
    assert CONFIG_NAME in exc.value.message
    for w in words:
        assert w in exc.value.message


def test_inspect_command_text_and_json(tmp_path: Path) -> None:
    config_path = _county(tmp_path)
    path = _odd_register(tmp_path, "三桃乡")
    runner = CliRunner()
    text = runner.invoke(main, ["inspect", "--config", str(config_path), str(path)])
    assert text.exit_code == 0, text.output
    assert "人员花名册" in text.output and "→排查登记" in text.output
    assert "乡镇:三桃乡" in text.output
    out = runner.invoke(main, ["inspect", "--config", str(config_path), "--format", "json",
                               str(path)])
    data = json.loads(out.output)[0]
    assert data["status"] == "ok" and data["township"]["source"] == "cover"
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    refused = runner.invoke(main, ["inspect", "--config", str(config_path), str(bad)])
    assert refused.exit_code == 2 and "坏.xlsx" in refused.output
