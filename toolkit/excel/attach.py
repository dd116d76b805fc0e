"""``gridkit excel attach``: turn an office's workbook into a macro workbook with buttons.

What is added, all without compiling any VBA on this machine:

- xlwings' standalone VBA project, byte for byte: the ``xl/vbaProject.bin`` of the
  ``quickstart_standalone.xlsm`` that ships inside the xlwings package (what
  ``xlwings quickstart --standalone`` copies). It holds the ``xlwings`` module with
  ``RunPython`` and its ``Dictionary`` class; Excel compiles it itself when it opens the file.
- a first sheet 操作按钮 with one Form-control button per action. A button's macro is a call
  with its argument, ``'RunPython("import macros;macros.check_this_workbook()")'``, stored in
  the button's VML ``<x:FmlaMacro>`` the way Excel itself stores a macro call with arguments.
  So the buttons need no VBA of their own: they call xlwings' RunPython directly.
- an ``xlwings.conf`` sheet (the standalone project's own settings sheet): the interpreter,
  PYTHONPATH, and gridkit's own keys (GRIDKIT_CONFIG, GRIDKIT_DATE).

The office's sheets, values and formatting are kept (openpyxl, ``keep_vba``). A workbook that
already carries VBA of its own is refused: two VBA projects cannot be merged without Excel.
A fallback module ``macros/gridkit.bas`` (plain Subs calling RunPython) is written beside the
result for an office whose Excel does not accept a button macro with an argument.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from openpyxl.styles import Alignment, Font, PatternFill

from ..errors import UnreadableWorkbook, UsageError
from ..outputs.forms import write_templates
from .actions import ACTIONS, MASTER_ACTIONS, REGISTER_ACTIONS
from .county import DATE_KEY
from .live import BUTTONS_SHEET, CONF_SHEET
from .runner import CONFIG_KEY

VBA_PART = "xl/vbaProject.bin"
BUTTON_VML = "xl/drawings/gridkitButtons_vmlDrawing1.vml"  # openpyxl keeps *vmlDrawing<d>.vml
XLWINGS_MARK = b"x\x00l\x00w\x00i\x00n\x00g\x00s"  # "xlwings" in the project's UTF-16 names
BAS_NAME = "gridkit.bas"
MODULE = "macros"

@dataclass
class AttachResult:
    source: Path
    out: Path
    buttons: list[tuple[str, str]]  # (caption, RunPython command)
    sheets: list[str]  # the office's sheets, kept
    bas: Path | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"source": str(self.source), "out": str(self.out),
                "buttons": [{"caption": c, "command": cmd} for c, cmd in self.buttons],
                "sheets": self.sheets, "bas": str(self.bas) if self.bas else None,
                "notes": self.notes}


def command_for(caption: str) -> str:
    """The Python command xlwings' RunPython runs for a button."""
    function = ACTIONS[caption][0]
    return f"import {MODULE};{MODULE}.{function}()"


def button_macro(caption: str) -> str:
    """The button's macro: a call of RunPython with the command as its argument."""
    return f"'RunPython(\"{command_for(caption)}\")'"


def standalone_vba_project() -> bytes:
    """xl/vbaProject.bin of xlwings' own quickstart_standalone.xlsm (the installed version)."""
    source = resources.files("xlwings").joinpath("quickstart_standalone.xlsm")
    with source.open("rb") as fh, zipfile.ZipFile(fh) as z:
        return z.read(VBA_PART)


def bas_module() -> str:
    """The fallback VBA module: one Sub per button, for offices that import it once."""
    lines = ['Attribute VB_Name = "gridkit"',
             "' gridkit buttons: each Sub calls xlwings' RunPython (in the xlwings module).",
             "' Import once: VBA editor (Alt+F11) > File > Import File..., then right-click a",
             "' button > Assign Macro... and pick the Sub with the button's name.", ""]
    for caption, (function, _) in ACTIONS.items():
        lines += [f"' {caption}", f"Sub gridkit_{function}()",
                  f'    RunPython "{command_for(caption)}"', "End Sub", ""]
    return "\r\n".join(lines)


def _button_vml(captions: tuple[str, ...], first_row: int) -> bytes:
    """VML for Form-control buttons, drawn by XlsxWriter, then given the RunPython call
    as their macro (XlsxWriter only writes ``[0]!Name``)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for i, caption in enumerate(captions):
        ws.insert_button(first_row + i * 3, 1, {
            "caption": caption, "macro": f"GRIDKIT_BUTTON_{i}", "width": 160, "height": 40,
            "font": {"bold": True, "size": 14}})
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        name = next(n for n in z.namelist() if re.match(r"xl/drawings/vmlDrawing\d+\.vml$", n))
        vml = z.read(name).decode("utf-8")
    for i, caption in enumerate(captions):
        macro = button_macro(caption).replace("&", "&amp;").replace('"', "&quot;")
        vml = vml.replace(f"[0]!GRIDKIT_BUTTON_{i}<", f"{macro}<")
    return vml.encode("utf-8")


def lost_parts(source: Path) -> list[str]:
    """What of the office's workbook openpyxl cannot carry over (said plainly, not hidden)."""
    try:
        with zipfile.ZipFile(source) as z:
            names = z.namelist()
            drawings = [z.read(n) for n in names
                        if re.match(r"xl/drawings/drawing\d+\.xml$", n)]
    except (OSError, zipfile.BadZipFile):
        return []
    lost = []
    try:
        import PIL  # noqa: F401  (a probe: openpyxl keeps pictures only with Pillow)
    except ImportError:
        if any(n.startswith("xl/media/") for n in names):
            lost.append("图片")
    if any(b"<xdr:sp>" in d or b"<xdr:sp " in d for d in drawings):
        lost.append("自选图形(文本框、形状)")
    if any(n.startswith("xl/ctrlProps/") for n in names):
        lost.append("原有的表单控件")
    if any(n.startswith(("xl/slicers/", "xl/timelines/")) for n in names):
        lost.append("切片器")
    return lost


def _has_own_vba(archive: zipfile.ZipFile | None) -> bool:
    if archive is None or VBA_PART not in archive.namelist():
        return False
    return XLWINGS_MARK not in archive.read(VBA_PART)


def _load(source: Path) -> openpyxl.Workbook:
    if not source.is_file():
        raise UsageError(f"找不到文件 {source}:请检查文件名和路径。")
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"{source.name} 不是 .xlsx 或 .xlsm 工作簿:请先在Excel中另存为 .xlsx。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(source, keep_vba=True, keep_links=True,
                                          rich_text=True)
    except Exception as exc:
        raise UnreadableWorkbook(
            f"文件“{source.name}”无法打开(可能已损坏、加了密码或不是Excel工作簿),"
            "请用Excel打开确认后另存为 .xlsx 再试。", str(source)) from exc


def _new_archive(old: zipfile.ZipFile | None, vml: bytes) -> zipfile.ZipFile:
    """The archive openpyxl copies VBA parts from: the original parts (legacy drawings of
    the office's notes...) with xlwings' project and the button drawing added."""
    buf = io.BytesIO()
    new = zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED)
    skip = {VBA_PART, BUTTON_VML}
    if old is not None:
        for name in old.namelist():
            if name not in skip and not name.startswith("xl/vbaProject"):
                new.writestr(name, old.read(name))
    new.writestr(VBA_PART, standalone_vba_project())
    new.writestr(BUTTON_VML, vml)
    return new


def _button_sheet(wb: openpyxl.Workbook, captions: tuple[str, ...]) -> int:
    """The 操作按钮 sheet, first in the workbook; returns the 0-based row of the first button."""
    if BUTTONS_SHEET in wb.sheetnames:
        wb.remove(wb[BUTTONS_SHEET])
    ws = wb.create_sheet(BUTTONS_SHEET, 0)
    ws["A1"] = "gridkit 操作按钮"
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = ("点击右侧按钮运行。第一次使用前请按《Excel使用说明》安装Python和gridkit,"
                "并在打开文件时点“启用内容”。")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 70
    first = 4
    for i, caption in enumerate(captions):
        row = first + i * 3 + 1
        ws.cell(row, 3, f"{caption}:{ACTIONS[caption][1]}").alignment = Alignment(
            wrap_text=True, vertical="center")
        ws.row_dimensions[row].height = 32
    note_row = first + len(captions) * 3 + 2
    ws.cell(note_row, 1, "按钮没有反应时:在VBA编辑器(Alt+F11)中“文件→导入文件”导入 gridkit.bas,"
                         "再右击按钮“指定宏”,选 gridkit_ 开头的同名宏。")
    ws.cell(note_row, 1).font = Font(color="808080")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    ws.row_dimensions[2].height = 36
    ws.sheet_properties.tabColor = "1F4E78"
    ws["A1"].fill = PatternFill()
    ws.legacy_drawing = BUTTON_VML
    wb.active = 0
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    return first


def _conf_sheet(wb: openpyxl.Workbook, interpreter: str, pythonpath: str,
                config_path: str, night: str) -> None:
    for name in (CONF_SHEET, "_xlwings.conf"):
        if name in wb.sheetnames:
            wb.remove(wb[name])
    ws = wb.create_sheet(CONF_SHEET)
    rows = [("Interpreter_Win", interpreter), ("Interpreter_Mac", ""),
            ("PYTHONPATH", pythonpath), ("Show Console", False),
            (CONFIG_KEY, config_path), (DATE_KEY, night)]
    for r, (key, value) in enumerate(rows, 1):
        ws.cell(r, 1, key)
        ws.cell(r, 2, value).number_format = "@"
    help_rows = [
        "说明(设置必须从A1起连续填写,中间不能有空行):",
        "Interpreter_Win:pythonw.exe 的完整路径,如 C:\\Python311\\pythonw.exe;"
        "空着则用系统 PATH 中的 python。",
        "PYTHONPATH:gridkit 不是用 pip 安装时,gridkit 源码所在的文件夹。",
        "GRIDKIT_CONFIG:县配置文件 gridkit.toml 的路径;空着则在本工作簿所在文件夹及上两级查找。",
        "GRIDKIT_DATE:按钮处理的日期(如 2020-02-04);空着则为今天。",
    ]
    for i, text in enumerate(help_rows):
        ws.cell(len(rows) + 2 + i, 1, text).font = Font(color="808080")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 48


def attach(source: str | Path, out: str | Path | None = None, *,
           actions: tuple[str, ...] = REGISTER_ACTIONS, interpreter: str = "",
           pythonpath: str = "", config_path: str = "", night: str = "",
           write_bas: bool = True) -> AttachResult:
    """Write ``out`` (default: ``source`` as .xlsm): the office's workbook with xlwings'
    standalone VBA project, the buttons for ``actions`` and an xlwings.conf sheet."""
    src = Path(source)
    target = Path(out) if out is not None else src.with_suffix(".xlsm")
    unknown = [a for a in actions if a not in ACTIONS]
    if unknown:
        raise UsageError(f"没有名为“{unknown[0]}”的按钮,可用的按钮:{'、'.join(ACTIONS)}。")
    if target.suffix.lower() != ".xlsm":
        raise UsageError(f"输出文件 {target.name} 必须以 .xlsm 结尾(含宏的工作簿)。")
    if target.resolve() == src.resolve():
        raise UsageError("输出文件不能与原文件相同:请用 --out 另给一个文件名。")
    wb = _load(src)
    old = wb.vba_archive
    try:
        return _attach(wb, src, target, actions, interpreter, pythonpath, config_path, night,
                       write_bas)
    finally:
        for archive in {id(a): a for a in (old, wb.vba_archive) if a is not None}.values():
            archive.close()


def _attach(wb: openpyxl.Workbook, src: Path, target: Path, actions: tuple[str, ...],
            interpreter: str, pythonpath: str, config_path: str, night: str,
            write_bas: bool) -> AttachResult:
    old = wb.vba_archive
    if _has_own_vba(old):
        raise UsageError(
            f"“{src.name}”已经带有自己的宏(VBA),两个VBA工程无法在Excel之外合并:"
            "请把数据另存为 .xlsx 后再附加按钮。")
    kept = [ws.title for ws in wb.worksheets if ws.title not in (BUTTONS_SHEET, CONF_SHEET)]
    first = _button_sheet(wb, actions)
    _conf_sheet(wb, interpreter, pythonpath, config_path, night)
    wb.vba_archive = _new_archive(old, _button_vml(actions, first))
    wb.code_name = "ThisWorkbook"  # the standalone project's document module names
    used = {ws.sheet_properties.codeName for ws in wb.worksheets}
    n = 0
    for ws in wb.worksheets:
        if not ws.sheet_properties.codeName:
            n += 1
            while f"Sheet{n}" in used:
                n += 1
            ws.sheet_properties.codeName = f"Sheet{n}"
            used.add(f"Sheet{n}")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb.save(target)
    except PermissionError as exc:
        raise UsageError(f"无法写入 {target}:文件可能正在Excel中打开,请先关闭。") from exc
    bas = None
    if write_bas:
        bas = target.parent / BAS_NAME
        bas.write_bytes(bas_module().encode("gbk"))  # VBA imports .bas in the ANSI code page
    lost = lost_parts(src)
    notes = [f"原工作簿中的{'、'.join(lost)}未能保留,请在Excel中从原文件复制过来。"] if lost else []
    return AttachResult(source=src, out=target,
                        buttons=[(a, command_for(a)) for a in actions], sheets=kept, bas=bas,
                        notes=notes)


def default_interpreter() -> str:
    """On the office's Windows PC, the Python running gridkit (pythonw.exe: no console
    window); elsewhere empty (xlwings then runs ``python`` from PATH)."""
    if not sys.platform.startswith("win"):
        return ""
    exe = Path(sys.executable)
    windowless = exe.with_name("pythonw.exe")
    return str(windowless if windowless.is_file() else exe)


TEMPLATE_ACTIONS = {"网格登记表": REGISTER_ACTIONS, "全县汇总表": MASTER_ACTIONS}


def build_workbooks(config: Any, directory: str | Path, *, interpreter: str = "") -> list[
        AttachResult]:
    """The macro versions of the templates: 网格登记表.xlsm (检查本表) and 全县汇总表.xlsm
    (汇总, 生成日报, 生成反馈), each beside its .xlsx in ``directory``. A missing .xlsx is
    generated from the config first (in a temporary folder; the .xlsx are not written)."""
    folder = Path(directory)
    results: list[AttachResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        generated = False
        for stem, actions in TEMPLATE_ACTIONS.items():
            source = folder / f"{stem}.xlsx"
            if not source.is_file():
                if not generated:
                    write_templates(config, tmp)
                    generated = True
                source = Path(tmp) / f"{stem}.xlsx"
            results.append(attach(source, folder / f"{stem}.xlsm", actions=actions,
                                  interpreter=interpreter, write_bas=False))
    return results
