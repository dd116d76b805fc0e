"""Checks across nights: a township's register tonight against its earlier accepted nights
in the store (``[rules.history]`` in schema.toml).

Every register is cumulative, so yesterday's tells what tonight's must still hold:
``gone-since-last-night`` (a person, household or grid no longer there),
``changed-since-last-night`` (a person's ID, 抵威日期 or 观察起始日期 changed),
``measure-backwards`` (解除观察 yesterday, under management again tonight), ``stale-copy``
(an earlier night's file sent again, or the same content), ``jump-in-new-rows`` (a day's new
rows far above the township's last nights, by a modified z-score on the median). All are
warnings for the township to confirm; a row whose 备注 says something (已转出, 更正) is not
warned again. Each finding names the earlier night and its row. A township with no
accepted earlier night is checked as tonight only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import statistics
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config.catalogue import severity
from ..config.county import Config
from ..config.schema import DAILY_FIGURES, HistoryRules, SheetSpec
from ..findings import Finding
from ..store import open_store
from ..store.protocol import Store
from ..store.records import RowRecord, TownshipStatus

GONE, CHANGED, BACKWARDS = "gone-since-last-night", "changed-since-last-night", "measure-backwards"
STALE, JUMP = "stale-copy", "jump-in-new-rows"
FELL, SHORT = "cumulative-fell", "observation-short-across-nights"
LATE_NEW, JUMP_FIGURE = "late-registration", "jump-in-daily-figure"
log = logging.getLogger("gridkit.history")
MAD_SCALE = 0.6745  # the modified z-score (Iglewicz and Hoaglin): 0.6745 (x - median) / MAD


@dataclass
class Tonight:
    """A township's accepted submission of tonight, as the merge read it."""

    township: str
    sha256: str
    sheets: Mapping[str, Sequence[RowRecord]]  # sheet name -> rows (values in schema order)
    letters: Mapping[str, Mapping[str, Mapping[str, str]]]  # sheet -> source -> id -> letter
    daily: Mapping[str, float] | None = None  # its daily_figures, when already made


@dataclass
class _Before:
    night: dt.date
    status: TownshipStatus


def cross_night(config: Config, night: dt.date, store: Store, today: Tonight
                ) -> list[Finding]:
    """The cross-night findings of one township's submission tonight (none on its first
    accepted night). These checks only add warnings: should one fail on what a township
    sent, that township is merged without them (logged) and the night goes on."""
    findings, failure = checked_across_nights(config, night, store, today)
    if failure is not None:
        log.error("%s", failure)
    return findings


def across_nights_in_worker(config: Config, night: dt.date, today: Tonight
                           ) -> tuple[list[Finding], str | None]:
    """:func:`checked_across_nights` with the county's store opened here (a worker process
    has its own connection): a store that cannot be opened is a failure line too, never a
    refusal of the township's file."""
    try:
        store = open_store(config)
    except Exception:
        return [], (f"{today.township} 的跨夜检查未能完成(历史库打不开),本晚按当日检查纳入"
                    f"汇总:\n{traceback.format_exc()}")
    try:
        return checked_across_nights(config, night, store, today)
    finally:
        store.close()


def checked_across_nights(config: Config, night: dt.date, store: Store, today: Tonight
                          ) -> tuple[list[Finding], str | None]:
    """:func:`cross_night` for a worker process: the findings, or none and the log line
    saying why they could not be made (the night's own process logs it)."""
    try:
        return _cross_night(config, night, store, today), None
    except Exception:
        return [], (f"{today.township} 的跨夜检查未能完成,本晚按当日检查纳入汇总:\n"
                    f"{traceback.format_exc()}")


def _cross_night(config: Config, night: dt.date, store: Store, today: Tonight
                 ) -> list[Finding]:
    rules = config.schema.rules.history
    history = _history(store, night, today.township, max(rules.jump_nights,
                                                          rules.stale_nights) + 1)
    if not history:
        return []
    findings: list[Finding] = []
    last = history[0]
    stale = _same_file(store, today, history[:rules.stale_nights])
    if stale is not None:
        findings.append(_finding(STALE, f"今日报表与{_md(stale)}报送的文件完全相同:"
                                        "请确认是否报错了文件,应报送今日更新后的登记表。"))
    tables = [spec for spec in config.schema.sheets if not spec.is_cover]
    # the same content needs the same number of rows in every sheet (a register that grew
    # is never compared cell by cell)
    same_content = stale is None and all(
        len(today.sheets.get(spec.name, ())) == store.row_count(last.night, spec.name,
                                                                today.township)
        for spec in tables)
    for spec in tables:
        rows = today.sheets.get(spec.name, ())
        if same_content:  # every row of every sheet compared: only when the sizes agree
            before = list(store.rows(last.night, spec.name, today.township))
            same_content = _same_rows(spec, rows, before, store.columns(last.night,
                                                                        spec.name))
        if spec.id in rules.kept_sheets:
            findings += _kept(config, spec, night, last.night, rows, store, today)
    if same_content and any(today.sheets.values()):
        findings.append(_finding(STALE, f"今日报表的内容与{_md(last.night)}的报表完全相同"
                                        "(只有日期不同):请确认是否报错了文件。"))
    findings += _jump(rules, today, history)
    daily = today.daily if today.daily is not None else daily_figures(config, night, today)
    findings += _jump_figures(rules, store, today, daily, history)
    return findings


def daily_key(night: dt.date, township: str) -> str:
    """The store's meta key of a township's daily figures of one night."""
    return f"daily:{night.isoformat()}:{township}"


def daily_figures(config: Config, night: dt.date, today: Tonight) -> dict[str, float]:
    """The township's figures of tonight that are followed across nights
    (:data:`..config.schema.DAILY_FIGURES`), from its rows."""
    rules = config.schema.rules
    out: dict[str, float] = {}

    def column(sheet_id: str, col: str) -> list[Any]:
        spec = config.schema.sheet_by_id(sheet_id)
        at = next((k for k, c in enumerate(spec.columns) if c.id == col), None)
        if at is None:
            return []
        return [r.values[at] for r in today.sheets.get(spec.name, ()) if r.values is not None]

    def total(values: list[Any]) -> float:
        return float(sum(v for v in values if v.__class__ in (int, float) and v == v))

    managed = frozenset(rules.managed_measures)
    out["new_arrivals"] = float(sum(1 for v in column("screening", "arrival_date")
                                    if v == night))
    out["under_management"] = float(sum(1 for v in column("screening", "measure")
                                        if v in managed))
    out["fever"] = total(column("checkpoints", "fever"))
    out["checkpoint_persons"] = total(column("checkpoints", "persons"))
    out["checkpoint_vehicles"] = total(column("checkpoints", "vehicles"))
    return out


def _jump_figures(h: HistoryRules, store: Store, today: Tonight,
                  figures: Mapping[str, float], history: Sequence[_Before]) -> list[Finding]:
    """Each followed figure of tonight against the same figure of the township's last
    ``jump_nights`` (as the merge kept them), by the modified z-score."""
    past: list[dict[str, float]] = []
    for b in history[:h.jump_nights]:
        kept = store.get_meta(daily_key(b.night, today.township))
        if kept is not None:
            past.append(json.loads(kept))
    if len(past) < h.jump_min_nights:
        return []
    out = []
    for fig in h.jump_figures:
        values = [p[fig] for p in past if isinstance(p.get(fig), int | float)]
        x = figures.get(fig)
        if x is None or len(values) < h.jump_min_nights or \
                modified_z(x, values) <= h.jump_threshold:
            continue
        label, unit = DAILY_FIGURES[fig]
        out.append(_finding(JUMP_FIGURE, f"今日{label} {x:g} {unit},本乡镇近{len(values)}日通常约 "
                                         f"{statistics.median(values):g} {unit}:"
                                         "请核实是否填错、重复统计或把别的表粘贴进来。"))
    return out


def _history(store: Store, night: dt.date, township: str, depth: int) -> list[_Before]:
    """The township's accepted nights before ``night``, latest first, at most ``depth``."""
    out: list[_Before] = []
    for n in sorted((n for n in store.nights() if n < night), reverse=True):
        status = next((s for s in store.statuses(n) if s.township == township), None)
        if status is not None and status.merged:
            out.append(_Before(n, status))
            if len(out) >= depth:
                break
    return out


def _same_file(store: Store, today: Tonight, history: Sequence[_Before]) -> dt.date | None:
    for b in history:
        if any(s.sha256 == today.sha256 and s.id == b.status.submission_id
               for s in store.submissions(b.night)):
            return b.night
    return None


def _norm(value: Any) -> str:
    """A value as compared across nights: tonight's dates are dates, the store's ISO text."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_norm(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _values(row: RowRecord) -> tuple[Any, ...]:
    return row.values or ()


def _same_rows(spec: SheetSpec, rows: Sequence[RowRecord], before: Sequence[Any],
               layout: list[str]) -> bool:
    ids = [c.id for c in spec.columns]
    pos = [layout.index(i) if i in layout else None for i in ids]
    tonight = sorted(tuple(_norm(v) for v in _values(r)) for r in rows)
    earlier = sorted(tuple(_norm(r.values[p]) if p is not None and p < len(r.values) else ""
                           for p in pos) for r in before)
    return tonight == earlier


def _kept(config: Config, spec: SheetSpec, night: dt.date, last: dt.date,
          rows: Sequence[RowRecord], store: Store, today: Tonight) -> list[Finding]:
    """Rows of ``last`` no longer there tonight; a person's fixed columns changed; a
    released person under management again, or released tonight before the observation
    days counted from last night's start; the sheet's rows (and the persons released) fewer
    than last night. Last night's rows are read as the few columns compared
    (:meth:`Store.pick`), not decoded whole."""
    layout = store.columns(last, spec.name)
    keys = [c for c in spec.columns if c.key]  # a household, a grid: its number
    person = None if keys else next((c for c in spec.columns if c.type == "id-number"), None)
    keys = keys or ([person] if person is not None else [])  # a person: the ID number
    if not keys or any(k.id not in layout for k in keys):
        return []
    rules = config.schema.rules
    now_at = {c.id: k for k, c in enumerate(spec.columns)}
    named = next((c for c in spec.columns if c.type == "name"), None)
    household = "household_id" if "household_id" in now_at and "household_id" in layout \
        else None
    fixed = [c for c in rules.history.fixed_columns if c in now_at and c in layout]
    measure = "measure" if "measure" in now_at and "measure" in layout else None
    # the columns compared, in one order for both nights: keys, name, household, the fixed
    # columns, the measure; tonight's note besides
    wanted = [k.id for k in keys]
    ended = "observation_end" if "observation_end" in now_at and "observation_end" in layout \
        else None
    extra = [c for c in (named.id if named else None, household, ended) if c is not None]
    compared = [*fixed, *([measure] if measure else [])]
    cols = [*wanted, *extra, *compared]
    pos = {c: k for k, c in enumerate(cols)}
    n_keys = len(wanted)
    note_at = now_at.get("note")

    # tonight's columns as text, column by column (the register's many rows: no per-row
    # Python beyond a list comprehension), then zipped into one tuple per row
    columns = [_texts([r.values[now_at[c]] if r.values is not None else None for r in rows])
               for c in cols]
    now_rows = list(zip(*columns, strict=True)) if rows else []
    keys_now = (list(columns[0]) if n_keys == 1 else
                ["|".join(v[:n_keys]) for v in now_rows])
    tonight = dict(zip(keys_now, zip(rows, now_rows, strict=True), strict=True))
    twice = _twice(keys_now) if len(tonight) < len(keys_now) else set()
    # (a key on two rows is its own finding: not compared)
    tonight.pop("", None)
    tonight.pop("|" * (n_keys - 1), None)
    # last night's: the text as stored ('' for empty); a number (rare in these columns) is
    # made text below only where it is compared
    # the keys and the compared columns of every row; the name and household only for the
    # few rows that differ (below)
    before = store.pick(last, spec.name, today.township, [*wanted, *compared])
    keys_then = [b[2] if n_keys == 1 else b[2:2 + n_keys] for b in before]
    if len(set(keys_then)) < len(keys_then):
        again = _twice(keys_then)
        twice |= {_key(b, n_keys) for b, k in zip(before, keys_then, strict=True)
                  if k in again}
    name_at, home_at = pos.get(named.id) if named else None, pos.get(household or "")
    people: dict[tuple[str, str], tuple[RowRecord, tuple[str, ...]]] | None = None

    def by_person(name: str, home: str) -> tuple[RowRecord, tuple[str, ...]] | None:
        """Tonight's row of the person with this name in this household (a person
        missing by ID: the same person under another ID?), indexed on first use."""
        nonlocal people
        if people is None:
            assert name_at is not None and home_at is not None
            people = {(v[name_at], v[home_at]): (r, v)
                      for r, v in zip(rows, now_rows, strict=True) if v[name_at]}
        return people.get((name, home))

    first = n_keys + len(extra)  # where the compared columns start

    def noted(row: RowRecord) -> bool:  # a row whose 备注 says something: answered for
        values = row.values or ()
        return note_at is not None and note_at < len(values) and bool(_norm(values[note_at]))

    differ: list[tuple[str, tuple[Any, ...], tuple[RowRecord, tuple[str, ...]] | None]] = []
    for b in before:
        key = b[2] if n_keys == 1 and b[2].__class__ is str else _key(b, n_keys)
        found = tonight.get(key)
        if found is not None and (b[2 + n_keys:] == found[1][first:] or key in twice):
            continue  # the same person, nothing compared changed: the common case
        if not key.strip("|"):  # no ID: the person by name and household (below)
            if person is not None and name_at is not None and home_at is not None:
                differ.append((key, b, None))
            continue
        if found is not None and tuple(_texts(b[2 + n_keys:])) == found[1][first:]:
            continue
        differ.append((key, b, found))
    named_then = {(r[0], r[1]): tuple(_texts(r[2:])) for r in store.pick(
        last, spec.name, today.township, extra, excel_rows={b[0] for _, b, _ in differ})
    } if differ and extra else {}
    out: list[Finding] = []
    gone: list[Finding] = []
    renamed: set[int] = set()  # tonight's rows of a person found under another ID
    for key, b, found in differ:
        excel_row = b[0]
        then = tuple(_texts(b[2:]))
        old = (*then[:n_keys], *named_then.get((b[0], b[1]), ("",) * len(extra)),
               *then[n_keys:])
        anonymous = not key.strip("|")
        if anonymous:  # a person registered without an ID number: by name and household
            assert name_at is not None and home_at is not None
            if not old[name_at]:
                continue
            found = by_person(old[name_at], old[home_at])
            if found is not None:
                renamed.add(id(found[0]))
            if found is not None and old[first:] == found[1][first:]:
                continue
        who = f"的{old[name_at]}" if name_at is not None and old[name_at] else ""
        where = f"{_md(last)}报表{spec.name}表第{excel_row}行{who}"
        if (found is None and not anonymous and person is not None and name_at is not None
                and home_at):
            moved = by_person(old[name_at], old[home_at])
            if moved is not None:
                renamed.add(id(moved[0]))
            if moved is not None and moved[1][0] and not noted(moved[0]):
                out.append(_at(CHANGED, spec, moved[0], person.id, today,
                               f"{where}身份证号是{key},今日表中改为{moved[1][0]}:"
                               "请核实;确属更正的,在备注中写明“更正”。", moved[1][0]))
                continue
        if found is None:
            what = ("未填身份证号" if anonymous else f"身份证号{key}" if person is not None
                    else f"{keys[0].name}{key}")
            gone.append(Finding(GONE, severity(GONE), f"{where}({what}),今日表中没有:"
                                "如已转出、注销,请在备注中说明,不要直接删除。",
                                sheet=spec.name, column=keys[0].name,
                                value=None if anonymous else key))
            continue
        row, new = found
        if noted(row):
            continue
        for col in fixed:
            was, now = old[pos[col]], new[pos[col]]
            if was and now != was:
                title = spec.columns[now_at[col]].name
                out.append(_at(CHANGED, spec, row, col, today,
                               f"{where}的{title}是{was},今日表中是{now or '空'}:请核实;"
                               "确属更正的,在备注中写明“更正”。", now))
        if (measure is not None and old[pos[measure]] == rules.released_measure
                and new[pos[measure]] in rules.managed_measures):
            out.append(_at(BACKWARDS, spec, row, measure, today,
                           f"{where}已{rules.released_measure},今日又是{new[pos[measure]]}:"
                           "请核实,属实的在备注中说明原因。", new[pos[measure]]))
        if (measure is not None and "observation_start" in pos
                and old[pos[measure]] in rules.managed_measures
                and new[pos[measure]] == rules.released_measure
                and new[pos["observation_start"]] != old[pos["observation_start"]]):
            # released tonight with another start date than last night's: counted from
            # last night's (tonight's own start is the single-night rule's)
            start = _date(old[pos["observation_start"]])
            end = _date(new[pos[ended]]) if ended is not None else None
            end = end or night
            if start is not None and (end - start).days < rules.observation_days:
                out.append(_at(SHORT, spec, row, measure, today,
                               f"{where}的观察起始日期是{_md(start)},到{_md(end)}"
                               f"{rules.released_measure}只有{(end - start).days}天,"
                               f"不满{rules.observation_days}天(今日表中起始日期改成了"
                               f"{new[pos['observation_start']] or '空'}):请核实。",
                               new[pos[measure]]))
    if person is not None and "arrival_date" in pos:
        out += _late_registrations(config, spec, last, today, tonight, keys_then, n_keys,
                                   pos["arrival_date"], lambda r: id(r) in renamed or noted(r))
    if len(rows) < len(before):
        out.append(_finding(FELL, f"{spec.name}表今日 {len(rows)} 行,比{_md(last)}的 "
                                  f"{len(before)} 行少了 {len(before) - len(rows)} 行:"
                                  "累计登记数不应减少,已转出、注销的也应保留并在备注中说明。",
                            sheet=spec.name))
    if measure is not None:
        at_now, at_then = now_at[measure], 2 + n_keys + compared.index(measure)
        released = rules.released_measure
        now_n = sum(1 for r in rows if r.values is not None and r.values[at_now] == released)
        then_n = sum(1 for b in before if b[at_then] == released)
        if now_n < then_n:
            out.append(_finding(FELL, f"累计{released}今日 {now_n} 人,比{_md(last)}的 "
                                      f"{then_n} 人少了 {then_n - now_n} 人:累计数不应减少,"
                                      "请核实。", sheet=spec.name))
    limit = config.limits.findings_per_rule
    if len(gone) > limit:
        rest = Finding(GONE, severity(GONE), f"另有 {len(gone) - limit} 条{_md(last)}报表里的"
                       f"{spec.name}记录今日表中没有,未逐条列出。", sheet=spec.name)
        gone = [*gone[:limit], rest]
    return out + gone


def _late_registrations(config: Config, spec: SheetSpec, last: dt.date, today: Tonight,
                        tonight: Mapping[str, tuple[RowRecord, tuple[str, ...]]],
                        keys_then: Sequence[Any], n_keys: int, arrival_at: int,
                        noted: Any) -> list[Finding]:
    """Persons new tonight whose 抵威日期 is on or before the last night: the cumulative
    count is then not last night's plus tonight's arrivals (a late registration, or a person
    entered again under another ID); a note in 备注 (补登) answers it."""
    seen = ({k if k.__class__ is str else _norm(k) for k in keys_then} if n_keys == 1
            else {"|".join(_texts(k)) for k in keys_then})
    upto = last.isoformat()
    late = [(r, v[arrival_at]) for k, (r, v) in tonight.items() if k not in seen
            and v[arrival_at][:4].isdigit() and v[arrival_at][:10] <= upto and not noted(r)]
    if not late:
        return []
    limit = config.limits.findings_per_rule
    out = [_at(LATE_NEW, spec, r, "arrival_date", today,
               f"此人是今日新增的,抵威日期却是{arrival[:10]},在{_md(last)}或更早,"
               f"{_md(last)}的报表中没有此人:今日累计应为上次累计加今日新抵达的人员;"
               "补登的请在备注中写明“补登”,重复录入的请删除。", arrival)
           for r, arrival in late[:limit]]
    if len(late) > limit:
        out.append(_finding(LATE_NEW, f"另有 {len(late) - limit} 名今日新增人员的抵威日期在"
                                      f"{_md(last)}或更早,未逐条列出。", sheet=spec.name))
    return out


def _texts(values: Iterable[Any]) -> list[str]:
    """Values as compared across nights, text as it is (both nights come from one
    reader)."""
    return [v if v.__class__ is str else _norm(v) for v in values]


def _twice(keys: Sequence[Any]) -> set[Any]:
    """The keys that occur more than once."""
    seen: set[Any] = set()
    return {k for k in keys if k in seen or seen.add(k)}  # type: ignore[func-returns-value]


def _key(picked: Sequence[Any], n_keys: int) -> str:
    """The key of a row of :meth:`Store.pick` (after its Excel row and source)."""
    return "|".join(_texts(picked[2:2 + n_keys]))


def _at(rule: str, spec: SheetSpec, row: RowRecord, col: str, today: Tonight, message: str,
        value: Any) -> Finding:
    column = next(c for c in spec.columns if c.id == col)
    source = row.source or spec.name
    letter = today.letters.get(spec.name, {}).get(source, {}).get(col)
    return Finding(rule, severity(rule), message, sheet=spec.name, row=row.excel_row,
                   column=column.name, cell=f"{letter}{row.excel_row}" if letter else None,
                   value=value, source_sheet=row.source or None)


def _jump(rules: HistoryRules, today: Tonight, history: Sequence[_Before]) -> list[Finding]:
    """Tonight's new rows against the new rows of the township's last ``jump_nights``."""
    counts = [sum(len(rows) for rows in today.sheets.values()),
              *(b.status.rows for b in history[:rules.jump_nights + 1])]
    new = [a - b for a, b in itertools.pairwise(counts)]
    if len(new) < rules.jump_min_nights + 1:
        return []
    x, past = new[0], new[1:rules.jump_nights + 1]
    z = modified_z(x, past)
    if z <= rules.jump_threshold:
        return []
    typical = statistics.median(past)
    return [_finding(JUMP, f"今日新增 {x} 行,本乡镇近{len(past)}日每日新增通常约 "
                           f"{typical:g} 行:请核实是否重复录入或把别的表粘贴进来。")]


def modified_z(x: float, past: Iterable[float]) -> float:
    """How far ``x`` lies above the median of ``past`` in median absolute deviations
    (0.6745 (x - median) / MAD); a MAD of 0 (every night the same) counts as 1 or a tenth
    of the median, whichever is larger, so that one row more is not a jump."""
    values = list(past)
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    mad = max(mad, 1.0, abs(median) / 10) if mad == 0 else mad
    return MAD_SCALE * (x - median) / mad


def _finding(rule: str, message: str, sheet: str | None = None) -> Finding:
    return Finding(rule, severity(rule), message, sheet=sheet)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _md(night: dt.date) -> str:
    return f"{night.month}月{night.day}日"
