"""Every township written in its own mix of real layouts (``generate(layouts=True)``) is read,
and the checks find exactly what was planted: each defect at its (file, worksheet, row,
column, rule), no other error, and warnings only for the drift that asks for them."""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.check.run import CheckResult, check_path
from toolkit.config.county import Config, load_config
from toolkit.read import read_register
from toolkit.sample import SampleResult, generate

NIGHT = dt.date(2020, 2, 4)
MERGE_LEVEL = {"cross-township-duplicate"}
Checked = tuple[SampleResult, dict[str, CheckResult], Config]


def _key(t: object) -> tuple[str, str, int, str, str]:
    return (t.file, t.source_sheet or t.sheet, t.row, t.column, t.kind)  # type: ignore[attr-defined]


@pytest.fixture(scope="module", params=[0, 3, 7])
def laid_out(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Checked:
    base = tmp_path_factory.mktemp(f"layouts{request.param}")
    config = load_config(cwd=base)
    sample = generate(config, base / "out", NIGHT, defects=0.02, seed=request.param,
                      layouts=True)
    return sample, {f.name: check_path(f, config) for f in sample.files}, config


def test_every_layout_is_read_with_its_township_and_date(laid_out: Checked) -> None:
    sample, results, config = laid_out
    townships = dict(zip((f.name for f in sample.files), config.county.township_names,
                         strict=True))
    assert {name: (r.status != "unreadable", r.township, r.report_date)
            for name, r in results.items()} == {
        name: (True, town, NIGHT) for name, town in townships.items()}


def test_every_planted_defect_is_found_at_its_worksheet_cell(laid_out: Checked) -> None:
    sample, results, _ = laid_out
    found = {(name, f.source_sheet, f.row, f.column, f.rule)
             for name, r in results.items() for f in r.issues}
    planted = {_key(t) for t in sample.defects if t.kind not in MERGE_LEVEL}
    assert planted and sorted(planted - found) == []


def test_no_error_on_any_layout_row_or_harmless_value(laid_out: Checked) -> None:
    sample, results, _ = laid_out
    planted = {_key(t) for t in sample.defects}
    extra = [(name, f.source_sheet, f.cell, f.rule, f.message) for name, r in results.items()
             for f in r.issues if f.severity == "error"
             and (name, f.source_sheet, f.row, f.column, f.rule) not in planted]
    assert extra == []


def test_warnings_only_where_the_drift_asks_for_them(laid_out: Checked) -> None:
    sample, results, _ = laid_out
    extra_columns = {(t.file, t.sheet, t.column) for t in sample.drift
                     if t.kind == "drift-extra-column"}
    copies = {t.file for t in sample.drift if t.kind == "drift-layout-hidden-copy"}
    for name, r in results.items():
        for f in r.issues:
            if f.severity != "warning":
                continue
            if f.rule == "extra-column":
                assert (name, f.sheet, f.column) in extra_columns, f
            else:
                assert f.rule == "hidden-sheet-ignored" and name in copies, f


def test_clean_layouts_read_the_same_rows_as_the_template(tmp_path_factory:
                                                          pytest.TempPathFactory) -> None:
    """Without defects or drift, a laid-out file reads to the same register values as the
    template-shaped file of the same seed: nothing of a township's night is lost."""
    base = tmp_path_factory.mktemp("same")
    config = load_config(cwd=base)
    plain = generate(config, base / "plain", NIGHT, seed=11, townships=5, drift=False)
    fancy = generate(config, base / "fancy", NIGHT, seed=11, townships=5, drift=False,
                     layouts=True)
    for a, b in zip(plain.files, fancy.files, strict=True):
        ra, rb = read_register(a, config), read_register(b, config)
        assert (ra.township, ra.report_date) == (rb.township, rb.report_date)
        for name, sheet in ra.sheets.items():
            if name == "填报信息":
                continue
            other = rb.sheets[name]
            for col, column in sheet.columns.items():
                assert sorted(map(repr, other.columns[col].values)) == sorted(
                    map(repr, column.values)), (b.name, name, col)
