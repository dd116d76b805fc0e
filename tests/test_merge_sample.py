"""A whole night from ``gridkit sample`` files: one township missing, one late, one with
defects, one file sent twice; the master's rows equal the sample's rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_merge import (
    LATE,
    NIGHT,
    NOW,
    ON_TIME,
    data_styles,
    rebuild_master,
    sheet_values,
    stamp,
)
from toolkit.config.county import Config
from toolkit.night.merge import merge_night
from toolkit.outputs.figures import night_figures
from toolkit.store import open_store

sample = pytest.importorskip("toolkit.sample")


@pytest.fixture(scope="module")
def sample_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from toolkit.config.county import load_config

    out = tmp_path_factory.mktemp("sample")
    config = load_config(cwd=out)
    names = list(config.county.township_names)
    result = sample.generate(config, out / "files", NIGHT, scale=0.05, defects=0.02, seed=4,
                             townships=names[:-1])
    return out / "files", result


def test_sample_night(config: Config, sample_night: tuple[Path, object]) -> None:
    files, generated = sample_night
    inbox = config.paths.inbox
    shutil.copytree(files, inbox)
    paths = sorted(p for p in inbox.iterdir() if p.suffix == ".xlsx")
    for p in paths:
        stamp(p, ON_TIME)
    stamp(paths[1], LATE)
    shutil.copy2(paths[0], inbox / f"副本_{paths[0].name}")
    result = merge_night(config, NIGHT, now=NOW)
    statuses = [t.status for t in result.townships]
    assert statuses.count("迟报") == 1 and statuses[-1] == "未报"
    assert statuses.count("已报") == len(statuses) - 2
    assert len(result.duplicates) == 1
    assert result.exit_code == 1
    expected = {sheet: sum(counts.get(sheet, 0) for counts in generated.rows.values())  # type: ignore[attr-defined]
                for sheet in ("排查登记", "住户", "网格")}
    sheets = sheet_values(config.paths.master)
    for sheet, n in expected.items():
        assert len(sheets[sheet]) - 1 == n, sheet
    store = open_store(config)
    try:
        figures = night_figures(store, config, NIGHT)
    finally:
        store.close()
    assert figures.total.screened == expected["排查登记"]
    assert figures.total.households == expected["住户"]
    assert sum(t.errors for t in result.townships) > 0  # defects merged and marked
    # the merge writes the master from the rows it has just stored; rebuilt from the store
    # (dates and lists decoded from JSON) it is the same, cell for cell
    merged_styles = data_styles(config.paths.master)
    rebuild_master(config)
    assert sheet_values(config.paths.master) == sheets
    # rendered in the workers or here: the same date formats, wrapping and check colours
    assert data_styles(config.paths.master) == merged_styles
    assert {"yyyy-mm-dd"} <= {f for row in merged_styles for f, _wrap, _fill in row}
    assert "FFFFC7CE" in {fill for row in merged_styles for _f, _w, fill in row}  # 有错误
    assert any(wrap for row in merged_styles for _f, wrap, _fill in row)
    marked = [r for r in sheets["排查登记"][1:] if r[-3] == "有错误"]
    assert marked
