"""Staff sessions and login a secretariat can trust (issue 8 §3): no lockout by anyone, equal
work for unknown logins, an atomic throttle, logout and password change end every session, a
working-day lifetime, disabled accounts."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug import security

from app.core import auth
from app.core.auth import create_staff
from app.core.models import StaffUser

PASSWORD = "correct horse battery"


def _login(client, login, password=PASSWORD, address="192.0.2.10"):
    return client.post(
        "/console/login",
        data={"login": login, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def jimu(db, event):
    return create_staff("jimu", "事務局 太郎", "secretariat", PASSWORD)


def test_failures_from_elsewhere_never_lock_the_staff_member_out(app, client, db, jimu):
    attacker = app.test_client()
    for _ in range(25):
        _login(attacker, "jimu", "wrong", address="203.0.113.66")
    response = _login(attacker, "jimu", "wrong", address="203.0.113.66")
    assert response.status_code == 429
    assert "操作の回数が多すぎます" in response.get_data(as_text=True)
    # The real staff member, from the office, logs in at once.
    assert _login(client, "jimu", address="192.0.2.10").status_code == 302
    assert client.get("/console/").status_code == 200


def test_a_burst_of_parallel_attempts_gets_only_the_allowed_password_checks(
    app, db, jimu, monkeypatch
):
    checks = []
    real = StaffUser.check_password
    monkeypatch.setattr(
        StaffUser, "check_password", lambda self, pw: checks.append(1) or real(self, pw)
    )
    allowed = int(app.config["LOGIN_LIMITS"].split()[0])
    start = threading.Barrier(30)
    statuses = []

    def attempt():
        client = app.test_client()
        start.wait()
        with app.app_context():
            statuses.append(_login(client, "jimu", "wrong", address="203.0.113.7").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) == allowed
    assert statuses.count(429) == 30 - allowed


def test_unknown_and_known_logins_do_the_same_work(app, client, db, jimu, monkeypatch):
    hashes = []
    real = security.check_password_hash

    def counting(pwhash, password):
        hashes.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    monkeypatch.setattr(auth, "check_password_hash", counting)
    import app.core.models as models

    monkeypatch.setattr(models, "check_password_hash", counting)
    for login in ("jimu", "nobody"):
        hashes.clear()
        html = _login(client, login, "wrong").get_data(as_text=True)
        assert "ログインIDまたはパスワードが正しくありません。" in html
        assert len(hashes) == 1  # one hash check of the same method either way
        method = hashes[0]
    assert method == jimu.password_hash.split("$")[0]  # the same kind (and cost) of hash


def test_a_copied_cookie_stops_working_at_logout(app, client, db, jimu):
    _login(client, "jimu")
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/console/").status_code == 200
    client.post("/console/logout")
    assert client.get("/console/").status_code == 302
    assert thief.get("/console/").status_code == 302  # the copy ended with the logout


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, db, jimu):
    _login(client, "jimu")
    other = app.test_client()
    _login(other, "jimu", address="192.0.2.20")
    response = client.post(
        "/console/password",
        data={
            "current": PASSWORD,
            "new_password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200
    assert other.get("/console/").status_code == 302
    assert _login(app.test_client(), "jimu", PASSWORD).status_code == 200  # old one refused
    assert _login(app.test_client(), "jimu", "a new long passphrase").status_code == 302


def test_password_change_explains_each_refusal_next_to_its_field(client, db, jimu):
    _login(client, "jimu")
    cases = [
        (
            {"current": "wrong", "new_password": "x" * 12, "confirm": "x" * 12},
            "現在のパスワードが正しくありません。",
        ),
        (
            {"current": PASSWORD, "new_password": "short", "confirm": "short"},
            "パスワードは10文字以上にしてください。",
        ),
        (
            {"current": PASSWORD, "new_password": "x" * 12, "confirm": "y" * 12},
            "確認のパスワードが一致しません。",
        ),
    ]
    for data, message in cases:
        html = client.post("/console/password", data=data).get_data(as_text=True)
        assert message in html
    assert _login(client, "jimu").status_code == 302  # unchanged


def test_an_admin_disables_an_account_and_its_sessions_end(app, client, db, jimu, staff):
    user_client = app.test_client()
    _login(user_client, "jimu")
    admin = staff(client, "admin")
    assert "事務局 太郎" in admin.get("/console/staff").get_data(as_text=True)
    admin.post(f"/console/staff/{jimu.id}/active", data={"active": "0"})
    assert user_client.get("/console/").status_code == 302
    html = _login(app.test_client(), "jimu").get_data(as_text=True)
    assert "このアカウントは無効になっています" in html
    assert "アカウントの無効化" in admin.get("/console/audit").get_data(as_text=True)
    admin.post(f"/console/staff/{jimu.id}/active", data={"active": "1"})
    assert _login(app.test_client(), "jimu").status_code == 302


def test_only_an_admin_manages_accounts(client, db, staff, jimu):
    secretariat = staff(client, "secretariat")
    assert secretariat.get("/console/staff").status_code == 403
    assert (
        secretariat.post(f"/console/staff/{jimu.id}/active", data={"active": "0"}).status_code
        == 403
    )


def test_a_console_session_lasts_a_working_day(app, client, db, jimu, monkeypatch):
    assert app.permanent_session_lifetime.total_seconds() == 10 * 60 * 60
    began = time.time()
    monkeypatch.setattr(time, "time", lambda: began - 11 * 60 * 60)  # logged in 11 hours ago
    _login(client, "jimu")
    monkeypatch.setattr(time, "time", lambda: began)
    assert client.get("/console/").status_code == 302
