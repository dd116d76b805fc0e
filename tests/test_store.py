"""The history store: migrations, one-transaction night replacement, provenance, meta."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from toolkit.store.records import (
    Conflict,
    ConflictSource,
    FindingRecord,
    NightData,
    NightRun,
    RowRecord,
    Submission,
    TownshipStatus,
)
from toolkit.store.sqlite import MIGRATIONS, SqliteStore

NIGHT = dt.date(2020, 2, 4)


def submission(store: SqliteStore, name: str = "扎西镇_20200204.xlsx", sha: str = "ab" * 32,
               night: dt.date = NIGHT) -> Submission:
    sub = Submission(night=night, file_name=name, archive_path=f"/archive/{name}", sha256=sha,
                     arrived_at=dt.datetime(2020, 2, 4, 19, 5), township="扎西镇")
    store.add_submission(sub)
    return sub


def night_data(sub: Submission, rows: int, *, night: dt.date = NIGHT) -> NightData:
    assert sub.id is not None
    sub.status, sub.accepted, sub.rows = "已报", True, rows
    return NightData(
        night=night, submissions=[sub],
        statuses=[TownshipStatus("扎西镇", "已报", sub.id, sub.file_name, sub.arrived_at, rows)],
        layouts={"排查登记": ["name", "id_number", "arrival_date"]},
        letters={(sub.id, "排查登记"): {"排查登记": {"name": "B", "id_number": "D",
                                                 "arrival_date": "I"}}},
        rows=(RowRecord("扎西镇", sub.id, "排查登记", i + 2, "ok",
                        json.dumps([f"人{i}", f"ID{i}", "2020-02-01"], ensure_ascii=False))
              for i in range(rows)),
        findings=[FindingRecord("扎西镇", sub.id, sub.file_name, "排查登记", 2, "身份证号", "D2",
                                "id-check-digit", "error", "校验位不对", "ID0")],
        conflicts=[Conflict("ID0", [ConflictSource("扎西镇", sub.file_name, "排查登记", 2,
                                                   sub.id)])],
        run=NightRun(night, dt.datetime(2020, 2, 4, 22, 0), "/m.xlsx"))


def test_new_store_is_wal_at_latest_version(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        assert store.version == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upgrade_from_version_1_keeps_history(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = SqliteStore(path, migrate=False)
    assert old.migrate(upto=1) == 1
    old.conn.execute(
        "INSERT INTO submissions (night, township, file_name, archive_path, sha256, arrived_at)"
        " VALUES ('2020-02-03', '扎西镇', 'old.xlsx', '/a/old.xlsx', 'cd', "
        "'2020-02-03T19:00:00')")
    old.close()
    with SqliteStore(path) as store:
        assert store.version == len(MIGRATIONS)
        [sub] = store.submission_by_hash("cd")
        assert (sub.night, sub.file_name, sub.township) == (dt.date(2020, 2, 3), "old.xlsx",
                                                            "扎西镇")
        new = submission(store)
        store.replace_night(night_data(new, 3))
        assert [s.status for s in store.statuses(NIGHT)] == ["已报"]


def test_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(Exception, match="升级 gridkit"):
        SqliteStore(path)


def test_replace_night_replaces_rather_than_adds(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 5))
        store.replace_night(night_data(sub, 4))
        assert store.row_count(NIGHT) == 4
        rows = list(store.rows(NIGHT, "排查登记"))
        assert [(r.file, r.sheet, r.excel_row, r.values[0]) for r in rows[:1]] == [
            ("扎西镇_20200204.xlsx", "排查登记", 2, "人0")]
        assert rows[0].sha256 == sub.sha256
        assert store.columns(NIGHT, "排查登记") == ["name", "id_number", "arrival_date"]
        assert store.letters(sub.id or 0, "排查登记")["排查登记"]["id_number"] == "D"
        assert len(store.findings(NIGHT)) == 1 and store.findings(NIGHT)[0].cell == "D2"
        assert [k.townships for k in store.conflicts(NIGHT)] == [["扎西镇"]]
        assert store.nights() == [NIGHT]
        run = store.night_run(NIGHT)
        assert run is not None and run.master == "/m.xlsx"


def test_rows_at_given_excel_rows_only(tmp_path: Path) -> None:
    """The feedback reads only the rows its findings name (a few of 40,000)."""
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 50))
        rows = store.rows(NIGHT, "排查登记", "扎西镇", excel_rows={3, 40, 999})
        assert [(r.excel_row, r.values[0]) for r in rows] == [(3, "人1"), (40, "人38")]
        assert list(store.rows(NIGHT, "排查登记", excel_rows=set())) == []


def test_failed_night_update_leaves_previous_night(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 3))
        data = night_data(sub, 3)

        def broken():
            yield RowRecord("扎西镇", sub.id or 0, "排查登记", 2, "ok", "[]")
            raise OSError("disk full")

        data.rows = broken()
        with pytest.raises(OSError):
            store.replace_night(data)
        assert store.row_count(NIGHT) == 3
        assert len(store.statuses(NIGHT)) == 1


def test_same_file_twice_is_one_submission(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        a = submission(store)
        b = submission(store)
        assert a.id == b.id and len(store.submissions(NIGHT)) == 1


def test_meta(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        assert store.get_meta("last_completed_night") is None
        assert store.get_meta("x", "默认") == "默认"
        store.set_meta("last_completed_night", "2020-02-04")
        store.set_meta("last_completed_night", "2020-02-05")
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        assert store.get_meta("last_completed_night") == "2020-02-05"


def test_nights_are_kept_apart(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        a = submission(store)
        store.replace_night(night_data(a, 3))
        b = submission(store, sha="ef" * 32, night=NIGHT + dt.timedelta(days=1))
        store.replace_night(night_data(b, 2, night=NIGHT + dt.timedelta(days=1)))
        assert store.row_count(NIGHT) == 3
        assert store.row_count(NIGHT + dt.timedelta(days=1)) == 2
        assert store.nights() == [NIGHT, NIGHT + dt.timedelta(days=1)]


def test_row_values_are_stored_as_compact_json_with_iso_dates(tmp_path: Path) -> None:
    from toolkit.store.records import row_json

    values = ("扎西镇", " 张三 ", 12, 3.5, None, dt.date(2020, 2, 1), ("甲", "乙"), '"=1"')
    row = RowRecord("扎西镇", 1, "排查登记", 2, "ok", values=values)
    text = row_json(row)
    assert json.loads(text) == ["扎西镇", " 张三 ", 12, 3.5, None, "2020-02-01", ["甲", "乙"],
                                '"=1"']
    assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    assert row_json(RowRecord("扎西镇", 1, "排查登记", 2, "ok", "[1]")) == "[1]"
