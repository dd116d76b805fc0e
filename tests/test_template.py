"""The township register template (网格登记表.xlsx): built from the schema and the county, and
the committed copy in workbooks/ kept up to date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from tests.factory import Book, clean_register
from toolkit.check.run import check_path
from toolkit.cli import main
from toolkit.config.county import CONFIG_NAME, Config, load_config
from toolkit.config.init import init_county
from toolkit.outputs.forms import (
    FORMAT_ROWS,
    GUIDE_SHEET,
    LIST_SHEET,
    MASTER_NAME,
    REGISTER_NAME,
    build_register_template,
    write_register_template,
)
from toolkit.outputs.master import write_empty_master

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "workbooks"
REGENERATE = "run `gridkit template --out workbooks` in the repository and commit the result"


@pytest.fixture(scope="module")
def builtin() -> Config:
    return load_config(cwd=Path(__file__).parent)  # tests/ has no gridkit.toml


@pytest.fixture(scope="module")
def template_path(tmp_path_factory: pytest.TempPathFactory, builtin: Config) -> Path:
    return write_register_template(builtin, tmp_path_factory.mktemp("tpl") / REGISTER_NAME)


@pytest.fixture(scope="module")
def wb(template_path: Path) -> Workbook:
    return openpyxl.load_workbook(template_path)


def validations(ws: Worksheet) -> dict[str, Any]:
    """column letter -> the data validation covering its data rows."""
    found: dict[str, Any] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.min_col == rng.max_col
            found[openpyxl.utils.get_column_letter(rng.min_col)] = dv
    return found


def letter_of(ws: Worksheet, header: str) -> str:
    for cell in ws[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise AssertionError(f"{ws.title} has no column {header}")


# --- content -----------------------------------------------------------------------------


def test_sheets_are_the_guide_then_every_schema_sheet(wb: Workbook, builtin: Config) -> None:
    assert wb.sheetnames[0] == GUIDE_SHEET
    assert wb.active is not None and wb.active.title == GUIDE_SHEET
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == [GUIDE_SHEET, *(s.name for s in builtin.schema.sheets)]


def test_headers_are_the_canonical_names_styled_frozen_filtered(
        wb: Workbook, builtin: Config) -> None:
    for spec in builtin.schema.sheets:
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [c.name for c in spec.columns]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(spec.columns)).column_letter}1"
        for cell in ws[1]:
            assert cell.font.bold and cell.alignment.wrap_text
            assert cell.border.left.style == "thin"
            assert cell.fill.fgColor.rgb is not None
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= 8 and width >= len(str(cell.value)) * 2
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert all(c.value is None for row in ws.iter_rows(min_row=2) for c in row)


def test_id_phone_and_code_columns_are_text_for_thousands_of_rows(
        wb: Workbook, builtin: Config) -> None:
    text_columns = 0
    for spec in builtin.schema.sheets:
        ws = wb[spec.name]
        for col in spec.columns:
            want_text = col.type in ("id-number", "phone") or (
                col.type == "text" and (col.key or col.references is not None))
            letter = letter_of(ws, col.name)
            rows = [*range(2, FORMAT_ROWS + 2, 97), FORMAT_ROWS + 1]
            formats = {ws[f"{letter}{r}"].number_format for r in rows}
            if want_text:
                text_columns += 1
                assert formats == {"@"}, f"{spec.name}.{col.name}"
                assert ws.column_dimensions[letter].number_format == "@"
            elif col.type == "date":
                assert formats == {"yyyy-mm-dd"}, f"{spec.name}.{col.name}"
            else:
                assert formats == {"General"}, f"{spec.name}.{col.name}"
    # 身份证号 ×2, 户编号 ×2, 网格编号 ×2, 联系电话 ×4
    assert text_columns == 10


def test_every_enum_column_has_its_drop_down(wb: Workbook, builtin: Config) -> None:
    for spec in builtin.schema.sheets:
        ws = wb[spec.name]
        dvs = validations(ws)
        for col in spec.columns:
            if col.type != "enum":
                continue
            dv = dvs[letter_of(ws, col.name)]
            assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle == "stop"
            assert dv.formula1 == '"' + ",".join(col.values) + '"'


def test_township_columns_offer_the_county_townships(wb: Workbook, builtin: Config) -> None:
    expected = '"' + ",".join(builtin.county.township_names) + '"'
    for sheet, column in (("填报信息", "填报单位"), ("网格", "乡镇")):
        ws = wb[sheet]
        dv = validations(ws)[letter_of(ws, column)]
        assert dv.type == "list" and dv.formula1 == expected
    # the sample county lists no villages: 村(社区) is free text with a hint
    ws = wb["网格"]
    dv = validations(ws)[letter_of(ws, "村(社区)")]
    assert dv.type is None and dv.showInputMessage
    assert LIST_SHEET not in wb.sheetnames


def test_dates_and_numbers_are_validated(wb: Workbook, builtin: Config) -> None:
    rules = builtin.schema.rules
    for spec in builtin.schema.sheets:
        ws = wb[spec.name]
        dvs = validations(ws)
        for col in spec.columns:
            dv = dvs.get(letter_of(ws, col.name))
            if col.type == "date":
                assert dv is not None and dv.type in ("date", "custom"), col.name
            elif col.type == "int":
                assert dv is not None and dv.type == "whole", col.name
                if col.min is not None:
                    assert dv.operator == "greaterThanOrEqual"
                    assert float(dv.formula1) == col.min
            elif col.type == "number":
                assert dv is not None and dv.type == "decimal", col.name
    ws = wb["排查登记"]
    dvs = validations(ws)
    c = rules.cutoff_date
    assert dvs[letter_of(ws, "抵威日期")].formula1 == f"DATE({c.year},{c.month},{c.day})"
    start, end = letter_of(ws, "观察起始日期"), letter_of(ws, "观察解除日期")
    assert f"{end}2>={start}2+{rules.observation_days}" in dvs[end].formula1


@pytest.mark.parametrize(("sheet", "column", "phrase"), [
    ("排查登记", "身份证号", "5.30629E+17"),
    ("住户", "身份证号", "文本格式"),
    ("排查登记", "联系电话", "手机号"),
    ("网格", "乡镇工作人员", "、"),
    ("网格", "包片党员", "2至5名"),
    ("排查登记", "抵威日期", "2020年1月8日"),
    ("排查登记", "观察起始日期", "14天"),
    ("排查登记", "观察解除日期", "14天"),
])
def test_tricky_columns_show_an_input_message(
        wb: Workbook, sheet: str, column: str, phrase: str) -> None:
    ws = wb[sheet]
    dv = validations(ws)[letter_of(ws, column)]
    assert dv.showInputMessage and dv.promptTitle == column
    assert phrase in dv.prompt and len(dv.prompt) <= 255


def test_guide_explains_every_sheet_and_column(wb: Workbook, builtin: Config) -> None:
    guide = wb[GUIDE_SHEET]
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    listed = {(r[0], r[1]) for r in rows if r[0] and r[1]}
    for spec in builtin.schema.sheets:
        assert (spec.name, spec.description) in listed
        for col in spec.columns:
            assert (spec.name, col.name) in listed, f"{spec.name}.{col.name}"
    by_column = {(r[0], r[1]): r for r in rows if r[0] and r[1]}
    measures = builtin.schema.sheet("排查登记").column("管控措施").values
    assert by_column[("排查登记", "管控措施")][4] == "、".join(measures)
    assert by_column[("排查登记", "身份证号")][3] == "是"
    assert "身份证号码" in by_column[("排查登记", "身份证号")][6]  # aliases are explained
    assert "必须是「住户」表中已登记的户编号" in by_column[("排查登记", "户编号")][5]
    assert by_column[("网格", "乡镇")][4] == "、".join(builtin.county.township_names)
    text = "".join(str(v) for r in rows for v in r if v)
    assert builtin.county.name in text and "20:00" in text


def test_villages_listed_in_the_config_become_a_dependent_drop_down(tmp_path: Path) -> None:
    init_county(tmp_path / "c")
    path = tmp_path / "c" / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('code = "ZX"', 'code = "ZX"\nvillages = ["河坝村", "院子村"]'),
                    encoding="utf-8")
    config = load_config(path)
    book = build_register_template(config)
    lists = book[LIST_SHEET]
    assert lists.sheet_state == "veryHidden" and book.sheetnames[-1] == LIST_SHEET
    name = book.defined_names["村_扎西镇"]
    assert name.attr_text == f"'{LIST_SHEET}'!$A$2:$A$3"
    assert [lists["A2"].value, lists["A3"].value] == ["河坝村", "院子村"]
    ws = book["网格"]
    dv = validations(ws)[letter_of(ws, "村(社区)")]
    assert dv.type == "list"
    assert dv.formula1 == f'INDIRECT("村_"&${letter_of(ws, "乡镇")}2)'


def test_long_lists_move_to_the_hidden_sheet(tmp_path: Path) -> None:
    init_county(tmp_path / "c")
    path = tmp_path / "c" / CONFIG_NAME
    extra = "".join(f'\n[[townships]]\nname = "第{i}个很长名字的乡镇"\ncode = "X{i}"\n'
                    for i in range(30))
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    config = load_config(path)
    book = build_register_template(config)
    ws = book["填报信息"]
    dv = validations(ws)[letter_of(ws, "填报单位")]
    ref = book.defined_names[dv.formula1].attr_text
    assert ref == f"'{LIST_SHEET}'!$A$2:$A${len(config.county.townships) + 1}"
    assert book[LIST_SHEET].sheet_state == "veryHidden"


def fill_in(template_path: Path, filled: Path) -> Book:
    """A township's copy of the template with the clean register typed in under the
    template's own headers."""
    shutil.copy(template_path, filled)
    book = openpyxl.load_workbook(filled)
    data = clean_register()
    for sheet, rows in data.items():
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        for r, row in enumerate(rows[1:], start=2):
            for name, value in zip(rows[0], row, strict=True):
                ws.cell(r, header.index(name) + 1, value)
    book.save(filled)
    return data


@pytest.fixture(scope="module")
def filled(template_path: Path) -> Path:
    path = template_path.parent / "扎西镇_20200204.xlsx"
    fill_in(template_path, path)
    return path


def test_filled_in_template_keeps_ids_and_phones_as_text(filled: Path) -> None:
    data = clean_register()
    reread = CalamineWorkbook.from_path(str(filled))
    for sheet in ("住户", "排查登记"):
        rows = reread.get_sheet_by_name(sheet).to_python()
        header, body = rows[0], rows[1 : len(data[sheet])]
        ids = [row[header.index("身份证号")] for row in body]
        phones = [row[header.index("联系电话")] for row in body]
        assert ids == [row[data[sheet][0].index("身份证号")] for row in data[sheet][1:]]
        assert all(isinstance(v, str) and len(v) == 18 for v in ids)
        assert all(isinstance(v, str) and len(v) == 11 for v in phones)
    again = openpyxl.load_workbook(filled)
    assert again["排查登记"]["D2"].number_format == "@"


# --- the command and the committed workbooks ----------------------------------------------


def test_template_command_writes_the_workbooks(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / REGISTER_NAME).is_file()
    assert f"已写入 {tmp_path / 'out' / REGISTER_NAME}" in result.output
    assert (tmp_path / "out" / MASTER_NAME).is_file()
    assert f"已写入 {tmp_path / 'out' / MASTER_NAME}" in result.output


def test_template_command_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    written: list[Path] = []
    monkeypatch.setattr("toolkit.outputs.forms.write_register_template",
                        lambda config, path: written.append(Path(path)) or Path(path))
    monkeypatch.setattr("toolkit.outputs.forms.write_empty_master",
                        lambda config, path: written.append(Path(path)) or Path(path))
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {"register": str(tmp_path / REGISTER_NAME),
                    "master": str(tmp_path / MASTER_NAME)}
    assert written == [tmp_path / REGISTER_NAME, tmp_path / MASTER_NAME]


def snapshot(book: Workbook) -> dict[str, Any]:
    """What a stale workbook would differ in: sheets, cell values, number formats (cells and
    columns), data validations, defined names. Never bytes."""
    shot: dict[str, Any] = {"sheets": [(ws.title, ws.sheet_state) for ws in book.worksheets],
                            "names": sorted((n, d.attr_text)
                                            for n, d in book.defined_names.items())}
    for ws in book.worksheets:
        values: list[tuple[Any, ...]] = []
        formats: dict[tuple[int, int], str] = {}
        for r, row in enumerate(ws.iter_rows(), start=1):
            values.append(tuple(c.value for c in row))
            for i, c in enumerate(row, start=1):
                if c.number_format != "General":
                    formats[r, i] = c.number_format
        shot[f"{ws.title}:cells"] = values
        shot[f"{ws.title}:formats"] = formats
        shot[f"{ws.title}:column formats"] = {
            k: d.number_format for k, d in ws.column_dimensions.items()
            if d.number_format != "General"}
        shot[f"{ws.title}:validations"] = sorted(
            (str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.allow_blank,
             dv.showErrorMessage, dv.showInputMessage, dv.errorStyle, dv.error,
             dv.errorTitle, dv.prompt, dv.promptTitle)
            for dv in ws.data_validations.dataValidation)
    return shot


def assert_same(committed: Path, fresh: Workbook) -> None:
    assert committed.is_file(), f"{committed} is missing: {REGENERATE}"
    old, new = snapshot(openpyxl.load_workbook(committed)), snapshot(fresh)
    stale = [key for key in new if old.get(key) != new[key]] + [k for k in old if k not in new]
    assert not stale, f"{committed.name} is stale ({', '.join(stale)}): {REGENERATE}"


def test_committed_register_template_is_up_to_date(template_path: Path) -> None:
    assert_same(COMMITTED / REGISTER_NAME, openpyxl.load_workbook(template_path))


def test_committed_master_is_up_to_date(builtin: Config, tmp_path: Path) -> None:
    write_empty_master(builtin, tmp_path / MASTER_NAME)
    assert_same(COMMITTED / MASTER_NAME, openpyxl.load_workbook(tmp_path / MASTER_NAME))


def test_filled_in_template_passes_the_check(filled: Path, tmp_path: Path) -> None:
    result = check_path(filled, load_config(cwd=tmp_path))
    assert result.status == "ok", [(f.rule, f.cell, f.message) for f in result.issues]


def test_template_into_an_impossible_folder_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "a-file" / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith("gridkit: 无法创建文件夹") and result.stderr.count("\n") == 1
