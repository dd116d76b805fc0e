"""Normalisation of harmless drift: each kind turns into the model's value type and is
recorded; values that cannot be read stay as they were so the checks can flag them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from toolkit.read.normalize import normalise_column, normalise_value, parse_date_text

D = dt.date


@pytest.mark.parametrize(
    ("column_type", "before", "after", "kind"),
    [
        # text / names / enums
        ("text", "　河坝村一组 ", "河坝村一组", "full-width"),
        ("text", " H001", "H001", "spaces"),
        ("text", "Ｈ００１", "H001", "full-width"),
        ("text", 12.0, "12", "int-float"),
        ("name", "王 丽", "王丽", "spaces"),
        ("name", "王　丽", "王丽", "full-width"),
        ("enum", " 居家 观察", "居家观察", "spaces"),
        ("name-list", "李娜、王磊", ("李娜", "王磊"), None),
        ("name-list", "李娜,王磊;赵敏/钱进 孙涛", ("李娜", "王磊", "赵敏", "钱进", "孙涛"), None),
        ("name-list", "李娜\uff0c王磊", ("李娜", "王磊"), None),
        ("name-list", "李娜、\uff37ang", ("李娜", "Wang"), "full-width"),
        # numbers
        ("int", 12.0, 12, None),
        ("int", "１２", 12, "number-text"),
        ("int", "1〇", 10, "number-text"),
        ("int", " 12 ", 12, "number-text"),
        ("int", "1,200", 1200, "number-text"),
        ("number", 2.5, 2.5, None),
        ("number", "2.5", 2.5, "number-text"),
        # dates
        ("date", "2020.1.28", D(2020, 1, 28), "date-text"),
        ("date", "2020/1/28", D(2020, 1, 28), "date-text"),
        ("date", "2020-1-28", D(2020, 1, 28), "date-text"),
        ("date", "20200128", D(2020, 1, 28), "date-text"),
        ("date", 20200128.0, D(2020, 1, 28), "date-text"),
        ("date", "2020年1月28日", D(2020, 1, 28), "date-text"),
        ("date", "1月28日", D(2020, 1, 28), "date-text"),
        ("date", "1.28", D(2020, 1, 28), "date-text"),
        ("date", "1/28", D(2020, 1, 28), "date-text"),
        ("date", "2020.01.28.", D(2020, 1, 28), "date-text"),
        ("date", "２０２０.１.２８", D(2020, 1, 28), "date-text"),
        ("date", "二〇二〇", "二〇二〇", None),
        ("date", "2〇2〇.1.28", D(2020, 1, 28), "date-text"),
        ("date", "2020-01-28 00:00:00", D(2020, 1, 28), "date-text"),
        ("date", 43858.0, D(2020, 1, 28), "date-serial"),
        ("date", 43858, D(2020, 1, 28), "date-serial"),
        ("date", dt.datetime(2020, 1, 28, 0, 0), D(2020, 1, 28), None),
        ("date", D(2020, 1, 28), D(2020, 1, 28), None),
        # phones
        ("phone", 13800000000.0, "13800000000", "phone-float"),
        ("phone", "0870-2158276", "0870-2158276", None),
        ("phone", "0870 2158276", "0870-2158276", "spaces"),
        ("phone", "138 0000 0000", "13800000000", "spaces"),
        ("phone", "１３８００００００００", "13800000000", "full-width"),
        ("phone", "138〇〇〇〇〇〇〇〇", "13800000000", "ling-zero"),
        ("phone", "0870－2158276", "0870-2158276", "full-width"),
        # ID numbers
        ("id-number", "53062919800517003x", "53062919800517003X", "lower-x"),
        ("id-number", " 530629 19800517 0032", "530629198005170032", "spaces"),
        ("id-number", "５３０６２９１９８００５１７００３２", "530629198005170032", "full-width"),
        ("id-number", "53〇629198005170032", "530629198005170032", "ling-zero"),
    ],
)
def test_each_normalisation(column_type: str, before: Any, after: Any, kind: str | None) -> None:
    values, changes = normalise_column([before], column_type, 2020)
    assert values == [after]
    assert type(values[0]) is type(after)
    if kind is None:
        assert changes == []
    else:
        assert changes == [(0, kind, before, after)]


@pytest.mark.parametrize(
    ("column_type", "value"),
    [
        ("int", "12人"),  # unparseable: the check flags it
        ("int", "很多"),
        ("date", "2020.2.30"),  # no such day
        ("date", "明天"),
        ("date", 3.5),  # not a plausible serial for a register date
        ("phone", "无"),
        ("enum", "居家观察"),
        ("text", "河坝村"),
        ("name", "王丽"),
        ("id-number", "530629198005170032"),
    ],
)
def test_unreadable_or_clean_values_stay_as_they_are(column_type: str, value: Any) -> None:
    values, changes = normalise_column([value], column_type, 2020)
    assert values == [value] and type(values[0]) is type(value)
    assert changes == []


@pytest.mark.parametrize("number", [5.30629198005170e17, 530629198005170000, 5.3062919800517e+17])
def test_an_id_stored_as_a_number_stays_a_number(number: float | int) -> None:
    """Never turn a destroyed ID back into digits: the check must see it is a number."""
    values, changes = normalise_column([number, "530629198005170032"], "id-number", 2020)
    assert values[0] == number and isinstance(values[0], int | float)
    assert not isinstance(values[0], str)
    assert changes == []


def test_empty_cells_become_none_and_are_not_changes() -> None:
    values, changes = normalise_column(["", "李娜", None, "  "], "name", 2020)
    assert values == [None, "李娜", None, ""]
    assert changes == [(3, "spaces", "  ", "")]


def test_month_day_dates_take_the_submission_year() -> None:
    values, _ = normalise_column(["12月30日"], "date", 2019)
    assert values == [D(2019, 12, 30)]


def test_changes_point_at_every_row_holding_a_repeated_value() -> None:
    col = ["2020.1.28", D(2020, 1, 29), "2020.1.28", ""]
    values, changes = normalise_column(col, "date", 2020)
    assert values == [D(2020, 1, 28), D(2020, 1, 29), D(2020, 1, 28), None]
    assert [c[0] for c in changes] == [0, 2]


def test_mixed_numbers_and_booleans_are_not_confused() -> None:
    values, _ = normalise_column([1, 1.0, True, 0.0, False], "int", 2020)
    assert values == [1, 1, True, 0, False]
    assert [type(v) for v in values] == [int, int, bool, int, bool]


def test_single_value_helper() -> None:
    assert normalise_value("2020.2.4", "date", 2020) == (D(2020, 2, 4), "date-text")
    assert normalise_value("", "date", 2020) == (None, None)
    assert parse_date_text("2020年2月4号", 2020) == D(2020, 2, 4)


@pytest.mark.parametrize(
    ("column_type", "before", "after", "kind"),
    [
        ("enum", "居家观察", "居家观察", None),
        ("enum", " 居家观察", "居家观察", "spaces"),
        ("int", 12.0, 12, None),
        ("int", "１２", 12, "number-text"),
        ("date", "2020.1.28", D(2020, 1, 28), "date-text"),
        ("date", D(2020, 1, 28), D(2020, 1, 28), None),
        ("phone", 13800000000.0, "13800000000", "phone-float"),
        ("id-number", 5.30629198005170e17, 5.30629198005170e17, None),
    ],
)
def test_repetitive_columns_share_one_object_per_value(column_type: str, before: Any,
                                                       after: Any, kind: str | None) -> None:
    """A column of 400,000 cells mostly repeats a few values: same result, less memory."""
    column = [before] * 10 + ["", None]
    values, changes = normalise_column(column, column_type, 2020)
    assert values == [after] * 10 + [None, None]
    assert all(type(v) is type(after) for v in values[:10])
    assert len({id(v) for v in values[:10]}) == 1
    assert changes == ([] if kind is None else [(i, kind, before, after) for i in range(10)])
