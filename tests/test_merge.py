"""The night's merge: a whole night with every kind of submission, re-runs, lock, fallback,
the master's content and the JSON/exit codes of ``gridkit merge``."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.factory import REPORT_DATE, Book, clean_register, pid, set_cell, write_workbook
from toolkit.cli import main
from toolkit.config.county import Config
from toolkit.errors import LockBusy, UsageError
from toolkit.night.locking import RunLock, workspace_lock
from toolkit.night.merge import merge_night
from toolkit.outputs.figures import night_figures, trace
from toolkit.store import open_store

NIGHT = REPORT_DATE
NOW = dt.datetime(2020, 2, 4, 22, 0)
ON_TIME = dt.datetime(2020, 2, 4, 19, 0)
LATE = dt.datetime(2020, 2, 4, 21, 30)


# --- helpers (used by the other test_merge*.py files too) ---------------------------------

def township_book(name: str, k: int, night: dt.date = NIGHT) -> Book:
    """A clean register for township number ``k`` whose ID numbers are its own."""
    book = clean_register(name, night)
    born = dt.date(1970, 1, 1) + dt.timedelta(days=37 * k)
    for i in range(1, len(book["住户"])):
        set_cell(book, "住户", i, "身份证号", pid(i, male=i != 2, born=born))
    for i in range(1, len(book["排查登记"])):
        set_cell(book, "排查登记", i, "身份证号", pid(100 + i, male=i != 2, born=born))
    return book


_BUILT: dict[str, bytes] = {}


def send(inbox: Path, name: str, book: Book, at: dt.datetime = ON_TIME) -> Path:
    """Write ``book`` into the inbox as ``name``, arrived at ``at`` (workbooks cached by
    content: building them with openpyxl is the slow part of these tests)."""
    key = repr(sorted(book.items()))
    path = inbox / name
    if key in _BUILT:
        path.write_bytes(_BUILT[key])
    else:
        write_workbook(path, book)
        _BUILT[key] = path.read_bytes()
    stamp(path, at)
    return path


def text_cell(path: Path, sheet: str, cell: str, text: str) -> None:
    """Put a text cell (even one starting with "=") into a workbook."""
    wb = openpyxl.load_workbook(path)
    c = wb[sheet][cell]
    c.value = text
    c.data_type = "s"
    wb.save(path)


def stamp(path: Path, at: dt.datetime) -> None:
    os.utime(path, (at.timestamp(), at.timestamp()))


def full_night(config: Config, night: dt.date = NIGHT) -> Path:
    """Every township's clean register in the inbox, on time."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(config.county.township_names, start=1):
        send(inbox, f"{name}_{night:%Y%m%d}.xlsx", township_book(name, k, night))
    return inbox


def sheet_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def data_styles(path: Path) -> list[list[tuple[str, bool, str]]]:
    """Every cell's number format, wrapping and fill colour in a master's 排查登记 and 住户."""
    wb = openpyxl.load_workbook(path)
    try:
        return [[(c.number_format, bool(c.alignment.wrap_text), str(c.fill.fgColor.rgb))
                 for c in row] for name in ("排查登记", "住户") for row in wb[name].iter_rows()]
    finally:
        wb.close()


def rebuild_master(config: Config, night: dt.date = NIGHT) -> Path:
    """The night's master written again from the store alone (the merge's one removed)."""
    from toolkit.outputs.master import write_master
    from toolkit.store import open_store

    config.paths.master.unlink()
    store = open_store(config)
    try:
        return write_master(config, night, store)
    finally:
        store.close()


def summary_columns(sheets: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """The columns of every 汇总 page of a master (汇总, 汇总-排查管控 …) by their title:
    each from the first township's row down to 全县合计."""
    out: dict[str, list[Any]] = {}
    for name, rows in sheets.items():
        if name != "汇总" and not name.startswith("汇总-"):
            continue
        head = next(i for i, r in enumerate(rows) if r[0] == "乡镇")
        total = next(i for i, r in enumerate(rows) if r[0] == "全县合计")
        first = head + 1
        while rows[first][0] is None:  # the header's second row (under a group title)
            first += 1
        for c in range(len(rows[head])):
            title = next(r[c] for r in reversed(rows[head:first]) if r[c] is not None)
            out.setdefault(title, [r[c] for r in rows[first:total + 1]])
    return out


def status_block(sheets: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """报送情况's summary block: label -> value."""
    rows = sheets["报送情况"]
    end = next(i for i, r in enumerate(rows) if r[0] == "乡镇")
    return {r[0]: r[1] for r in rows[2:end] if r[0] is not None}


def status_of(result: Any) -> dict[str, str]:
    return {t.township: t.status for t in result.townships}


# --- the whole night ---------------------------------------------------------------------

@pytest.fixture
def messy_night(config: Config) -> Path:
    """扎西镇 on time; 旧城镇 late; 罗布镇 the same file twice; 麟凤镇 a resubmission;
    长安镇 a corrupt file; 庙沟镇 yesterday's register; 水田镇 nothing; 双河乡 and 高田乡
    register the same person; 三桃乡 a cell starting with "="; an Excel lock file."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    names = config.county.township_names
    books = {n: township_book(n, k) for k, n in enumerate(names, start=1)}
    send(inbox, "扎西镇_20200204.xlsx", books["扎西镇"])
    send(inbox, "旧城镇_20200204.xlsx", books["旧城镇"], LATE)
    first = send(inbox, "罗布镇_20200204.xlsx", books["罗布镇"])
    shutil.copy2(first, inbox / "罗布镇_20200204(1).xlsx")
    old = township_book("麟凤镇", 4)
    set_cell(old, "排查登记", 1, "姓名", "旧文件")
    send(inbox, "麟凤镇 初稿.xlsx", old, dt.datetime(2020, 2, 4, 17, 0))
    set_cell(books["麟凤镇"], "排查登记", 1, "姓名", "新文件")
    send(inbox, "麟凤镇_20200204.xlsx", books["麟凤镇"], dt.datetime(2020, 2, 4, 19, 30))
    (inbox / "长安镇_20200204.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    stamp(inbox / "长安镇_20200204.xlsx", ON_TIME)
    send(inbox, "庙沟镇.xlsx", township_book("庙沟镇", 6, dt.date(2020, 2, 3)))
    shared = pid(9999)
    set_cell(books["双河乡"], "排查登记", 2, "身份证号", shared)
    set_cell(books["高田乡"], "排查登记", 3, "身份证号", shared)
    send(inbox, "双河乡_20200204.xlsx", books["双河乡"])
    send(inbox, "高田乡_20200204.xlsx", books["高田乡"])
    santao = send(inbox, "三桃乡_20200204.xlsx", books["三桃乡"])
    text_cell(santao, "排查登记", "P2", "=SUM(A1:A9)")  # 备注 of the first person, as text
    stamp(santao, ON_TIME)
    (inbox / "~$扎西镇_20200204.xlsx").write_bytes(b"lock")
    return inbox


def test_whole_night_statuses(config: Config, messy_night: Path) -> None:
    result = merge_night(config, NIGHT, now=NOW)
    assert status_of(result) == {
        "扎西镇": "已报", "旧城镇": "迟报", "罗布镇": "已报", "麟凤镇": "已报", "长安镇": "退回",
        "庙沟镇": "退回", "水田镇": "未报", "双河乡": "已报", "高田乡": "已报", "三桃乡": "已报"}
    rows = {t.township: t for t in result.townships}
    assert rows["麟凤镇"].file == "麟凤镇_20200204.xlsx"
    assert "2月3日" in (rows["庙沟镇"].reason or "")
    assert rows["长安镇"].reason and "长安镇_20200204.xlsx" in rows["长安镇"].reason
    assert "“长安镇_20200204.xlsx”" in rows["长安镇"].reason  # as sent, not the archive's name
    assert [set(d) for d in result.duplicates] == [
        {"罗布镇_20200204(1).xlsx", "罗布镇_20200204.xlsx"}]
    assert result.exit_code == 1
    # the lock file was passed over with a word, everything else archived once
    assert [name for name, _why in result.skipped] == ["~$扎西镇_20200204.xlsx"]
    assert "临时文件" in result.skipped[0][1]
    archived = sorted(p.name for p in config.paths.archive.rglob("*.xlsx"))
    assert len(archived) == 10 and not any("~$" in n for n in archived)
    assert sum("麟凤镇" in n for n in archived) == 2  # both versions kept


def test_rejected_files_are_quarantined_with_reason(config: Config, messy_night: Path) -> None:
    merge_night(config, NIGHT, now=NOW)
    notes = {p.parent.name: p.read_text(encoding="utf-8-sig")
             for p in config.paths.quarantine.rglob("*.退回原因.txt")}
    assert set(notes) == {"长安镇", "庙沟镇"}
    assert "退回原因" in notes["庙沟镇"] and "2月3日" in notes["庙沟镇"]
    assert "文件“长安镇_20200204.xlsx”不是能打开的Excel工作簿" in notes["长安镇"]


def test_resubmission_replaces_first_file_in_master(config: Config, messy_night: Path) -> None:
    result = merge_night(config, NIGHT, now=NOW)
    sheets = sheet_values(result.master)  # type: ignore[arg-type]
    header = sheets["排查登记"][0]
    name_col, town_col = header.index("姓名"), header.index("乡镇")
    linfeng = [r for r in sheets["排查登记"][1:] if r[town_col] == "麟凤镇"]
    assert linfeng[0][name_col] == "新文件"
    assert len(linfeng) == 3
    assert not any(r[name_col] == "旧文件" for r in sheets["排查登记"][1:])
    luobu = [r for r in sheets["排查登记"][1:] if r[town_col] == "罗布镇"]
    assert len(luobu) == 3  # the same file twice is merged once


def test_cross_township_conflict_lists_both_sources(config: Config, messy_night: Path) -> None:
    result = merge_night(config, NIGHT, now=NOW)
    assert len(result.conflicts) == 1
    k = result.conflicts[0]
    assert k.id_number == pid(9999)
    assert [(s.township, s.file, s.sheet, s.row) for s in k.sources] == [
        ("双河乡", "双河乡_20200204.xlsx", "排查登记", 3),
        ("高田乡", "高田乡_20200204.xlsx", "排查登记", 4)]
    sheets = sheet_values(result.master)  # type: ignore[arg-type]
    rows = sheets["跨乡镇重复"]
    assert rows[0][0].startswith("跨乡镇重复登记的身份证号")
    assert rows[1][:4] == ("身份证号", "涉及乡镇", "乡镇", "登记姓名")
    assert rows[2][:3] == (pid(9999), "双河乡、高田乡", "双河乡") and rows[2][6] == 3
    assert rows[3][2] == "高田乡" and rows[3][6] == 4
    # the name each township registered, as in its row of the merged 排查登记
    screening = sheets["排查登记"]
    name, town, line = (screening[0].index(t) for t in ("姓名", "乡镇", "来源行"))
    registered = {(r[town], r[line]): r[name] for r in screening[1:]}
    assert rows[2][3] == registered[("双河乡", 3)] and rows[2][3]
    assert rows[3][3] == registered[("高田乡", 4)] and rows[3][3]


def test_formula_like_values_stay_text(config: Config, messy_night: Path) -> None:
    result = merge_night(config, NIGHT, now=NOW)
    wb = openpyxl.load_workbook(result.master)
    ws = wb["排查登记"]
    header = [c.value for c in ws[1]]
    col = header.index("备注") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
    hits = [c for c in cells if c.value == "=SUM(A1:A9)"]
    assert len(hits) == 1 and hits[0].data_type == "s"


def test_rerun_is_idempotent(config: Config, messy_night: Path) -> None:
    first = merge_night(config, NIGHT, now=NOW)
    before = sheet_values(first.master)  # type: ignore[arg-type]
    store = open_store(config)
    count = store.row_count(NIGHT)
    store.close()
    second = merge_night(config, NIGHT, now=NOW, redo=True)
    assert sheet_values(second.master) == before  # type: ignore[arg-type]
    assert second.to_dict() == first.to_dict()
    store = open_store(config)
    try:
        assert store.row_count(NIGHT) == count
        assert len(store.submissions(NIGHT)) == 10  # 11 files, one of them twice
    finally:
        store.close()


def test_master_content(config: Config) -> None:
    full_night(config)
    result = merge_night(config, NIGHT, now=NOW)
    assert result.exit_code == 0 and result.master == config.paths.master
    sheets = sheet_values(config.paths.master)
    summary = summary_columns(sheets)
    assert (summary["乡镇"][0], summary["报送状态"][0]) == ("扎西镇", "已报")
    assert summary["乡镇"][10] == "全县合计"
    assert summary["排查登记(人)"][10] == 30 and summary["排查登记(人)"][0] == 3
    assert summary["湖北来威(人)"][10] == 10
    assert summary["宣传资料(份)"][10] == 12000
    assert summary["捐赠折合金额(元)"][10] == 50000
    block = status_block(sheets)
    assert [block[k] for k in ("应报乡镇", "已纳入汇总", "报送率", "按时报送", "按时报送率")] == [
        10, 10, 1, 10, 1]
    data = sheets["住户"]
    assert data[0][0] == "乡镇" and data[0][-3:] == ("检查结果", "来源文件", "来源行")
    assert data[1][0] == "扎西镇" and data[1][-2:] == ("扎西镇_20200204.xlsx", 2)
    assert len(data) == 1 + 30
    assert sheets["问题清单"][1][0] == "乡镇" and sheets["问题清单"][2:] == []


def test_master_sheets_are_formatted(config: Config) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    wb = openpyxl.load_workbook(config.paths.master)
    ws = wb["排查登记"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    date_col = [c.value for c in ws[1]].index("抵威日期") + 1
    assert ws.cell(2, date_col).number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["E"].width > 15  # 身份证号
    assert wb["汇总"].freeze_panes == "B3"


def test_row_level_errors_do_not_block(config: Config) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    book = township_book("扎西镇", 1)
    set_cell(book, "排查登记", 2, "身份证号", 5.30629198005e17)
    send(inbox, "扎西镇_20200204.xlsx", book)
    result = merge_night(config, NIGHT, now=NOW)
    zx = result.townships[0]
    assert zx.status == "已报" and zx.errors >= 1
    sheets = sheet_values(config.paths.master)
    rows = sheets["排查登记"]
    assert len(rows) == 4
    assert rows[2][-3] == "有错误" and rows[1][-3] is None
    issues = sheets["问题清单"]
    assert any(r[3] == 3 and r[2] == "排查登记" and r[6] == "错误" for r in issues[2:])


def test_trace_figure_to_cells(config: Config) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    store = open_store(config)
    try:
        refs = trace(store, config, NIGHT, "扎西镇", "from_hubei")
        assert [(r.file, r.sheet, r.row, r.cell, r.value) for r in refs] == [
            ("扎西镇_20200204.xlsx", "排查登记", 2, "H2", "是")]
        leaflets = trace(store, config, NIGHT, "旧城镇", "leaflets")
        assert [(r.sheet, r.cell, r.value) for r in leaflets] == [("宣传", "B2", 1200)]
        figures = night_figures(store, config, NIGHT)
        zx = figures.townships[0]
        assert zx.from_hubei == len(refs) == 1
        assert zx.by_measure["居家观察"] == len(
            trace(store, config, NIGHT, "扎西镇", "by_measure:居家观察"))
    finally:
        store.close()


def test_figures_of_an_incomplete_night(config: Config, messy_night: Path) -> None:
    merge_night(config, NIGHT, now=NOW)
    store = open_store(config)
    try:
        f = night_figures(store, config, NIGHT)
    finally:
        store.close()
    assert (f.expected, f.reported, f.on_time, f.late, f.missing, f.rejected) == (
        10, 7, 6, 1, 1, 2)
    assert f.reporting_rate == pytest.approx(0.7) and f.on_time_rate == pytest.approx(0.6)
    assert f.conflicts == 1
    assert f.total.screened == 7 * 3
    shuitian = next(t for t in f.townships if t.township == "水田镇")
    assert shuitian.status == "未报" and shuitian.screened == 0


def test_another_countys_file_is_rejected(config: Config) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    send(inbox, "某某镇_20200204.xlsx", clean_register("盐津县某某镇"))
    result = merge_night(config, NIGHT, now=NOW)
    assert [t.status for t in result.unattributed] == ["退回"]
    assert "不是威信县的乡镇" in (result.unattributed[0].reason or "")
    assert result.exit_code == 1


def test_file_already_merged_on_an_earlier_night_is_skipped(config: Config) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    result = merge_night(config, NIGHT + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    assert {t.status for t in result.townships} == {"未报"}
    assert len(result.skipped) == 10


# --- lock and fallback ---------------------------------------------------------------------

@pytest.fixture
def running_run() -> Any:
    """A live process whose command line is a gridkit run (holding the lock)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                             "gridkit", "nightly"])
    time.sleep(0.2)
    yield proc
    proc.kill()
    proc.wait()


def _write_lock(config: Config, owner: dict[str, Any] | None, *, age: float = 0) -> Path:
    lock = workspace_lock(config.paths.store)
    lock.path.parent.mkdir(parents=True, exist_ok=True)
    lock.path.write_text("" if owner is None else json.dumps(owner), encoding="utf-8")
    if age:
        old = time.time() - age
        os.utime(lock.path, (old, old))
    return lock.path


def test_second_run_gets_lock_busy(config: Config, running_run: Any,
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full_night(config)
    _write_lock(config, {"pid": running_run.pid, "host": socket.gethostname(),
                         "started": dt.datetime.now().isoformat(timespec="seconds")})
    with pytest.raises(LockBusy) as exc:
        merge_night(config, NIGHT, now=NOW)
    assert "另一个 gridkit 任务正在运行" in exc.value.message
    assert not config.paths.master.exists()
    monkeypatch.chdir(tmp_path)  # "busy" has its own exit code: the scheduler retries
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04", "--inbox",
                                    str(config.paths.inbox)])
    assert res.exit_code == 3


@pytest.mark.parametrize(("owner", "age", "taken"), [
    (None, 120, True),  # empty: a run killed while writing it, a while ago
    (None, 0, False),  # empty and fresh: a run is writing it right now
    ({"pid": "x"}, 120, True),  # unreadable owner
    ({"host": "another-pc", "pid": 1}, 13 * 3600, True),  # a shared folder, long ago
    ({"host": "another-pc", "pid": 1}, 60, False),
], ids=["empty-old", "empty-fresh", "garbled", "other-host-old", "other-host-recent"])
def test_an_odd_lock_is_judged_by_its_age(config: Config, owner: dict[str, Any] | None,
                                          age: float, taken: bool) -> None:
    full_night(config)
    _write_lock(config, owner, age=age)
    if taken:
        assert merge_night(config, NIGHT, now=NOW).exit_code == 0
    else:
        with pytest.raises(LockBusy):
            merge_night(config, NIGHT, now=NOW)


def test_a_lock_whose_pid_now_belongs_to_another_program_is_stale(config: Config) -> None:
    full_night(config)
    other = subprocess.Popen(["sleep", "30"])  # a reused pid: alive, not gridkit
    try:
        _write_lock(config, {"pid": other.pid, "host": socket.gethostname(),
                             "started": "2020-02-04T22:00:00"})
        assert merge_night(config, NIGHT, now=NOW).exit_code == 0
    finally:
        other.kill()
        other.wait()


def test_stale_lock_is_taken_over(config: Config) -> None:
    full_night(config)
    lock = workspace_lock(config.paths.store)
    lock.path.parent.mkdir(parents=True, exist_ok=True)
    lock.path.write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname()}),
                         encoding="utf-8")
    assert merge_night(config, NIGHT, now=NOW).exit_code == 0
    assert not lock.path.exists()


def test_lock_is_reentrant_in_one_process(config: Config) -> None:
    full_night(config)
    with RunLock(config.paths.store.parent / "gridkit.lock"):
        assert merge_night(config, NIGHT, now=NOW).exit_code == 0


def test_master_open_in_excel_gives_dated_copy(config: Config,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)
    real = os.replace

    def locked(src: Any, dst: Any) -> None:
        if Path(dst) == config.paths.master:
            raise PermissionError(13, "in use")
        real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    result = merge_night(config, NIGHT, now=NOW, redo=True)
    assert result.master != config.paths.master
    assert result.master is not None and result.master.parent == config.paths.master.parent
    assert result.master.name.startswith("全县汇总表_20200204_")
    assert result.master_fallback and result.master.name in result.master_fallback
    assert sheet_values(result.master)["汇总"] == sheet_values(config.paths.master)["汇总"]


def test_missing_inbox_is_unusable(config: Config, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        merge_night(config, NIGHT, inbox=tmp_path / "nowhere")


# --- the command -----------------------------------------------------------------------

def test_cli_json_complete_night(config: Config, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = full_night(config)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04", "--inbox", str(inbox),
                                    "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"date", "townships", "unattributed", "summary", "conflicts", "master",
                         "inbox_empty", "unchanged"}
    assert data["inbox_empty"] is False
    assert data["date"] == "2020-02-04" and data["conflicts"] == []
    assert set(data["townships"][0]) == {"township", "status", "merged", "late", "note", "file",
                                         "rows", "errors", "warnings"}
    assert [t["status"] for t in data["townships"]] == ["已报"] * 10
    assert Path(data["master"]).is_file()


def test_cli_exit_codes(config: Config, messy_night: Path, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04", "--inbox",
                                    str(messy_night)])
    assert res.exit_code == 1
    assert "旧城镇" in res.output and "迟报" in res.output and "退回" in res.output
    assert "全县汇总表" in res.output
    res = CliRunner().invoke(main, ["merge", "--inbox", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert "收件箱文件夹" in res.output


def test_file_rejected_for_a_wrong_night_can_still_be_merged_on_its_own(config: Config
                                                                         ) -> None:
    full_night(config)
    wrong = merge_night(config, NIGHT + dt.timedelta(days=1), now=NOW)
    assert {t.status for t in wrong.townships} == {"退回"}
    right = merge_night(config, NIGHT, now=NOW)
    assert {t.status for t in right.townships} == {"已报"}


def test_refused_file_named_by_its_content_is_that_townships_return(config: Config) -> None:
    """A file with a generic name whose cover says 三桃乡 but that lacks a required sheet:
    三桃乡 is 退回 with the reason (its night is not lost as 未报)."""
    inbox = config.paths.inbox
    inbox.mkdir(parents=True)
    book = township_book("三桃乡", 10)
    del book["排查登记"]
    send(inbox, "新建 Microsoft Excel 工作表.xlsx", book)
    result = merge_night(config, NIGHT, now=NOW)
    santao = next(t for t in result.townships if t.township == "三桃乡")
    assert santao.status == "退回" and santao.file == "新建 Microsoft Excel 工作表.xlsx"
    assert "排查登记" in (santao.reason or "")
    assert result.unattributed == []
