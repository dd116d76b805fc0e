"""What calamine reads as an empty cell but is not: Excel error values and formulas saved
without a value, in .xlsx, .xls and .ods; the merged cells of an .ods."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.tools import require_program
from toolkit.read import read_raw


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "排查登记"
    ws.append(["姓名", "人数", "合计"])
    ws.append(["张三", "=1/0", "=SUM(C3:C3)*2"])
    ws.append(["=#REF!+1", "=NA()", 4])
    ws["A4"] = "河坝村"
    ws.merge_cells("A4:A6")
    wb.save(path)  # openpyxl stores no cached value for a formula
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    soffice = require_program("soffice", "the .xls/.ods files are made with LibreOffice")
    folder = tmp_path_factory.mktemp("marks")
    src = _book(folder / "register.xlsx")
    out: dict[str, Path] = {"openpyxl": src}
    for ext in ("xls", "ods", "xlsx"):
        target = folder / ext
        target.mkdir()
        subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                        "--headless", "--convert-to", ext, "--outdir", str(target), str(src)],
                       check=True, capture_output=True, timeout=180)
        out[ext] = target / f"register.{ext}"
    return out


def test_formulas_without_a_cached_value_are_known(converted: dict[str, Path]) -> None:
    sheet = read_raw(converted["openpyxl"]).sheets[0]
    assert sheet.uncached == {(1, 1), (1, 2), (2, 0), (2, 1)}
    assert sheet.errors == {}


@pytest.mark.parametrize("ext", ["xls", "ods", "xlsx"])
def test_error_values_saved_by_libreoffice_are_known(converted: dict[str, Path],
                                                     ext: str) -> None:
    sheet = read_raw(converted[ext]).sheets[0]
    assert sheet.errors == {(1, 1): "#DIV/0!", (2, 0): "#REF!", (2, 1): "#N/A"}
    assert sheet.uncached == set()
    assert sheet.rows[1][2] in (8, 8.0)  # the SUM's cached value is read as usual
    assert ((3, 0), (5, 0)) in sheet.merged  # an .ods reports no merges through calamine
