"""Cell values as real offices type them: counts with units and dashes, IDs and phones in
every spelling, formulas saved without values, Excel error values, a valid ID ending in 000.
Built by tests/layouts.py, independently of the reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layouts import (
    Office,
    counts_with_units,
    excel_error_values,
    formulas_without_values,
    id_ending_000,
    id_phone_formats,
    shared_office,
    verify,
)
from toolkit.config.county import Config


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    return shared_office(tmp_path_factory)


def test_counts_with_units_and_dashes(tmp_path: Path, config: Config) -> None:
    result = verify(counts_with_units(tmp_path), config)
    # '8人' is checked by the real rule, not refused as text
    assert "invalid-number" not in {f.rule for f in result.issues if f.sheet == "网格"}


def test_ids_and_phones_in_every_spelling(tmp_path: Path, config: Config) -> None:
    verify(id_phone_formats(tmp_path), config)


def test_formulas_without_cached_values_one_finding_per_sheet(tmp_path: Path,
                                                              config: Config) -> None:
    result = verify(formulas_without_values(tmp_path), config)
    assert not [f for f in result.issues if f.rule == "required-missing"]


def test_pasted_excel_error_values(tmp_path: Path, config: Config) -> None:
    verify(excel_error_values(tmp_path, None), config)


def test_excel_error_values_from_formulas(tmp_path: Path, config: Config,
                                          office: Office) -> None:
    verify(excel_error_values(tmp_path, office), config)


def test_valid_text_id_ending_in_000(tmp_path: Path, config: Config) -> None:
    result = verify(id_ending_000(tmp_path), config)
    trailing = [f for f in result.issues if f.rule == "id-trailing-zeros"]
    assert all(f.severity == "warning" for f in trailing)
