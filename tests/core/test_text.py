"""Normalisation of what people type."""

import pytest

from app.core.text import (
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
