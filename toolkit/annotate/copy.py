"""The annotated copy of a checked workbook, for the township to fix in Excel.

Every problem cell is filled (red for errors, yellow for warnings) and carries a note saying
what is wrong; a first sheet 检查结果 lists every problem with a link to its cell, a summary
by rule, how the file was read and when the check ran. The township's data, formatting, other
sheets and macros are kept; the original file is never modified. ``.xlsx``/``.xlsm`` packages
are edited directly (:mod:`.xlsx`, fast); when that path cannot, openpyxl loads and saves the
workbook (:mod:`.workbook`, ``keep_vba`` for ``.xlsm``); an ``.xls``/``.ods`` is rebuilt as
``.xlsx`` from its values. The reader ignores the 检查结果 sheet and fills/notes do not
change values, so re-checking the copy gives the same findings.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

from ..check.run import CheckResult, check_paths
from ..config.county import Config
from ..errors import GridkitError, UnreadableWorkbook, UsageError, os_reason
from ..files import replace_file
from ..read import read_raw, workbook_from_raw
from . import content, workbook, xlsx
from .content import RESULT_SHEET

REBUILT = (".xls", ".ods", ".xlsb", ".et", ".ett")  # openpyxl cannot open these: values only


def annotated_path(source: Path, out_dir: Path, name: str | None = None) -> Path:
    """The copy is named after the file (or ``name``, the name it was sent under, for an
    archived copy) with ``_检查结果``: 扎西镇_20200204_检查结果.xlsx, never the name of the
    file the township sent. A workbook rebuilt from its values becomes ``.xlsx``."""
    rebuilt = source.suffix.lower() in REBUILT
    suffix = ".xlsx" if rebuilt else source.suffix
    stem = Path(name).stem if name else source.stem
    if not stem.endswith(f"_{RESULT_SHEET}"):
        stem = f"{stem}_{RESULT_SHEET}"
    return out_dir / f"{stem}{suffix}"


def write_annotated(result: CheckResult, out_dir: str | Path, *,
                    taken: Collection[Path] = (), name: str | None = None) -> Path:
    """Write the annotated copy of a checked file into ``out_dir``; returns its path.
    The copy is named like the file, or ``name`` when given. A path in ``taken`` (already
    written in this run) gets a ``_2``, ``_3``… suffix."""
    if result.status == "unreadable":
        raise UnreadableWorkbook(result.error or f"文件 {result.file} 无法读取。", result.file)
    source = Path(result.file)
    if not source.is_file():
        raise UsageError(f"找不到文件 {source},无法写出标注副本:请检查路径。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = annotated_path(source, out_dir, name)
    n = 1
    while out in taken:
        n += 1
        stem = annotated_path(source, out_dir, name).stem
        out = out.with_name(f"{stem}_{n}{out.suffix}")
    file_name = name or source.name
    try:
        if source.suffix.lower() in (".xlsx", ".xlsm") and xlsx.fast_copy(
                source, out, lambda names: content.build(result, names, file_name=file_name)):
            return out
        wb = _open(source)
        workbook.render(wb, content.build(result, wb.sheetnames, file_name=file_name))
        replace_file(out, wb.save)
    except OSError as exc:
        raise UsageError(f"无法写入 {out}:{os_reason(exc)}。如果该文件正在Excel中打开,"
                         f"请先关闭再重试。") from exc
    return out


def _open(source: Path) -> Workbook:
    suffix = source.suffix.lower()
    if suffix in REBUILT:
        return workbook_from_raw(read_raw(source))
    with warnings.catch_warnings():  # openpyxl warns about Excel features it drops
        warnings.simplefilter("ignore")
        try:
            return openpyxl.load_workbook(source, keep_vba=suffix == ".xlsm")
        except Exception as exc:  # the check read it with calamine; openpyxl may still fail
            raise UnreadableWorkbook(
                f"文件 {source.name} 可以检查,但无法写出标注副本({type(exc).__name__}):"
                f"请在Excel中另存为 .xlsx 后重试。", str(source)) from exc


def annotate_paths(paths: Iterable[str | Path], config: Config,
                   out_dir: str | Path) -> list[CheckResult]:
    """``gridkit check --out``: check every file and write the annotated copy of each
    readable one into ``out_dir`` (``result.annotated``, or ``result.annotate_error``)."""
    return annotate_results(check_paths(paths, config, keep_registers=False), out_dir)


def annotate_results(results: list[CheckResult], out_dir: str | Path) -> list[CheckResult]:
    """The annotated copy of every readable file already checked, written into
    ``out_dir`` (``result.annotated``, or ``result.annotate_error``)."""
    written: set[Path] = set()
    for result in results:
        if result.status == "unreadable":
            continue
        try:
            result.annotated = write_annotated(result, out_dir, taken=written)
            written.add(result.annotated)
        except GridkitError as exc:
            result.annotate_error = exc.message
    return results


__all__ = ["annotate_paths", "annotate_results", "annotated_path", "write_annotated"]
