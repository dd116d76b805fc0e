"""Personal data is masked in everything that leaves the office."""

from __future__ import annotations

import pytest

from tests.factory import pid
from toolkit.outputs.privacy import mask_id, mask_phone, mask_text, mask_value


def test_id_keeps_area_and_last_four():
    full = pid(1)
    assert mask_id(full) == full[:6] + "*" * 8 + full[-4:]


def test_id_typed_as_number_is_masked_too():
    assert mask_id(530629198005172000.0) == "530629********2000"


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("+8613812345678", "138****5678"),
    (13812345678.0, "138****5678"),
    ("0870-2158276", "0870-***8276"),
    ("08702158276", "0870-***8276"),
    ("021-12345678", "021-****5678"),
    ("12345", "*2345"),
])
def test_phones(phone, masked):
    assert mask_phone(phone) == masked


def test_free_text_masks_every_id_and_phone():
    full = pid(7)
    text = f"身份证号 {full} 与旧城镇重复,联系电话13812345678,座机0870-2158276"
    out = mask_text(text)
    assert full not in out and "13812345678" not in out and "2158276" not in out
    assert mask_id(full) in out and "138****5678" in out and "0870-***8276" in out
    assert out.startswith("身份证号 ")


def test_scientific_notation_id_is_masked():
    assert "5.30629198005172E+17" not in mask_text("值 5.30629198005172E+17")


@pytest.mark.parametrize("value", [12, 3.5, "扎西镇", None, "2020-02-04"])
def test_ordinary_values_pass_unchanged(value):
    assert mask_value(value) == value


def test_mask_value_by_column_kind():
    assert mask_value("13812345678", "phone") == "138****5678"
    assert mask_value(pid(2), "id-number").count("*") == 8
    assert mask_value(530629198005172000, None) == "530629********2000"


def test_id_cell_in_scientific_notation_is_masked_like_free_text():
    assert mask_id("5.30629E+17") == "5.3****"
    assert mask_value("5.30629E+17", "id-number") == "5.3****"
