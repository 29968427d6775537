"""Staff accounts and console sessions: login, role checks, logout everywhere, password change,
disabling an account; creating accounts, changing a role and one-time password-reset links
(issue 10 §3).

A console session is the signed cookie plus the account's ``session_version`` it was issued
with (decisions.md: Staff sessions). Logout, a password change and disabling bump the version,
so every copy of an older cookie stops working at once. Failed logins change nothing in the
database: attempts are throttled per client address by the rate limiter (``core.views``), so
nobody can lock a staff member out.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from functools import cache, wraps

from flask import abort, session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import StaffUser
from app.core.tokens import new_token
from app.extensions import db, login_manager

SESSION_VERSION_KEY = "staff_session_version"
MIN_PASSWORD_LENGTH = 10
# A password-reset (or first-password) link works once, for this long.
RESET_LINK_HOURS = 24
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,100}$")

AUDIT_ACTIONS = audit.actions(
    {
        "staff.password": "パスワードの変更",
        "staff.disable": "アカウントの無効化",
        "staff.enable": "アカウントの有効化",
        "staff.create": "アカウントの作成",
        "staff.role": "役割の変更",
        "staff.reset_link": "パスワード再設定リンクの発行",
        "staff.reset_done": "パスワードの再設定",
    }
)


class PasswordReset(db.Model):
    """A one-time link to set an account's password: only the SHA-256 of the link's token is
    stored, so a copy of the database opens no account. Used once, within ``expires_at``."""

    __tablename__ = "staff_password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    staff: Mapped[StaffUser] = relationship()


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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_link(user: StaffUser) -> str:
    """A new one-time token for ``user``; earlier unused links of the account stop working
    (the caller commits)."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.staff_id == user.id))
    token = new_token()
    db.session.add(
        PasswordReset(
            staff_id=user.id,
            token_hash=_token_hash(token),
            expires_at=now_utc() + timedelta(hours=RESET_LINK_HOURS),
        )
    )
    return token


def create_account(login: str, name: str, role: str) -> tuple[StaffUser, str]:
    """管理者 creates an account with a role (管理者・事務局・分析担当); nobody knows its
    password until the person sets one through the returned one-time token
    (``RESET_LINK_HOURS``). Commits, audited. LoginError on ``login``, ``name`` or ``role``."""
    login, name = login.strip(), name.strip()
    if not LOGIN_PATTERN.match(login):
        raise LoginError(
            "ログインIDは半角英数字と . _ - の3～100文字で入力してください。", field="login"
        )
    if db.session.scalar(select(StaffUser.id).where(StaffUser.login == login)):
        raise LoginError("このログインIDは既に使われています。", field="login")
    if not name:
        raise LoginError("氏名を入力してください。", field="name")
    if role not in StaffUser.ROLES:
        raise LoginError("役割を選んでください。", field="role")
    user = StaffUser(login=login, name=name, role=role)
    user.set_password(new_token())  # nobody's: the person sets theirs through the link
    db.session.add(user)
    db.session.flush()
    token = _issue_link(user)
    audit.record("staff.create", f"{name}（{login}）", f"役割：{user.role_label}")
    db.session.commit()
    return user, token


def set_role(user: StaffUser, role: str, *, by: StaffUser) -> None:
    """管理者 changes an account's role; not one's own (so that 管理者 is never left without
    one). Its sessions end so that the new role applies at once (commits, audited)."""
    if role not in StaffUser.ROLES:
        raise LoginError("役割を選んでください。", field="role")
    if user.id == by.id:
        raise LoginError("自分の役割は変更できません。", field=None)
    if user.role == role:
        return
    old = user.role_label
    user.role = role
    user.session_version += 1
    audit.record("staff.role", f"{user.name}（{user.login}）", f"{old} → {user.role_label}")
    db.session.commit()


def issue_password_reset(user: StaffUser) -> str:
    """管理者 issues a one-time password-reset link for an account (the token of
    ``/staff/reset/<token>``, valid ``RESET_LINK_HOURS``); the password is never sent or
    shown. Commits, audited."""
    token = _issue_link(user)
    audit.record("staff.reset_link", f"{user.name}（{user.login}）")
    db.session.commit()
    return token


def password_reset_of(token: str) -> PasswordReset | None:
    """The live reset of this token (unexpired, account active), else None."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )
    if reset is None or reset.expires_at <= now_utc() or not reset.staff.active:
        return None
    return reset


def reset_password(reset: PasswordReset, new: str, confirm: str) -> StaffUser:
    """Set the password through a reset link: the link is used up and every session of the
    account ends (commits, audited). LoginError on ``new_password`` / ``confirm``."""
    check_new_password(new, confirm)
    user = reset.staff
    user.set_password(new)
    user.session_version += 1
    db.session.delete(reset)
    audit.record("staff.reset_done", f"{user.name}（{user.login}）")
    db.session.commit()
    return user


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
