"""The checks against the sample generator's truth: on ``generate(defects=...)`` files every
planted defect is found at its (file, sheet, row, column, kind) and there is no error anywhere
else (harmless drift gives no error); on defect-free files there is no finding at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from toolkit.check.run import CheckResult, check_path
from toolkit.config.county import Config, load_config
from toolkit.sample import SampleResult, generate

NIGHT = dt.date(2020, 2, 4)
MERGE_LEVEL = {"cross-township-duplicate"}  # found by the merge across files, not here
Checked = tuple[SampleResult, dict[str, CheckResult], Config]


def _check(sample: SampleResult, config: Config) -> dict[str, CheckResult]:
    return {f.name: check_path(f, config) for f in sample.files}


@pytest.fixture(scope="module", params=[1, 2])
def with_defects(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Checked:
    base = tmp_path_factory.mktemp(f"defects{request.param}")
    config = load_config(cwd=base)
    sample = generate(config, base / "out", NIGHT, defects=0.02, seed=request.param,
                      townships=4)
    return sample, _check(sample, config), config


def test_every_planted_defect_is_found_where_it_was_planted(with_defects: Checked) -> None:
    sample, results, _ = with_defects
    found = {(name, f.sheet, f.row, f.column, f.rule)
             for name, r in results.items() for f in r.issues}
    planted = {(t.file, t.sheet, t.row, t.column, t.kind) for t in sample.defects
               if t.kind not in MERGE_LEVEL}
    assert planted, "the sample planted nothing"
    assert sorted(planted - found) == []


def test_no_error_outside_the_planted_defects(with_defects: Checked) -> None:
    sample, results, _ = with_defects
    planted = {(t.file, t.sheet, t.row, t.column, t.kind) for t in sample.defects}
    extra = [(name, f.sheet, f.cell, f.rule, f.value) for name, r in results.items()
             for f in r.issues
             if f.severity == "error" and (name, f.sheet, f.row, f.column, f.rule) not in planted]
    assert extra == []


def test_drift_gives_only_extra_column_warnings_at_the_drift(with_defects: Checked) -> None:
    sample, results, _ = with_defects
    extra_columns = {(t.file, t.sheet, t.column) for t in sample.drift
                     if t.kind == "drift-extra-column"}
    warnings = {(name, f.sheet, f.column, f.rule) for name, r in results.items()
                for f in r.issues if f.severity == "warning"}
    assert warnings == {(*k, "extra-column") for k in extra_columns}
    assert all(r.status != "unreadable" for r in results.values())


def test_defect_free_files_have_no_finding(tmp_path: Path, config: Config) -> None:
    sample = generate(config, tmp_path, NIGHT, defects=0.0, seed=5, townships=3)
    results = _check(sample, config)
    assert {name: r.issues for name, r in results.items()} == {name: [] for name in results}
    assert {r.status for r in results.values()} == {"ok"}


def test_annotated_sample_files_recheck_the_same(with_defects: Checked,
                                                 tmp_path: Path) -> None:
    from toolkit.annotate.copy import write_annotated

    _, results, config = with_defects
    for result in list(results.values())[:2]:
        again = check_path(write_annotated(result, tmp_path), config)
        assert [f.to_dict() for f in again.issues] == [f.to_dict() for f in result.issues]
