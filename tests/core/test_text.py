"""Normalisation of what people type."""

import pytest

from app.core.text import (
    neutralise_cell,
    normalise_email,
    normalise_phone,
    normalise_text,
    to_katakana,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｙａｍａｄａ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｊｐ", "yamada@city.example.jp"),
        (" Taro@Example.JP ", "taro@example.jp"),
    ],
)
def test_email_is_folded_for_duplicate_checks(raw, expected):
    assert normalise_email(raw) == expected


def test_kana_becomes_katakana_and_half_width_kana_full_width():
    assert to_katakana("やまだ　たろう") == "ヤマダ タロウ"
    assert to_katakana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダ タロウ"


def test_full_width_digits_and_dashes_in_phone_numbers():
    assert normalise_phone("０３－１２３４ー５６７８") == "03-1234-5678"
    assert normalise_text("  札幌市　　保健福祉局 ") == "札幌市 保健福祉局"


@pytest.mark.parametrize("value", ["=1+1", "+81", "-2", "@SUM(A1)", "\t=1"])
def test_formula_like_cells_are_neutralised(value):
    assert neutralise_cell(value) == "'" + value
    assert neutralise_cell("山田") == "山田"
    assert neutralise_cell(5) == 5
