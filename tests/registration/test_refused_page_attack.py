"""Attacks on the short refusal page of the 研修会議Ⅰ form (満席, 受付終了, already registered):
each test here fails now and states what a participant would notice."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.registration.models import Registration
from tests.registration.test_refused_page import _forms, _full, _registrations
from tests.registration.test_views import _form


def test_sending_again_after_the_deadline_shows_the_first_result_not_a_closed_page(
    client, db, event, close_channel
):
    """Registered at 16:59, Back and 申し込む again after 17:00: the page says 締め切りました and
    offers YouTube, as if nothing had been stored, instead of the first result (the done page)."""
    typed = _form(_submission="K" * 32)
    first = client.post("/register", data=typed)
    assert first.status_code == 302
    close_channel(event.channel("webinar"))

    again = client.post("/register", data=typed)

    html = again.get_data(as_text=True)
    assert "締め切りました" not in html and "で申し込む" not in html
    assert again.status_code in (302, 303)
    assert again.headers["Location"].endswith(first.headers["Location"])
    assert _registrations(db) == 1


def test_an_address_already_registered_after_the_deadline_is_not_offered_youtube(
    client, db, event, make_registration, close_channel
):
    """Someone registered for the webinar sends the form again after its deadline: the page
    says 締め切りました and offers 「YouTube…で申し込む」 (which then answers 既にお申込み),
    instead of saying they are registered and offering their personal links."""
    make_registration("webinar", email="hanako.sato@pref.example.jp")
    close_channel(event.channel("webinar"))

    html = client.post("/register", data=_form()).get_data(as_text=True)

    buttons = [f["button"] for f in _forms(html)]
    assert "個人ページのURLを再送する" in buttons, buttons
    assert not [b for b in buttons if b.endswith("で申し込む")], buttons


@pytest.mark.parametrize(
    "typed",
    [
        {"municipality": ""},  # 都道府県担当者 who left 所属 at 「選択してください」
        {"category": "kankei_dantai", "municipality": "", "organisation": ""},
    ],
    ids=["no-municipality", "no-organisation"],
)
def test_every_one_click_offer_of_the_closed_page_registers(
    client, db, event, close_channel, typed
):
    """The webinar closed and 所属 left empty: the 受付終了 page shows an empty 所属 and a
    「YouTube…で申し込む」 button that does not register (it answers with the whole form and
    「所属…を選択/入力してください」); a missing answer should be told at its field first."""
    close_channel(event.channel("webinar"))

    html = client.post("/register", data=_form(**typed)).get_data(as_text=True)

    offers = [f for f in _forms(html) if f["button"].endswith("で申し込む")]
    for offer in offers:
        response = client.post("/register", data=MultiDict(offer["fields"]))
        assert response.status_code == 302, offer["button"]
    # Told what to fix: either no button that cannot succeed, or it registered.
    assert offers or ("所属" in html and "<select" in html)


@pytest.mark.csrf
def test_a_session_lost_on_the_full_page_keeps_the_ticked_waiting_list(
    app, db, event, make_registration
):
    """The 満席 page left open until the session cookie is gone, then 「YouTube…で申し込む」
    with キャンセル待ち ticked: the form comes back saying 入力内容はそのまま残しています but
    without the tick, and sending it registers on YouTube with no place on the waiting list."""
    _full(db, event, make_registration)
    browser = app.test_client()
    blank = browser.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', blank).group(1)
    refused = browser.post("/register", data=_form(csrf_token=token)).get_data(as_text=True)
    offer = _forms(refused)[0]
    assert ("join_waitlist", "y") in offer["fields"]

    browser = app.test_client()  # the session cookie is gone (browser restarted, cleared)
    again = browser.post("/register", data=MultiDict(offer["fields"]))
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert "入力内容はそのまま残しています" in page
    [form] = [f for f in _forms(page) if f["button"] == "申し込む"]
    response = browser.post("/register", data=MultiDict(form["fields"]))

    assert response.status_code == 302
    registration = db.session.scalars(
        select(Registration).where(Registration.email == "hanako.sato@pref.example.jp")
    ).one()
    assert registration.channel.code == "youtube"
    assert registration.open_waitlist_entry is not None
