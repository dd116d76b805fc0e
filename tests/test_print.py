"""Printed on A4 as the office prints them: the county master of a realistic night, an
annotated copy and the 日报, rendered to PDF by LibreOffice and read back with poppler
(``pdftotext -bbox``: every word with its position on its page).

On a printed page no column may be cut off: each page of a sheet shows every title of the
rows its header repeats (so the header is repeated and the sheet is one page wide), and no
word lies outside the page. The master's 汇总 pages print one page each at full size.
Skipped without LibreOffice (failed under GRIDKIT_REQUIRE_TOOLS=1). All the workbooks are
converted in one LibreOffice run.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import statistics
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from tests.test_merge import LATE, NIGHT, NOW, ON_TIME, sheet_values, stamp
from tests.tools import require_program
from toolkit.annotate.content import LIST_HEADER
from toolkit.annotate.copy import write_annotated
from toolkit.check.run import check_path
from toolkit.config.county import Config, load_config
from toolkit.night.merge import merge_night
from toolkit.outputs.report import build_report
from toolkit.store import open_store

sample = pytest.importorskip("toolkit.sample")

SUMMARIES = ("汇总", "汇总-排查管控", "汇总-卡点", "汇总-队伍", "汇总-宣传与捐赠")
SMALL = (*SUMMARIES, "报送情况", "问题清单", "跨乡镇重复")


# --- reading a PDF back ------------------------------------------------------------------

@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int  # from 1
    width: float
    height: float
    words: list[Word]

    @property
    def footer(self) -> list[Word]:
        return [w for w in self.words if w.y0 > self.height - 45]

    @property
    def body(self) -> list[Word]:
        return [w for w in self.words if w.y0 <= self.height - 45]

    @property
    def sheet(self) -> str:
        """The sheet name the master's footer prints at its left (&A)."""
        left = [w for w in self.footer if w.x0 < self.width / 3]
        return "".join(w.text for w in sorted(left, key=lambda w: w.x0))

    def text(self) -> str:
        return "".join(w.text for w in self.words)

    def outside(self) -> list[Word]:
        """Words not wholly on the page (a cut column, text spilling over the edge)."""
        return [w for w in self.words
                if w.x0 < 0 or w.y0 < 0 or w.x1 > self.width or w.y1 > self.height]

    def font_sizes(self) -> list[float]:
        """The printed size of each word of Chinese characters in the page's body (the
        CJK font's characters are one em wide)."""
        return [(w.x1 - w.x0) / len(w.text) for w in self.body
                if len(w.text) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text)]

    def has(self, title: str) -> bool:
        """``title`` is printed on the page: on one line, or wrapped in its cell onto lines
        below each other."""
        want = re.sub(r"\s+", "", title)
        return bool(want) and any(
            w.text and want.startswith(w.text) and self._rest(w, want[len(w.text):], 0)
            for w in self.words)

    def _rest(self, prev: Word, rest: str, depth: int) -> bool:
        if not rest:
            return True
        if depth > 5:
            return False
        line = prev.y1 - prev.y0
        for w in self.words:
            if w is prev or not w.text or not rest.startswith(w.text):
                continue
            same_line = abs(w.y0 - prev.y0) < 1.5 and -1 <= w.x0 - prev.x1 < 8
            below = (0.5 * line < w.y0 - prev.y0 < 2.2 * line
                     and w.x0 < prev.x1 + 4 and w.x1 > prev.x0 - 4)
            if (same_line or below) and self._rest(w, rest[len(w.text):], depth + 1):
                return True
        return False


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                   r'yMax="([\d.-]+)">(.*?)</word>')


def read_pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf`` with its words (``pdftotext -bbox``)."""
    exe = require_program("pdftotext", "the printed pages are read back with poppler")
    out = subprocess.run([exe, "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         timeout=120).stdout.decode("utf-8")
    pages = []
    for n, (width, height, body) in enumerate(_PAGE.findall(out), start=1):
        words = [Word(html.unescape(t), float(a), float(b), float(c), float(d))
                 for a, b, c, d, t in _WORD.findall(body)]
        pages.append(Page(n, float(width), float(height), words))
    return pages


def render(paths: Iterable[Path], folder: Path) -> dict[Path, list[Page]]:
    """Print every workbook to PDF in ONE LibreOffice run; each one's pages."""
    soffice = require_program("soffice", "the workbooks are printed to PDF with LibreOffice")
    paths = list(paths)
    out = folder / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    profile = (folder / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, paths)],
                   check=True, capture_output=True, timeout=300)
    pdfs = {}
    for p in paths:
        pdf = out / f"{p.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice did not print {p.name}"
        pdfs[p] = read_pages(pdf)
    return pdfs


def print_titles(path: Path) -> dict[str, list[str]]:
    """Each sheet's titles: the texts of the rows its header repeats on every page (only
    the sheets with such rows)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if not ws.print_title_rows:
            continue
        first, last = (int(x) for x in ws.print_title_rows.replace("$", "").split(":"))
        out[ws.title] = [str(c.value) for row in ws.iter_rows(min_row=first, max_row=last)
                         for c in row if c.value not in (None, "")]
    return out


def printed_problems(path: Path, pages: list[Page],
                     sheet_of: Callable[[Page], str] | None = None) -> list[str]:
    """What a clerk would find wrong in a printed workbook: a word off the page; a sheet
    with repeated header rows whose pages do not show every title of them (a column cut
    off, or the header not repeated). ``sheet_of`` tells a page's sheet (the master's
    footer names it); without it (any workbook) the pages are matched to the sheets in
    order by the titles they show, and each sheet needs a page showing all its titles."""
    problems = [f"第{p.number}页:“{w.text}”超出纸张" for p in pages for w in p.outside()]
    titles = print_titles(path)
    if sheet_of is not None:
        for sheet, want in titles.items():
            mine = [p for p in pages if sheet_of(p) == sheet]
            shown = {t for p in mine for t in want if p.has(t)}
            problems += [f"{sheet}:“{t}”没有印出" for t in want if t not in shown]
            problems += [f"{sheet} 第{p.number}页:没有表头" for p in mine if not p.has(want[0])]
        return problems
    sheets = list(titles)
    k = 0
    matched: set[str] = set()
    for page in pages:
        for j in range(k, len(sheets)):
            if all(page.has(t) for t in titles[sheets[j]]):
                k = j
                matched.add(sheets[j])
                break
    problems += [f"{s}:没有一页印全表头({'、'.join(titles[s])})"
                 for s in sheets if s not in matched]
    return problems


# --- the night -----------------------------------------------------------------------------

@dataclass
class Printed:
    config: Config
    master: Path
    annotated: Path
    report: Path
    pages: dict[Path, list[Page]]
    findings: int
    conflicts: int
    annotated_messages: list[str]

    def master_pages(self) -> dict[str, list[Page]]:
        out: dict[str, list[Page]] = {}
        for page in self.pages[self.master]:
            out.setdefault(page.sheet, []).append(page)
        return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """A realistic night (nine townships send sample registers with defects, one late, one
    sends nothing; some register the same people), merged; an annotated copy of one file;
    the night's 日报: all printed."""
    base = tmp_path_factory.mktemp("print")
    config = load_config(cwd=base)
    names = list(config.county.township_names)
    files = base / "files"
    sample.generate(config, files, NIGHT, scale=0.05, defects=0.02, seed=4,
                    townships=names[:-1])
    shutil.copytree(files, config.paths.inbox)
    paths = sorted(config.paths.inbox.glob("*.xlsx"))
    for p in paths:
        stamp(p, ON_TIME)
    stamp(paths[1], LATE)
    merge_night(config, NIGHT, now=NOW)
    store = open_store(config)
    try:
        findings, conflicts = len(store.findings(NIGHT)), len(store.conflicts(NIGHT))
    finally:
        store.close()
    report = build_report(config, NIGHT, now=NOW).workbook
    checked = check_path(paths[0], config)
    assert checked.issues
    annotated = write_annotated(checked, base / "annotated")
    master = config.paths.master
    return Printed(config, master, annotated, report,
                   render([master, annotated, report], base), findings, conflicts,
                   [f.message for f in checked.issues])


# --- the master ----------------------------------------------------------------------------

def test_every_sheet_of_the_master_is_printed(printed: Printed) -> None:
    pages = printed.master_pages()
    # in order, none missing, each page's footer names it
    assert list(pages) == list(sheet_values(printed.master))
    problems = printed_problems(printed.master, printed.pages[printed.master],
                                lambda p: p.sheet)
    assert problems == []


@pytest.mark.parametrize("sheet", SUMMARIES)
def test_each_summary_page_prints_on_one_page_at_full_size(printed: Printed,
                                                           sheet: str) -> None:
    pages = printed.master_pages()[sheet]
    assert len(pages) == 1
    page = pages[0]
    titles = print_titles(printed.master)[sheet]
    missing = [t for t in titles if not page.has(t)]
    assert not missing, f"{sheet}: columns cut off: {missing}"
    for name in [*printed.config.county.township_names, "全县合计"]:
        assert page.has(name), name
    assert min(page.font_sizes()) >= 9.5  # 11-pt text, barely shrunk (the notes are 10 pt)
    assert statistics.median(page.font_sizes()) >= 10.5
    assert not page.outside()


@pytest.mark.parametrize("sheet", ["报送情况", "问题清单", "跨乡镇重复"])
def test_lists_print_whole_with_their_header_on_every_page(printed: Printed,
                                                           sheet: str) -> None:
    pages = printed.master_pages()[sheet]
    titles = print_titles(printed.master)[sheet]
    for page in pages:
        missing = [t for t in titles if not page.has(t)]
        assert not missing, f"{sheet} 第{page.number}页: {missing}"
        assert min(page.font_sizes()) >= 9, f"{sheet} 第{page.number}页"
        assert not page.outside()


def test_status_prints_on_one_page(printed: Printed) -> None:
    page, = printed.master_pages()["报送情况"]
    for label in ("应报乡镇", "报送率", "按时报送率", "跨乡镇重复"):
        assert page.has(label)
    for name in printed.config.county.township_names:
        assert page.has(name)


def test_problem_list_pages_hold_every_problem(printed: Printed) -> None:
    """A problem row is at most a few lines: N problems take about N/10 pages."""
    pages = printed.master_pages()["问题清单"]
    assert printed.findings > 20
    assert len(pages) <= math.ceil(printed.findings / 8)
    cells = [r[5] for r in sheet_values(printed.master)["问题清单"][2:] if r[5]]
    printed_words = {w.text for p in pages for w in p.words}
    assert set(cells) <= printed_words  # every problem's cell address is on paper


def test_conflicts_print_with_the_names(printed: Printed) -> None:
    pages = printed.master_pages()["跨乡镇重复"]
    assert printed.conflicts > 0
    assert "跨乡镇重复登记的身份证号(同一人被两个及以上乡镇登记)" in pages[0].text()
    rows = [r for r in sheet_values(printed.master)["跨乡镇重复"][2:] if r[0]]
    assert rows and all(r[3] for r in rows)  # every row names the person
    text = "".join(p.text() for p in pages)
    assert all(r[0] in text and r[3] in text for r in rows)


def test_data_sheets_print_every_column(printed: Printed) -> None:
    """A data sheet prints one page wide or, too wide for that, over several pages with
    乡镇 (and the row's name) repeated: every column is on paper, under its title."""
    pages = printed.master_pages()
    titles = print_titles(printed.master)
    for spec in printed.config.schema.sheets:
        name = spec.name
        shown = {t for p in pages[name] for t in titles[name] if p.has(t)}
        assert shown == set(titles[name]), name
        for page in pages[name]:
            assert page.has("乡镇"), f"{name} 第{page.number}页"
            assert not page.outside()


# --- what else the office prints -----------------------------------------------------------

def test_annotated_copy_result_sheet_prints_readably(printed: Printed) -> None:
    """The 检查结果 sheet (first in the copy) prints one page wide, every problem's message
    wrapped on the page."""
    pages = printed.pages[printed.annotated]
    starts = [re.sub(r"\s+", "", m)[:12] for m in printed.annotated_messages]
    seen = ""
    result = []
    for page in pages:  # the sheet's pages: until every message has been printed
        result.append(page)
        seen += page.text()
        if all(s in seen for s in starts):
            break
    assert all(s in seen for s in starts)
    head = next(p for p in result if p.has("问题清单"))
    assert all(head.has(t) for t in LIST_HEADER)
    for page in result:
        assert not page.outside()
        assert min(page.font_sizes()) >= 6  # see the report: printed at about 7 pt
    widest = max(w.x1 for p in result for w in p.words)
    assert widest <= result[0].width - 20  # inside the right margin: wrapped, not spilled
    # values and dates as the clerk wrote them, not program output or a locale's format
    printed_text = " ".join(w.text for p in result for w in p.words)
    assert not re.search(r"\de\+\d", printed_text)
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", printed_text)


def test_report_workbook_prints_whole(printed: Printed) -> None:
    problems = printed_problems(printed.report, printed.pages[printed.report])
    assert problems == []
    for page in printed.pages[printed.report]:
        sizes = page.font_sizes()
        assert not sizes or min(sizes) >= 8, f"第{page.number}页"
