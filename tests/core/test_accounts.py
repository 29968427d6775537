"""Staff accounts in the console (issue 10 §3): 管理者 creates an account with a role, changes a
role, and issues a one-time password-reset link (stored hashed, with an expiry); every step is
audited and read back as a person would."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.auth import PasswordReset, _token_hash
from app.core.models import AuditLog, StaffUser


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _link(response) -> str:
    match = re.search(r"http://localhost(/staff/reset/[\w-]+)", response.get_data(as_text=True))
    assert match, _text(response)
    return match[1]


def _actions(db) -> list[str]:
    return [a for a in db.session.scalars(select(AuditLog.action).order_by(AuditLog.id))]


def _login(app, login, password):
    other = app.test_client()
    return other, other.post("/console/login", data={"login": login, "password": password})


def test_admin_creates_an_account_whose_owner_sets_the_password_through_a_one_time_link(
    app, client, db, staff
):
    staff(client, "admin")
    page = client.get("/console/staff").get_data(as_text=True)
    assert '<option selected value="secretariat">事務局</option>' in page
    response = client.post(
        "/console/staff/new", data={"name": "分析 一郎", "login": "analyst1", "role": "analyst"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response)
    assert "アカウントを作成しました" in text and "役割：分析担当" in text
    assert "有効期限は24時間です" in text
    path = _link(response)
    token = path.rsplit("/", 1)[1]
    # Only the hash is stored.
    stored = db.session.scalar(select(PasswordReset.token_hash))
    assert stored == _token_hash(token) and token not in stored
    # Nobody can log in before the password is set.
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert "分析 一郎さん（ログインID：analyst1）" in _text(page)
    text = _text(anonymous.post(path, data={"new_password": "short", "confirm": "short"}))
    assert "パスワードは10文字以上にしてください。" in text
    response = anonymous.post(
        path, data={"new_password": "a long new secret", "confirm": "a long new secret"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/login")
    # The link is used up.
    again = anonymous.get(path)
    assert again.status_code == 404
    assert "このリンクは使えません" in _text(again)
    other, response = _login(app, "analyst1", "a long new secret")
    assert response.status_code == 302
    assert "分析 一郎（分析担当）" in _text(other.get("/console/password"))
    assert other.get("/console/staff").status_code == 403
    assert {"staff.create", "staff.reset_done"} <= set(_actions(db))


def test_create_refuses_a_taken_login_and_an_unknown_role_in_japanese(client, db, staff):
    staff(client, "admin")
    client.post("/console/staff/new", data={"name": "甲", "login": "taken", "role": "secretariat"})
    response = client.post(
        "/console/staff/new", data={"name": "乙", "login": "taken", "role": "secretariat"}
    )
    assert response.status_code == 422
    assert "このログインIDは既に使われています。" in _text(response)
    response = client.post(
        "/console/staff/new", data={"name": "丙", "login": "hei", "role": "root"}
    )
    assert response.status_code == 422
    assert "hei" not in [a.login for a in db.session.scalars(select(StaffUser))]
    response = client.post(
        "/console/staff/new", data={"name": "丁", "login": "日本語", "role": "analyst"}
    )
    assert "ログインIDは半角英数字と . _ - の3～100文字で入力してください。" in _text(response)
    assert db.session.scalar(select(StaffUser).where(StaffUser.login == "hei")) is None


def test_admin_changes_a_role_which_ends_the_sessions_of_that_account(app, client, db, staff):
    staff(client, "admin")
    other = staff(app.test_client(), "secretariat")
    user = db.session.scalar(select(StaffUser).where(StaffUser.role == "secretariat"))
    assert other.get("/console/events/").status_code == 200
    response = client.post(f"/console/staff/{user.id}/role", data={"role": "analyst"})
    assert response.status_code == 302
    assert f"{user.name}さんの役割を分析担当にしました。" in _text(client.get("/console/staff"))
    db.session.refresh(user)
    assert user.role == "analyst"
    assert other.get("/console/events/").status_code == 302  # logged out
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.role"))
    assert entry.detail == "事務局 → 分析担当"
    me = db.session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    client.post(f"/console/staff/{me.id}/role", data={"role": "analyst"})
    assert "自分の役割は変更できません。" in _text(client.get("/console/staff"))
    db.session.refresh(me)
    assert me.role == "admin"


def test_password_reset_link_replaces_the_old_one_expires_and_ends_sessions(
    app, client, db, staff, event
):
    staff(client, "admin")
    other = staff(app.test_client(), "secretariat")
    user = db.session.scalar(select(StaffUser).where(StaffUser.role == "secretariat"))
    first = _link(client.post(f"/console/staff/{user.id}/reset"))
    second_response = client.post(f"/console/staff/{user.id}/reset")
    assert "パスワード再設定リンクを発行しました" in _text(second_response)
    second = _link(second_response)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 404  # replaced
    assert anonymous.get(second).status_code == 200
    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = reset.expires_at - timedelta(hours=25)
    db.session.commit()
    assert anonymous.get(second).status_code == 404  # expired
    third = _link(client.post(f"/console/staff/{user.id}/reset"))
    anonymous.post(third, data={"new_password": "brand new secret", "confirm": "brand new secret"})
    assert other.get("/console/").status_code == 302  # the old session ended
    assert _login(app, user.login, "brand new secret")[1].status_code == 302
    assert _actions(db).count("staff.reset_link") == 3
    assert "パスワード再設定リンクの発行" in _text(client.get("/console/audit"))


def test_only_an_admin_manages_accounts(app, client, db, staff):
    staff(client, "secretariat")
    user = db.session.scalar(select(StaffUser))
    assert (
        client.post(
            "/console/staff/new", data={"name": "x", "login": "xyz", "role": "admin"}
        ).status_code
        == 403
    )
    assert client.post(f"/console/staff/{user.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/console/staff/{user.id}/reset").status_code == 403
