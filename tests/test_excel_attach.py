"""``gridkit excel attach`` / ``build-workbooks``: the macro workbook keeps the office's data
and formatting, carries xlwings' standalone VBA project, the buttons and the xlwings.conf
sheet, and every button's RunPython command resolves to a function in ``macros``."""

from __future__ import annotations

import importlib
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

import macros
from tests import xlwings_memory as mem
from tests.factory import Book, write_workbook
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.errors import UsageError
from toolkit.excel import attach as at
from toolkit.excel import live

REPO = Path(__file__).resolve().parent.parent
COMMAND_RE = re.compile(r"^import (\w+);(\w+)\.(\w+)\(\)$")


def office_workbook(path: Path, book: Book) -> Path:
    """A township's own workbook: a title row, a fill, a note, widths, a hidden sheet."""
    write_workbook(path, book, title_rows={"住户": [["扎西镇住户登记表"]]}, hidden=("捐赠",))
    wb = openpyxl.load_workbook(path)
    ws = wb["住户"]
    ws.merge_cells("A1:I1")
    ws["B3"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["C3"].comment = Comment("户主已核实", "王丽")
    ws.column_dimensions["C"].width = 33
    ws.freeze_panes = "A3"
    wb.save(path)
    return path


def commands_in_vml(xlsm: Path) -> list[str]:
    """Every button macro in the workbook's VML drawings, e.g.
    'RunPython("import macros;macros.check_this_workbook()")'."""
    out = []
    with zipfile.ZipFile(xlsm) as z:
        for name in z.namelist():
            if name.endswith(".vml"):
                xml = z.read(name).decode("utf-8")
                for raw in re.findall(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", xml):
                    out.append(raw.replace("&quot;", '"').replace("&amp;", "&"))
    return out


def resolve(command: str) -> object:
    """The Python callable a RunPython command calls (the test of 'it resolves')."""
    m = COMMAND_RE.match(command)
    assert m, command
    module, alias, function = m.groups()
    assert module == alias
    target = getattr(importlib.import_module(module), function)
    assert callable(target)
    return target


def vba_modules(bin_data: bytes) -> dict[str, str]:
    with warnings.catch_warnings():  # oletools' own deprecation warnings
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser("vbaProject.bin", data=bin_data)
        try:
            return {name: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()


@pytest.fixture
def attached(tmp_path: Path, clean_book: Book) -> Iterator[tuple[Path, Path]]:
    source = office_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    out = tmp_path / "out" / "扎西镇_20200204.xlsm"
    at.attach(source, out, interpreter=r"C:\Python311\pythonw.exe")
    yield source, out


def test_data_and_formatting_are_kept(attached: tuple[Path, Path]) -> None:
    source, out = attached
    before = openpyxl.load_workbook(source)
    after = openpyxl.load_workbook(out, keep_vba=True)
    assert after.sheetnames == [live.BUTTONS_SHEET, *before.sheetnames, live.CONF_SHEET]
    for name in before.sheetnames:
        old, new = before[name], after[name]
        assert [[c.value for c in r] for r in old.iter_rows()] == [
            [c.value for c in r] for r in new.iter_rows()], name
        assert new.sheet_state == old.sheet_state
    ws = after["住户"]
    assert "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["B3"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws["C3"].comment.text == "户主已核实"
    assert ws.column_dimensions["C"].width == 33 and ws.freeze_panes == "A3"
    assert [ws[f"D{r}"].number_format for r in range(3, 6)] == [
        before["住户"][f"D{r}"].number_format for r in range(3, 6)]  # IDs keep their format
    assert "@" in [ws[f"D{r}"].number_format for r in range(3, 6)]


def test_vba_project_is_xlwings_standalone(attached: tuple[Path, Path]) -> None:
    _, out = attached
    with zipfile.ZipFile(out) as z:
        vba = z.read("xl/vbaProject.bin")
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert vba == at.standalone_vba_project()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "relationships/vbaProject" in rels
    assert 'codeName="ThisWorkbook"' in workbook_xml
    modules = vba_modules(vba)
    assert "Public Function RunPython(PythonCommand As String)" in modules["xlwings.bas"]


def test_every_button_resolves_to_a_macro_function(attached: tuple[Path, Path]) -> None:
    _, out = attached
    macros_in_file = commands_in_vml(out)
    assert macros_in_file == ["'RunPython(\"import macros;macros.check_this_workbook()\")'"]
    for macro in macros_in_file:
        m = re.fullmatch(r"'RunPython\(\"(.*)\"\)'", macro)
        assert m, macro
        assert resolve(m.group(1)) is macros.check_this_workbook
    # the button sits on the 操作按钮 sheet, in its legacy drawing
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb[live.BUTTONS_SHEET].legacy_drawing == at.BUTTON_VML
    with zipfile.ZipFile(out) as z:
        vml = z.read(at.BUTTON_VML).decode()
    assert 'ObjectType="Button"' in vml and "检查本表" in vml


def test_fallback_bas_module_resolves_and_is_committed() -> None:
    text = at.bas_module()
    committed = (REPO / "macros" / "gridkit.bas").read_bytes().decode("gbk")
    assert committed == text
    subs = re.findall(r'Sub (\w+)\(\)\r\n    RunPython "([^"]+)"\r\nEnd Sub', text)
    assert {name for name, _ in subs} == {f"gridkit_{f}" for f in macros.BUTTONS.values()}
    for _, command in subs:
        resolve(command)


def test_conf_sheet(attached: tuple[Path, Path]) -> None:
    _, out = attached
    ws = openpyxl.load_workbook(out)[live.CONF_SHEET]
    keys = [ws.cell(r, 1).value for r in range(1, 7)]
    assert keys == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Show Console",
                    "GRIDKIT_CONFIG", "GRIDKIT_DATE"]
    assert ws["B1"].value == r"C:\Python311\pythonw.exe"
    assert ws["A7"].value is None  # xlwings reads the settings down to the first blank


@pytest.mark.parametrize("name", ["网格登记表.xlsm", "全县汇总表.xlsm"])
def test_committed_macro_workbooks(name: str, config: Config) -> None:
    path = REPO / "workbooks" / name
    expected = at.REGISTER_ACTIONS if name.startswith("网格") else at.MASTER_ACTIONS
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == at.standalone_vba_project()
    assert commands_in_vml(path) == [at.button_macro(a) for a in expected]
    for a in expected:
        resolve(at.command_for(a))
    xlsx = openpyxl.load_workbook(path.with_suffix(".xlsx"))
    xlsm = openpyxl.load_workbook(path, keep_vba=True)
    assert [s for s in xlsm.sheetnames if s not in (live.BUTTONS_SHEET, live.CONF_SHEET)] == [
        s for s in xlsx.sheetnames]
    assert set(xlsm.defined_names) == set(xlsx.defined_names)
    for sheet in xlsx.sheetnames:  # drop-downs and validations kept
        assert len(xlsm[sheet].data_validations.dataValidation) == len(
            xlsx[sheet].data_validations.dataValidation), sheet
    if name.startswith("网格"):  # the register's header rows follow the current schema
        for spec in config.schema.sheets:
            headers = {c.value for r in xlsm[spec.name].iter_rows(max_row=6) for c in r}
            assert {c.name for c in spec.columns if c.required} <= headers, spec.name


def test_attached_workbook_runs_the_check_button(attached: tuple[Path, Path],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = attached
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    previous = mem.activate()
    try:
        book = mem.open_caller(out)
        message = macros.check_this_workbook()
        assert message == "检查完成:没有发现问题。"  # the added sheets are not checked
        book.save(str(out))
    finally:
        mem.deactivate(previous)
    with zipfile.ZipFile(out) as z:
        assert "xl/vbaProject.bin" in z.namelist()
    assert commands_in_vml(out)  # the button survives a save


def test_reattach_replaces_our_sheets(attached: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = attached
    again = tmp_path / "again.xlsm"
    result = at.attach(out, again, actions=at.MASTER_ACTIONS)
    names = openpyxl.load_workbook(again).sheetnames
    assert names.count(live.BUTTONS_SHEET) == 1 and names.count(live.CONF_SHEET) == 1
    assert [c for c, _ in result.buttons] == list(at.MASTER_ACTIONS)
    assert len(commands_in_vml(again)) == 3


def test_own_vba_is_refused(tmp_path: Path, clean_file: Path) -> None:
    import xlsxwriter

    bin_path = tmp_path / "vbaProject.bin"
    bin_path.write_bytes(b"\xd0\xcf\x11\xe0 someone else's macros")
    theirs = tmp_path / "theirs.xlsm"
    wb = xlsxwriter.Workbook(str(theirs))
    wb.add_worksheet().write("A1", "x")
    wb.add_vba_project(str(bin_path))
    wb.close()
    with pytest.raises(UsageError, match="已经带有自己的宏"):
        at.attach(theirs, tmp_path / "out.xlsm")


@pytest.mark.parametrize("args, sentence", [
    (["missing.xlsx"], "找不到文件"),
    (["notes.txt"], "不是 .xlsx 或 .xlsm"),
    (["broken.xlsx"], "无法打开"),
    (["book.xlsx", "--out", "book.xlsx"], "必须以 .xlsm 结尾"),
])
def test_cli_bad_input_one_sentence(tmp_path: Path, args: list[str], sentence: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "book.xlsx").write_bytes(b"")
    result = CliRunner().invoke(main, ["excel", "attach", *args])
    assert result.exit_code == 2
    assert sentence in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_attach_json(tmp_path: Path, clean_file: Path) -> None:
    result = CliRunner().invoke(main, ["excel", "attach", "--format", "json", "--buttons",
                                       "all", "--interpreter", "", str(clean_file)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["out"] == str(clean_file.with_suffix(".xlsm"))
    assert [b["caption"] for b in data["buttons"]] == list(at.ACTIONS)
    assert Path(data["bas"]).read_bytes().decode("gbk") == at.bas_module()


def test_build_workbooks(tmp_path: Path, config: Config) -> None:
    results = at.build_workbooks(config, tmp_path)  # no .xlsx there: built from the config
    assert [r.out.name for r in results] == ["网格登记表.xlsm", "全县汇总表.xlsm"]
    assert not list(tmp_path.glob("*.xlsx"))  # the templates are not ours to write
    for r in results:
        with zipfile.ZipFile(r.out) as z:
            assert "xl/vbaProject.bin" in z.namelist()
            z.testzip()
        assert openpyxl.load_workbook(io.BytesIO(r.out.read_bytes()), keep_vba=True)


def test_lost_parts_are_said(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "with_shape.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("登记")
    ws.write("A1", "数据")
    ws.insert_textbox("C3", "请在此填写")
    wb.close()
    result = at.attach(path, tmp_path / "with_shape.xlsm", write_bas=False)
    assert result.notes == [
        "原工作簿中的自选图形(文本框、形状)未能保留,请在Excel中从原文件复制过来。"]
    assert openpyxl.load_workbook(result.out)["登记"]["A1"].value == "数据"


def test_nothing_lost_says_nothing(attached: tuple[Path, Path]) -> None:
    source, _ = attached
    assert at.lost_parts(source) == []


def test_county_checks_the_macro_workbook_like_the_original(attached: tuple[Path, Path],
                                                            config: Config) -> None:
    """A township sends its .xlsm: the county's check sees the same register."""
    from toolkit.check.run import check_path

    source, out = attached
    original, macro = check_path(source, config), check_path(out, config)
    assert macro.status == original.status != "unreadable"
    assert [(f.sheet, f.cell, f.rule) for f in macro.issues] == [
        (f.sheet, f.cell, f.rule) for f in original.issues]
