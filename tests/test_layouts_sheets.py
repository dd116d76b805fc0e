"""Sheets as offices name, split, hide and order them. Built by tests/layouts.py,
independently of the reader."""

from __future__ import annotations

from pathlib import Path

from tests.layouts import (
    hidden_older_copy,
    shuffled_sheets,
    split_by_village,
    suffixed_sheet_names,
    unlisted_sheet_names,
    verify,
    without_defects,
)
from toolkit.config.county import Config


def test_sheet_names_with_suffixes_dates_spaces_and_brackets(tmp_path: Path,
                                                             config: Config) -> None:
    verify(suffixed_sheet_names(tmp_path), config)


def test_data_sheets_named_sheet1_or_nobody_listed(tmp_path: Path, config: Config) -> None:
    verify(unlisted_sheet_names(tmp_path), config)


def test_screening_split_over_one_sheet_per_village(tmp_path: Path, config: Config) -> None:
    result = verify(split_by_village(tmp_path), config)
    # one table: the ID registered on both village sheets is a duplicate, on both sheets
    duplicates = {getattr(f, "source_sheet", None) for f in result.issues
                  if f.rule == "duplicate-id"}
    assert duplicates == {"河坝村", "新街村"}


def test_hidden_older_copy_is_ignored_with_one_warning(tmp_path: Path,
                                                       config: Config) -> None:
    result = verify(hidden_older_copy(tmp_path), config)
    assert [f.rule for f in result.issues if f.severity == "warning"] == [
        "hidden-sheet-ignored"]


def test_shuffled_order_empty_chart_and_notes_sheets(tmp_path: Path, config: Config) -> None:
    verify(shuffled_sheets(tmp_path), config)


def test_sheet_layouts_without_defects_are_clean(tmp_path: Path, config: Config) -> None:
    for k, build in enumerate((suffixed_sheet_names, unlisted_sheet_names, split_by_village,
                               shuffled_sheets)):
        result = verify(without_defects(build, tmp_path / str(k)), config)
        assert (result.status, result.issues) == ("ok", []), build.__name__
