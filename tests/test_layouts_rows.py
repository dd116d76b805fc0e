"""Header and non-data rows as real offices lay them out: titles, 填表说明 and example rows,
units and column-number rows, two-level and decorated headers, synonyms, cells merged down,
repeated header blocks, village sub-titles, subtotals, footers, a table that does not start
in A1. Built by tests/layouts.py, independently of the reader."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.layouts import (
    Built,
    Office,
    check,
    decorated_headers,
    footer_rows,
    header_synonyms,
    homecoming_date,
    instructions_row,
    merged_down,
    merged_title,
    numbering_rows,
    offset_table,
    one_sentence,
    repeated_header,
    shared_office,
    subtotals,
    two_level_headers,
    units_rows,
    verify,
    village_subtitles,
    without_defects,
    wuhan_column,
)
from toolkit.config.county import Config


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    return shared_office(tmp_path_factory)


def test_title_merged_across_the_header(tmp_path: Path, config: Config) -> None:
    verify(merged_title(tmp_path), config)


def test_instructions_row_and_example_row(tmp_path: Path, config: Config) -> None:
    verify(instructions_row(tmp_path), config)


def test_units_row_under_the_header_and_units_line_above(tmp_path: Path,
                                                         config: Config) -> None:
    verify(units_rows(tmp_path), config)


def test_column_number_row_under_the_header(tmp_path: Path, config: Config) -> None:
    verify(numbering_rows(tmp_path), config)


def test_two_level_merged_headers_with_short_lower_names(tmp_path: Path,
                                                          config: Config) -> None:
    verify(two_level_headers(tmp_path), config)


def test_decorated_headers(tmp_path: Path, config: Config) -> None:
    verify(decorated_headers(tmp_path), config)


def test_header_synonyms_the_alias_list_lacks(tmp_path: Path, config: Config) -> None:
    verify(header_synonyms(tmp_path), config)


def test_homecoming_date_header_is_read_or_named(tmp_path: Path, config: Config) -> None:
    built = homecoming_date(tmp_path)
    result = check(built, config)
    if result.status == "unreadable":  # refused: the sentence names the header it saw
        assert one_sentence(result.error) and "返乡日期" in (result.error or ""), result.error
    else:
        verify(built, config)


def test_missing_required_column_refused_naming_the_closest_header(
        tmp_path: Path, config: Config) -> None:
    result = check(wuhan_column(tmp_path), config)
    assert result.status == "unreadable"
    assert one_sentence(result.error), result.error
    assert "是否湖北来威" in (result.error or "") and "是否武汉来威" in (result.error or "")


def test_cells_merged_down_fill_every_row(tmp_path: Path, config: Config) -> None:
    verify(merged_down(tmp_path), config)


def test_header_block_repeated_further_down(tmp_path: Path, config: Config) -> None:
    verify(repeated_header(tmp_path), config)


def test_village_sub_title_rows(tmp_path: Path, config: Config) -> None:
    verify(village_subtitles(tmp_path), config)


def test_subtotal_and_total_rows_typed(tmp_path: Path, config: Config) -> None:
    verify(subtotals(tmp_path, None), config)


def test_subtotal_and_total_rows_as_formulas(tmp_path: Path, config: Config,
                                             office: Office) -> None:
    verify(subtotals(tmp_path, office), config)


def test_footer_rows_under_the_tables(tmp_path: Path, config: Config) -> None:
    verify(footer_rows(tmp_path), config)


@pytest.mark.parametrize("origin", ["B2", "C3"])
def test_table_offset_from_a1(tmp_path: Path, config: Config, origin: str) -> None:
    verify(offset_table(tmp_path, origin), config)


@pytest.mark.parametrize("build", [
    merged_title, instructions_row, units_rows, numbering_rows, two_level_headers,
    decorated_headers, merged_down, repeated_header, village_subtitles,
    partial(subtotals, office=None), footer_rows, partial(offset_table, origin="C3")],
    ids=["title", "instructions", "units", "numbering", "two-level", "decorated", "merged",
         "repeated", "subtitles", "subtotals", "footer", "offset"])
def test_row_layouts_without_defects_are_clean(tmp_path: Path, config: Config,
                                               build: Callable[[Path], Built]) -> None:
    result = verify(without_defects(build, tmp_path), config)
    assert (result.status, result.issues) == ("ok", [])
