"""Staff accounts and console sessions: login, role checks, logout everywhere, password change,
disabling an account.

A console session is the signed cookie plus the account's ``session_version`` it was issued
with (decisions.md: Staff sessions). Logout, a password change and disabling bump the version,
so every copy of an older cookie stops working at once. Failed logins change nothing in the
database: attempts are throttled per client address by the rate limiter (``core.views``), so
nobody can lock a staff member out.
"""

from __future__ import annotations

from functools import cache, wraps

from flask import abort, session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.models import StaffUser
from app.extensions import db, login_manager

SESSION_VERSION_KEY = "staff_session_version"
MIN_PASSWORD_LENGTH = 10

AUDIT_ACTIONS = audit.actions(
    {
        "staff.password": "パスワードの変更",
        "staff.disable": "アカウントの無効化",
        "staff.enable": "アカウントの有効化",
    }
)


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The session's staff member, or None when the account is disabled or the session was
    issued before the account's last logout or password change."""
    if not user_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.active:
        return None
    if session.get(SESSION_VERSION_KEY) != user.session_version:
        return None
    return user


def staff_required(*roles: str):
    """Login required; with roles, one of them (管理者 always passes)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and not current_user.can(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginError(Exception):
    def __init__(self, message: str, field: str | None = "password"):
        super().__init__(message)
        self.message = message
        self.field = field


@cache
def _unknown_login_hash() -> str:
    """A hash of the same kind as real ones, checked for unknown logins (equal work)."""
    return generate_password_hash("not-a-password-of-anyone")


def authenticate(login: str, password: str) -> StaffUser:
    """The account whose password this is; LoginError otherwise.

    Exactly one password-hash check whether or not the login exists, so the answer takes the
    same time; nothing is written (no failure counter an attacker could use to lock anyone out).
    """
    user = db.session.scalar(select(StaffUser).where(StaffUser.login == login))
    if user is None:
        check_password_hash(_unknown_login_hash(), password)
        raise LoginError("ログインIDまたはパスワードが正しくありません。")
    if not user.check_password(password):
        raise LoginError("ログインIDまたはパスワードが正しくありません。")
    if not user.active:
        raise LoginError("このアカウントは無効になっています。管理者にお問い合わせください。")
    return user


def start_session(user: StaffUser) -> None:
    """Log the user in for a working day (PERMANENT_SESSION_LIFETIME), bound to the account's
    current session version."""
    session.clear()
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version
    session.permanent = True


def end_all_sessions(user: StaffUser) -> None:
    """Logout: this and every other session of the account ends (commits)."""
    user.session_version += 1
    db.session.commit()
    logout_user()
    session.clear()


def check_new_password(password: str, confirm: str) -> None:
    """LoginError (on field ``new_password``) unless the new password is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LoginError(
            f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。", field="new_password"
        )
    if password != confirm:
        raise LoginError("確認のパスワードが一致しません。", field="confirm")


def change_password(user: StaffUser, current: str, new: str, confirm: str) -> None:
    """Change one's own password; every other session of the account ends, this one goes on
    (commits, audited)."""
    if not user.check_password(current):
        raise LoginError("現在のパスワードが正しくありません。", field="current")
    check_new_password(new, confirm)
    user.set_password(new)
    user.session_version += 1
    audit.record("staff.password", user.name)
    db.session.commit()
    session[SESSION_VERSION_KEY] = user.session_version


def set_active(user: StaffUser, active: bool, *, by: StaffUser) -> None:
    """管理者 disables or enables an account; disabling ends its sessions (commits, audited)."""
    if user.id == by.id and not active:
        raise LoginError("自分のアカウントは無効にできません。", field=None)
    user.active = active
    if not active:
        user.session_version += 1
    if active:
        audit.record("staff.enable", f"{user.name}（{user.login}）")
    else:
        audit.record("staff.disable", f"{user.name}（{user.login}）")
    db.session.commit()


def create_staff(login: str, name: str, role: str, password: str) -> StaffUser:
    """Create a staff account with a hashed password (commits)."""
    if role not in StaffUser.ROLES:
        raise ValueError(f"role must be one of {', '.join(StaffUser.ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。")
    user = StaffUser(login=login, name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
