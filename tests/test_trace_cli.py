"""gridkit trace: a figure of 汇总 taken back to the township cells it came from."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_merge import NIGHT, NOW, full_night
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.night.merge import merge_night


def invoke(config: Config, *args: str):
    return CliRunner().invoke(main, ["trace", *args, "--date", NIGHT.isoformat()],
                              catch_exceptions=False)


@pytest.fixture
def merged(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    monkeypatch.chdir(tmp_path)  # the built-in county, folders inside tmp_path
    return config


def test_trace_by_the_summary_column_title_lists_the_cells(merged: Config) -> None:
    result = invoke(merged, "湖北来威(人)", "--township", "扎西镇", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["label"] == "湖北来威(人)" and data["value"] == len(data["cells"]) == 1
    cell = data["cells"][0]
    # the cell really is the township's 是 in its file as sent
    sent = merged.paths.inbox / cell["file"]
    assert openpyxl.load_workbook(sent)[cell["sheet"]][cell["cell"]].value == "是"


def test_trace_text_names_the_figure_and_the_cells(merged: Config) -> None:
    result = invoke(merged, "leaflets", "--township", "扎西镇")
    assert result.exit_code == 0
    assert "扎西镇 宣传资料(份) = 1200" in result.output and "宣传!B2" in result.output


@pytest.mark.parametrize(("figure", "township", "says"), [
    ("没有这个数", "扎西镇", "可选 网格数"),
    ("leaflets", "北京市", "不是威信县的乡镇"),
])
def test_unknown_figure_or_township_is_one_sentence(merged: Config, figure: str,
                                                    township: str, says: str) -> None:
    result = invoke(merged, figure, "--township", township)
    assert result.exit_code == 2 and says in result.stderr and "Traceback" not in result.output


def test_a_night_never_merged_says_so(config: Config, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(config, "leaflets", "--township", "扎西镇")
    assert result.exit_code == 2 and "gridkit merge" in result.stderr
