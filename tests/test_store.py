"""The history store: migrations, one-transaction night replacement, provenance, meta.

The tests taking ``open_store_of`` run against both backends (SQLite and the PostgreSQL
server of tests/pgserver.py), the same body for each."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from toolkit.store.protocol import Store
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
Opener = Callable[[], Any]


def submission(store: Store, name: str = "扎西镇_20200204.xlsx", sha: str = "ab" * 32,
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


def test_replacing_a_nights_rows_drops_the_figures_kept_of_them(open_store_of: Opener
                                                                 ) -> None:
    """The figures a merge keeps of a night go in the same transaction as its old rows,
    whoever replaces them (a merge, a copy to the server), and the rows get a new token."""
    from toolkit.store.records import FIGURES_META

    key = FIGURES_META.format(night=NIGHT.isoformat())
    with open_store_of() as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 2))
        store.set_meta(key, '{"values": {}}')
        store.set_meta("figures:2020-02-03", "another night's")
        token = store.get_meta(f"rows-token:{NIGHT.isoformat()}")
        store.replace_night(night_data(sub, 3))
        assert store.get_meta(key) is None
        assert store.get_meta("figures:2020-02-03") == "another night's"
        assert token and store.get_meta(f"rows-token:{NIGHT.isoformat()}") not in (None,
                                                                                   token)


def test_replace_night_replaces_rather_than_adds(open_store_of: Opener) -> None:
    with open_store_of() as store:
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


def test_rows_at_given_excel_rows_only(open_store_of: Opener) -> None:
    """The feedback reads only the rows its findings name (a few of 40,000)."""
    with open_store_of() as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 50))
        rows = store.rows(NIGHT, "排查登记", "扎西镇", excel_rows={3, 40, 999})
        assert [(r.excel_row, r.values[0]) for r in rows] == [(3, "人1"), (40, "人38")]
        assert list(store.rows(NIGHT, "排查登记", excel_rows=set())) == []


def test_failed_night_update_leaves_previous_night(open_store_of: Opener) -> None:
    with open_store_of() as store:
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


def test_same_file_twice_is_one_submission(open_store_of: Opener) -> None:
    with open_store_of() as store:
        a = submission(store)
        b = submission(store)
        assert a.id == b.id and len(store.submissions(NIGHT)) == 1


def test_meta(open_store_of: Opener) -> None:
    with open_store_of() as store:
        assert store.get_meta("last_completed_night") is None
        assert store.get_meta("x", "默认") == "默认"
        store.set_meta("last_completed_night", "2020-02-04")
        store.set_meta("last_completed_night", "2020-02-05")
    with open_store_of() as store:
        assert store.get_meta("last_completed_night") == "2020-02-05"


def test_nights_are_kept_apart(open_store_of: Opener) -> None:
    with open_store_of() as store:
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


def content(store: Store, night: dt.date = NIGHT) -> dict[str, Any]:
    """Everything the store gives back about a night, through the protocol."""
    with store.snapshot():
        subs = store.submissions(night)
        return {
            "submissions": subs, "statuses": store.statuses(night),
            "columns": store.columns(night, "排查登记"),
            "letters": [store.letters(s.id or 0, "排查登记") for s in subs],
            "rows": list(store.rows(night, "排查登记")), "findings": store.findings(night),
            "conflicts": store.conflicts(night), "nights": store.nights(),
            "run": store.night_run(night), "count": store.row_count(night, "排查登记", "扎西镇"),
        }


def test_merging_a_night_again_stores_identical_content(open_store_of: Opener) -> None:
    with open_store_of() as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 6))
        first = content(store)
        store.replace_night(night_data(sub, 6))
        assert content(store) == first
        assert first["count"] == 6 and first["letters"][0]["排查登记"]["name"] == "B"
        again = night_data(sub, 6)
        again.letters = {(sub.id or 0, "排查登记"): {"排查登记": {"name": "C"}}}
        store.replace_night(again)
        assert store.letters(sub.id or 0, "排查登记") == {"排查登记": {"name": "C"}}


def test_aggregate_counts_groups_and_sums_numbers_only(open_store_of: Opener) -> None:
    """The figures' SQL: one tuple per township and tested values; a sum adds numbers
    (never text such as '12人' or a boolean) and stays an integer when they all are."""
    rows = [("扎西镇", ["甲", 3, True, ["a", "b"], 1]),
            ("扎西镇", ["甲", 2.5, True, ["a", "b"], 2]),
            ("扎西镇", ["乙", "12人", False, None, 3]),
            ("扎西镇", ["乙", None, False, None, 4]),
            ("旧城镇", ["甲", 5.30629e17, None, [], 5]),
            ("旧城镇", ["甲", 7, None, [], 6])]
    with open_store_of() as store:
        sub = submission(store)
        data = night_data(sub, 0)
        data.layouts = {"排查登记": ["kind", "n", "flag", "names", "k"]}
        data.rows = [RowRecord(t, sub.id or 0, "排查登记", i + 2, "ok", values=tuple(v))
                     for i, (t, v) in enumerate(rows)]
        store.replace_night(data)
        got = sorted(store.aggregate(NIGHT, "排查登记", [0, 2, 3, 9], [1, 4]), key=repr)
        assert got == sorted([
            ("扎西镇", "甲", 1, '["a","b"]', None, 2, 5.5, 3),
            ("扎西镇", "乙", 0, None, None, 2, None, 7),
            ("旧城镇", "甲", None, "[]", None, 2, 5.30629e17 + 7, 11),
        ], key=repr)
        assert [type(r[-1]) for r in got] == [int, int, int]
        # an ID number Excel turned into a number comes back as that number, a float
        by_n = [r for r in store.aggregate(NIGHT, "排查登记", [1], []) if r[0] == "旧城镇"]
        assert sorted(by_n) == [("旧城镇", 7, 1), ("旧城镇", 5.30629e17, 1)]
        assert [type(r[1]) for r in sorted(by_n)] == [int, float]


def test_pick_reads_a_few_columns_of_a_townships_rows(open_store_of: Opener) -> None:
    """What the checks across nights read of last night: the named columns of one
    township's rows in stored order, an empty value or a column the layout lacks as '',
    a number as the number (an ID Excel turned into one stays comparable)."""
    rows = [("扎西镇", ["马小军", "530629198001011234", None, "2020-01-20"]),
            ("扎西镇", ["黄丽", 5.30629e17, "H002", "2020-01-25"]),
            ("旧城镇", ["胡明", "530629198001015678", "H003", None])]
    with open_store_of() as store:
        sub = submission(store)
        data = night_data(sub, 0)
        data.layouts = {"排查登记": ["name", "id_number", "household_id", "arrival_date"]}
        data.rows = [RowRecord(t, sub.id or 0, "排查登记", i + 2, "ok", values=tuple(v),
                               source="排查登记(1)" if i == 1 else "")
                     for i, (t, v) in enumerate(rows)]
        store.replace_night(data)
        got = store.pick(NIGHT, "排查登记", "扎西镇",
                         ["id_number", "household_id", "arrival_date", "measure"])
        assert got == [(2, "", "530629198001011234", "", "2020-01-20", ""),
                       (3, "排查登记(1)", 5.30629e17, "H002", "2020-01-25", "")]
        assert type(got[1][2]) is float
        assert store.pick(NIGHT, "排查登记", "罗布镇", ["name"]) == []
        assert store.pick(NIGHT, "排查登记", "扎西镇", ["name"], excel_rows={3, 9}) == [
            (3, "排查登记(1)", "黄丽")]


def test_a_reader_sees_the_night_before_or_after_a_merge_never_a_mix(
        open_store_of: Opener) -> None:
    """A report reading while the night is merged again sees, inside its snapshot, the
    old night throughout, even after the merge has committed; the next snapshot sees the
    new one."""
    with open_store_of() as store:
        sub = submission(store)
        store.replace_night(night_data(sub, 3))
        halfway, go = threading.Event(), threading.Event()
        failed: list[BaseException] = []

        def merge_again() -> None:
            try:
                with open_store_of() as writer:
                    data = night_data(sub, 5)

                    def rows() -> Any:
                        for i in range(5):
                            if i == 2:
                                halfway.set()
                                go.wait(30)
                            yield RowRecord("扎西镇", sub.id or 0, "排查登记", i + 2, "ok",
                                            json.dumps([f"新{i}", f"ID{i}", None]))

                    data.rows = rows()
                    writer.replace_night(data)
            except BaseException as exc:
                failed.append(exc)
                halfway.set()

        thread = threading.Thread(target=merge_again)
        thread.start()
        assert halfway.wait(30)
        with store.snapshot():
            assert [s.rows for s in store.statuses(NIGHT)] == [3]  # mid-merge: the old
            go.set()
            thread.join(30)
            assert not failed, failed
            # the merge has committed; this snapshot still sees the old night, whole
            assert store.row_count(NIGHT) == 3
            assert [r.values[0] for r in store.rows(NIGHT, "排查登记")] == ["人0", "人1", "人2"]
            assert [s.rows for s in store.statuses(NIGHT)] == [3]
        with store.snapshot():
            assert [s.rows for s in store.statuses(NIGHT)] == [5]
            assert [r.values[0] for r in store.rows(NIGHT, "排查登记")][:1] == ["新0"]
            assert store.row_count(NIGHT) == 5


def test_meta_written_while_reading_a_snapshot_is_kept(open_store_of: Opener) -> None:
    """The report caches a past night's totals in meta while it reads in a snapshot."""
    with open_store_of() as store, store.snapshot():
        store.set_meta("series:2020-02-03", "{}")
        assert store.get_meta("series:2020-02-03") == "{}"
    with open_store_of() as store:
        assert store.get_meta("series:2020-02-03") == "{}"
