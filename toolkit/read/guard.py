"""Cheap limits checked before a file is parsed at all: the file's size, and for a zipped
workbook (.xlsx/.xlsm/.ods) the package: how many parts, how large once inflated, how far a
part inflates (a zip bomb), and each sheet's declared extent (the first bytes of its XML).

Each limit refused is one sentence saying what to change. What these checks cannot see (a
stray cell far right without a declared extent) is stopped by the worker's memory bound
(:mod:`toolkit.check.isolate`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..config.limits import EXCEL_COLUMNS, EXCEL_ROWS, Limits
from ..errors import UnreadableWorkbook

MAX_PARTS = 5000
HEAD_BYTES = 16384  # where <dimension ref="…"/> stands in a sheet's XML
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,4})?(\d{1,8})?(?::([A-Z]{1,4})(\d{1,8}))?"')
_MIB = 1 << 20


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _refuse(name: str, path: Path, what: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"文件“{name}”{what},超出了县里设定的读取上限,可能含有大量无关内容:请删去无关的工作表、"
        "图片和表格右下方的多余内容(按Ctrl+End可看到最后一个单元格),另存为.xlsx后重新报送。",
        str(path))


def check_package(path: Path, name: str, head: bytes, limits: Limits) -> None:
    """Raise :class:`UnreadableWorkbook` when the file is past a limit (see the module)."""
    size = path.stat().st_size
    if limits.max_file_mb and size > limits.max_file_mb * _MIB:
        raise _refuse(name, path, f"有{size / _MIB:.0f} MB")
    if not head.startswith(b"PK"):
        return  # .xls (at most 65,536 rows by its format) and other formats: size only
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_PARTS:
                raise _refuse(name, path, f"含有{len(infos)}个部件")
            total = sum(i.file_size for i in infos)
            if limits.max_uncompressed_mb and total > limits.max_uncompressed_mb * _MIB:
                raise _refuse(name, path, f"解压后有{total / _MIB:.0f} MB")
            for info in infos:
                if (limits.max_ratio and info.file_size > 16 * _MIB
                        and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                    raise _refuse(name, path, "的压缩结构异常(解压后比压缩时大几百倍以上)")
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with z.open(info) as fh:
                        _declared(fh.read(HEAD_BYTES), name, path, limits)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return  # the parser says what is wrong with a broken package


def _declared(head: bytes, name: str, path: Path, limits: Limits) -> None:
    m = _DIMENSION.search(head)
    if m is None:
        return
    first_col, first_row, last_col, last_row = m.groups()
    rows = int(last_row or first_row or 1)
    cols = _col(last_col or first_col or b"A")
    if rows > EXCEL_ROWS or cols > EXCEL_COLUMNS:
        raise _refuse(name, path, f"有一张工作表超出了Excel本身的大小({rows}行、{cols}列)")
    if limits.max_cells and rows * cols > limits.max_cells:
        raise _refuse(name, path, f"有一张工作表的范围达到{rows}行×{cols}列")


__all__ = ["check_package"]
