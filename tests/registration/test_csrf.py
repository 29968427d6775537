"""With CSRF on (as in production): forms carry a token and a forged POST changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from app.registration.models import Registration

pytestmark = pytest.mark.csrf


def test_registration_needs_the_forms_token(client, db, event):
    data = {
        "channel": "youtube",
        "name": "鈴木 一郎",
        "kana": "すずき いちろう",
        "email": "ichiro@example.jp",
        "email_confirm": "ichiro@example.jp",
        "category": "other",
        "organisation": "大学",
        "department": "看護学部",
        "occupation": "教員",
        "consent": "y",
    }
    forged = client.post("/register", data=data)
    # The form comes back with what was typed and an explanation (issue 9 §3; was a bare 400)
    assert "安全のため送信を受け付けませんでした" in forged.get_data(as_text=True)
    assert 'value="鈴木 一郎"' in forged.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    page = client.get("/register").get_data(as_text=True)
    data["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/register", data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_personal_buttons_need_the_token(client, db, event, make_registration):
    registration = make_registration("youtube")
    assert client.post(f"/r/{registration.token}/cancel").status_code == 400
    assert db.session.get(Registration, registration.id).status == "active"
