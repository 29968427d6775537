"""The public answer form: channels, branching, required items, Japanese messages."""

from datetime import timedelta

import pytest

from app.core.jpdates import now_utc
from app.surveys.models import SurveyResponse
from tests.surveys.conftest import web_answer


def responses(db):
    return db.session.scalars(db.select(SurveyResponse)).all()


def test_form_shows_every_section_and_the_programme_rows(client, open_event):
    page = client.get("/survey/" + open_event.slug + "?ch=qr").text
    for text in (
        "参加者アンケート",
        "Ⅰ．ご所属等について",
        "Ⅱ．研修会議について",
        "Ⅲ．今後の研修会議に期待することについて",
        "問1.　研修会議の内容について",
        "行政説明（老健局）",
        "シンポジストによるディスカッション",
        "ミニレクチャー②",
        "23. その他（自由記載）",
        "～　御回答ありがとうございました　～",
        'name="ch" value="qr"',
    ):
        assert text in page, text


@pytest.mark.parametrize("channel", ["qr", "chat", "mail", "paper"])
def test_answer_is_stored_with_its_channel(client, db, open_event, channel):
    response = client.post(f"/survey/{open_event.slug}?ch={channel}", data=web_answer())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/survey/{open_event.slug}/thanks")
    (stored,) = responses(db)
    assert stored.channel == channel and stored.source == "web"
    assert stored.answers["F2"] == [4, 9] and stored.answers["Q2_months"] == [9, 10]
    assert stored.answers["Q1_1_1_c"] == 1 and stored.answers["Q1_2_5_t"] == 4
    assert "御回答ありがとうございました" in client.get(response.headers["Location"]).text


def test_short_url_leads_to_the_screen_qr_channel(client, open_event):
    response = client.get(f"/q/{open_event.slug}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/survey/{open_event.slug}?ch=qr")


def test_missing_f1_and_f3_are_shown_next_to_the_fields_and_nothing_stored(client, db, open_event):
    response = client.post(
        f"/survey/{open_event.slug}?ch=qr", data=web_answer(F1=None, F3=None, Q8="残る文章")
    )
    assert response.status_code == 422
    page = response.text
    assert '<p class="error" role="alert" id="err-F1">F1を選択してください。</p>' in page
    assert 'id="err-F3">F3を選択してください。' in page
    assert "残る文章" in page  # what was typed is kept
    assert responses(db) == []


def test_those_who_attended_only_training2_do_not_rate_training1(client, db, open_event):
    client.post(f"/survey/{open_event.slug}?ch=paper", data=web_answer(F3="3"))
    (stored,) = responses(db)
    assert not any(k.startswith("Q1_1") for k in stored.answers)
    assert stored.answers["Q1_2_5_c"] == 1


def test_closed_outside_the_answering_period(client, db, open_event):
    open_event.survey_closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/survey/{open_event.slug}?ch=qr", data=web_answer())
    assert response.status_code == 403
    assert "回答を受け付けていません" in response.text
    assert responses(db) == []


def test_unknown_event_is_404(client, open_event):
    assert client.get("/survey/no-such-event").status_code == 404


@pytest.mark.csrf
def test_csrf_is_required(client, db, open_event):
    response = client.post(f"/survey/{open_event.slug}?ch=qr", data=web_answer())
    assert response.status_code == 400  # refused by CSRFProtect, nothing stored
    assert responses(db) == []
