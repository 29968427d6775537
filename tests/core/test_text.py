"""Normalisation of what people type."""

import pytest

from app.core.text import (
    as_typed,
    matching_key,
    normalise_email,
    normalise_phone,
    normalise_text,
    search_key,
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
    # the space as typed (issue 9 §5: a full-width space is displayed as typed)
    assert to_katakana("やまだ　たろう") == "ヤマダ　タロウ"
    assert to_katakana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダ タロウ"


def test_full_width_digits_and_dashes_in_phone_numbers():
    assert normalise_phone("０３－１２３４ー５６７８") == "03-1234-5678"
    assert normalise_text("  札幌市　　保健福祉局 ") == "札幌市 保健福祉局"


def test_names_are_kept_as_typed():
    # 塚 U+FA10 (a CJK compatibility ideograph chosen on purpose) is not NFKC'd to U+585A
    assert as_typed(" \ufa10本　神 一郎（架空） ") == "\ufa10本　神 一郎（架空）"
    assert as_typed("ｻﾄｳ ﾊﾅｺ") == "サトウ ハナコ"  # half-width kana only become full-width
    assert as_typed("第１課") == "第１課"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("村上　麻衣", "村上 麻衣"),
        ("佐藤花子", "佐藤 花子"),
        ("さとう", "サトウ ハナコ"),
        ("ｻﾄｳ", "さとう はなこ"),
        ("\ufa10本", "塚本 神 一郎"),
        ("鎌ヶ谷", "千葉県鎌ケ谷市"),
        ("鎌が谷", "千葉県鎌ケ谷市"),
        ("茅ケ崎", "神奈川県茅ヶ崎市"),
        ("関が原", "岐阜県関ケ原町"),
        ("ＹＡＭＡＤＡ＠", "yamada@city.example.jp"),
        ("(架空)", "山田（架空）"),
    ],
)
def test_one_matching_key_for_people_and_places(typed, stored):
    assert matching_key(typed) in matching_key(stored)


def test_a_search_key_never_matches_across_two_fields():
    assert matching_key("太郎ヤマダ") not in search_key("山田 太郎", "ヤマダ")
