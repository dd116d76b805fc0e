"""``generate(..., layouts=True)``: every township in its own mix of real layouts, the values
still valid, and the truth still pointing at the cells as written.

The files are read back with python-calamine (values, merged ranges, sheet visibility, in
absolute coordinates from A1) and opened once with openpyxl. A
worksheet's header is found the way a township's file must be read: the row whose cells
name the schema's columns (a two-level header's lower cell alone or with its group label in
front, a merged cell's value from its top cell, decorations such as ``(必填)`` or units in
brackets stripped). Rows the truth marks as layout rows (subtotals, repeated headers,
footers ...) are not data; every other non-blank row below the header is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from toolkit.cli import main
from toolkit.config.county import Config, load_config
from toolkit.sample import SampleResult, generate
from toolkit.sample.layouts import FEATURES, choose_layouts

NIGHT = dt.date(2020, 2, 4)
LAYOUT = "drift-layout-"
TEMPLATE_ORDER = ["填报信息", "网格", "住户", "排查登记", "卡点值守", "队伍", "宣传", "捐赠"]
DATA_SHEETS = TEMPLATE_ORDER[1:]
NAMING = [LAYOUT + k for k in ("village-sheets", "sheet1", "sheet-name-suffix")]
UNITS = ("人", "户", "辆", "辆次", "份", "条", "次")


# -- reading helpers -------------------------------------------------------------------------
class Sheet:
    """One worksheet: values by (Excel row, column), 1-based (None = empty), and its merged
    ranges as (first row, first col, last row, last col)."""

    def __init__(self, wb: CalamineWorkbook, name: str, hidden: bool) -> None:
        ws = wb.get_sheet_by_name(name)
        self.name = name
        self.hidden = hidden
        self.rows: list[tuple[Any, ...]] = [tuple(None if v == "" else v for v in r)
                                            for r in ws.to_python(skip_empty_area=False)]
        self.merges = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                       for (r1, c1), (r2, c2) in ws.merged_cell_ranges or []]
        self.top: dict[tuple[int, int], tuple[int, int]] = {}
        self._headers: dict[str, tuple[int, dict[str, int]]] = {}
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.top[(r, c)] = (r1, c1)

    def raw(self, row: int, col: int) -> Any:
        if not 0 < row <= len(self.rows) or not 0 < col <= len(self.rows[row - 1]):
            return None
        return self.rows[row - 1][col - 1]

    def value(self, row: int, col: int) -> Any:
        """The cell's value; a merged cell's is its top-left cell's."""
        return self.raw(*self.top.get((row, col), (row, col)))

    def line(self, row: int) -> list[Any]:
        return [v for v in self.rows[row - 1] if v not in (None, "")]

    def header(self, config: Config, sheet: str) -> tuple[int, dict[str, int]]:
        """(Excel row of the (lower) header, canonical column -> 1-based column)."""
        if sheet not in self._headers:
            self._headers[sheet] = self._find_header(config, sheet)
        return self._headers[sheet]

    def _find_header(self, config: Config, sheet: str) -> tuple[int, dict[str, int]]:
        spec = config.schema.sheet(sheet)
        best: tuple[int, dict[str, int]] = (0, {})
        for r in range(1, min(len(self.rows), 15) + 1):
            cols: dict[str, int] = {}
            for c in range(1, len(self.rows[r - 1]) + 1):
                lower = self.value(r, c)
                if lower in (None, ""):
                    continue
                upper = self.value(r - 1, c) if (r - 1, c) in self.top else ""
                for text in (lower, f"{upper}{lower}", undecorated(lower)):
                    col = spec.match_column(text)
                    if col is not None and col.name not in cols:
                        cols[col.name] = c
                        break
            if len(cols) > len(best[1]):
                best = (r, cols)
        assert len(best[1]) >= min(3, len(spec.columns)), (self.name, sheet)
        return best


def undecorated(text: object) -> str:
    return re.sub(r"\s*[(（][^()（）]*[)）]$", "", str(text))


class Book:
    def __init__(self, path: Path) -> None:
        wb = CalamineWorkbook.from_path(str(path))
        self.order = list(wb.sheet_names)
        self.sheets = {m.name: Sheet(wb, m.name, m.visible != SheetVisibleEnum.Visible)
                       for m in wb.sheets_metadata}


_BOOKS: dict[Path, Book] = {}


def books(result: SampleResult) -> dict[str, Book]:
    """The files read back (once: every fixture writes to its own folder)."""
    for f in result.files:
        if f not in _BOOKS:
            _BOOKS[f] = Book(f)
    return {f.name: _BOOKS[f] for f in result.files}


def canonical_sheets(result: SampleResult, file: str, book: Book, config: Config
                     ) -> dict[str, str]:
    """Visible worksheet -> the data sheet it holds, by its name or, where it is named
    otherwise (Sheet1, a village, a suffix), by the truth; hidden older copies are left out."""
    named = {t.source_sheet: t.sheet for t in result.truth if t.file == file and t.kind in NAMING}
    out = {}
    for name, ws in book.sheets.items():
        spec = config.schema.match_sheet(name)
        canonical = named.get(name) or (spec.name if spec else None)
        if canonical in DATA_SHEETS and not ws.hidden:
            out[name] = canonical
    return out


def normal(config: Config, sheet: str, column: str, value: Any) -> Any:
    """A cell as a layout habit may write it, back to the template's value."""
    kind = config.schema.sheet(sheet).column(column).type
    if not isinstance(value, str):
        return value
    if kind == "int":
        if value in ("/", "无"):
            return 0
        m = re.fullmatch(r"(-?\d+) ?(人|户|辆|辆次|份|条|次)", value)
        return int(m.group(1)) if m else value
    if kind == "id-number":
        return value.removeprefix("'").replace(" ", "")
    if kind == "phone":
        return value.removeprefix("+86").replace("-", "").replace(" ", "")
    return value


def layout_rows(result: SampleResult) -> set[tuple[str, str, int]]:
    return {(t.file, t.source_sheet, t.row) for t in result.truth
            if t.kind.startswith(LAYOUT) and t.row}


def data_rows(result: SampleResult, config: Config
              ) -> dict[tuple[str, str], Counter[tuple[Any, ...]]]:
    """(township, canonical sheet) -> the data rows written (normalised), as a multiset."""
    skip = layout_rows(result)
    out: dict[tuple[str, str], Counter[tuple[Any, ...]]] = defaultdict(Counter)
    for (file, book), town in zip(books(result).items(), config.county.township_names,
                                  strict=True):
        for name, sheet in canonical_sheets(result, file, book, config).items():
            ws = book.sheets[name]
            h, cols = ws.header(config, sheet)
            columns = sorted(cols)
            for r in range(h + 1, len(ws.rows) + 1):
                if (file, name, r) not in skip and ws.line(r):
                    out[(town, sheet)][tuple(normal(config, sheet, c, ws.value(r, cols[c]))
                                             for c in columns)] += 1
    return out


def cell_of(book: Book, config: Config, sheet: str, source: str, row: int, column: str
            ) -> tuple[Sheet, int, int]:
    """The worksheet, Excel row and 1-based column of a truth entry, the column found in
    that worksheet's own header."""
    ws = book.sheets[source]
    h, cols = ws.header(config, sheet)
    assert row > h, (source, row, h)
    return ws, row, cols[column]


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(cwd=tmp_path_factory.mktemp("cfg"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, cfg: Config
          ) -> tuple[SampleResult, SampleResult]:
    """A clean night laid out, and the same night in the template's layout."""
    laid = generate(cfg, tmp_path_factory.mktemp("clean"), NIGHT, scale=0.15, layouts=True)
    plain = generate(cfg, tmp_path_factory.mktemp("clean-plain"), NIGHT, scale=0.15)
    return laid, plain


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, cfg: Config
            ) -> tuple[SampleResult, SampleResult]:
    """A night with defects (and drift), laid out and not (seed 10: merged cells in all three
    sheets that get them, three townships with one 排查登记 sheet per village)."""
    kw: dict[str, Any] = {"scale": 0.15, "defects": 0.03, "seed": 10}
    laid = generate(cfg, tmp_path_factory.mktemp("laid"), NIGHT, layouts=True, **kw)
    plain = generate(cfg, tmp_path_factory.mktemp("plain"), NIGHT, **kw)
    return laid, plain


# -- which township gets which layout --------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 17])
def test_every_feature_is_dealt_and_no_two_townships_alike(cfg: Config, seed: int) -> None:
    chosen = choose_layouts(cfg, seed)
    assert list(chosen) == list(cfg.county.township_names)
    assert {f for fs in chosen.values() for f in fs} == set(FEATURES)
    assert len({frozenset(fs) for fs in chosen.values()}) == len(chosen)
    for features in chosen.values():
        assert 4 <= len(features) <= 8
        assert sum(f.startswith("cover-") for f in features) <= 1
    assert choose_layouts(cfg, seed) == chosen
    assert choose_layouts(cfg, seed + 100) != chosen


def test_a_townships_layout_does_not_depend_on_the_others(tmp_path: Path, cfg: Config) -> None:
    alone = generate(cfg, tmp_path / "one", NIGHT, scale=0.05, layouts=True,
                     townships=["三桃乡"])
    assert list(alone.layouts.values()) == [list(choose_layouts(cfg, 0)["三桃乡"])]


def test_every_feature_is_in_the_truth_of_the_files_that_chose_it(
        clean: tuple[SampleResult, SampleResult]) -> None:
    laid, plain = clean
    assert len(laid.layouts) == 10 and laid.defects == []
    for file, features in laid.layouts.items():
        recorded = {t.kind.removeprefix(LAYOUT) for t in laid.truth if t.file == file}
        assert recorded == set(features), file
    assert {t.kind for t in laid.truth} == {LAYOUT + f for f in FEATURES}
    assert plain.truth == [] and plain.layouts == {}


def test_every_file_opens_and_names_are_unique(clean: tuple[SampleResult, SampleResult],
                                               cfg: Config) -> None:
    laid, _ = clean
    names = [f.name for f in laid.files]
    assert len(set(names)) == len(names) == 10
    for (name, book), town in zip(books(laid).items(), cfg.county.township_names,
                                  strict=True):
        wb = openpyxl.load_workbook(laid.out_dir / name)
        assert wb.sheetnames == book.order and wb.worksheets[0].sheet_state == "visible"
        wb.close()
        assert not book.sheets[book.order[0]].hidden
        assert (town in name) != ("generic-file-name" in laid.layouts[name])


# -- nothing lost, every value as valid as before --------------------------------------------
def test_laid_out_files_hold_the_same_data_rows(clean: tuple[SampleResult, SampleResult],
                                                cfg: Config) -> None:
    laid, plain = clean
    got, want = data_rows(laid, cfg), data_rows(plain, cfg)
    assert set(got) == set(want)
    for key, rows in want.items():
        assert got[key] == rows, key
    for file, town in zip(laid.rows, cfg.county.township_names, strict=True):
        for sheet in DATA_SHEETS:
            assert sum(got[(town, sheet)].values()) == laid.rows[file][sheet], (town, sheet)


def test_the_cover_says_who_and_when_in_every_style(clean: tuple[SampleResult, SampleResult],
                                                   cfg: Config) -> None:
    laid, _ = clean
    for (name, book), town in zip(books(laid).items(), cfg.county.township_names,
                                  strict=True):
        features = laid.layouts[name]
        cover = next((c for c in features if c.startswith("cover-")), "cover-table")
        if cover == "cover-table":
            ws = book.sheets[next(n for n in book.order if n.startswith("填报信息"))]
            h, cols = ws.header(cfg, "填报信息")
            assert ws.value(h + 1, cols["填报单位"]) == town
            assert ws.value(h + 1, cols["填报日期"]) == NIGHT
            continue
        (mark,) = [t for t in laid.truth if t.file == name and t.kind == LAYOUT + cover]
        ws = book.sheets[mark.source_sheet]
        lines = [ws.line(r) for r in range(1, len(ws.rows) + 1) if ws.line(r)]
        if cover == "cover-form":
            form = {str(line[0]).rstrip(":："): line[1] for line in lines}
            assert form["填报单位"] == town and form["填报日期"] == NIGHT
            assert all(str(line[0])[-1] in ":：" for line in lines)
        elif cover == "cover-label-value":
            assert re.fullmatch(f"填报单位[:：]{town}", lines[0][0])
            assert re.fullmatch("填报日期[:：]2020年2月4日", lines[1][0])
        else:  # the title or form line above the first data sheet's header
            assert not any(n.startswith("填报信息") for n in book.order)
            (text,) = ws.line(mark.row)
            assert town in text and "2020年2月4日" in text
            sheet = canonical_sheets(laid, name, book, cfg)[ws.name]
            assert mark.row < ws.header(cfg, sheet)[0]
            first = next(n for n in book.order if n in canonical_sheets(laid, name, book, cfg))
            assert ws.name == first


# -- the truth points at the cells as written ------------------------------------------------
def test_every_defect_is_at_a_cell_holding_the_planted_value(
        planted: tuple[SampleResult, SampleResult], cfg: Config) -> None:
    laid, plain = planted
    assert laid.defects and len(laid.defects) == len(plain.defects)
    found = []
    for result in (laid, plain):
        bs = books(result)
        skip = layout_rows(result)
        values: dict[tuple[str, str, str, str], Counter[Any]] = defaultdict(Counter)
        for t in result.defects:
            ws, row, col = cell_of(bs[t.file], cfg, t.sheet, t.source_sheet, t.row, t.column)
            assert (t.file, ws.name, row) not in skip
            value = ws.raw(row, col)
            assert value is not None, t
            values[(t.township, t.sheet, t.column, t.kind)][value] += 1
        found.append(values)
    assert found[0] == found[1]  # the plain files' truth is checked by test_sample.py


def test_merged_cells_never_cover_a_defect(planted: tuple[SampleResult, SampleResult],
                                           cfg: Config) -> None:
    laid, _ = planted
    bs = books(laid)
    assert any(ws.merges for b in bs.values() for ws in b.sheets.values())
    for t in laid.defects:
        ws, row, col = cell_of(bs[t.file], cfg, t.sheet, t.source_sheet, t.row, t.column)
        assert (row, col) not in ws.top, t
        # nor any cell of its row: filling merged cells down never changes a planted row
        assert not [m for m in ws.merges if m[0] <= row <= m[2] and m[2] > m[0]], t


def test_defects_in_village_sheets_name_their_sheet(planted: tuple[SampleResult, SampleResult]
                                                    ) -> None:
    laid, _ = planted
    villages = {(t.file, t.source_sheet) for t in laid.truth
                if t.kind == LAYOUT + "village-sheets"}
    assert villages
    in_villages = [t for t in laid.defects if (t.file, t.source_sheet) in villages]
    assert in_villages and all(t.sheet == "排查登记" for t in in_villages)
    assert len({t.source_sheet for t in in_villages}) > 1
    record = in_villages[0].to_dict()
    assert record["source_sheet"] == in_villages[0].source_sheet != record["sheet"]
    assert "source_sheet" not in next(t for t in laid.truth
                                      if t.source_sheet == t.sheet).to_dict()


# -- each layout mark points at what it says -------------------------------------------------
@pytest.mark.parametrize("night", ["clean", "planted"])
def test_layout_marks_point_at_what_they_say(request: pytest.FixtureRequest, cfg: Config,
                                             night: str) -> None:
    laid, _ = request.getfixturevalue(night)
    bs = books(laid)
    seen: set[str] = set()
    for t in laid.truth:
        if not t.kind.startswith(LAYOUT):
            continue
        feature = t.kind.removeprefix(LAYOUT)
        seen.add(feature)
        book = bs[t.file]
        if t.sheet == "":
            if feature == "shuffled-order":
                held = canonical_sheets(laid, t.file, book, cfg)
                shown = list(dict.fromkeys("填报信息" if n.startswith("填报信息") else
                                           held.get(n, n) for n in book.order))
                assert [n for n in shown if n in TEMPLATE_ORDER] != [
                    n for n in TEMPLATE_ORDER if n in shown]
            else:
                assert feature == "generic-file-name" and not re.search("[镇乡]_", t.file)
            continue
        ws = book.sheets[t.source_sheet]
        if feature.startswith("cover-"):
            continue  # test_the_cover_says_who_and_when_in_every_style
        if t.row:
            line = ws.line(t.row)
            h, cols = ws.header(cfg, t.sheet)
            first = line[0] if line else None
            if feature == "village-subtotals":
                assert re.fullmatch(r"[一二三四五六七八九十]+、.+", first) or (
                    first.endswith("小计") or first == "合计"), first
                assert t.row > h
            elif feature == "footer":
                assert len(line) == 1 and re.match("(填表人|联系电话|注)[：:]", first)
            elif feature == "repeated-header":  # its title, header, units, numbers rows
                header = {ws.value(h, c) for c in cols.values()} | {ws.value(h - 1, c)
                                                                   for c in cols.values()}
                assert t.row > h and (len(line) == 1 or set(line) & header
                                      or units_row(line) or numbers_row(line)), line
            elif feature == "column-numbers":
                assert numbers_row(line) and t.row in (h + 1, h + 2)
            elif feature == "units-row":
                assert units_row(line) and t.row in (h - 1, h + 1)
            elif feature in ("title", "instructions"):
                assert t.row < h and len(line) == 1
                assert first.startswith("填表说明") == (feature == "instructions")
                assert any(m[0] == t.row and m[2] == t.row for m in ws.merges)
            elif feature == "two-level-header":
                assert t.row == h - 1 and any(m[0] == m[2] == t.row for m in ws.merges)
            elif feature == "decorated-headers":
                assert t.row == h
                text = ws.value(h, cols[t.column])
                assert text != t.column and (text.startswith("*") or "\n" in text
                                            or undecorated(text) != text)
            else:  # pragma: no cover
                raise AssertionError(feature)
        elif t.column:
            h, cols = ws.header(cfg, t.sheet)
            texts = [v for name, sheet in canonical_sheets(laid, t.file, book, cfg).items()
                     if sheet == t.sheet for v in column_values(book.sheets[name], cfg, sheet,
                                                                t.column)
                     if isinstance(v, str)]
            check = {
                "count-units": lambda v: re.fullmatch(r"\d+ ?(人|户|辆|辆次|份|条|次)", v),
                "zero-as-slash": lambda v: v in ("/", "无"),
                "id-apostrophe": lambda v: v.startswith("'"),
                "id-spaces": lambda v: re.fullmatch(r"\d{6} \d{8} \d{3}[\dX]", v),
                "phone-dashes": lambda v: re.fullmatch(r"1\d\d[- ]\d{4}[- ]\d{4}", v),
                "phone-plus86": lambda v: v.startswith("+86"),
                "merged-cells": None,
            }[feature]
            if check is None:
                assert any(m[1] == m[3] == cols[t.column] and m[2] > m[0] > h
                           for m in ws.merges)
            else:
                assert any(check(v) for v in texts), (feature, t.column)
        elif feature == "offset":
            assert ws.rows[0] == (None,) * len(ws.rows[0])
            assert all(r[0] is None for r in ws.rows)
        elif feature == "hidden-copy":
            assert ws.hidden and ws.header(cfg, t.sheet)
        elif feature == "empty-sheet":
            assert all(v is None for r in ws.rows for v in r)
        elif feature == "extra-sheet":
            assert cfg.schema.match_sheet(ws.name) is None and any(ws.rows)
        elif feature == "sheet1":
            assert ws.name == "Sheet1" and ws.header(cfg, t.sheet)
        elif feature == "village-sheets":
            grids = book.sheets[next(n for n, s in canonical_sheets(
                laid, t.file, book, cfg).items() if s == "网格")]
            h, cols = grids.header(cfg, "网格")
            assert ws.name in {grids.value(r, cols["村(社区)"]) for r in range(h + 1,
                                                                             len(grids.rows) + 1)}
        elif feature == "sheet-name-suffix":
            base = re.sub(r"(\s|[(（][^()（）]*[)）]|表)+$", "", ws.name)
            assert ws.name != t.sheet and t.sheet in {
                getattr(cfg.schema.match_sheet(n), "name", None) for n in (base, base + "表")}
        else:  # pragma: no cover
            raise AssertionError(feature)
    assert seen == set(FEATURES)


def units_row(line: list[Any]) -> bool:
    return all(v in UNITS or re.fullmatch("单位：.+", str(v)) for v in line)


def numbers_row(line: list[Any]) -> bool:
    return line in ([*range(1, len(line) + 1)], list("甲乙丙丁戊己庚辛壬癸"[: len(line)]))


def column_values(ws: Sheet, config: Config, sheet: str, column: str) -> list[Any]:
    h, cols = ws.header(config, sheet)
    return [ws.raw(r, cols[column]) for r in range(h + 1, len(ws.rows) + 1)]


# -- determinism and the command -------------------------------------------------------------
def snapshot(result: SampleResult) -> dict[str, Any]:
    out = {}
    for f in result.files:
        b = Book(f)
        out[f.name] = [(n, b.sheets[n].hidden, b.sheets[n].rows, sorted(b.sheets[n].merges))
                       for n in b.order]
    return out


def test_same_seed_same_cells(tmp_path: Path, cfg: Config) -> None:
    kw: dict[str, Any] = {"scale": 0.05, "defects": 0.05, "townships": 4, "layouts": True}
    a = generate(cfg, tmp_path / "a", NIGHT, seed=7, **kw)
    b = generate(cfg, tmp_path / "b", NIGHT, seed=7, **kw)
    c = generate(cfg, tmp_path / "c", NIGHT, seed=8, **kw)
    assert snapshot(a) == snapshot(b)
    assert a.truth == b.truth and a.layouts == b.layouts
    assert snapshot(a) != snapshot(c)


def test_worker_processes_write_the_same_laid_out_files(tmp_path: Path, cfg: Config) -> None:
    kw: dict[str, Any] = {"scale": 0.05, "defects": 0.05, "townships": 3, "layouts": True}
    one = generate(cfg, tmp_path / "one", NIGHT, workers=1, **kw)
    two = generate(cfg, tmp_path / "two", NIGHT, workers=2, **kw)
    assert snapshot(one) == snapshot(two) and one.truth == two.truth


def test_cli_layouts(tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    res = CliRunner().invoke(main, ["sample", str(tmp_path / "out"), "--date", "2020-02-04",
                                    "--scale", "0.05", "--layouts", "--townships", "3",
                                    "--truth", str(truth), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert sorted(data["layouts"]) == sorted(Path(f).name for f in data["files"])
    records = json.loads(truth.read_text(encoding="utf-8"))
    assert records and all(r["kind"].startswith(LAYOUT) for r in records)
    assert {r["file"] for r in records} == set(data["layouts"])
    assert "--layouts" in CliRunner().invoke(main, ["sample", "--help"]).output
