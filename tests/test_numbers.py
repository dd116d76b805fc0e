"""The report number style: exact tallies, "8万余" for large publicity figures."""

from __future__ import annotations

import pytest

from toolkit.outputs.numbers import approx, change, exact, pct, signed


@pytest.mark.parametrize(("value", "text"), [
    (80312, "8万余"),     # 发放各类宣传资料8万余份
    (812, "800余"),       # 标语、横幅800余条
    (148, "148"),         # 出动宣传车148辆
    (23, "23"),
    (0, "0"),
    (None, "0"),
    (1396, "1300余"),     # one digit would drop more than a tenth: keep two
    (800, "800"),         # nothing dropped: no 余
    (80000, "8万"),
    (15000, "1.5万"),
    (15321, "1.5万余"),
    (123456, "12万余"),
    (5_000_000.0, "500万"),
    (230_000_000, "2.3亿"),
    (499, "499"),
    (500, "500"),
    (-812, "-800余"),
])
def test_approx_writes_numbers_like_the_county_report(value, text):
    assert approx(value) == text


def test_approx_never_rounds_up():
    for n in (509, 999, 1099, 19999, 99999, 987654):
        text = approx(n)
        digits = text.replace("余", "").replace("万", "")
        scale = 10_000 if "万" in text else 1
        assert float(digits) * scale <= n


@pytest.mark.parametrize(("value", "text"), [
    (1396, "1396"), (2383, "2383"), (0, "0"), (None, "0"), (12.5, "12.5"), (3.0, "3"),
])
def test_exact(value, text):
    assert exact(value) == text


@pytest.mark.parametrize(("rate", "text"), [
    (0.9, "90%"), (1.0, "100%"), (0.0, "0%"), (0.9567, "95.7%"), (None, "—"),
])
def test_pct(rate, text):
    assert pct(rate) == text


@pytest.mark.parametrize(("value", "text"), [(5, "+5"), (-3, "-3"), (0, "0"), (None, "0")])
def test_signed(value, text):
    assert signed(value) == text


@pytest.mark.parametrize(("value", "text"), [(5, "增加5人"), (-3, "减少3人"), (0, "持平"),
                                            (None, "持平"), (12000, "增加12000人")])
def test_change_in_words(value, text):
    assert change(value, "人") == text
