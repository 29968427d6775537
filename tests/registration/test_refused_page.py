"""The refusals of the 研修会議Ⅰ form by the seats, the deadline or an earlier registration
(issue 12): a short page with the answers as typed; one button per channel that can still take
them (満席, 受付終了) or one that sends the personal page's links again (the e-mail already
registered); and 「入力内容を修正する」 for the whole form."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.core.models import OutboxMessage
from app.registration.models import Registration
from tests.registration.test_views import _form

NONE_LEFT = "現在、ほかにお申込みいただける参加方法はありません。"


def _full(db, event, make_registration):
    make_registration("webinar")
    event.channel("webinar").capacity = 1
    db.session.commit()


class _Page(HTMLParser):
    """What a browser would post from each <form> of a page: hidden inputs, text inputs, the
    checked radios and boxes, the selected options; and the text of the form's button."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._in_button = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "fields": [], "button": ""}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind != "submit" and a.get("name"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"].append((self._select, a.get("value", "")))
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._in_button and self._form is not None:
            self._form["button"] += data.strip()


def _forms(html: str) -> list[dict]:
    page = _Page()
    page.feed(html)
    return page.forms


def _data(form: dict) -> dict[str, str]:
    """What one form of ``_forms`` posts, by name (each name once on these pages)."""
    return dict(form["fields"])


def _registrations(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_the_full_page_is_short_and_shows_what_was_typed(client, db, event, make_registration):
    _full(db, event, make_registration)
    html = client.post("/register", data=_form(phone="03-1111-2222")).get_data(as_text=True)

    assert "ウェビナー参加は定員（1名）に達しました。" in html
    assert "申込者多数のため、YouTubeライブ配信による参加をご案内しています。" in html
    for typed in (
        "佐藤 花子（さとう はなこ）",
        "hanako.sato@pref.example.jp",
        "03-1111-2222",
        "都道府県（及び保健所）担当者",
        "東京都",
        "福祉保健局 高齢社会対策部",
        "保健師",
    ):
        assert typed in html, typed
    # Not the 100 KB form: no 所属 picker, a few kilobytes to read on a phone.
    assert "<select" not in html and "<option" not in html
    assert len(html.encode()) < 12_000, len(html.encode())
    buttons = [f["button"] for f in _forms(html)]
    assert buttons == ["YouTubeライブ配信による参加で申し込む", "入力内容を修正する"]
    assert _registrations(db) == 1


def test_one_click_registers_on_youtube_with_the_answers_and_the_waiting_list(
    client, db, event, make_registration
):
    _full(db, event, make_registration)
    offer = _data(_forms(client.post("/register", data=_form()).get_data(as_text=True))[0])
    assert offer["channel"] == "youtube" and offer["join_waitlist"] == "y"
    response = client.post("/register", data=offer)

    assert response.status_code == 302
    registration = db.session.scalars(
        select(Registration).where(Registration.name == "佐藤 花子")
    ).one()
    assert (registration.channel.code, registration.municipality_code) == ("youtube", "130001")
    assert registration.department == "福祉保健局 高齢社会対策部"
    assert registration.open_waitlist_entry.status == "waiting"


def test_correcting_shows_the_whole_form_as_typed_and_changes_nothing(
    client, db, event, make_registration
):
    _full(db, event, make_registration)
    typed = _form(municipality="011002", occupation="社会福祉士")
    correct = _forms(client.post("/register", data=typed).get_data(as_text=True))[-1]
    assert correct["button"] == "入力内容を修正する"
    html = client.post("/register", data=_data(correct)).get_data(as_text=True)

    assert '<option selected value="011002">北海道 札幌市</option>' in html
    assert 'value="社会福祉士"' in html and 'value="佐藤 花子"' in html
    assert re.search(r'<input checked [^>]*name="channel" [^>]*value="webinar"', html)
    assert "入力内容を確認してください" not in html  # no error shown: nothing was refused
    assert _registrations(db) == 1
    # From there the person chooses YouTube and sends the whole form.
    response = client.post("/register", data=dict(typed, channel="youtube"))
    assert response.status_code == 302 and _registrations(db) == 2


def _youtube_closed(db, event, close_channel):
    close_channel(event.channel("youtube"))


def _youtube_capped_and_full(db, event, close_channel):
    event.channel("youtube").capacity = 0
    db.session.commit()


def _youtube_not_for_prefectures(db, event, close_channel):
    event.channel("youtube").eligible_categories = ["muni"]
    db.session.commit()


@pytest.mark.parametrize(
    "setting", [_youtube_closed, _youtube_capped_and_full, _youtube_not_for_prefectures]
)
def test_only_a_channel_that_can_take_the_person_is_offered(
    client, db, event, make_registration, close_channel, setting
):
    _full(db, event, make_registration)
    setting(db, event, close_channel)
    html = client.post("/register", data=_form()).get_data(as_text=True)

    assert NONE_LEFT in html and "で申し込む" not in html
    assert [f["button"] for f in _forms(html)] == ["入力内容を修正する"]


def test_a_capped_channel_with_a_seat_left_is_offered(client, db, event, make_registration):
    _full(db, event, make_registration)
    event.channel("youtube").capacity = 5
    db.session.commit()
    html = client.post("/register", data=_form()).get_data(as_text=True)
    assert NONE_LEFT not in html
    assert "YouTubeライブ配信による参加で申し込む" in html


def test_a_closed_webinar_offers_youtube_without_the_waiting_list(client, db, event, close_channel):
    close_channel(event.channel("webinar"))
    html = client.post("/register", data=_form()).get_data(as_text=True)

    assert "ウェビナー参加の申込受付は締め切りました。" in html
    assert "YouTubeライブ配信による参加でしたら、入力いただいた内容のまま" in html
    assert "<select" not in html and "キャンセル待ち" not in html
    offer = _forms(html)[0]
    assert offer["button"] == "YouTubeライブ配信による参加で申し込む"
    assert client.post("/register", data=_data(offer)).status_code == 302
    registration = db.session.scalars(select(Registration)).one()
    assert registration.channel.code == "youtube" and registration.open_waitlist_entry is None


def test_youtube_with_the_waiting_list_of_a_closed_webinar_is_offered_youtube_alone(
    client, db, event, close_channel
):
    """The deadline refused is the webinar's (its waiting list), not the YouTube chosen."""
    close_channel(event.channel("webinar"))
    html = client.post("/register", data=_form(channel="youtube", join_waitlist="y")).get_data(
        as_text=True
    )
    assert "ウェビナー参加の申込受付は締め切りました。" in html
    offer, _correct = (_data(f) for f in _forms(html))
    assert offer["channel"] == "youtube" and "join_waitlist" not in offer
    assert client.post("/register", data=offer).status_code == 302
    assert _registrations(db) == 1


def test_an_address_already_registered_gets_its_links_again_in_one_click(
    client, db, event, make_registration
):
    make_registration("youtube", email="hanako.sato@pref.example.jp")
    html = client.post("/register", data=_form()).get_data(as_text=True)

    assert "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。" in html
    assert "<select" not in html and "で申し込む" not in html
    resend, correct = _forms(html)
    assert resend["button"] == "個人ページのURLを再送する" and resend["action"] == "/resend-link"
    assert _data(resend)["email"] == "hanako.sato@pref.example.jp"  # and nothing else typed
    assert set(_data(resend)) - {"csrf_token", "_submission"} == {"email"}
    assert client.post("/resend-link", data=_data(resend)).status_code == 302
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    registration = db.session.scalars(select(Registration)).one()
    assert mail.to_addr == "hanako.sato@pref.example.jp" and f"/r/{registration.token}" in mail.body
    # A typo in the address: 「入力内容を修正する」 gives the whole form to change it.
    assert correct["button"] == "入力内容を修正する"
    page = client.post("/register", data=_data(correct)).get_data(as_text=True)
    assert 'value="hanako.sato@pref.example.jp"' in page and "<select" in page
    assert _registrations(db) == 1


def test_a_refusal_by_what_was_typed_still_shows_the_form_with_the_message_at_its_field(
    client, db, event
):
    """Not eligible for the webinar is the person's choice against their 参加区分: the form."""
    html = client.post("/register", data=_form(category="other", category_other="大学")).get_data(
        as_text=True
    )
    assert "ウェビナー参加は" in html and "のみお申込みいただけます" in html
    assert "<select" in html and "入力内容を確認してください" in html
    assert _registrations(db) == 0


def test_while_the_webinar_is_full_the_form_itself_offers_its_waiting_list(
    client, db, event, make_registration
):
    """The box is on the whole form only while the webinar is full; ticked with YouTube it
    queues the person, so a tick sent from the 満席 page survives the form shown again."""
    assert "join_waitlist" not in client.get("/register").get_data(as_text=True)
    _full(db, event, make_registration)
    page = client.get("/register").get_data(as_text=True)
    assert "ウェビナー参加が満席のため、YouTubeライブ配信による参加でお申し込みの方" in page
    response = client.post("/register", data=_form(channel="youtube", join_waitlist="y"))
    assert response.status_code == 302
    registration = db.session.scalars(
        select(Registration).where(Registration.name == "佐藤 花子")
    ).one()
    assert registration.open_waitlist_entry.status == "waiting"
