"""Shared infrastructure rows: the municipality master, staff accounts, the audit log and the
mail outbox. The event itself lives in ``app.events.models``."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.preview import TestMarked
from app.extensions import db


class Municipality(db.Model):
    """都道府県 or 市区町村 from the 全国地方公共団体コード list (6 digits with check digit)."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    prefecture_code: Mapped[str] = mapped_column(String(2), index=True)
    prefecture: Mapped[str] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(50))
    prefecture_kana: Mapped[str] = mapped_column(String(50))
    city_kana: Mapped[str | None] = mapped_column(String(100))

    @property
    def is_prefecture(self) -> bool:
        return not self.city

    @property
    def name(self) -> str:
        """北海道 for a prefecture, 札幌市 for a municipality."""
        return self.city or self.prefecture

    @property
    def full_name(self) -> str:
        """北海道札幌市."""
        return self.prefecture + (self.city or "")


class StaffUser(UserMixin, db.Model):
    """A secretariat account. Roles: admin 管理者, secretariat 事務局, analyst 分析担当."""

    __tablename__ = "staff_user"

    ROLES = {"admin": "管理者", "secretariat": "事務局", "analyst": "分析担当"}

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    # Bumped by logout, a password change and disabling: every session signed with an older
    # version ends (the console's cookie carries the version it was issued with).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return self.ROLES.get(self.role, self.role)

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses a disabled account (管理者 can disable one)."""
        return self.active

    def can(self, *roles: str) -> bool:
        """True when the user has one of the roles (管理者 can do everything)."""
        return self.role == "admin" or self.role in roles


class AuditLog(TestMarked, db.Model):
    """Every console action, who did it, and what it changed."""

    __tablename__ = "audit_log"
    TEST_LABEL = "操作記録"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    staff: Mapped[StaffUser | None] = relationship()


class OutboxMessage(TestMarked, db.Model):
    """A mail, written in the same transaction as the change it reports, sent later."""

    __tablename__ = "outbox_message"
    TEST_LABEL = "メール（送信せず保留）"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40), default="")
    # Indexed: a person's mails are looked up by address (registration detail, outbox search).
    to_addr: Mapped[str] = mapped_column(String(300), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # pending → sending (claimed) → sent; logged: printed only (no SMTP configured);
    # failed: gave up after MAIL_MAX_ATTEMPTS (kept, can be resent).
    STATUSES = {
        "pending": "送信待ち",
        "sending": "送信中",
        "sent": "送信済",
        "logged": "ログ出力のみ（SMTP未設定）",
        "failed": "送信失敗",
    }
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]


class OutboxAttachment(db.Model):
    """A file attached to an outbox mail (e.g. the questionnaire Excel sheet, a QR code)."""

    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


class SubmissionKey(db.Model):
    """A one-time submission key of a POST form (``core.idempotency``): the first submission
    with the key stores its result (where it redirected, what it flashed); a repeat of the same
    submission is shown that result and stores nothing more (issue 9 §2)."""

    __tablename__ = "submission_key"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    # None while the first submission is still being processed.
    location: Mapped[str | None] = mapped_column(Text)
    flashes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
