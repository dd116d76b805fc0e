"""The default history store: one SQLite file (stdlib ``sqlite3``, WAL, no server).

Schema changes go through :data:`MIGRATIONS`, an ordered list of SQL scripts; the database's
``PRAGMA user_version`` says how many have been applied. Opening a store applies the missing
ones, each in its own transaction. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import JobFailed
from ..files import crash_point
from .records import (
    FIGURES_META,
    ROWS_TOKEN_META,
    Conflict,
    ConflictSource,
    FindingRecord,
    NightData,
    NightRun,
    StoredRow,
    Submission,
    TownshipStatus,
    letters_from_json,
    row_json,
)

MIGRATIONS: list[str] = [
    # 1: submissions, merged rows with provenance, findings, conflicts, meta
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        night TEXT NOT NULL,
        township TEXT,
        file_name TEXT NOT NULL,
        archive_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT '',
        reason TEXT,
        accepted INTEGER NOT NULL DEFAULT 0,
        replaced INTEGER NOT NULL DEFAULT 0,
        rows INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        UNIQUE (night, sha256)
    );
    CREATE TABLE rows (
        id INTEGER PRIMARY KEY,
        night TEXT NOT NULL,
        township TEXT NOT NULL,
        submission_id INTEGER NOT NULL,
        sheet TEXT NOT NULL,
        excel_row INTEGER NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX rows_night_sheet ON rows (night, sheet);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        night TEXT NOT NULL,
        township TEXT,
        submission_id INTEGER NOT NULL,
        sheet TEXT,
        excel_row INTEGER,
        column_name TEXT,
        cell TEXT,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        value TEXT
    );
    CREATE INDEX findings_night ON findings (night);
    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        night TEXT NOT NULL,
        id_number TEXT NOT NULL,
        township TEXT NOT NULL,
        submission_id INTEGER,
        sheet TEXT NOT NULL,
        excel_row INTEGER NOT NULL
    );
    CREATE INDEX conflicts_night ON conflicts (night);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2: per-night township status (报送情况), row layouts and cell letters, run log
    """
    CREATE TABLE township_nights (
        night TEXT NOT NULL,
        township TEXT NOT NULL,
        status TEXT NOT NULL,
        submission_id INTEGER,
        file TEXT,
        arrived_at TEXT,
        rows INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        position INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (night, township)
    );
    CREATE TABLE layouts (
        night TEXT NOT NULL,
        sheet TEXT NOT NULL,
        columns TEXT NOT NULL,
        PRIMARY KEY (night, sheet)
    );
    CREATE TABLE letters (
        submission_id INTEGER NOT NULL,
        sheet TEXT NOT NULL,
        letters TEXT NOT NULL,
        PRIMARY KEY (submission_id, sheet)
    );
    CREATE TABLE nights (
        night TEXT PRIMARY KEY,
        completed_at TEXT NOT NULL,
        master TEXT,
        master_note TEXT
    );
    CREATE INDEX submissions_sha ON submissions (sha256);
    """,
    # 3: the sheet's name in the file for every row and finding (a register split over
    # village sheets, a renamed sheet); letters keyed by that name
    """
    ALTER TABLE rows ADD COLUMN source TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN source_sheet TEXT;
    """,
]


def _dt(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def damaged(path: Path, exc: BaseException) -> JobFailed:
    """The sentence for a store SQLite cannot use: full disk, or a damaged file."""
    text = str(exc).lower()
    if "full" in text:
        return JobFailed(f"磁盘已满,历史库 {path} 没有写入(这一次的汇总没有完成,上一次的结果不变):"
                         "请清理磁盘空间后重新运行。")
    if "locked" in text or "busy" in text:
        return JobFailed(f"历史库 {path} 正被另一个程序占用:请等它结束后重试。")
    return JobFailed(f"历史库 {path} 已损坏,无法读取:请运行 gridkit store restore 从最近的备份恢复"
                     "(恢复前会把损坏的文件另存一份)。")


# an aggregate query: (sheet, layout positions grouped by, layout positions summed)
Aggregate = tuple[str, Sequence[int], Sequence[int]]


def _aggregate(conn: sqlite3.Connection, night: dt.date, sheet: str, groups: Sequence[int],
               sums: Sequence[int], part: tuple[Collection[str], bool] | None
               ) -> list[tuple[Any, ...]]:
    """:meth:`SqliteStore.aggregate` on ``conn``, for the townships of ``part`` only:
    ``(names, False)`` those named, ``(names, True)`` all others."""
    picks = [f"json_extract(data, '$[{int(i)}]')" for i in groups]
    totals = [f"sum(CASE WHEN json_type(data, '$[{int(i)}]') IN ('integer', 'real') "
              f"THEN json_extract(data, '$[{int(i)}]') END)" for i in sums]
    keys = ", ".join(str(k) for k in range(1, len(groups) + 2))
    where, params = "night = ? AND sheet = ?", [night.isoformat(), sheet]
    if part is not None:
        names, others = part
        if names:
            where += (f" AND township {'NOT IN' if others else 'IN'} "
                      f"({', '.join('?' * len(names))})")
            params += names
        elif not others:
            return []
    sql = (f"SELECT {', '.join(['township', *picks, 'count(*)', *totals])} FROM rows "
           f"WHERE {where} GROUP BY {keys}")
    return [tuple(r) for r in conn.execute(sql, params)]


class SqliteStore:
    """The history store in one SQLite file."""

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                self.migrate()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one state of the store: a night being merged meanwhile
        is seen wholly as it was or (after) wholly as it is, never mixed."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def backup(self, target: Path) -> Path:
        """A consistent copy of the store (SQLite's backup API), verified before it counts:
        ``integrity_check`` and the same nights. Written aside, then moved into place."""
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
        try:
            copy = sqlite3.connect(tmp)
            try:
                self.conn.backup(copy)
                ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                nights = copy.execute("SELECT count(*) FROM nights").fetchone()[0]
            finally:
                copy.close()
            mine = self.conn.execute("SELECT count(*) FROM nights").fetchone()[0]
            if not ok or nights != mine:
                raise JobFailed(f"历史库的备份 {target} 校验未通过,已丢弃:请检查磁盘后重新运行。")
            os.replace(tmp, target)
        except sqlite3.DatabaseError as exc:
            raise damaged(target, exc) from exc
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def integrity(self) -> str:
        """``ok``, or what SQLite says is wrong."""
        return "; ".join(r[0] for r in self.conn.execute("PRAGMA integrity_check").fetchall())

    # -- schema ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, upto: int | None = None) -> int:
        """Apply the missing migrations (up to ``upto``); returns the version reached."""
        target = len(MIGRATIONS) if upto is None else upto
        current = self.version
        if current > len(MIGRATIONS):
            raise JobFailed(f"历史数据库 {self.path} 来自更新版本的 gridkit(版本 {current}),"
                            "请升级 gridkit 后再运行。")
        for number in range(current + 1, target + 1):
            script = MIGRATIONS[number - 1]
            self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        return self.version

    # -- submissions ----------------------------------------------------------------------
    _SUB_COLS = ("id, night, township, file_name, archive_path, sha256, arrived_at, status, "
                 "reason, accepted, replaced, rows, errors, warnings")

    @staticmethod
    def _submission(r: tuple[Any, ...]) -> Submission:
        return Submission(
            id=r[0], night=dt.date.fromisoformat(r[1]), township=r[2], file_name=r[3],
            archive_path=r[4], sha256=r[5], arrived_at=dt.datetime.fromisoformat(r[6]),
            status=r[7], reason=r[8], accepted=bool(r[9]), replaced=bool(r[10]), rows=r[11],
            errors=r[12], warnings=r[13])

    def submission_by_hash(self, sha256: str) -> list[Submission]:
        cur = self.conn.execute(
            f"SELECT {self._SUB_COLS} FROM submissions WHERE sha256 = ? ORDER BY id", (sha256,))
        return [self._submission(r) for r in cur]

    def add_submission(self, submission: Submission) -> int:
        s = submission
        cur = self.conn.execute(
            "INSERT INTO submissions (night, township, file_name, archive_path, sha256, "
            "arrived_at, status, reason, accepted, replaced, rows, errors, warnings) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (night, sha256) DO UPDATE SET archive_path = excluded.archive_path "
            "RETURNING id",
            (s.night.isoformat(), s.township, s.file_name, s.archive_path, s.sha256,
             s.arrived_at.isoformat(), s.status, s.reason, int(s.accepted), int(s.replaced),
             s.rows, s.errors, s.warnings))
        s.id = int(cur.fetchone()[0])
        return s.id

    def submissions(self, night: dt.date) -> list[Submission]:
        cur = self.conn.execute(
            f"SELECT {self._SUB_COLS} FROM submissions WHERE night = ? ORDER BY arrived_at, id",
            (night.isoformat(),))
        return [self._submission(r) for r in cur]

    # -- the night, in one transaction ------------------------------------------------------
    def replace_night(self, data: NightData) -> None:
        try:
            self._replace_night(data)
        except sqlite3.OperationalError as exc:
            raise damaged(self.path, exc) from exc

    def _replace_night(self, data: NightData) -> None:
        night = data.night.isoformat()
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            for table in ("rows", "findings", "conflicts", "township_nights", "layouts",
                          "nights"):
                c.execute(f"DELETE FROM {table} WHERE night = ?", (night,))
            c.execute("DELETE FROM meta WHERE key = ?", (FIGURES_META.format(night=night),))
            c.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                      "DO UPDATE SET value = excluded.value",
                      (ROWS_TOKEN_META.format(night=night), uuid.uuid4().hex))
            c.executemany(
                "UPDATE submissions SET township=?, status=?, reason=?, accepted=?, replaced=?,"
                " rows=?, errors=?, warnings=? WHERE id=?",
                [(s.township, s.status, s.reason, int(s.accepted), int(s.replaced), s.rows,
                  s.errors, s.warnings, s.id) for s in data.submissions])
            c.executemany(
                "INSERT OR REPLACE INTO letters (submission_id, sheet, letters) VALUES (?,?,?)",
                [(sid, sheet, json.dumps(m, ensure_ascii=False))
                 for (sid, sheet), m in data.letters.items()])
            c.executemany(
                "INSERT INTO layouts (night, sheet, columns) VALUES (?,?,?)",
                [(night, sheet, json.dumps(cols)) for sheet, cols in data.layouts.items()])
            c.executemany(
                "INSERT INTO township_nights (night, township, status, submission_id, file, "
                "arrived_at, rows, errors, warnings, reason, position) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(night, t.township, t.status, t.submission_id, t.file,
                  None if t.arrived_at is None else t.arrived_at.isoformat(), t.rows, t.errors,
                  t.warnings, t.reason, i) for i, t in enumerate(data.statuses)])
            crash_point("store-mid-transaction")
            c.executemany(
                "INSERT INTO rows (night, township, submission_id, sheet, excel_row, status,"
                " data, source) VALUES (?,?,?,?,?,?,?,?)",
                ((night, r.township, r.submission_id, r.sheet, r.excel_row, r.status,
                  row_json(r), r.source) for r in data.rows))
            c.executemany(
                "INSERT INTO findings (night, township, submission_id, sheet, excel_row, "
                "column_name, cell, rule, severity, message, value, source_sheet) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(night, f.township, f.submission_id, f.sheet, f.row, f.column, f.cell,
                  f.rule, f.severity, f.message,
                  None if f.value is None else json.dumps(f.value, ensure_ascii=False,
                                                          default=str), f.source_sheet)
                 for f in data.findings])
            c.executemany(
                "INSERT INTO conflicts (night, id_number, township, submission_id, sheet, "
                "excel_row) VALUES (?,?,?,?,?,?)",
                [(night, k.id_number, s.township, s.submission_id, s.sheet, s.row)
                 for k in data.conflicts for s in k.sources])
            if data.run is not None:
                c.execute("INSERT INTO nights (night, completed_at, master, master_note) "
                          "VALUES (?,?,?,?)",
                          (night, data.run.completed_at.isoformat(), data.run.master,
                           data.run.master_note))
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise

    def record_run(self, run: NightRun) -> None:
        """Record (or update) when a night was completed and where its master went."""
        self.conn.execute(
            "INSERT INTO nights (night, completed_at, master, master_note) VALUES (?,?,?,?) "
            "ON CONFLICT (night) DO UPDATE SET completed_at=excluded.completed_at, "
            "master=excluded.master, master_note=excluded.master_note",
            (run.night.isoformat(), run.completed_at.isoformat(), run.master, run.master_note))

    # -- reading a night back -------------------------------------------------------------
    def nights(self) -> list[dt.date]:
        cur = self.conn.execute("SELECT night FROM nights ORDER BY night")
        return [dt.date.fromisoformat(r[0]) for r in cur]

    def night_run(self, night: dt.date) -> NightRun | None:
        r = self.conn.execute("SELECT completed_at, master, master_note FROM nights "
                              "WHERE night = ?", (night.isoformat(),)).fetchone()
        if r is None:
            return None
        return NightRun(night, dt.datetime.fromisoformat(r[0]), r[1], r[2])

    def statuses(self, night: dt.date) -> list[TownshipStatus]:
        cur = self.conn.execute(
            "SELECT township, status, submission_id, file, arrived_at, rows, errors, warnings,"
            " reason FROM township_nights WHERE night = ? ORDER BY position",
            (night.isoformat(),))
        return [TownshipStatus(r[0], r[1], r[2], r[3], _dt(r[4]), r[5], r[6], r[7], r[8])
                for r in cur]

    def columns(self, night: dt.date, sheet: str) -> list[str]:
        r = self.conn.execute("SELECT columns FROM layouts WHERE night = ? AND sheet = ?",
                              (night.isoformat(), sheet)).fetchone()
        return [] if r is None else list(json.loads(r[0]))

    def letters(self, submission_id: int, sheet: str) -> dict[str, dict[str, str]]:
        """Sheet name in the file -> column id -> letter ("" for letters stored before
        rows kept their sheet's name)."""
        r = self.conn.execute("SELECT letters FROM letters WHERE submission_id = ? AND "
                              "sheet = ?", (submission_id, sheet)).fetchone()
        return {} if r is None else letters_from_json(r[0])

    def rows(self, night: dt.date, sheet: str, township: str | None = None,
             excel_rows: Collection[int] | None = None) -> Iterator[StoredRow]:
        sql = ("SELECT r.township, r.submission_id, s.file_name, s.sha256, r.sheet, "
               "r.excel_row, r.status, r.data, r.source FROM rows r JOIN submissions s "
               "ON s.id = r.submission_id WHERE r.night = ? AND r.sheet = ?")
        params: tuple[Any, ...] = (night.isoformat(), sheet)
        if township is not None:
            sql += " AND r.township = ?"
            params += (township,)
        if excel_rows is not None:  # only these rows (a few findings' rows of 40,000)
            sql += " AND r.excel_row IN (SELECT value FROM json_each(?))"
            params += (json.dumps(sorted(excel_rows)),)
        loads = json.loads
        for r in self.conn.execute(sql + " ORDER BY r.id", params):
            yield StoredRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], loads(r[7]), r[8])

    def pick(self, night: dt.date, sheet: str, township: str, columns: Sequence[str],
             excel_rows: Collection[int] | None = None) -> list[tuple[Any, ...]]:
        """A few columns of a township's rows, read inside SQLite (no row decoded in
        Python): ``(excel_row, source, *values)`` per row in stored order, a value for each
        column id of ``columns`` as stored, an empty one (or a column the night's layout
        lacks) as '' and a list as its JSON text; ``excel_rows``: only the rows at these Excel
        rows."""
        layout = self.columns(night, sheet)
        picks = [f"coalesce(json_extract(data, '$[{layout.index(c)}]'), '')" if c in layout
                 else "''" for c in columns]
        sql = (f"SELECT {', '.join(['excel_row', 'source', *picks])} FROM rows "
               "WHERE night = ? AND sheet = ? AND township = ?")
        params: tuple[Any, ...] = (night.isoformat(), sheet, township)
        if excel_rows is not None:  # only these rows
            sql += " AND excel_row IN (SELECT value FROM json_each(?))"
            params += (json.dumps(sorted(excel_rows)),)
        return self.conn.execute(sql + " ORDER BY id", params).fetchall()

    def aggregate(self, night: dt.date, sheet: str, groups: Sequence[int],
                  sums: Sequence[int]) -> list[tuple[Any, ...]]:
        """The night's rows of ``sheet`` summarised inside SQLite (no row decoded in Python):
        one tuple per township and combination of the values at layout positions
        ``groups``: ``(township, *values, row count, *sums)`` where each sum adds the
        numeric (JSON integer or real) values at a position of ``sums`` (None when none)."""
        return _aggregate(self.conn, night, sheet, groups, sums, None)

    def aggregate_many(self, night: dt.date, queries: Sequence[Aggregate], *,
                       threads: int = 1) -> list[list[tuple[Any, ...]]]:
        """:meth:`aggregate` for each ``(sheet, groups, sums)``. With several threads each
        query is split by township into as many parts, run side by side on read-only
        connections of their own (SQLite steps without the GIL): the county's 排查登记 in
        about 60 % of the time on two cores. Only under the workspace lock: a connection
        of its own sees the last commit, which is this one's snapshot only when nothing can
        commit meanwhile, and never inside a :meth:`snapshot` (one connection then). A
        reader that cannot open or read (a store on a share SQLite cannot open twice) leaves
        the work to this connection: the night is stored, nothing about it is damaged."""
        if threads <= 1 or self.conn.in_transaction:
            return [self.aggregate(night, *q) for q in queries]
        named: list[list[str]] = [[] for _ in range(threads)]
        for k, (township,) in enumerate(self.conn.execute(
                "SELECT township FROM submissions WHERE night = ? AND accepted "
                "AND township IS NOT NULL GROUP BY township ORDER BY sum(rows) DESC",
                (night.isoformat(),))):
            named[k % threads].append(township)  # dealt out by size
        # the last part takes every township the others do not name: each row counted once
        parts: list[tuple[Collection[str], bool]] = [(p, False) for p in named[:-1] if p]
        parts.append(([t for p in named[:-1] for t in p], True))
        tasks = [(k, q, part) for k, q in enumerate(queries) for part in parts]
        local = threading.local()
        readers: list[sqlite3.Connection] = []

        def run(task: tuple[int, Aggregate, tuple[Collection[str], bool]]) -> list[Any]:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                readers.append(conn)
                conn.execute("PRAGMA query_only = ON")
                local.conn = conn
            return _aggregate(conn, night, *task[1], task[2])

        from concurrent.futures import ThreadPoolExecutor

        results: list[list[tuple[Any, ...]]] = [[] for _ in queries]
        try:
            with ThreadPoolExecutor(threads, thread_name_prefix="gridkit-figures") as pool:
                for (k, _q, _p), found in zip(tasks, pool.map(run, tasks), strict=True):
                    results[k] += found
        except sqlite3.Error:
            return [self.aggregate(night, *q) for q in queries]
        finally:
            for conn in readers:
                conn.close()
        return results

    def row_count(self, night: dt.date, sheet: str | None = None,
                  township: str | None = None) -> int:
        sql, params = "SELECT count(*) FROM rows WHERE night = ?", [night.isoformat()]
        if sheet is not None:
            sql += " AND sheet = ?"
            params.append(sheet)
        if township is not None:
            sql += " AND township = ?"
            params.append(township)
        return int(self.conn.execute(sql, params).fetchone()[0])

    def findings(self, night: dt.date) -> list[FindingRecord]:
        cur = self.conn.execute(
            "SELECT f.township, f.submission_id, s.file_name, f.sheet, f.excel_row, "
            "f.column_name, f.cell, f.rule, f.severity, f.message, f.value, f.source_sheet "
            "FROM findings f "
            "JOIN submissions s ON s.id = f.submission_id WHERE f.night = ? ORDER BY f.id",
            (night.isoformat(),))
        return [FindingRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                              None if r[10] is None else json.loads(r[10]), r[11])
                for r in cur]

    def conflicts(self, night: dt.date) -> list[Conflict]:
        cur = self.conn.execute(
            "SELECT c.id_number, c.township, c.submission_id, s.file_name, c.sheet, "
            "c.excel_row FROM conflicts c LEFT JOIN submissions s ON s.id = c.submission_id "
            "WHERE c.night = ? ORDER BY c.id", (night.isoformat(),))
        out: dict[str, Conflict] = {}
        for r in cur:
            k = out.setdefault(r[0], Conflict(r[0], []))
            k.sources.append(ConflictSource(r[1], r[3] or "", r[4], r[5], r[2]))
        return list(out.values())

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if r is None else r[0]

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (key, value))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
