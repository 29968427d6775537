"""Every submit is idempotent (issue 9 §2): a form sent twice with its one-time submission key
stores once, and the repeat is shown the first result."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.core.models import AuditLog, OutboxMessage
from app.registration.models import Registration, Team
from tests.surveys.conftest import web_answer

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
KEY = re.compile(r'name="_submission" value="([^"]+)"')


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _key(html: str) -> str:
    keys = KEY.findall(html)
    assert keys, "the form carries no submission key"
    return keys[0]


def _registration_form(key, **overrides):
    data = {
        "_submission": key,
        "channel": "webinar",
        "name": "佐藤 花子",
        "kana": "さとう はなこ",
        "email": "hanako.sato@pref.example.jp",
        "email_confirm": "hanako.sato@pref.example.jp",
        "category": "pref",
        "municipality": "130001",
        "department": "福祉保健局",
        "occupation": "保健師",
        "consent": "y",
    }
    data.update(overrides)
    return data


def test_a_registration_sent_twice_stores_once_and_shows_the_first_result(client, db, event):
    key = _key(client.get("/register").get_data(as_text=True))
    first = client.post("/register", data=_registration_form(key))
    second = client.post("/register", data=_registration_form(key))
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "このメールアドレスでは既に" not in page and "佐藤 花子" in page
    assert _count(db, Registration) == 1 and _count(db, OutboxMessage) == 1


def test_each_rendering_has_a_new_key_and_a_refused_form_frees_its_key(client, db, event):
    keys = {_key(client.get("/register").get_data(as_text=True)) for _ in range(3)}
    assert len(keys) == 3
    key = keys.pop()
    refused = client.post("/register", data=_registration_form(key, department=""))
    assert refused.status_code == 200 and "部署名を入力してください" in refused.get_data(
        as_text=True
    )
    assert client.post("/register", data=_registration_form(key)).status_code == 302
    assert _count(db, Registration) == 1


def test_a_personal_button_pressed_twice_shows_the_first_message(
    client, db, event, make_registration
):
    registration = make_registration("youtube")
    key = _key(client.get(f"/r/{registration.token}").get_data(as_text=True))
    client.post(f"/r/{registration.token}/cancel", data={"_submission": key})
    again = client.post(
        f"/r/{registration.token}/cancel", data={"_submission": key}, follow_redirects=True
    )
    html = again.get_data(as_text=True)
    assert "お申込みを取り消しました。" in html and "既に取り消されています" not in html
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "cancel")).all()
    assert len(mails) == 1


def test_a_team_edit_sent_twice_mails_once(client, db, event, make_team):
    team = make_team(size=2)
    rep = team.representative
    html = client.get(f"/t/{rep.token}/edit").get_data(as_text=True)
    data = {"_submission": _key(html), "channel": "t2_tokyo", "team_municipality": "011002"}
    data.update({"note": "駐車場を利用します", "consent": "y"})
    for i, m in enumerate(team.active_members):
        for field in (
            "name",
            "kana",
            "email",
            "category",
            "organisation",
            "department",
            "occupation",
        ):
            data[f"members-{i}-{field}"] = getattr(m, field)
        data[f"members-{i}-municipality"] = "same" if i == 0 else ""
    mails = _count(db, OutboxMessage)
    assert client.post(f"/t/{rep.token}/edit", data=data).status_code == 302
    assert client.post(f"/t/{rep.token}/edit", data=data).status_code == 303
    assert _count(db, OutboxMessage) == mails + 2  # one per member, once
    assert _count(db, Team) == 1


def test_a_console_mail_action_sent_twice_queues_once(client, staff, db, event, make_registration):
    registration = make_registration("youtube")
    message = db.session.scalars(select(OutboxMessage)).one()
    message.status = "failed"
    db.session.commit()
    staff(client)
    html = client.get(f"/console/registrations/{registration.id}").get_data(as_text=True)
    key = _key(html)
    for _ in range(2):
        client.post(f"/console/outbox/{message.id}/resend", data={"_submission": key})
    assert _count(db, AuditLog) == 1


@pytest.mark.csrf
def test_the_questionnaire_sent_twice_stores_one_answer(client, db, event):
    from app.surveys.models import SurveyResponse

    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    url = f"/survey/{event.slug}?ch=qr"
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    data = web_answer(_submission=_key(html), csrf_token=token.group(1))
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert _count(db, SurveyResponse) == 1


def test_every_post_form_of_every_template_carries_a_key():
    """A sweep of every template: a POST form renders csrf_field() (or the csrf macro, or a
    BaseForm's csrf_token), each of which renders the submission key."""
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", text, re.S | re.I):
            body = match.group(1)
            if not re.search(r"csrf_field\(\)|csrf\(|csrf_token\(\)", body):
                missing.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}")
    assert not missing, missing


def test_a_second_click_while_the_first_is_held_ends_on_the_first_result(
    app, live_server, db, event, monkeypatch
):
    """The slow line of issue 9 §2: the first POST is still being processed (held 1.5 s) when
    the second click sends it again; the person ends on the result page, one row, one mail."""
    import threading
    import time

    import requests

    from app.registration.services import seats

    monkeypatch.setattr(seats, "_after_count_hook", lambda: time.sleep(1.5))
    web = requests.Session()
    key = _key(web.get(f"{live_server}/register").text)
    results = {}

    def send(name, delay):
        time.sleep(delay)
        results[name] = web.post(f"{live_server}/register", data=_registration_form(key))

    clicks = [
        threading.Thread(target=send, args=(n, d)) for n, d in (("first", 0), ("second", 0.4))
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    first, second = results["first"], results["second"]
    assert first.url == second.url and "/done" in second.url
    assert "このメールアドレスでは既に" not in second.text and "佐藤 花子" in second.text
    db.session.rollback()
    assert _count(db, Registration) == 1 and _count(db, OutboxMessage) == 1
