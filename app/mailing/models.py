"""一斉メール: a campaign (what was written, to which group, by whom, when) and its recipients,
each linked to the outbox message written for him or her. The delivery state is the outbox's:
a campaign's progress is the count of its messages by outbox status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import OutboxMessage, StaffUser
from app.events.models import Event
from app.extensions import db


class Campaign(db.Model):
    """One 一斉メール as sent: subject and body with their 〔placeholders〕, the filter that chose
    the recipients (as data and in words), who sent it and when."""

    __tablename__ = "mail_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The filter as the form gave it (services.RecipientFilter.as_dict) and in Japanese words.
    filter_data: Mapped[dict] = mapped_column(JSON, default=dict)
    filter_description: Mapped[str] = mapped_column(Text, default="")
    recipient_count: Mapped[int] = mapped_column(default=0)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    event: Mapped[Event] = relationship()
    staff: Mapped[StaffUser | None] = relationship()


class CampaignRecipient(db.Model):
    """One address of a campaign (deduplicated: at most one per address) and its message."""

    __tablename__ = "mail_campaign_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "email_normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("mail_campaign.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254))
    # Who the person is to the campaign, in words (研修会議Ⅰ ウェビナー参加 / 研修会議Ⅱ 東京会場 代表者).
    role: Mapped[str] = mapped_column(String(200), default="")

    campaign: Mapped[Campaign] = relationship()
    message: Mapped[OutboxMessage] = relationship()
