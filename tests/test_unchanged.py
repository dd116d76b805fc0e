"""A night run again with nothing changed is not redone (one line says so); anything it
depends on changed — a file, the configuration, a template, an output touched or gone — and
what depends on it is written again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tests.factory import set_cell
from tests.test_merge import NIGHT, NOW, send, township_book
from toolkit.config.county import Config
from toolkit.night.merge import merge_night
from toolkit.run.nightly import NightlyResult, run_nightly


def night_files(config: Config, count: int = 3) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(config.county.township_names[:count], start=1):
        send(inbox, f"{name}_20200204.xlsx", township_book(name, k))


def outputs(result: NightlyResult) -> dict[Path, int]:
    assert result.report is not None
    paths = [result.merge.master, *result.report.paths, *(f.note for f in result.feedback)]
    return {Path(p): Path(p).stat().st_mtime_ns for p in paths if p is not None}


def run(config: Config) -> NightlyResult:
    return run_nightly(config, NIGHT, now=NOW, console=False)


def test_a_rerun_with_nothing_changed_is_not_redone(config: Config) -> None:
    night_files(config)
    first = run(config)
    written = outputs(first)
    again = run(config)
    assert again.merge.unchanged and again.unchanged is not None
    assert {p: p.stat().st_mtime_ns for p in written} == written  # nothing rewritten
    assert [t.word for t in again.merge.townships] == [t.word for t in first.merge.townships]
    assert again.merge.rows == first.merge.rows and again.exit_code == first.exit_code
    assert "未重做,结果同上次" in again.unchanged_sentence
    assert again.to_dict()["unchanged"] is True
    log = again.log_file.read_text(encoding="utf-8")
    assert "未重做,结果同上次" in log


def test_a_changed_file_redoes_the_night(config: Config) -> None:
    night_files(config)
    run(config)
    book = township_book("扎西镇", 1)
    set_cell(book, "排查登记", 1, "联系电话", "12345")
    send(config.paths.inbox, "扎西镇_20200204.xlsx", book)
    again = run(config)
    assert not again.merge.unchanged and again.unchanged is None
    assert again.merge.townships[0].word == "有错待改"


def test_a_touched_or_missing_output_is_written_again(config: Config) -> None:
    night_files(config)
    first = run(config)
    assert first.merge.master is not None
    first.merge.master.unlink()
    again = run(config)
    assert not again.merge.unchanged and again.merge.master.is_file()
    note = again.feedback[0].note
    note.write_text("被人改过", encoding="utf-8")
    third = run(config)
    assert third.merge.unchanged and third.unchanged is None  # the merge stands, outputs redone
    assert "反馈说明" in note.read_text(encoding="utf-8-sig")


def test_an_edited_template_or_configuration_redoes_what_depends_on_it(config: Config
                                                                       ) -> None:
    night_files(config)
    run(config)
    own = config.base_dir / "templates"
    own.mkdir(exist_ok=True)
    (own / "briefing.txt.j2").write_text("{{ county }}日报\n", encoding="utf-8")
    edited = run(config)
    assert edited.merge.unchanged and edited.unchanged is None
    assert edited.report is not None and edited.report.text == "威信县日报\n"
    later = dataclasses.replace(config, county=dataclasses.replace(
        config.county, deadline=dt.time(18, 0)))
    stricter = run_nightly(later, NIGHT, now=NOW, console=False)
    assert not stricter.merge.unchanged
    assert [t.word for t in stricter.merge.townships[:3]] == ["迟报"] * 3


def test_merge_alone_reports_unchanged(config: Config) -> None:
    night_files(config)
    merge_night(config, NIGHT, now=NOW)
    again = merge_night(config, NIGHT, now=NOW)
    assert again.unchanged and again.to_dict()["unchanged"] is True
    assert again.master is not None and again.master.is_file()
