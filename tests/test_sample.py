"""The sample generator: realistic, valid, deterministic files and a precise truth.

Files are read back with python-calamine (values) and openpyxl (sheet state); a cell is found
through the truth's (sheet, Excel row, canonical column) the way a township's file is read:
the header row is the one whose cells name the schema's columns (or their aliases).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from toolkit.check import idcard
from toolkit.cli import main
from toolkit.config.catalogue import catalogue
from toolkit.config.county import Config, load_config
from toolkit.config.schema import fold_header
from toolkit.sample import PlantedDefect, SampleResult, generate

# every rule the catalogue says the sample plants
PLANTED = sorted(c for c, r in catalogue().items() if r.plant)

NIGHT = dt.date(2020, 2, 4)
FULL_WIDTH_DIGITS = set("０１２３４５６７８９")


# -- reading helpers -------------------------------------------------------------------------
class Book:
    """A written sample file: raw values by sheet, header rows and columns found by alias."""

    def __init__(self, path: Path, config: Config) -> None:
        self.path = path
        self.config = config
        wb = CalamineWorkbook.from_path(str(path))
        self.raw: dict[str, list[list[Any]]] = {
            n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
        states = openpyxl.load_workbook(path, read_only=True)
        self.hidden = {ws.title for ws in states.worksheets if ws.sheet_state != "visible"}
        states.close()
        self.by_canonical: dict[str, str] = {}
        for name in self.raw:
            spec = config.schema.match_sheet(name)
            if spec is not None:
                self.by_canonical[spec.name] = name

    def header(self, sheet: str) -> tuple[int, dict[str, int]]:
        """(0-based header row index, canonical column -> 0-based index)."""
        spec = self.config.schema.sheet(sheet)
        rows = self.raw[self.by_canonical[sheet]]
        for i, row in enumerate(rows[:10]):
            cols = {}
            for j, v in enumerate(row):
                col = spec.match_column(v) if v not in (None, "") else None
                if col is not None:
                    cols[col.name] = j
            if len(cols) >= min(3, len(spec.columns)):
                return i, cols
        raise AssertionError(f"no header in {sheet}")

    def records(self, sheet: str) -> list[tuple[int, dict[str, Any]]]:
        """(Excel row, {canonical column: raw value}) for every non-blank data row that is
        not a totals row."""
        h, cols = self.header(sheet)
        markers = self.config.schema.rules.total_markers
        out = []
        for i, row in enumerate(self.raw[self.by_canonical[sheet]][h + 1:], start=h + 2):
            if all(v in (None, "") for v in row) or str(row[0]) in markers:
                continue
            out.append((i, {c: (None if row[j] == "" else row[j]) for c, j in cols.items()}))
        return out

    def cell(self, sheet: str, row: int, column: str) -> Any:
        _, cols = self.header(sheet)
        value = self.raw[self.by_canonical[sheet]][row - 1][cols[column]]
        return None if value == "" else value


def books(result: SampleResult, config: Config) -> dict[str, Book]:
    return {f.name: Book(f, config) for f in result.files}


def to_date(value: Any) -> dt.date:
    assert isinstance(value, dt.date), value
    return value.date() if isinstance(value, dt.datetime) else value


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(cwd=tmp_path_factory.mktemp("cfg"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> tuple[SampleResult, dict]:
    result = generate(cfg, tmp_path_factory.mktemp("clean"), NIGHT, scale=0.3, seed=3)
    return result, books(result, cfg)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> tuple[SampleResult, dict]:
    result = generate(cfg, tmp_path_factory.mktemp("planted"), NIGHT, scale=0.3,
                      defects=0.05, seed=11, townships=4)
    return result, books(result, cfg)


# -- a clean night ---------------------------------------------------------------------------
def test_one_file_per_township_named_and_dated(clean: tuple[SampleResult, dict],
                                               cfg: Config) -> None:
    result, bs = clean
    assert [f.name for f in result.files] == [f"{t}_20200204.xlsx"
                                              for t in cfg.county.township_names]
    for name, book in bs.items():
        _, info = book.records("填报信息")[0]
        assert info["填报单位"] == name.split("_")[0]
        assert to_date(info["填报日期"]) == NIGHT
    assert result.truth == []


def test_every_id_is_valid_and_agrees_with_sex(clean: tuple[SampleResult, dict]) -> None:
    _, bs = clean
    seen: Counter[str] = Counter()
    for book in bs.values():
        for sheet in ("住户", "排查登记"):
            for _, rec in book.records(sheet):
                number = rec["身份证号"]
                assert isinstance(number, str)
                assert idcard.problem(number, NIGHT) is None, number
                assert not number.endswith("000")
                seen[number] += 1
                if sheet == "排查登记":
                    assert idcard.sex(number) == rec["性别"]
    assert max(seen.values()) == 1  # no accidental duplicates across the county
    areas = Counter(n[:6] for n in seen)
    assert areas.most_common(1)[0][0] == "530629"
    assert any(a.startswith("4201") for a in areas)


def test_phones_are_mobiles_or_landlines(clean: tuple[SampleResult, dict]) -> None:
    _, bs = clean
    phones = [rec["联系电话"] for book in bs.values() for _, rec in book.records("排查登记")]
    mobile, landline = re.compile(r"^1[3-9]\d{9}$"), re.compile(r"^0\d{2,3}-\d{7,8}$")
    assert all(mobile.match(p) or landline.match(p) for p in phones)
    assert any(landline.match(p) for b in bs.values() for _, r in b.records("网格")
               for p in [r["联系电话"]])


def test_every_reference_resolves(clean: tuple[SampleResult, dict]) -> None:
    _, bs = clean
    for book in bs.values():
        grids = {rec["网格编号"]: rec for _, rec in book.records("网格")}
        households = {rec["户编号"]: rec for _, rec in book.records("住户")}
        assert len(grids) == len(book.records("网格"))
        assert len(households) == len(book.records("住户"))
        for rec in households.values():
            grid = grids[rec["网格编号"]]
            staff = {n for k, v in grid.items() if k not in ("网格长", "联系电话")
                     and isinstance(v, str) for n in v.split("、")}
            assert rec["包保责任人"] in staff
        for _, rec in book.records("排查登记"):
            assert households[rec["户编号"]]["包保责任人"] == rec["包保责任人"]


def test_grid_staffing_and_defence_teams_follow_the_rules(clean: tuple[SampleResult, dict],
                                                          cfg: Config) -> None:
    _, bs = clean
    rules = cfg.schema.rules
    for book in bs.values():
        for _, rec in book.records("网格"):
            for role, (lo, hi) in rules.grid_staffing.items():
                assert lo <= len(rec[role].split("、")) <= hi, (role, rec[role])
            assert rec["联防队人数"] >= rules.joint_defence_min
            assert 0 < rec["联防队党员人数"] <= rec["联防队人数"]
        for _, rec in book.records("队伍"):
            assert 0 <= rec["党员人数"] <= rec["人数"]
        kinds = {rec["类型"] for _, rec in book.records("队伍")}
        assert kinds == set(cfg.schema.sheet("队伍").column("类型").values)


def test_screening_dates_and_measures_are_coherent(clean: tuple[SampleResult, dict],
                                                   cfg: Config) -> None:
    _, bs = clean
    rules = cfg.schema.rules
    obs = dt.timedelta(days=rules.observation_days)
    measures: Counter[str] = Counter()
    for book in bs.values():
        for _, rec in book.records("排查登记"):
            arrival = to_date(rec["抵威日期"])
            assert rules.cutoff_date <= arrival <= NIGHT
            measure = rec["管控措施"]
            measures[measure] += 1
            hubei = rec["是否湖北来威"] == "是"
            assert rec["来源地"].startswith("湖北省") == hubei
            risky = hubei or rec["接触史"] == "有" or rec["健康状况"] in rules.symptoms
            if measure == rules.unmanaged_measure:
                assert not risky
                assert rec["观察起始日期"] is None and rec["观察解除日期"] is None
            else:
                start, end = to_date(rec["观察起始日期"]), to_date(rec["观察解除日期"])
                assert start == arrival and end == start + obs
                if measure == rules.released_measure:
                    assert end <= NIGHT
    assert set(measures) == {*rules.managed_measures, rules.released_measure,
                             rules.unmanaged_measure}


def test_checkpoints_have_every_shift_every_day_and_publicity_every_day(
        clean: tuple[SampleResult, dict], cfg: Config) -> None:
    _, bs = clean
    shifts = set(cfg.schema.rules.shifts)
    for book in bs.values():
        by_day: dict[tuple[dt.date, str], set[str]] = defaultdict(set)
        for _, rec in book.records("卡点值守"):
            by_day[(to_date(rec["日期"]), rec["卡点名称"])].add(rec["班次"])
            assert rec["其中党员"] <= rec["值守人数"]
        assert by_day and all(s == shifts for s in by_day.values())
        assert len({cp for _, cp in by_day}) >= 2
        days = [to_date(rec["日期"]) for _, rec in book.records("宣传")]
        assert days == sorted(set(days)) and days[-1] == NIGHT
        assert (days[-1] - days[0]).days + 1 == len(days) >= 7  # since late January


def test_county_seat_uses_the_urban_categories(clean: tuple[SampleResult, dict],
                                              cfg: Config) -> None:
    _, bs = clean
    categories = cfg.schema.sheet("住户").column("住户类别").values
    seat = {rec["住户类别"] for _, rec in bs["扎西镇_20200204.xlsx"].records("住户")}
    assert set(categories[:4]) <= seat
    rural = Counter(rec["住户类别"] for _, rec in bs["双河乡_20200204.xlsx"].records("住户"))
    assert rural.most_common(1)[0][0] == "农村住户"


def test_configured_villages_are_used(tmp_path: Path, cfg: Config) -> None:
    first = dataclasses.replace(cfg.county.townships[0], villages=("甲村", "乙社区"))
    county = dataclasses.replace(cfg.county, townships=(first, *cfg.county.townships[1:]))
    config = dataclasses.replace(cfg, county=county)
    result = generate(config, tmp_path, NIGHT, scale=0.05, townships=1)
    villages = {rec["村(社区)"] for _, rec in Book(result.files[0], cfg).records("网格")}
    assert villages == {"甲村", "乙社区"}


# -- determinism and size --------------------------------------------------------------------
def values(result: SampleResult) -> dict[str, dict[str, list[list[Any]]]]:
    out = {}
    for f in result.files:
        wb = CalamineWorkbook.from_path(str(f))
        out[f.name] = {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}
    return out


def test_same_seed_same_cells_other_seed_other_cells(tmp_path: Path, cfg: Config) -> None:
    kw: dict[str, Any] = {"scale": 0.05, "defects": 0.05, "townships": 2}
    a = generate(cfg, tmp_path / "a", NIGHT, seed=7, **kw)
    b = generate(cfg, tmp_path / "b", NIGHT, seed=7, **kw)
    c = generate(cfg, tmp_path / "c", NIGHT, seed=8, **kw)
    assert values(a) == values(b)
    assert a.truth == b.truth
    assert values(a) != values(c)


def test_worker_processes_write_the_same_files(tmp_path: Path, cfg: Config) -> None:
    kw: dict[str, Any] = {"scale": 0.05, "defects": 0.05, "townships": 3, "seed": 2}
    one = generate(cfg, tmp_path / "one", NIGHT, workers=1, **kw)
    two = generate(cfg, tmp_path / "two", NIGHT, workers=2, **kw)
    assert values(one) == values(two)
    assert one.truth == two.truth


@pytest.mark.parametrize("scale", [0.05, 0.25])
def test_scale_scales_the_rows(tmp_path: Path, cfg: Config, scale: float) -> None:
    result = generate(cfg, tmp_path, NIGHT, scale=scale, townships=["三桃乡"])
    rows = result.rows["三桃乡_20200204.xlsx"]
    assert rows["排查登记"] == round(400 * scale)  # scale 100: 40,000 a township
    assert rows["住户"] == max(rows["网格"], round(300 * scale))  # every grid has households
    assert len(Book(result.files[0], cfg).records("排查登记")) == rows["排查登记"]


@pytest.mark.parametrize("bad", [{"scale": 0}, {"defects": 1.5}, {"townships": ["北京镇"]},
                                 {"townships": 11}])
def test_unusable_arguments_are_one_sentence(tmp_path: Path, cfg: Config,
                                              bad: dict[str, Any]) -> None:
    from toolkit.errors import UsageError

    with pytest.raises(UsageError) as err:
        generate(cfg, tmp_path, NIGHT, **bad)
    assert err.value.exit_code == 2 and err.value.message.endswith("。")


# -- planted defects and drift: the truth points at cells that show them --------------------
def entries(result: SampleResult, kind: str) -> list[PlantedDefect]:
    found = [t for t in result.truth if t.kind == kind]
    assert found, f"nothing planted of kind {kind}"
    return found


def test_every_kind_is_planted_in_every_file(planted: tuple[SampleResult, dict]) -> None:
    result, _ = planted
    for i, f in enumerate(result.files):
        kinds = {t.kind for t in result.truth if t.file == f.name}
        expected = set(PLANTED)
        if i == 0:  # the first township only donates its persons to later ones
            expected.discard("cross-township-duplicate")
        assert expected <= kinds, f.name


@pytest.mark.parametrize("kind", PLANTED)
def test_truth_points_at_the_defect(planted: tuple[SampleResult, dict], cfg: Config,
                                    kind: str) -> None:
    result, bs = planted
    rules = cfg.schema.rules
    for t in entries(result, kind):
        book = bs[t.file]
        value = book.cell(t.sheet, t.row, t.column)
        rec = dict(next(r for row, r in book.records(t.sheet) if row == t.row))
        if kind == "id-stored-as-number":
            assert isinstance(value, float) or re.fullmatch(r"\d\.\d{2,5}E\+17", value)
        elif kind == "id-check-digit":
            assert idcard.problem(value) == "id-check-digit"
            if t.sheet == "排查登记":
                assert idcard.sex(value) == rec["性别"]
        elif kind in ("duplicate-id", "cross-township-duplicate"):
            assert idcard.problem(value) is None
            twins = [u for u in result.truth if u.kind == kind and u != t
                     and bs[u.file].cell(u.sheet, u.row, u.column) == value]
            assert len(twins) == 1
            other = bs[twins[0].file]
            if kind == "duplicate-id":
                assert twins[0].file == t.file
                assert other.cell(t.sheet, twins[0].row, "性别") == rec["性别"]
            else:
                assert twins[0].file != t.file
                assert other.cell(t.sheet, twins[0].row, "姓名") == rec["姓名"]
        elif kind == "unknown-grid":
            assert value not in {r["网格编号"] for _, r in book.records("网格")}
        elif kind == "unknown-household":
            assert value not in {r["户编号"] for _, r in book.records("住户")}
        elif kind == "arrival-before-cutoff":
            assert to_date(value) < rules.cutoff_date
        elif kind == "arrival-after-report-date":
            assert to_date(value) > NIGHT
        elif kind == "unmanaged-risk":
            assert value == rules.unmanaged_measure
            assert rec["是否湖北来威"] == "是" or rec["健康状况"] in rules.symptoms
        elif kind == "observation-too-short":
            days = (to_date(value) - to_date(rec["观察起始日期"])).days
            assert days < rules.observation_days
        elif kind == "missing-shift":
            day = [(row, r) for row, r in book.records(t.sheet)
                   if r["日期"] == rec["日期"] and r["卡点名称"] == rec["卡点名称"]]
            assert day[0][0] == t.row and len(day) == len(rules.shifts) - 1
        elif kind == "negative-number":
            assert value < 0
        elif kind == "grid-staffing":
            lo, hi = rules.grid_staffing[t.column]
            assert not lo <= len(value.split("、")) <= hi
        else:  # pragma: no cover
            raise AssertionError(kind)


def test_only_planted_persons_repeat_across_townships(planted: tuple[SampleResult, dict]
                                                     ) -> None:
    result, bs = planted
    where: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for name, book in bs.items():
        for row, rec in book.records("排查登记"):
            if isinstance(rec["身份证号"], str):
                where[rec["身份证号"]].add((name, row))
    repeated = {cell for cells in where.values() if len({f for f, _ in cells}) > 1
                for cell in cells}
    truth = {(t.file, t.row) for t in result.truth if t.kind == "cross-township-duplicate"}
    assert repeated == truth


DRIFT = ("drift-title-row", "drift-instructions-row", "drift-header-alias",
         "drift-extra-column", "drift-full-width", "drift-date-text", "drift-phone-float",
         "drift-blank-row", "drift-total-row", "drift-hidden-sheet")


@pytest.mark.parametrize("kind", DRIFT)
def test_truth_points_at_the_drift(planted: tuple[SampleResult, dict], cfg: Config,
                                   kind: str) -> None:
    result, bs = planted
    for t in entries(result, kind):
        book = bs[t.file]
        if kind == "drift-hidden-sheet":
            assert t.sheet in book.hidden
            continue
        rows = book.raw[book.by_canonical[t.sheet]]
        h, _ = book.header(t.sheet)
        line = [v for v in rows[t.row - 1] if v not in (None, "")]
        if kind in ("drift-title-row", "drift-instructions-row"):
            assert t.row <= h and len(line) == 1
            assert line[0].startswith("填表说明") == (kind == "drift-instructions-row")
        elif kind == "drift-header-alias":
            header = rows[h][book.header(t.sheet)[1][t.column]]
            assert t.row == h + 1 and fold_header(header) != fold_header(t.column)
        elif kind == "drift-extra-column":
            assert t.row == h + 1 and t.column in rows[h]
        elif kind == "drift-blank-row":
            assert t.row > h + 1 and line == []
        elif kind == "drift-total-row":
            assert line[0] in cfg.schema.rules.total_markers
        else:
            value = book.cell(t.sheet, t.row, t.column)
            if kind == "drift-full-width":
                assert FULL_WIDTH_DIGITS & set(value)
            elif kind == "drift-date-text":
                assert isinstance(value, str) and re.search(r"\d", value)
            elif kind == "drift-phone-float":
                assert isinstance(value, float) and len(str(int(value))) == 11


def test_drift_alone_plants_no_defect(tmp_path: Path, cfg: Config) -> None:
    result = generate(cfg, tmp_path, NIGHT, scale=0.05, drift=True, townships=2, seed=4)
    assert result.truth and result.defects == []
    assert {t.kind for t in result.truth} >= set(DRIFT)


def test_truth_rows_count_the_title_rows(planted: tuple[SampleResult, dict]) -> None:
    result, bs = planted
    for t in result.truth:
        if t.row and not t.is_drift:
            h, _ = bs[t.file].header(t.sheet)
            assert t.row > h + 1


# -- the command -----------------------------------------------------------------------------
def test_cli_writes_files_and_truth(tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["sample", str(out), "--date", "2020-02-04", "--scale",
                                    "0.05", "--defects", "0.05", "--truth", str(truth),
                                    "--townships", "扎西镇,双河乡", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [Path(f).name for f in data["files"]] == ["扎西镇_20200204.xlsx",
                                                     "双河乡_20200204.xlsx"]
    assert all(Path(f).is_file() for f in data["files"])
    planted = json.loads(truth.read_text(encoding="utf-8"))
    assert planted and set(planted[0]) == {"file", "township", "sheet", "row", "column",
                                           "kind"}
    assert data["defects"] == sum(not p["kind"].startswith("drift-") for p in planted)
    wb = openpyxl.load_workbook(out / "双河乡_20200204.xlsx", read_only=True)
    assert wb["填报信息"]["A2"].value == "双河乡"
    wb.close()

    text = CliRunner().invoke(main, ["sample", str(tmp_path / "t"), "--date", "20200204",
                                     "--scale", "0.05", "--townships", "1"])
    assert text.exit_code == 0
    assert text.output.splitlines()[0].endswith("扎西镇_20200204.xlsx")


def test_unwritable_output_is_one_sentence(tmp_path: Path, cfg: Config) -> None:
    from toolkit.errors import UsageError

    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        generate(cfg, blocker / "out", NIGHT, scale=0.05, townships=1)
    assert "无法写入" in err.value.message


@pytest.mark.parametrize(("args", "said"), [(["--defects", "2"], "0 到 1 之间"),
                                            (["--townships", "北京镇"], "北京镇"),
                                            ([], "--date")])
def test_cli_usage_errors_exit_2(tmp_path: Path, args: list[str], said: str) -> None:
    date = ["--date", "2020-02-04"] if args else []
    res = CliRunner().invoke(main, ["sample", str(tmp_path), "--scale", "0.05", *date, *args])
    assert res.exit_code == 2
    assert said in res.output and "Traceback" not in res.output
    assert not list(tmp_path.glob("*.xlsx"))  # nothing written
