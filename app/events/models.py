"""The event as data: one fiscal year's 研修会議, its trainings, programme, venues, channels and
public materials. Every date, capacity and text a participant reads comes from these rows."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import preview
from app.core.db import UTCDateTime, execute_compiled
from app.core.jpdates import now_utc
from app.extensions import db


class Event(db.Model):
    """One fiscal year's 研修会議 (研修会議Ⅰ and Ⅱ, their channels, venues and settings)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    fiscal_year: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    secretariat: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_note: Mapped[str] = mapped_column(Text, default="")
    fee_note: Mapped[str] = mapped_column(String(100), default="")
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    # お知らせ at the top of the 特設サイト; a blank line separates two notices. Not copied
    # into next year's event.
    notices: Mapped[str] = mapped_column(Text, default="", server_default="")
    webinar_url: Mapped[str] = mapped_column(String(500), default="")
    youtube_url: Mapped[str] = mapped_column(String(500), default="")
    # 残りわずか is shown when at most this share of a capped channel is left.
    few_left_ratio: Mapped[float] = mapped_column(default=0.1)
    waitlist_offer_hours: Mapped[int] = mapped_column(default=48)
    upload_limit_mb: Mapped[int] = mapped_column(default=20)
    retention_days: Mapped[int] = mapped_column(default=365)
    survey_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    survey_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    @property
    def notice_list(self) -> list[str]:
        """The お知らせ, one per paragraph (blank lines separate them)."""
        text = (self.notices or "").replace("\r\n", "\n")
        return [p.strip() for p in text.split("\n\n") if p.strip()]

    trainings: Mapped[list[Training]] = relationship(
        back_populates="event", order_by="Training.position", cascade="all, delete-orphan"
    )
    channels: Mapped[list[Channel]] = relationship(
        back_populates="event", order_by="Channel.position", cascade="all, delete-orphan"
    )
    venues: Mapped[list[Venue]] = relationship(
        back_populates="event", order_by="Venue.position", cascade="all, delete-orphan"
    )
    materials: Mapped[list[Material]] = relationship(
        back_populates="event", order_by="Material.position", cascade="all, delete-orphan"
    )

    def channel(self, code: str) -> Channel:
        """The channel with this code (KeyError when the event has none)."""
        for ch in self.channels:
            if ch.code == code:
                return ch
        raise KeyError(code)

    def training(self, code: str) -> Training:
        for tr in self.trainings:
            if tr.code == code:
                return tr
        raise KeyError(code)

    @property
    def individual_channels(self) -> list[Channel]:
        """Channels one registers for alone (研修会議Ⅰ: webinar, YouTube)."""
        return [c for c in self.channels if c.kind != "venue"]

    @property
    def venue_channels(self) -> list[Channel]:
        """Channels a municipal team applies for (研修会議Ⅱ venues)."""
        return [c for c in self.channels if c.kind == "venue"]


class Training(db.Model):
    """研修会議Ⅰ or 研修会議Ⅱ: a part of the event with its own programme."""

    __tablename__ = "training"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # t1, t2
    name: Mapped[str] = mapped_column(String(100))  # 研修会議Ⅰ
    focus: Mapped[str] = mapped_column(String(200), default="")  # 座学的事項を中心
    format_label: Mapped[str] = mapped_column(String(200), default="")  # オンライン開催 …
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="trainings")
    programme: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="training", order_by="ProgrammeItem.position", cascade="all, delete-orphan"
    )


class ProgrammeItem(db.Model):
    """A row of a training's programme; ``survey_label`` makes it a row of the questionnaire."""

    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    time_label: Mapped[str] = mapped_column(String(60), default="")  # 10：05～10：30
    title: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str] = mapped_column(Text, default="")
    # 問1-1 / 問1-2 row label, e.g. 行政説明（老健局）; empty when not rated.
    survey_label: Mapped[str] = mapped_column(String(200), default="")

    training: Mapped[Training] = relationship(back_populates="programme")


class Venue(db.Model):
    """A 研修会議Ⅱ venue with its address, access, room and groupwork settings."""

    __tablename__ = "venue"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # tokyo, osaka
    name: Mapped[str] = mapped_column(String(50))  # 東京会場
    facility: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    address_note: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    access: Mapped[list] = mapped_column(JSON, default=list)  # lines of 交通
    rules: Mapped[list] = mapped_column(JSON, default=list)  # 会場内に係る留意事項
    # 当日の緊急連絡先 (who and how, no date) and its 対応時間 on the day (e.g. 8：30～17：00): the
    # day itself is the venue's 研修会議Ⅱ channel's, written by the template, so it moves with
    # the demo's week shift and with clone-event.
    emergency_contact: Mapped[str] = mapped_column(Text, default="")
    emergency_hours: Mapped[str] = mapped_column(String(50), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)
    # Pre-assignment deadlines (資料２; 資料３・４).
    scene_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignment_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Groupwork settings (decisions.md: Groups and seat plans).
    large_team_threshold: Mapped[int] = mapped_column(default=4)
    table_min: Mapped[int] = mapped_column(default=4)
    table_max: Mapped[int] = mapped_column(default=7)
    table_count: Mapped[int] = mapped_column(default=12)
    room_rows: Mapped[int] = mapped_column(default=3)
    room_cols: Mapped[int] = mapped_column(default=4)

    event: Mapped[Event] = relationship(back_populates="venues")


class Channel(db.Model):
    """A way to take part: webinar, YouTube, or a 研修会議Ⅱ venue; capacity and deadline are data."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # webinar, youtube, t2_tokyo
    kind: Mapped[str] = mapped_column(String(10))  # webinar | stream | venue
    label: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int | None]  # None: 定員上限なし
    # True for 「50名程度」: a target for selection, not a hard cap.
    capacity_is_target: Mapped[bool] = mapped_column(Boolean, default=False)
    # Category codes allowed; None: everyone in 対象.
    eligible_categories: Mapped[list | None] = mapped_column(JSON)
    max_team_size: Mapped[int | None]
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reception_label: Mapped[str] = mapped_column(String(100), default="")
    interaction_note: Mapped[str] = mapped_column(String(200), default="")
    eligibility_note: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    # Bumped by every seat-taking transaction: the UPDATE is the capacity lock.
    lock_version: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="channels")
    training: Mapped[Training] = relationship()
    venue: Mapped[Venue | None] = relationship()

    @property
    def heading(self) -> str:
        """「研修会議Ⅰ　ウェビナー参加」, or the label alone when it names its training already
        (「研修会議Ⅱ（東京会場）」)."""
        name = self.training.name
        return self.label if self.label.startswith(name) else f"{name}　{self.label}"

    def lock(self) -> None:
        """Take the capacity lock for this channel in the current transaction.

        An UPDATE of the channel row: PostgreSQL holds the row lock, SQLite its write lock,
        until the transaction ends, so counting and inserting cannot interleave.
        """
        # On the session's connection: a Core UPDATE needs none of the ORM's execution.
        execute_compiled(db.session.connection(), _lock_statement(), {"channel_id": self.id})


@functools.cache
def _lock_statement():
    """``UPDATE channel SET lock_version = lock_version + 1 WHERE id = :channel_id``, a Core
    statement built once per process (issue 12: the ORM's bulk UPDATE path, and building the
    statement on every seat, cost more CPU than the round trip itself)."""
    table = Channel.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("channel_id"))
        .values(lock_version=table.c.lock_version + 1)
    )


class Material(db.Model):
    """A public download on the 特設サイト (pamphlet, 研修会議Ⅰ 資料)."""

    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    registrants_only: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="materials")


# The current revision of each event: a new random token whenever the event, one of its
# channels, venues or trainings changes (``app.events.snapshot``), so that a worker's kept copy
# of the event is known current while its token matches. A table of its own, written last in
# the flush that changes the event: the event row itself is never locked for it (a console
# page locking a channel, then the event, and another the event, then the channel, deadlocked).
event_revision = Table(
    "event_revision",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("token", String(32), nullable=False),
)


def current_upload_limit_mb() -> int:
    """The current event's upload limit in MB (「アップロード上限」; 20 without an event)."""
    event = current_event()
    return event.upload_limit_mb if event else 20


def _current_event_query():
    return db.select(Event).order_by(Event.is_current.desc(), Event.id.desc())


def previewed_event() -> Event | None:
    """On a participant page in preview mode, the event the staff member chose to preview
    (next year's, before the 特設サイト shows it: issue 10 §2)."""
    if not preview.is_on():
        return None
    event_id = preview.preview_event_id()
    return db.session.get(Event, event_id) if event_id is not None else None


def current_event() -> Event | None:
    """The event the public site shows: the one marked current, else the newest; on a
    participant page in preview mode, the event being previewed."""
    return previewed_event() or db.session.scalars(_current_event_query()).first()


def current_event_or_404() -> Event:
    """current_event() for a page that needs one: HTTP 404 when there is no event yet."""
    return previewed_event() or db.first_or_404(_current_event_query())
