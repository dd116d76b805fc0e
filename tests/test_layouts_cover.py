"""Cover information (填报单位, 填报日期, 填报人, 联系电话, 审核人) wherever real offices put
it: a vertical form, 'label：value' cells, a form line on a data sheet, a title, the file
name; and two sources that disagree. Built by tests/layouts.py, independently of the reader."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.layouts import (
    Built,
    conflicting_sources,
    file_name_only,
    form_line,
    generic_file_name,
    inline_cover,
    title_only,
    verify,
    vertical_cover,
    without_defects,
)
from toolkit.config.county import Config


@pytest.mark.parametrize("colon", [":", "："], ids=["half-width-colon", "full-width-colon"])
def test_vertical_form_on_the_cover_sheet(tmp_path: Path, config: Config, colon: str) -> None:
    verify(vertical_cover(tmp_path, colon), config)


def test_label_and_value_in_one_cell(tmp_path: Path, config: Config) -> None:
    verify(inline_cover(tmp_path), config)


@pytest.mark.parametrize("split", [False, True], ids=["one-merged-cell", "left-and-right"])
def test_form_line_above_the_data_and_no_cover_sheet(tmp_path: Path, config: Config,
                                                     split: bool) -> None:
    verify(form_line(tmp_path, split), config)


def test_township_and_date_only_in_a_merged_title(tmp_path: Path, config: Config) -> None:
    verify(title_only(tmp_path), config)


@pytest.mark.parametrize("archived", [False, True], ids=["as-sent", "archived-copy"])
def test_township_and_date_only_in_the_file_name(tmp_path: Path, config: Config,
                                                 archived: bool) -> None:
    verify(file_name_only(tmp_path, archived), config)


@pytest.mark.parametrize("source", ["cover", "title"])
def test_generic_file_name(tmp_path: Path, config: Config, source: str) -> None:
    verify(generic_file_name(tmp_path, source), config)


@pytest.mark.parametrize("what", ["township", "date"])
def test_disagreeing_sources_give_one_conflict_and_the_cover_wins(
        tmp_path: Path, config: Config, what: str) -> None:
    result = verify(conflicting_sources(tmp_path, what), config)
    assert result.status == "errors"
    assert [f.rule for f in result.issues if f.severity == "error"] == ["cover-conflict"]


@pytest.mark.parametrize("build", [partial(vertical_cover, colon="："),
                                   partial(form_line, split=False), title_only],
                         ids=["vertical-cover", "form-line", "title"])
def test_cover_layouts_without_defects_are_clean(tmp_path: Path, config: Config,
                                                 build: Callable[[Path], Built]) -> None:
    result = verify(without_defects(build, tmp_path), config)
    assert (result.status, result.issues) == ("ok", [])
