"""Loading the county config and the register schema, `gridkit init`, and the one sentence a
broken config file gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.config.county import CONFIG_NAME, SCHEMA_NAME, load_config
from toolkit.config.init import init_county
from toolkit.config.schema import load_schema
from toolkit.errors import ConfigError

TOWNSHIPS = ("扎西镇", "旧城镇", "罗布镇", "麟凤镇", "长安镇", "庙沟镇", "水田镇", "双河乡",
             "高田乡", "三桃乡")


@pytest.fixture
def county_dir(tmp_path: Path) -> Path:
    """An editable county folder as `gridkit init` writes it."""
    d = tmp_path / "county"
    init_county(d)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- the built-in sample county ------------------------------------------------------------


def test_builtin_county_is_weixin_with_ten_townships(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.county.name == "威信县"
    assert config.county.township_names == TOWNSHIPS
    assert config.county.deadline == dt.time(20, 0)
    assert config.source.startswith("<")
    assert config.paths.inbox == tmp_path / "inbox"
    assert config.paths.master == tmp_path / "workbooks" / "全县汇总表.xlsx"


def test_builtin_schema_carries_the_rules_of_the_seed() -> None:
    schema = load_schema()
    rules = schema.rules
    assert rules.cutoff_date == dt.date(2020, 1, 8)
    assert rules.observation_days == 14
    assert rules.joint_defence_min == 10
    assert rules.shifts == ("早班", "中班", "夜班")
    assert rules.grid_staffing["乡镇工作人员"] == (2, 3)
    assert rules.grid_staffing["包片党员"] == (2, 5)
    assert [s.name for s in schema.sheets] == [
        "填报信息", "网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠"]
    screening = schema.sheet("排查登记")
    assert screening.column("户编号").references == ("住户", "户编号")
    assert screening.column("身份证号").type == "id-number"
    assert schema.match_sheet("返乡人员排查登记表") is screening
    assert screening.match_column("公民身份号码") is screening.column("身份证号")
    assert screening.match_column("手机号码") is screening.column("联系电话")


# --- where the config comes from ------------------------------------------------------------


def test_config_option_file_is_used(county_dir: Path, tmp_path: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'name = "威信县"', 'name = "示例县"')
    config = load_config(county_dir / CONFIG_NAME, cwd=tmp_path)
    assert config.county.name == "示例县"
    assert config.source == str(county_dir / CONFIG_NAME)
    # relative paths are relative to the config file's folder, not the current folder
    assert config.paths.inbox == (county_dir / "inbox").resolve()


def test_gridkit_toml_in_current_folder_is_found(county_dir: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'name = "威信县"', 'name = "本地县"')
    assert load_config(cwd=county_dir).county.name == "本地县"


def test_config_file_wins_over_gridkit_toml_in_current_folder(
        county_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    init_county(other)
    edit(other / CONFIG_NAME, 'name = "威信县"', 'name = "另一县"')
    assert load_config(other / CONFIG_NAME, cwd=county_dir).county.name == "另一县"


def test_edited_schema_copy_is_used(county_dir: Path) -> None:
    edit(county_dir / SCHEMA_NAME, "observation_days = 14", "observation_days = 21")
    assert load_config(county_dir / CONFIG_NAME).schema.rules.observation_days == 21


def test_villages_and_custom_folders(county_dir: Path, tmp_path: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'code = "ZX"', 'code = "ZX"\nvillages = ["河坝村", "院子村"]')
    edit(county_dir / CONFIG_NAME, 'inbox = "inbox"', 'inbox = "收件箱"')
    config = load_config(county_dir / CONFIG_NAME)
    town = config.county.township("扎西镇")
    assert town is not None and town.villages == ("河坝村", "院子村")
    assert config.paths.inbox.name == "收件箱"
    # the demo/tests move a county into one folder and keep its own folder names
    moved = config.with_base(tmp_path / "night")
    assert moved.paths.inbox == tmp_path / "night" / "收件箱"
    assert moved.county == config.county


def test_deadline_may_be_an_unquoted_toml_time(county_dir: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'deadline = "20:00"', "deadline = 19:30:00")
    assert load_config(county_dir / CONFIG_NAME).county.deadline == dt.time(19, 30)


# --- gridkit init -------------------------------------------------------------------------


def test_init_writes_both_files_and_the_folders(tmp_path: Path) -> None:
    d = tmp_path / "新县"
    result = init_county(d)
    assert result.written == [d / CONFIG_NAME, d / SCHEMA_NAME]
    for name in ("inbox", "archive", "quarantine", "outbox", "reports", "logs", "workbooks"):
        assert (d / name).is_dir(), name
    config = load_config(d / CONFIG_NAME)
    assert config.county.township_names == TOWNSHIPS
    assert config.schema.source == str(d / SCHEMA_NAME)


def test_init_keeps_edited_files_unless_forced(county_dir: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'name = "威信县"', 'name = "已改县"')
    result = init_county(county_dir)
    assert result.written == [] and len(result.kept) == 2
    assert load_config(county_dir / CONFIG_NAME).county.name == "已改县"
    init_county(county_dir, force=True)
    assert load_config(county_dir / CONFIG_NAME).county.name == "威信县"


def test_init_command_prints_what_it_wrote(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert f"已写入 {tmp_path / 'c' / CONFIG_NAME}" in result.output
    assert "已创建文件夹" in result.output and "inbox" in result.output
    again = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--format", "json"])
    assert again.exit_code == 0
    assert '"written": []' in again.output


# --- a broken file: one sentence with file, key and reason ----------------------------------

def assert_one_sentence(config_file: Path, broken: Path, key: str, reason: str) -> None:
    """Loading ``config_file`` fails with one sentence naming the broken file, the key and
    the reason, and the exit code of unusable input."""
    with pytest.raises(ConfigError) as err:
        load_config(config_file)
    message = err.value.message
    assert str(broken) in message and key in message and reason in message
    assert "\n" not in message and message.endswith("。")
    assert err.value.exit_code == 2


COUNTY_BREAKS = [
    pytest.param('name = "威信县"', 'name = "威信县', "第", "TOML", id="bad-toml"),
    pytest.param('name = "威信县"', "", "county.name", "缺少此项", id="missing-county-name"),
    pytest.param('deadline = "20:00"', 'deadline = "晚上8点"', "submission.deadline", "HH:MM",
                 id="bad-time"),
    pytest.param('deadline = "20:00"', 'deadline = "25:00"', "submission.deadline", "HH:MM",
                 id="impossible-time"),
    pytest.param("remind_at_deadline = true", 'remind_at_deadline = "yes"',
                 "submission.remind_at_deadline", "true/false", id="wrong-type-bool"),
    pytest.param('name = "旧城镇"', 'name = "扎西镇"', "townships", "扎西镇 列了两次",
                 id="duplicate-township"),
    pytest.param('code = "JC"', 'code = "ZX"', "townships", "ZX", id="duplicate-code"),
    pytest.param('code = "ZX"', 'code = "ZX"\nvillages = "河坝村"', "villages", "列表",
                 id="villages-not-a-list"),
    pytest.param('inbox = "inbox"', 'inbox = "inbox"\noutput = "x"', "paths.output",
                 "未知的路径项", id="unknown-path"),
    pytest.param('[county]', 'schema = "没有.toml"\n[county]', "schema", "找不到",
                 id="missing-schema-file"),
]


@pytest.mark.parametrize(("old", "new", "key", "reason"), COUNTY_BREAKS)
def test_broken_county_file_names_file_key_and_reason(
        county_dir: Path, old: str, new: str, key: str, reason: str) -> None:
    path = county_dir / CONFIG_NAME
    if old == "[county]":  # replace the schema line init wrote
        edit(path, f'schema = "{SCHEMA_NAME}"', "")
    edit(path, old, new)
    assert_one_sentence(path, path, key, reason)


SCHEMA_BREAKS = [
    pytest.param("observation_days = 14", "observation_days = ", "第", "TOML", id="bad-toml"),
    pytest.param("cutoff_date = 2020-01-08", "", "rules.cutoff_date", "缺少此项",
                 id="missing-key"),
    pytest.param("cutoff_date = 2020-01-08", 'cutoff_date = "1月8日"', "rules.cutoff_date",
                 "应为日期", id="wrong-type-date"),
    pytest.param("observation_days = 14", "observation_days = true", "rules.observation_days",
                 "整数", id="wrong-type-bool-for-int"),
    pytest.param("observation_days = 14", "observation_days = 0", "rules.observation_days",
                 "正整数", id="zero-days"),
    pytest.param('type = "id-number"', 'type = "idcard"', "(身份证号).type", "未知类型",
                 id="unknown-column-type"),
    pytest.param('references = "住户.户编号"', 'references = "住户.户号码"', "references",
                 "住户.户号码 不存在", id="bad-reference"),
    pytest.param('references = "网格.网格编号"', 'references = "网格"', "references",
                 "工作表.列名", id="malformed-reference"),
    pytest.param('"包片党员" = [2, 5]', '"包片党员" = [5, 2]', "rules.grid_staffing.包片党员",
                 "两个整数", id="staffing-range"),
    pytest.param('"包片党员" = [2, 5]', '"包片党员们" = [2, 5]', "rules.grid_staffing.包片党员们",
                 "没有这一列", id="staffing-unknown-role"),
    pytest.param('values = ["男", "女"]', "", "(性别).values", "enum", id="enum-without-values"),
    pytest.param('jump_figures = ["new_arrivals", ', 'jump_figures = ["发热人数", ',
                 "rules.history.jump_figures", "不是可比较的数字", id="unknown-jump-figure"),
    pytest.param("\n  min = 1\n", "\n  min = false\n", "(家庭人口数).min", "数字",
                 id="bool-min"),
]


@pytest.mark.parametrize(("old", "new", "key", "reason"), SCHEMA_BREAKS)
def test_broken_schema_file_names_file_key_and_reason(
        county_dir: Path, old: str, new: str, key: str, reason: str) -> None:
    path = county_dir / SCHEMA_NAME
    edit(path, old, new)
    assert_one_sentence(county_dir / CONFIG_NAME, path, key, reason)


def test_unreadable_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="无法读取配置文件") as err:
        load_config(tmp_path / "没有这个文件.toml")
    # the reason in Chinese, not the operating system's English
    assert "文件或文件夹不存在" in err.value.message and "No such file" not in err.value.message


def test_cli_reports_broken_config_in_one_sentence_exit_2(
        county_dir: Path, tmp_path: Path) -> None:
    edit(county_dir / CONFIG_NAME, 'name = "旧城镇"', 'name = "扎西镇"')
    result = CliRunner().invoke(
        main, ["template", "--config", str(county_dir / CONFIG_NAME), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert str(county_dir / CONFIG_NAME) in lines[0] and "扎西镇 列了两次" in lines[0]
    assert not (tmp_path / "网格登记表.xlsx").exists()


@pytest.mark.parametrize("how", ["--config", "cwd"])
def test_commands_read_the_config_option_else_gridkit_toml_in_cwd(
        county_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    edit(county_dir / CONFIG_NAME, 'name = "威信县"', 'name = "示例县"')
    args = ["template", "--out", str(tmp_path / "out")]
    if how == "--config":
        args += ["--config", str(county_dir / CONFIG_NAME)]
    else:
        monkeypatch.chdir(county_dir)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    guide = openpyxl.load_workbook(tmp_path / "out" / "网格登记表.xlsx")["填表说明"]
    assert str(guide["A1"].value).startswith("示例县")


def test_init_into_an_impossible_folder_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "a-file" / "county")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith("gridkit: 无法在") and result.stderr.count("\n") == 1


def test_a_township_that_is_not_a_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_text('townships = ["扎西镇"]\n[county]\nname = "某县"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = err.value.message
    assert str(path) in message and "townships[0]" in message and "应为表" in message
    assert "\n" not in message and err.value.exit_code == 2
