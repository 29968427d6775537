"""Attendance on the day: who came to a 研修会議Ⅱ venue (reception desk) and who attended the
webinar (the tool's report), one row per person.

Kept apart from the registration rows (申込) and the team states (決定) so that 申込・決定・参加
stay three facts (decisions.md 10). A row exists while the person counts as 出席; undoing a
check-in deletes it and the audit log keeps what was undone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import StaffUser
from app.events.models import Channel
from app.extensions import db
from app.registration.models import Registration, TeamMember


class Attendance(db.Model):
    """出席: a team member at a venue, or a registration at the webinar (exactly one of them).

    The unique indexes on ``team_member_id`` and ``registration_id`` are what keeps two
    reception desks from counting one person twice: the second insert fails.
    """

    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint(
            "(team_member_id IS NULL) <> (registration_id IS NULL)", name="ck_attendance_one_person"
        ),
        Index("uq_attendance_member", "team_member_id", unique=True),
        Index("uq_attendance_registration", "registration_id", unique=True),
        Index("ix_attendance_channel", "channel_id"),
    )

    SOURCES = {
        "scan": "受付（コード読取）",
        "search": "受付（氏名検索）",
        "roster": "受付名簿から入力",
        "import": "出席レポート取込",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    team_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_member.id", ondelete="CASCADE")
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    attended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    source: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    minutes: Mapped[int | None]  # webinar: minutes in the session, from the report

    channel: Mapped[Channel] = relationship()
    member: Mapped[TeamMember | None] = relationship()
    registration: Mapped[Registration | None] = relationship()
    staff: Mapped[StaffUser | None] = relationship()

    @property
    def source_label(self) -> str:
        return self.SOURCES[self.source]

    @property
    def staff_name(self) -> str:
        return self.staff.name if self.staff else ""
