"""The history store on a PostgreSQL server (psycopg 3), for a city whose counties share one
server: the same :class:`~toolkit.store.protocol.Store` as :mod:`.sqlite`, row for row.

One set of tables for every county, in the schema ``gridkit``: every table holding a
county's history has a ``county`` column (the county's ``area_code``), every key includes
it, and every query of a :class:`PostgresStore` filters by its county. Who may see what is
enforced by the server with row-level security (see :mod:`.pg_admin` for the roles):

* one set of tables, so the city reads across counties with plain SQL (no per-county schema
  to union, no copy to keep in step);
* a county role cannot spoof its county: the policies compare ``county`` with the county
  the table ``county_roles`` maps the *logged-in role* to (``current_user``), a table only
  the admin writes; a county role sees, changes and adds only its own county's rows,
  whatever its SQL says. The city's roles (``city_roles``) may read every row and change
  none. The tables belong to the admin role, which no county uses; it is not subject to the
  policies (its migrations rewrite every county's rows).

Two server-level tables carry no county: ``schema_migrations`` (the schema's version) and
the role maps. Row values are stored as ``json`` (the exact text :func:`.records.row_json`
wrote, as in SQLite), not ``jsonb``: jsonb rewrites numbers, and an ID number Excel turned
into ``5.30629e+17`` would come back as the integer 530629000000000000 instead of the float
the checks and the master show. A night's rows, findings, conflicts, statuses, layouts and
letters are loaded with ``COPY`` inside the night's one transaction (through a temporary
staging table: the server refuses COPY FROM into a table under row-level security; a county
role needs the database's TEMPORARY privilege, which every role has by default).

Schema changes go through :data:`.pg_schema.MIGRATIONS` (never edit a released one), applied
in order in one transaction under an advisory lock, so two counties starting at once do not
race; ``schema_migrations`` records each one applied. A county role may not change the
schema: a server behind the code is upgraded by the city (``pg_admin.setup_server``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from ..config.county import store_url_problem
from ..errors import ConfigError, JobFailed
from ..files import crash_point
from .pg_schema import MIGRATION_LOCK, MIGRATIONS, SCHEMA
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


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection whose tables are gridkit's (the password, if any, comes
    from PGPASSWORD or the pgpass file: libpq reads them itself)."""
    try:
        params = conninfo_to_dict(url)
        extra: dict[str, Any] = {} if "connect_timeout" in params else {"connect_timeout": 15}
        conn = psycopg.connect(url, autocommit=True, application_name="gridkit", **extra)
    except psycopg.Error as exc:
        raise unreachable(url, exc) from exc
    conn.execute("SELECT set_config('search_path', %s, false)", (SCHEMA,))
    return conn


def where(url: str) -> str:
    """The server and database of a url, for a sentence (``localhost:5432/gridkit``)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


# what libpq says when a connection fails -> the same in words office staff read
_CONNECT_REASONS = (
    ("password authentication failed", "密码不对"),
    ("no password supplied", "没有提供密码"),
    ("connection refused", "服务器没有运行,或地址、端口不对"),
    ("timeout expired", "连接超时"),
    ("could not translate host name", "找不到这个服务器名"),
    ("no route to host", "网络不通"),
    ("does not exist", "数据库或账号不存在"),
    ("no pg_hba.conf entry", "服务器不允许从这台电脑连接"),
)


def unreachable(url: str, exc: BaseException) -> JobFailed:
    text = str(exc).strip()
    low = text.lower()
    reason = next((words for cause, words in _CONNECT_REASONS if cause in low), None)
    if reason is None:  # something else: the driver's own first line
        reason = text.splitlines()[0] if text else type(exc).__name__
    return JobFailed(f"无法连接历史库服务器 {where(url)}({reason}):请检查网络、配置中的 "
                     "[store] url 和数据库密码(PGPASSWORD 环境变量或 pgpass 文件)后重试。")


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """How many migrations the server's schema has (0: no gridkit schema yet)."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_migrations",)).fetchone()
    if row is None or row[0] is None:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: psycopg.Connection[Any], url: str, upto: int | None = None) -> int:
    """Apply the missing migrations (up to ``upto``) in one transaction under the advisory
    lock; returns the version reached. A schema newer than this code is refused."""
    target = len(MIGRATIONS) if upto is None else upto
    current = schema_version(conn)
    _refuse_newer(url, current)
    if current >= target:
        return current
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_migrations (version "
                         "integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            current = schema_version(conn)  # another process may have migrated meanwhile
            _refuse_newer(url, current)
            for number in range(current + 1, target + 1):
                conn.execute(MIGRATIONS[number - 1])
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))
    except pg_errors.InsufficientPrivilege as exc:
        raise JobFailed(f"服务器上的历史库 {where(url)} 需要升级到版本 {target},当前账号没有"
                        "权限升级:请市里的数据库管理员先升级服务器上的历史库"
                        "(gridkit store server-setup),再运行汇总。") from exc
    return max(current, target)


def _refuse_newer(url: str, version: int) -> None:
    if version > len(MIGRATIONS):
        raise JobFailed(f"服务器上的历史库 {where(url)} 来自更新版本的 gridkit(版本 {version}),"
                        "请升级 gridkit 后再运行。")


_INTEGER = re.compile(r"-?\d+")


def _json_value(text: str | None, kind: str | None) -> Any:
    """A JSON element as SQLite's ``json_extract`` gives it: text, int or float, 1/0 for a
    boolean, the JSON text of an array or object, None."""
    if text is None or kind in (None, "null"):
        return None
    if kind == "number":
        return int(text) if _INTEGER.fullmatch(text) else float(text)
    if kind == "boolean":
        return 1 if text == "true" else 0
    return text


def _total(value: Decimal | None, real: bool | None) -> Any:
    """A sum as SQLite's ``sum`` gives it: int when every value was an integer."""
    if value is None:
        return None
    return float(value) if real else int(value)


class PostgresStore:
    """One county's history store on a PostgreSQL server (see the module docstring)."""

    def __init__(self, url: str, *, county: str, migrate: bool = True) -> None:
        problem = store_url_problem(url)
        if problem is not None:
            raise ConfigError(f"历史库服务器地址有误:{problem}。")
        if not county:
            raise ConfigError("使用历史库服务器时必须在配置文件的 [county] 中填写 area_code"
                              "(本县的行政区划代码,如 530629)。")
        self.url = url
        self.county = county
        self._pending_meta: dict[str, str] = {}  # set inside a snapshot, written after it
        self._snapshots = 0
        self.conn = connect(url)
        try:
            if migrate:
                self.migrate()
            else:
                _refuse_newer(url, self.version)
            self._check_role()
        except BaseException:
            self.conn.close()
            raise

    def _check_role(self) -> None:
        """A county role opened for another county is refused (its writes would be)."""
        if schema_version(self.conn) == 0:
            return
        row = self.conn.execute("SELECT county FROM county_roles WHERE role = current_user"
                                ).fetchone()
        if row is not None and row[0] != self.county:
            raise ConfigError(f"数据库账号 {self.conn.info.user} 属于行政区划代码 {row[0]} 的县,"
                            f"与本县配置的 area_code {self.county} 不一致:请检查 [store] url 中的"
                            "账号。")

    # -- schema ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return schema_version(self.conn)

    def migrate(self, upto: int | None = None) -> int:
        """Apply the missing migrations (up to ``upto``); returns the version reached."""
        return migrate(self.conn, self.url, upto)

    # -- transactions ---------------------------------------------------------------------
    def _in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one state of the store (a REPEATABLE READ, READ ONLY
        transaction): a night being merged meanwhile is seen wholly as it was or (after)
        wholly as it is, never mixed. Meta written inside is written when it ends."""
        if self._in_transaction():
            yield
            return
        self._snapshots += 1
        try:
            with self.conn.transaction():
                self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield
        finally:
            self._snapshots -= 1
            pending, self._pending_meta = self._pending_meta, {}
            for key, value in pending.items():
                self.set_meta(key, value)

    # -- submissions ----------------------------------------------------------------------
    _SUB_COLS = ("id, night, township, file_name, archive_path, sha256, arrived_at, status, "
                 "reason, accepted, replaced, rows, errors, warnings")

    @staticmethod
    def _submission(r: tuple[Any, ...]) -> Submission:
        return Submission(
            id=r[0], night=r[1], township=r[2], file_name=r[3], archive_path=r[4],
            sha256=r[5], arrived_at=r[6], status=r[7], reason=r[8], accepted=r[9],
            replaced=r[10], rows=r[11], errors=r[12], warnings=r[13])

    def submission_by_hash(self, sha256: str) -> list[Submission]:
        cur = self.conn.execute(
            f"SELECT {self._SUB_COLS} FROM submissions WHERE county = %s AND sha256 = %s "
            "ORDER BY id", (self.county, sha256))
        return [self._submission(r) for r in cur]

    def add_submission(self, submission: Submission) -> int:
        s = submission
        row = self.conn.execute(
            "INSERT INTO submissions (county, night, township, file_name, archive_path, "
            "sha256, arrived_at, status, reason, accepted, replaced, rows, errors, warnings) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (county, night, sha256) DO UPDATE "
            "SET archive_path = excluded.archive_path RETURNING id",
            (self.county, s.night, s.township, s.file_name, s.archive_path, s.sha256,
             s.arrived_at, s.status, s.reason, s.accepted, s.replaced, s.rows, s.errors,
             s.warnings)).fetchone()
        assert row is not None
        s.id = int(row[0])
        return s.id

    def submissions(self, night: dt.date) -> list[Submission]:
        cur = self.conn.execute(
            f"SELECT {self._SUB_COLS} FROM submissions WHERE county = %s AND night = %s "
            "ORDER BY arrived_at, id", (self.county, night))
        return [self._submission(r) for r in cur]

    # -- the night, in one transaction ------------------------------------------------------
    def replace_night(self, data: NightData) -> None:
        try:
            with self.conn.transaction():
                self._replace_night(data)
        except psycopg.OperationalError as exc:
            raise JobFailed(f"写入服务器上的历史库 {where(self.url)} 时连接中断({exc}):这一次的"
                            "汇总没有写入,上一次的结果不变,请稍后重新运行。") from exc

    def _copy(self, cur: psycopg.Cursor[Any], table: str, columns: str,
              records: Iterable[tuple[Any, ...]]) -> None:
        """Load ``records`` into ``table`` with COPY. COPY FROM is not allowed on a table
        under row-level security, so it fills a staging table of this transaction (a
        temporary table shaped from ``table``, dropped at commit), and one INSERT … SELECT
        moves the rows, the policies checking each, in the order they were sent (ctid:
        a fresh table filled by one COPY holds them in that order)."""
        stage = f"stage_{table}"
        cur.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                    f"SELECT {columns} FROM {table} WITH NO DATA")
        with cur.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
                    "ORDER BY ctid")

    def _replace_night(self, data: NightData) -> None:
        night, county = data.night, self.county
        cur = self.conn.cursor()
        for table in ("rows", "findings", "conflicts", "township_nights", "layouts", "nights"):
            cur.execute(f"DELETE FROM {table} WHERE county = %s AND night = %s",
                        (county, night))
        cur.execute("DELETE FROM meta WHERE county = %s AND key = %s",
                    (county, FIGURES_META.format(night=night.isoformat())))
        cur.execute("INSERT INTO meta (county, key, value) VALUES (%s, %s, %s) "
                    "ON CONFLICT (county, key) DO UPDATE SET value = excluded.value",
                    (county, ROWS_TOKEN_META.format(night=night.isoformat()),
                     uuid.uuid4().hex))
        cur.executemany(
            "UPDATE submissions SET township=%s, status=%s, reason=%s, accepted=%s, "
            "replaced=%s, rows=%s, errors=%s, warnings=%s WHERE county=%s AND id=%s",
            [(s.township, s.status, s.reason, s.accepted, s.replaced, s.rows, s.errors,
              s.warnings, county, s.id) for s in data.submissions])
        if data.letters:  # replaced where they were stored before (SQLite's OR REPLACE)
            keys = list(data.letters)
            cur.execute("DELETE FROM letters WHERE county = %s AND (submission_id, sheet) IN "
                        "(SELECT * FROM unnest(%s::bigint[], %s::text[]))",
                        (county, [k[0] for k in keys], [k[1] for k in keys]))
        self._copy(cur, "letters", "county, submission_id, sheet, letters",
                   ((county, sid, sheet, json.dumps(m, ensure_ascii=False))
                    for (sid, sheet), m in data.letters.items()))
        self._copy(cur, "layouts", "county, night, sheet, columns",
                   ((county, night, sheet, json.dumps(cols))
                    for sheet, cols in data.layouts.items()))
        self._copy(cur, "township_nights",
                   "county, night, township, status, submission_id, file, arrived_at, rows, "
                   "errors, warnings, reason, position",
                   ((county, night, t.township, t.status, t.submission_id, t.file,
                     t.arrived_at, t.rows, t.errors, t.warnings, t.reason, i)
                    for i, t in enumerate(data.statuses)))
        crash_point("store-mid-transaction")
        self._copy(cur, "rows",
                   "county, night, township, submission_id, sheet, excel_row, status, data, "
                   "source",
                   ((county, night, r.township, r.submission_id, r.sheet, r.excel_row,
                     r.status, row_json(r), r.source) for r in data.rows))
        self._copy(cur, "findings",
                   "county, night, township, submission_id, sheet, excel_row, column_name, "
                   "cell, rule, severity, message, value, source_sheet",
                   ((county, night, f.township, f.submission_id, f.sheet, f.row, f.column,
                     f.cell, f.rule, f.severity, f.message,
                     None if f.value is None else json.dumps(f.value, ensure_ascii=False,
                                                             default=str), f.source_sheet)
                    for f in data.findings))
        self._copy(cur, "conflicts",
                   "county, night, id_number, township, submission_id, sheet, excel_row",
                   ((county, night, k.id_number, s.township, s.submission_id, s.sheet, s.row)
                    for k in data.conflicts for s in k.sources))
        if data.run is not None:
            cur.execute("INSERT INTO nights (county, night, completed_at, master, master_note)"
                        " VALUES (%s,%s,%s,%s,%s)",
                        (county, night, data.run.completed_at, data.run.master,
                         data.run.master_note))

    def record_run(self, run: NightRun) -> None:
        """Record (or update) when a night was completed and where its master went."""
        self.conn.execute(
            "INSERT INTO nights (county, night, completed_at, master, master_note) "
            "VALUES (%s,%s,%s,%s,%s) ON CONFLICT (county, night) DO UPDATE SET "
            "completed_at=excluded.completed_at, master=excluded.master, "
            "master_note=excluded.master_note",
            (self.county, run.night, run.completed_at, run.master, run.master_note))

    # -- reading a night back -------------------------------------------------------------
    def nights(self) -> list[dt.date]:
        cur = self.conn.execute("SELECT night FROM nights WHERE county = %s ORDER BY night",
                                (self.county,))
        return [r[0] for r in cur]

    def night_run(self, night: dt.date) -> NightRun | None:
        r = self.conn.execute("SELECT completed_at, master, master_note FROM nights "
                              "WHERE county = %s AND night = %s", (self.county, night)
                              ).fetchone()
        return None if r is None else NightRun(night, r[0], r[1], r[2])

    def statuses(self, night: dt.date) -> list[TownshipStatus]:
        cur = self.conn.execute(
            "SELECT township, status, submission_id, file, arrived_at, rows, errors, warnings,"
            " reason FROM township_nights WHERE county = %s AND night = %s ORDER BY position",
            (self.county, night))
        return [TownshipStatus(*r) for r in cur]

    def columns(self, night: dt.date, sheet: str) -> list[str]:
        r = self.conn.execute("SELECT columns FROM layouts WHERE county = %s AND night = %s "
                              "AND sheet = %s", (self.county, night, sheet)).fetchone()
        return [] if r is None else list(json.loads(r[0]))

    def letters(self, submission_id: int, sheet: str) -> dict[str, dict[str, str]]:
        """Sheet name in the file -> column id -> letter."""
        r = self.conn.execute("SELECT letters FROM letters WHERE county = %s AND "
                              "submission_id = %s AND sheet = %s",
                              (self.county, submission_id, sheet)).fetchone()
        return {} if r is None else letters_from_json(r[0])

    def rows(self, night: dt.date, sheet: str, township: str | None = None,
             excel_rows: Collection[int] | None = None) -> Iterator[StoredRow]:
        sql = ("SELECT r.township, r.submission_id, s.file_name, s.sha256, r.sheet, "
               "r.excel_row, r.status, r.data::text, r.source FROM rows r JOIN submissions s "
               "ON s.county = r.county AND s.id = r.submission_id "
               "WHERE r.county = %s AND r.night = %s AND r.sheet = %s")
        params: list[Any] = [self.county, night, sheet]
        if township is not None:
            sql += " AND r.township = %s"
            params.append(township)
        if excel_rows is not None:  # only these rows (a few findings' rows of 40,000)
            sql += " AND r.excel_row = ANY(%s::integer[])"
            params.append(sorted(excel_rows))
        loads = json.loads
        # the whole result is received before the first row is decoded, so the caller may
        # use the store again while it goes through the rows
        for r in self.conn.execute(sql + " ORDER BY r.id", params):
            yield StoredRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], loads(r[7]), r[8])

    def pick(self, night: dt.date, sheet: str, township: str, columns: Sequence[str],
             excel_rows: Collection[int] | None = None) -> list[tuple[Any, ...]]:
        """A few columns of a township's rows, read inside the server, exactly as
        :meth:`.sqlite.SqliteStore.pick`: ``(excel_row, source, *values)`` per row in
        stored order, an empty value (or a column the night's layout lacks) as ''."""
        layout = self.columns(night, sheet)
        at = [layout.index(c) if c in layout else None for c in columns]
        picks = ["excel_row", "source"]
        for i in at:
            picks += (["NULL", "NULL"] if i is None
                      else [f"data->>{i}", f"json_typeof(data->{i})"])
        sql = (f"SELECT {', '.join(picks)} FROM rows WHERE county = %s AND night = %s "
               "AND sheet = %s AND township = %s")
        params: list[Any] = [self.county, night, sheet, township]
        if excel_rows is not None:  # only these rows
            sql += " AND excel_row = ANY(%s::integer[])"
            params.append(sorted(excel_rows))
        out: list[tuple[Any, ...]] = []
        n = len(at)
        for r in self.conn.execute(sql + " ORDER BY id", params):
            values = [_json_value(r[2 + 2 * k], r[3 + 2 * k]) for k in range(n)]
            out.append((r[0], r[1], *("" if v is None else v for v in values)))
        return out

    def aggregate(self, night: dt.date, sheet: str, groups: Sequence[int],
                  sums: Sequence[int]) -> list[tuple[Any, ...]]:
        """The night's rows of ``sheet`` summarised inside the server (no row decoded in
        Python), exactly as :meth:`.sqlite.SqliteStore.aggregate`: one tuple per township
        and combination of the values at layout positions ``groups``:
        ``(township, *values, row count, *sums)``; each sum adds the JSON numbers at a
        position of ``sums`` (None when none; an int unless one was not an integer)."""
        picks: list[str] = []
        for i in (int(g) for g in groups):
            picks += [f"data->>{i}", f"json_typeof(data->{i})"]
        totals: list[str] = []
        for i in (int(s) for s in sums):
            number = f"json_typeof(data->{i}) = 'number'"
            totals += [f"sum(CASE WHEN {number} THEN (data->>{i})::numeric END)",
                       f"bool_or({number} AND (data->>{i}) ~ '[.eE]')"]
        keys = ", ".join(str(k) for k in range(1, len(picks) + 2))
        sql = (f"SELECT {', '.join(['township', *picks, 'count(*)', *totals])} FROM rows "
               f"WHERE county = %s AND night = %s AND sheet = %s GROUP BY {keys}")
        out: list[tuple[Any, ...]] = []
        n = len(picks)
        for r in self.conn.execute(sql, (self.county, night, sheet)):
            values = [_json_value(r[1 + k], r[2 + k]) for k in range(0, n, 2)]
            sums_ = [_total(r[2 + n + k], r[3 + n + k]) for k in range(0, 2 * len(sums), 2)]
            out.append((r[0], *values, r[1 + n], *sums_))
        return out

    def row_count(self, night: dt.date, sheet: str | None = None,
                  township: str | None = None) -> int:
        sql = "SELECT count(*) FROM rows WHERE county = %s AND night = %s"
        params: list[Any] = [self.county, night]
        if sheet is not None:
            sql += " AND sheet = %s"
            params.append(sheet)
        if township is not None:
            sql += " AND township = %s"
            params.append(township)
        row = self.conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def findings(self, night: dt.date) -> list[FindingRecord]:
        cur = self.conn.execute(
            "SELECT f.township, f.submission_id, s.file_name, f.sheet, f.excel_row, "
            "f.column_name, f.cell, f.rule, f.severity, f.message, f.value, f.source_sheet "
            "FROM findings f JOIN submissions s ON s.county = f.county AND "
            "s.id = f.submission_id WHERE f.county = %s AND f.night = %s ORDER BY f.id",
            (self.county, night))
        return [FindingRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                              None if r[10] is None else json.loads(r[10]), r[11])
                for r in cur]

    def conflicts(self, night: dt.date) -> list[Conflict]:
        cur = self.conn.execute(
            "SELECT c.id_number, c.township, c.submission_id, s.file_name, c.sheet, "
            "c.excel_row FROM conflicts c LEFT JOIN submissions s ON s.county = c.county AND "
            "s.id = c.submission_id WHERE c.county = %s AND c.night = %s ORDER BY c.id",
            (self.county, night))
        out: dict[str, Conflict] = {}
        for r in cur:
            k = out.setdefault(r[0], Conflict(r[0], []))
            k.sources.append(ConflictSource(r[1], r[3] or "", r[4], r[5], r[2]))
        return list(out.values())

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        if key in self._pending_meta:
            return self._pending_meta[key]
        r = self.conn.execute("SELECT value FROM meta WHERE county = %s AND key = %s",
                              (self.county, key)).fetchone()
        return default if r is None else r[0]

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value; inside a (read-only) snapshot it is written when it ends."""
        if self._snapshots:
            self._pending_meta[key] = value
            return
        self.conn.execute("INSERT INTO meta (county, key, value) VALUES (%s, %s, %s) "
                          "ON CONFLICT (county, key) DO UPDATE SET value = excluded.value",
                          (self.county, key, value))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
