"""The municipality master: counts, check digits, picker order and search."""

import pytest

from app.core import municipalities
from app.core.municipalities import MasterDataError, check_digit, is_valid_code, read_master


def test_master_has_47_prefectures_and_1741_municipalities_with_valid_check_digits():
    rows = read_master()
    assert sum(1 for r in rows if r.city is None) == 47
    assert sum(1 for r in rows if r.city) == 1741
    assert all(is_valid_code(r.code) for r in rows)


@pytest.mark.parametrize(
    ("code5", "digit"), [("01100", 2), ("13101", 6), ("27100", 4), ("01000", 6)]
)
def test_check_digit(code5, digit):
    assert check_digit(code5) == digit


def test_a_wrong_check_digit_refuses_the_whole_file(tmp_path):
    source = read_master()
    path = tmp_path / "m.csv"
    lines = ["code,prefecture,city,prefecture_kana,city_kana"]
    for r in source:
        code = r.code if r.code != "011002" else "011003"
        lines.append(
            f"{code},{r.prefecture},{r.city or ''},{r.prefecture_kana},{r.city_kana or ''}"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(MasterDataError, match="011003"):
        read_master(path)


def test_picker_lists_prefectures_in_code_order_each_followed_by_its_municipalities(app):
    groups = municipalities.grouped_choices()
    assert [name for name, _ in groups][:3] == ["北海道", "青森県", "岩手県"]
    assert len(groups) == 47
    hokkaido = groups[0][1]
    assert hokkaido[0] == ("010006", "北海道（都道府県）")
    assert hokkaido[1] == ("011002", "北海道 札幌市")
    assert sum(len(rows) for _, rows in groups) == 47 + 1741


def test_search_by_name_or_hiragana_reading(app):
    assert [m.code for m in municipalities.search("さっぽろ")][:1] == ["011002"]
    assert "131016" in [m.code for m in municipalities.search("千代田")]
    assert {m.prefecture_code for m in municipalities.search("中央区", prefecture_code="13")} == {
        "13"
    }


def test_search_api_serves_the_picker(client):
    rows = client.get("/api/municipalities?q=いなぎ").get_json()
    assert rows[0]["name"] == "東京都稲城市"
