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
