"""Staff login: role checks and throttling of repeated failures."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.jpdates import now_utc
from app.core.models import StaffUser
from app.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id))


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
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def authenticate(login: str, password: str) -> StaffUser:
    """Check a password; after LOGIN_MAX_FAILURES failures the account is locked for a while.

    Commits the failure count (and the reset on success).
    """
    user = db.session.scalar(select(StaffUser).where(StaffUser.login == login))
    now = now_utc()
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginError(
            "ログインに続けて失敗したため、しばらくログインできません。時間をおいてお試しください。"
        )
    if user is None or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(
                    minutes=current_app.config["LOGIN_LOCK_MINUTES"]
                )
                user.failed_logins = 0
            db.session.commit()
        raise LoginError("ログインIDまたはパスワードが正しくありません。")
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def create_staff(login: str, name: str, role: str, password: str) -> StaffUser:
    """Create a staff account with a hashed password (commits)."""
    if role not in StaffUser.ROLES:
        raise ValueError(f"role must be one of {', '.join(StaffUser.ROLES)}")
    if len(password) < 10:
        raise ValueError("パスワードは10文字以上にしてください。")
    user = StaffUser(login=login, name=name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
