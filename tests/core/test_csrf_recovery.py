"""A lost session loses no typing (issue 9 §3): on a CSRF failure the same form comes back with
what was typed (never passwords or files), a fresh token and a Japanese explanation."""

import re

import pytest
from sqlalchemy import func, select

from app.registration.models import Registration, Team

pytestmark = pytest.mark.csrf
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _team_form(token=None):
    data = {
        "channel": "t2_tokyo",
        "team_municipality": "011002",
        "note": "車椅子で参加する者がいます",
        "consent": "y",
    }
    people = [
        ("札幌 太郎", "muni", "same", ""),
        ("札幌 花子", "kankei_dantai", "", "札幌市医師会"),
        ("札幌 次郎", "kankei_dantai", "", "札幌市歯科医師会"),
    ]
    for i, (name, category, municipality, organisation) in enumerate(people):
        data.update(
            {
                f"members-{i}-name": name,
                f"members-{i}-kana": "さっぽろ",
                f"members-{i}-email": f"m{i}@city.sapporo.example.jp",
                f"members-{i}-category": category,
                f"members-{i}-municipality": municipality,
                f"members-{i}-organisation": organisation,
                f"members-{i}-department": "保健福祉局",
                f"members-{i}-occupation": "事務職",
            }
        )
    if token:
        data["csrf_token"] = token
    return data


def test_the_team_form_comes_back_with_what_was_typed(app, db, event):
    client = app.test_client()
    client.get("/team/apply")  # the form was opened …
    client.delete_cookie("session")  # … and the session cookie is gone (expired, cleared)
    response = client.post("/team/apply", data=_team_form(token="stale-token"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "安全のため送信を受け付けませんでした" in html and "入力内容はそのまま残しています" in html
    )
    for typed in (
        "札幌 花子",
        "札幌市歯科医師会",
        "m2@city.sapporo.example.jp",
        "車椅子で参加する者がいます",
    ):
        assert typed in html, typed
    assert db.session.scalar(select(func.count()).select_from(Team)) == 0
    fresh = TOKEN.search(html).group(1)
    assert fresh != "stale-token"
    stored = client.post("/team/apply", data=_team_form(token=fresh))
    assert stored.status_code == 302
    assert db.session.scalars(select(Team)).one().size == 3


def test_back_and_send_again_still_keeps_the_typing(app, db, event):
    client = app.test_client()
    for _ in range(2):
        html = client.post("/team/apply", data=_team_form(token="old")).get_data(as_text=True)
        assert "札幌市歯科医師会" in html and "入力内容はそのまま残しています" in html


def test_a_password_is_never_sent_back(app, db):
    client = app.test_client()
    html = client.post(
        "/console/login", data={"login": "jimukyoku", "password": "secret-typed-here"}
    ).get_data(as_text=True)
    assert "jimukyoku" in html and "secret-typed-here" not in html
    assert "入力内容はそのまま残しています" in html


def test_a_button_without_a_token_explains_and_stores_nothing(app, db, event, make_registration):
    registration = make_registration("youtube")
    client = app.test_client()
    response = client.post(f"/r/{registration.token}/cancel")
    assert response.status_code == 400
    assert "安全のため送信を受け付けませんでした" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).is_active
