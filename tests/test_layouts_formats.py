"""File formats offices send (.xls, .ods, LibreOffice's .xlsx, WPS's .et) and whole
township files that combine many layout habits at once. Conversions run once a session
through LibreOffice (skipped when soffice is missing). Built by tests/layouts.py,
independently of the reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.layouts import (
    Built,
    Office,
    check,
    garbage_et,
    locations,
    luobu_whole,
    one_sentence,
    renamed_et,
    same_register,
    santao_whole,
    shared_office,
    verify,
    zhaxi_whole,
)
from toolkit.config.county import Config


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    return shared_office(tmp_path_factory)


@pytest.mark.parametrize("ext", ["xls", "ods", "xlsx"])
def test_same_register_converted_by_libreoffice(tmp_path: Path, config: Config,
                                                office: Office, ext: str) -> None:
    converted = verify(same_register(tmp_path / "converted", office, ext), config)
    original = check(same_register(tmp_path / "original", None), config)
    assert locations(converted) == locations(original)


def test_wps_et_read_or_refused_with_one_sentence(tmp_path: Path, config: Config,
                                                  office: Office) -> None:
    built = renamed_et(tmp_path, office)
    result = check(built, config)
    if result.status == "unreadable":
        assert one_sentence(result.error) and "xlsx" in (result.error or ""), result.error
    else:
        verify(built, config)


def test_garbage_et_refused_saying_save_as_xlsx(tmp_path: Path, config: Config) -> None:
    result = check(garbage_et(tmp_path), config)
    assert result.status == "unreadable"
    assert one_sentence(result.error) and "xlsx" in (result.error or ""), result.error


WHOLE: dict[str, Callable[[Path, Office], Built]] = {
    "zhaxi-xlsx": lambda folder, _office: zhaxi_whole(folder),
    "luobu-xls": luobu_whole,
    "santao-libreoffice": santao_whole,
}


@pytest.mark.parametrize("name", list(WHOLE))
def test_whole_township_file(tmp_path: Path, config: Config, office: Office,
                             name: str) -> None:
    verify(WHOLE[name](tmp_path, office), config)


def test_a_libreoffice_saved_file_gets_its_copy_marked_at_every_problem_cell(
        tmp_path: Path, config: Config, office: Office) -> None:
    """The annotated copy of a township file saved by LibreOffice (its own row and cell
    attributes, its own styles) is made by editing the package, and every finding's cell
    is filled and commented in the sheet the township wrote it in."""
    import zipfile

    import openpyxl

    from toolkit.annotate.content import ERROR_COLOR, WARNING_COLOR
    from toolkit.annotate.copy import write_annotated

    result = verify(santao_whole(tmp_path, office), config)
    out = write_annotated(result, tmp_path / "out")
    with zipfile.ZipFile(out) as z:  # edited in place, not rewritten by openpyxl
        assert any(name.startswith("xl/gridkit_comments") for name in z.namelist())
    wb = openpyxl.load_workbook(out)
    marked = [(f.source_sheet or f.sheet, f.cell) for f in result.issues if f.cell]
    assert marked and all(sheet in wb.sheetnames for sheet, _cell in marked)
    for sheet, ref in marked:
        cell = wb[sheet][ref]
        assert cell.fill.fgColor.rgb in (ERROR_COLOR, WARNING_COLOR), (sheet, ref)
        assert cell.comment is not None, (sheet, ref)
