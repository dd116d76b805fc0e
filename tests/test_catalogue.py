"""The rule catalogue is the one home of a rule: the user guide's table is made from it, the
sample plants exactly its plantable rules, and every finding's severity is its severity."""

from __future__ import annotations

from pathlib import Path

from toolkit.check import check_path
from toolkit.config import Config
from toolkit.config.catalogue import GUIDE_END, GUIDE_START, catalogue, guide_table
from toolkit.sample import generate
from toolkit.sample.defects import CROSS_TOWNSHIP, PLANTERS

from .factory import REPORT_DATE

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "用户手册.md"


def test_the_user_guide_table_is_the_catalogue() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index(GUIDE_START) + len(GUIDE_START):text.index(GUIDE_END)].strip()
    assert table == guide_table(), (
        "docs/用户手册.md's rule table is stale: run "
        "`python -m toolkit.config.catalogue docs/用户手册.md`")


def test_every_plantable_rule_has_a_planter_and_back() -> None:
    plantable = {c for c, r in catalogue().items() if r.plant}
    assert set(PLANTERS) | {CROSS_TOWNSHIP} == plantable


def test_every_rule_has_a_title_help_and_a_known_stage() -> None:
    for code, r in catalogue().items():
        assert r.title and r.help and r.stage in ("read", "check", "merge"), code


def test_findings_carry_the_catalogues_severity(tmp_path: Path, config: Config) -> None:
    sample = generate(config, tmp_path, REPORT_DATE, defects=0.03, seed=4, townships=2,
                      layouts=True)
    seen = set()
    for f in sample.files:
        for finding in check_path(f, config).issues:
            assert finding.severity == catalogue()[finding.rule].severity, finding
            seen.add(finding.rule)
    assert len(seen) >= 12
