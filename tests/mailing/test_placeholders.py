"""〔placeholders〕: pure, no app."""

from __future__ import annotations

import pytest

from app.mailing import placeholders
from app.mailing.placeholders import MISSING, PlaceholderError


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("〔氏名〕様", []),
        ("〔名前〕様 〔氏名〕", ["名前"]),
        ("〔URL〕〔URL〕〔会場名〕", ["URL", "会場名"]),
        ("〔〕", [""]),
        ("[氏名] {氏名} 【氏名】", []),  # other brackets are plain text
    ],
)
def test_unknown_marks_are_found_once_each(text, unknown):
    assert placeholders.unknown_marks(text) == unknown


def test_an_unknown_mark_is_refused_on_the_field_it_is_in_with_a_japanese_message():
    placeholders.check("〔氏名〕様", "〔個人ページURL〕")
    with pytest.raises(PlaceholderError) as subject:
        placeholders.check("〔しめきり〕のお知らせ", "本文")
    assert subject.value.field == "subject"
    assert (
        "〔しめきり〕" in subject.value.message and "使えない差し込み項目" in subject.value.message
    )
    with pytest.raises(PlaceholderError) as body:
        placeholders.check("ご案内", "〔氏名〕様\n〔ウェビナーurl〕")
    assert body.value.field == "body" and "〔ウェビナーurl〕" in body.value.message


def test_render_fills_each_known_mark_and_marks_a_missing_value():
    values = {"氏名": "山田 花子", "ウェビナーURL": "https://zoom.example/j/1", "締切": ""}
    text = "〔氏名〕様\n参加URL：〔ウェビナーURL〕\n締切：〔締切〕\n〔会場〕\n〔未知〕"
    assert placeholders.render(text, values) == (
        f"山田 花子様\n参加URL：https://zoom.example/j/1\n締切：{MISSING}\n{MISSING}\n〔未知〕"
    )


def test_every_placeholder_has_a_description_and_used_lists_them_in_order():
    assert all(placeholders.PLACEHOLDERS.values())
    assert placeholders.used("〔会場〕〔氏名〕〔会場〕〔x〕") == ["会場", "氏名"]


@pytest.mark.parametrize(
    "mark", ["〔YouTube URL〕", "〔ＹｏｕＴｕｂｅＵＲＬ〕", "〔 YouTubeURL 〕"]
)
def test_a_mark_is_recognised_whatever_its_width_and_spaces(mark):
    assert placeholders.unknown_marks(mark) == []
    assert placeholders.render(mark, {"YouTubeURL": "https://youtu.be/x"}) == "https://youtu.be/x"


def test_full_width_and_half_width_digits_name_the_same_deadline():
    values = {"資料３・４締切": "令和5年10月17日（火）17:00"}
    assert placeholders.render("〔資料3・4締切〕", values) == values["資料３・４締切"]
