"""Nothing is ever lost and nothing hostile gets out: the store refuses to start without its
history and restores from its verified backups; a report is one state of the store even
while the night is merged again; formula text stays text; personal numbers are masked in
any form; outputs are readable by the office and log lines cannot be forged."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
import threading
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from toolkit.annotate.copy import write_annotated
from toolkit.annotate.fix import fix_file
from toolkit.check import check_path
from toolkit.cli import main
from toolkit.config import Config
from toolkit.errors import JobFailed
from toolkit.night.merge import merge_night
from toolkit.outputs import report as report_module
from toolkit.outputs.privacy import mask_text
from toolkit.outputs.report import build_report
from toolkit.run.joblog import job_logging
from toolkit.store import open_store
from toolkit.store.maintenance import backups, check_store, restore_store

from .factory import clean_register, write_workbook
from .test_merge import NIGHT, NOW, full_night, send, township_book
from .tools import require_program


def _merged(config: Config) -> None:
    full_night(config)
    merge_night(config, NIGHT, now=NOW)


def test_every_merge_leaves_a_verified_backup(config: Config) -> None:
    _merged(config)
    saved = backups(config)
    assert len(saved) == 1
    copy = sqlite3.connect(saved[0])
    assert copy.execute("SELECT count(*) FROM nights").fetchone()[0] == 1
    copy.close()
    assert check_store(config).ok


def test_a_lost_store_is_refused_and_restored_from_its_backup(config: Config) -> None:
    _merged(config)
    config.paths.store.write_bytes(b"")  # emptied by a failed copy
    with pytest.raises(JobFailed) as exc:
        merge_night(config, NIGHT, now=NOW)
    assert "0字节" in exc.value.message and "gridkit store restore" in exc.value.message
    assert not check_store(config).ok
    restored = restore_store(config)
    assert restored.nights == 1 and restored.kept is not None
    with open_store(config) as store:
        assert store.nights() == [NIGHT]
    assert merge_night(config, NIGHT, now=NOW).exit_code == 0


def test_a_damaged_store_is_said_in_chinese(config: Config, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _merged(config)
    for extra in ("-wal", "-shm"):
        Path(f"{config.paths.store}{extra}").unlink(missing_ok=True)
    config.paths.store.write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["store", "check"])
    assert res.exit_code == 1 and "已损坏" in res.output and "restore" in res.output
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04"])
    assert res.exit_code == 1 and "已损坏" in res.output and "程序出错" not in res.output


def test_a_full_disk_is_said_in_chinese(config: Config, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    full_night(config)
    from toolkit.store.sqlite import SqliteStore

    def full(self: SqliteStore, data: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(SqliteStore, "_replace_night", full)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["merge", "--date", "2020-02-04"])
    assert res.exit_code == 1 and "磁盘已满" in res.output


def test_a_report_during_a_re_merge_reads_one_state(config: Config,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The report pauses after its first reads while the night is merged again with one
    more person: every figure is the old night's, none the new one's."""
    _merged(config)
    first = build_report(config, NIGHT)
    inbox = config.paths.inbox
    book = township_book("扎西镇", 1)
    header, person = book["排查登记"][0], list(book["排查登记"][1])
    person[header.index("身份证号")] = person[header.index("身份证号")][:-4] + "0000"
    book["排查登记"].append(person)
    send(inbox, "扎西镇_20200204(更正).xlsx", book, NOW - dt.timedelta(hours=2, minutes=-1))
    paused, resume = threading.Event(), threading.Event()
    real = report_module.gather

    def slow(*args: object, **kwargs: object) -> object:
        store = args[2]
        store.nights()  # type: ignore[attr-defined]  # the first read of the snapshot
        paused.set()
        resume.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(report_module, "gather", slow)
    out: dict[str, object] = {}
    reader = threading.Thread(target=lambda: out.update(r=build_report(config, NIGHT)))
    reader.start()
    assert paused.wait(30)
    merge_night(config, NIGHT, now=NOW)
    resume.set()
    reader.join(60)
    during = out["r"]
    assert during.figures.total.screened == first.figures.total.screened  # type: ignore[attr-defined]
    monkeypatch.setattr(report_module, "gather", real)
    after = build_report(config, NIGHT)
    assert after.figures.total.screened == first.figures.total.screened + 1


def test_formula_text_in_an_xls_stays_text_in_every_copy(tmp_path: Path,
                                                         config: Config) -> None:
    soffice = require_program("soffice", "the .xls is made with LibreOffice")
    import subprocess

    book = clean_register()
    header = book["排查登记"][0]
    book["排查登记"][1][header.index("备注")] = "=cmd|' /C calc'!A0"
    book["排查登记"][1][header.index("联系电话")] = "12345"  # so a copy is written
    src = write_workbook(tmp_path / "src" / "扎西镇_20200204.xlsx", book)
    wb = openpyxl.load_workbook(src)
    cell = wb["排查登记"]["P2"]
    cell.value, cell.data_type = "=cmd|' /C calc'!A0", "s"
    wb.save(src)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    xls = tmp_path / "扎西镇_20200204.xls"
    result = check_path(xls, config)
    copies = [write_annotated(result, tmp_path / "out"),
              Path(fix_file(xls, tmp_path / "fixed.xlsx", config).out)]
    for copy in copies:
        c = openpyxl.load_workbook(copy)["排查登记"]["P2"]
        assert c.value == "=cmd|' /C calc'!A0" and c.data_type == "s", copy


@pytest.mark.parametrize("text", ["53062919800517123", "5306291980051712345",
                                  "530629-19800101-1234", "138.1234.5678",
                                  "1381234567890"])
def test_odd_personal_numbers_are_masked_in_any_form(text: str) -> None:
    masked = mask_text(f"身份证号“{text}”不是18位")
    digits = sum(ch.isdigit() for ch in masked)
    assert digits <= 10 and "18位" in masked


def test_outputs_are_readable_by_the_office_and_nothing_is_left(config: Config) -> None:
    _merged(config)
    report = build_report(config, NIGHT)
    for p in (config.paths.master, report.workbook, report.briefing_text):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & stat.S_IRGRP and mode & stat.S_IROTH, (p, oct(mode))
    assert report.briefing_text.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in report.briefing_text.read_bytes()
    stale = config.paths.reports / ".疫情防控工作日报_20200204.4242.tmp.xlsx"
    stale.write_bytes(b"half")
    merge_night(config, NIGHT, now=NOW)
    assert not stale.exists()


def test_a_newline_in_a_file_name_cannot_forge_a_log_line(config: Config) -> None:
    log = logging.getLogger("gridkit.test")
    with job_logging(config, console=False) as path:
        log.info("收到 %s", "扎西镇.xlsx\n2020-02-04 22:00:00 INFO 伪造的一行")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "伪造的一行" in lines[0]
