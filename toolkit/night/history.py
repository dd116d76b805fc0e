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
import logging
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config.catalogue import severity
from ..config.county import Config
from ..config.schema import HistoryRules, SheetSpec
from ..findings import Finding
from ..store.protocol import Store
from ..store.records import RowRecord, TownshipStatus

GONE, CHANGED, BACKWARDS = "gone-since-last-night", "changed-since-last-night", "measure-backwards"
STALE, JUMP = "stale-copy", "jump-in-new-rows"
log = logging.getLogger("gridkit.history")
MAD_SCALE = 0.6745  # the modified z-score (Iglewicz and Hoaglin): 0.6745 (x - median) / MAD


@dataclass
class Tonight:
    """A township's accepted submission of tonight, as the merge read it."""

    township: str
    sha256: str
    sheets: Mapping[str, Sequence[RowRecord]]  # sheet name -> rows (values in schema order)
    letters: Mapping[str, Mapping[str, Mapping[str, str]]]  # sheet -> source -> id -> letter


@dataclass
class _Before:
    night: dt.date
    status: TownshipStatus


def cross_night(config: Config, night: dt.date, store: Store, today: Tonight
                ) -> list[Finding]:
    """The cross-night findings of one township's submission tonight (none on its first
    accepted night). These checks only add warnings: should one fail on what a township
    sent, that township is merged without them (logged) and the night goes on."""
    try:
        return _cross_night(config, night, store, today)
    except Exception:
        log.exception("%s 的跨夜检查未能完成,本晚按当日检查纳入汇总", today.township)
        return []


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
        len(today.sheets.get(spec.name, ())) == _stored_rows(store, last.night, spec.name,
                                                             today.township)
        for spec in tables)
    for spec in tables:
        rows = today.sheets.get(spec.name, ())
        if not same_content and spec.id not in rules.kept_sheets:
            continue
        before = list(store.rows(last.night, spec.name, today.township))
        layout = store.columns(last.night, spec.name)
        if same_content and not _same_rows(spec, rows, before, layout):
            same_content = False
        if spec.id in rules.kept_sheets:
            findings += _kept(config, spec, last.night, rows, before, layout, today)
    if same_content and any(today.sheets.values()):
        findings.append(_finding(STALE, f"今日报表的内容与{_md(last.night)}的报表完全相同"
                                        "(只有日期不同):请确认是否报错了文件。"))
    findings += _jump(rules, today, history)
    return findings


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


def _stored_rows(store: Store, night: dt.date, sheet: str, township: str) -> int:
    return store.row_count(night, sheet, township)


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


def _kept(config: Config, spec: SheetSpec, last: dt.date, rows: Sequence[RowRecord],
          before: Sequence[Any], layout: list[str], today: Tonight) -> list[Finding]:
    """Rows of ``last`` no longer there tonight; a person's fixed columns changed; a
    released person under management again."""
    ids = [c.id for c in spec.columns]
    keys = [c for c in spec.columns if c.key]  # a household, a grid: its number
    person = None if keys else next((c for c in spec.columns if c.type == "id-number"), None)
    keys = keys or ([person] if person is not None else [])  # a person: the ID number
    if not keys or any(k.id not in layout for k in keys):
        return []
    rules = config.schema.rules
    at = {c: layout.index(c) for c in layout}
    now_at = {c: k for k, c in enumerate(ids)}
    named = next((c for c in spec.columns if c.type == "name"), None)
    household = "household_id" if "household_id" in now_at and "household_id" in at else None

    # text (most values) as it is: both nights' values come out of the same reader
    def then(row: Any, col: str) -> str:
        p = at.get(col)
        if p is None or p >= len(row.values):
            return ""
        v = row.values[p]
        return v if v.__class__ is str else _norm(v)

    def now(row: RowRecord, col: str) -> str:
        k = now_at.get(col)
        values = row.values or ()
        if k is None or k >= len(values):
            return ""
        v = values[k]
        return v if v.__class__ is str else _norm(v)

    def key_then(row: Any) -> str:
        return "|".join(then(row, k.id) for k in keys)

    def key_now(row: RowRecord) -> str:
        return "|".join(now(row, k.id) for k in keys)

    tonight: dict[str, RowRecord] = {}
    twice: set[str] = set()  # a key on two rows (its own finding): not compared
    for r in rows:
        key = key_now(r)
        if key.strip("|"):
            if key in tonight:
                twice.add(key)
            tonight[key] = r
    seen: set[str] = set()
    for old in before:
        key = key_then(old)
        if key in seen:
            twice.add(key)
        seen.add(key)
    by_person = {(now(r, named.id), now(r, household)): r for r in rows
                 if named is not None and household is not None and now(r, named.id)}
    out: list[Finding] = []
    limit = config.limits.findings_per_rule
    gone: list[Finding] = []
    for old in before:
        key = key_then(old)
        if not key.strip("|"):
            continue
        who = f"的{then(old, named.id)}" if named is not None and then(old, named.id) else ""
        where = f"{_md(last)}报表{spec.name}表第{old.excel_row}行{who}"
        row = tonight.get(key)
        if row is None and person is not None and named is not None and household:
            moved = by_person.get((then(old, named.id), then(old, household)))
            if moved is not None and now(moved, person.id) and not _noted(moved, now):
                out.append(_at(CHANGED, spec, moved, person.id, today,
                               f"{where}身份证号是{key},今日表中改为{now(moved, person.id)}:"
                               "请核实;确属更正的,在备注中写明“更正”。",
                               now(moved, person.id)))
                continue
        if row is None:
            what = f"身份证号{key}" if person is not None else f"{keys[0].name}{key}"
            gone.append(Finding(GONE, severity(GONE), f"{where}({what}),今日表中没有:"
                                "如已转出、注销,请在备注中说明,不要直接删除。",
                                sheet=spec.name, column=keys[0].name, value=key))
            continue
        if key in twice or _noted(row, now):
            continue
        for col in config.schema.rules.history.fixed_columns:
            if col in now_at and col in at and then(old, col) and now(row, col) != then(old, col):
                title = spec.columns[now_at[col]].name
                out.append(_at(CHANGED, spec, row, col, today,
                               f"{where}的{title}是{then(old, col)},今日表中是"
                               f"{now(row, col) or '空'}:请核实;确属更正的,在备注中写明“更正”。",
                               now(row, col)))
        if ("measure" in now_at and "measure" in at
                and then(old, "measure") == rules.released_measure
                and now(row, "measure") in rules.managed_measures):
            out.append(_at(BACKWARDS, spec, row, "measure", today,
                           f"{where}已{rules.released_measure},今日又是"
                           f"{now(row, 'measure')}:请核实,属实的在备注中说明原因。",
                           now(row, "measure")))
    if len(gone) > limit:
        rest = Finding(GONE, severity(GONE), f"另有 {len(gone) - limit} 条{_md(last)}报表里的"
                       f"{spec.name}记录今日表中没有,未逐条列出。", sheet=spec.name)
        gone = [*gone[:limit], rest]
    return out + gone


def _noted(row: RowRecord, now: Any) -> bool:
    """A row whose 备注 says something: the township has answered for it."""
    return bool(now(row, "note"))


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


def _finding(rule: str, message: str) -> Finding:
    return Finding(rule, severity(rule), message)


def _md(night: dt.date) -> str:
    return f"{night.month}月{night.day}日"
