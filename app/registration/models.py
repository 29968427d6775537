"""Registrations (研修会議Ⅰ), the webinar waiting list, and municipal teams (研修会議Ⅱ)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import Municipality
from app.core.preview import INCLUDE_TESTS, TestMarked
from app.core.tokens import new_token
from app.events.models import Channel, Event
from app.extensions import db
from app.registration.rules import (
    CATEGORY_LABELS,
    TEAM_COUNTED_STATUSES,
    TEAM_REGISTRANT_STATUSES,
    TEAM_STATUS_LABELS,
)


class PersonLabels:
    """What the pages and mails show of a person: the 参加区分's label and the 所属. Shared by
    the rows (``PersonFields``) and the plain new people the surge's one statements write
    (``services.people.NewPerson``); reads ``category``, ``municipality`` and ``organisation``."""

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def affiliation(self) -> str:
        """所属: the municipality's full name, else the organisation."""
        return self.municipality.full_name if self.municipality else self.organisation


class PersonFields(PersonLabels):
    """Columns every registrant and team member has (decisions.md: Form fields)."""

    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), index=True)
    # The matching key of name, kana, e-mail, organisation and department (never shown):
    # every search of people compares it (core.text.matching_key; issue 9 §5).
    search_key: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    category: Mapped[str] = mapped_column(String(20))  # pref, muni, kouseikyoku, …
    category_other: Mapped[str] = mapped_column(String(100), default="")
    prefecture_code: Mapped[str] = mapped_column(String(2), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class Registration(TestMarked, PersonFields, db.Model):
    """One person's 研修会議Ⅰ registration on one channel (webinar or YouTube)."""

    __tablename__ = "registration"
    TEST_LABEL = "研修会議Ⅰの申込"
    TEST_ENDPOINT = "registration.personal"
    __table_args__ = (
        # One active registration per e-mail and event (decisions.md 6).
        Index(
            "uq_registration_event_email_active",
            "event_id",
            "email_normalized",
            "is_test",  # a preview's test never blocks a participant's address
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_registration_seats", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))
    STATUSES = {"active": "申込中", "cancelled": "取消"}
    status: Mapped[str] = mapped_column(String(10), default="active")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    over_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    SOURCES = {"web": "Web申込", "import": "Excel取込", "console": "事務局入力"}
    source: Mapped[str] = mapped_column(String(10), default="web")
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    channel: Mapped[Channel] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    waitlist_entries: Mapped[list[WaitlistEntry]] = relationship(
        back_populates="registration", order_by="WaitlistEntry.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    @property
    def source_label(self) -> str:
        return self.SOURCES[self.source]

    @property
    def open_waitlist_entry(self) -> WaitlistEntry | None:
        for entry in self.waitlist_entries:
            if entry.status in ("waiting", "offered"):
                return entry
        return None


class WaitlistEntry(TestMarked, db.Model):
    """A place in the webinar waiting list, held by a (YouTube) registration.

    An offer holds a seat until it expires, so seats taken = active registrations + live offers.
    """

    __tablename__ = "waitlist_entry"
    TEST_LABEL = "キャンセル待ち"
    __table_args__ = (
        Index(
            "uq_waitlist_open",
            "registration_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index("ix_waitlist_queue", "channel_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed: the registrations page loads the entries of a page of rows at once (issue 12)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    # waiting → offered → accepted | declined | expired; withdrawn at any time
    # (the registration's lifecycle: app/registration/lifecycle.py).
    STATUSES = {
        "waiting": "順番待ち",
        "offered": "席をご案内中（回答待ち）",
        "accepted": "ウェビナーに切替済み",
        "declined": "辞退（YouTubeのまま）",
        "expired": "回答期限切れ",
        "withdrawn": "取下げ",
    }
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="waitlist_entries")
    channel: Mapped[Channel] = relationship()

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    def offer_is_live(self, now: datetime) -> bool:
        return (
            self.status == "offered"
            and self.offer_expires_at is not None
            and (self.offer_expires_at > now)
        )


# The teams a venue's head-count counts (``team_headcount``), as the partial index's predicate.
COUNTED_TEAMS = (
    "status IN (" + ", ".join(f"'{s}'" for s in TEAM_COUNTED_STATUSES) + ") AND is_test IS false"
)


class Team(TestMarked, db.Model):
    """申込団体: a municipality's team for one 研修会議Ⅱ venue, led by its 代表者."""

    __tablename__ = "team"
    TEST_LABEL = "研修会議Ⅱの申込団体"
    __table_args__ = (
        # One team per municipality per event (decisions.md 5), cancelled ones aside.
        Index(
            "uq_team_event_municipality_live",
            "event_id",
            "municipality_code",
            "is_test",  # a preview's test team never blocks the municipality's real one
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        # A venue's head-count reads only its counted teams by this (``team_headcount``):
        # without it, every application scanned all the venue's teams (issue 12, 0016).
        Index(
            "ix_team_venue_counted",
            "channel_id",
            sqlite_where=text(COUNTED_TEAMS),
            postgresql_where=text(COUNTED_TEAMS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    # The states and their labels are the rules' (TEAM_STATUS_LABELS): 受付済, 選定中, 参加決定,
    # 人数調整, 見送り, 取消.
    STATUSES = TEAM_STATUS_LABELS
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    channel: Mapped[Channel] = relationship()
    municipality: Mapped[Municipality] = relationship()
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", order_by="TeamMember.position", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    @property
    def takes_part(self) -> bool:
        """受付済・参加決定・人数調整: counted at its venue, hands in the 事前課題."""
        return self.status in TEAM_COUNTED_STATUSES

    @property
    def active_members(self) -> list[TeamMember]:
        return [m for m in self.members if m.status == "active"]

    @property
    def representative(self) -> TeamMember:
        return next(m for m in self.members if m.is_representative)

    @property
    def size(self) -> int:
        return len(self.active_members)


class TeamMember(TestMarked, PersonFields, db.Model):
    """A member of a team; the first is the 代表者. Each has a personal link."""

    __tablename__ = "team_member"
    TEST_LABEL = "研修会議Ⅱの参加者"
    TEST_ENDPOINT = "registration.team_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed: the console loads the members of a page of teams at once (issue 12)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))
    position: Mapped[int] = mapped_column(default=0)
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    # removed: by 人数調整 or by the 代表者
    STATUSES = {"active": "参加", "removed": "参加者から除外"}
    status: Mapped[str] = mapped_column(String(10), default="active")
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(back_populates="members")
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    @property
    def is_registrant(self) -> bool:
        """An active member of a team still applying or taking part (not 見送り nor cancelled):
        opens the registrants-only archive."""
        return self.status == "active" and self.team.status in TEAM_REGISTRANT_STATUSES


def webinar_seats_taken(channel_id: int, now: datetime) -> int:
    """Seats held on a capped channel: active registrations plus live waiting-list offers
    (one round trip: it runs while the channel lock is held)."""
    return sum(webinar_seat_counts(channel_id, now))


def now_parameter():
    """``:now`` as the seat statements built once per process bind it (``seats_held``)."""
    return bindparam("now", type_=WaitlistEntry.__table__.c.offer_expires_at.type)


def state_code(code: str):
    """A state code (``'active'``, ``'offered'`` …) written into the SQL as a constant, not bound:
    the plan PostgreSQL keeps for every execution of a prepared statement (its generic plan)
    can then use the partial indexes whose predicate names the state (``status = 'active'``),
    as a plan made for the values does. With ``core.db.limit_constant`` it keeps the surge's
    first statements planned once (issue 12, docs/performance.md, thirteenth pass). Raises
    ValueError for anything but an ASCII identifier."""
    if not (code.isidentifier() and code.isascii()):
        raise ValueError(f"not a state code: {code!r}")
    return literal_column(f"'{code}'")


def seats_held(channel_id, now):
    """The one definition of a capped channel's seats taken, as two scalar subqueries:
    (active registrations, live waiting-list offers) on ``channel_id``, tests left out (a
    preview's test never takes a real seat, even on a preview page). ``channel_id`` and
    ``now`` are values, bound parameters or columns: every count of seats is built from it
    (this module, ``services.seats``, ``services.people``)."""
    registrations = (
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.channel_id == channel_id,
            Registration.status == state_code("active"),
            Registration.is_test.is_(False),
        )
        .scalar_subquery()
    )
    offers = (
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.channel_id == channel_id,
            WaitlistEntry.status == state_code("offered"),
            WaitlistEntry.is_test.is_(False),
            WaitlistEntry.offer_expires_at > now,
        )
        .scalar_subquery()
    )
    return registrations, offers


def webinar_seat_counts(channel_id: int, now: datetime) -> tuple[int, int]:
    """(active registrations, live offers) of a channel in one round trip: the two parts of
    the one definition of seats taken (``seats_held``), shown apart on the dashboard."""
    registered, offered = db.session.execute(
        select(*seats_held(channel_id, now)).execution_options(**{INCLUDE_TESTS: False})
    ).one()
    return registered, offered


def team_headcount(channel_id, statuses: tuple[str, ...]):
    """The one definition of a venue's head-count, as a scalar subquery: active members of the
    venue's teams in ``statuses`` (state codes, written into the SQL as constants: no list
    to expand on each execution), tests left out. ``channel_id`` is a value, a bound parameter
    or a column: every head-count is built from it (``venue_headcount``, ``services.seats``,
    ``services.teams``). With ``TEAM_COUNTED_STATUSES`` its WHERE is the partial index
    ``ix_team_venue_counted``'s predicate (``COUNTED_TEAMS``), which keeps the count from
    reading every team of the venue (issue 12)."""
    return (
        select(func.count())
        .select_from(TeamMember)
        .join(Team)
        .where(
            Team.channel_id == channel_id,
            Team.status.in_([state_code(status) for status in statuses]),
            Team.is_test.is_(False),
            TeamMember.status == state_code("active"),
            TeamMember.is_test.is_(False),
        )
        .scalar_subquery()
    )


def venue_headcount(channel_id: int, statuses: tuple[str, ...]) -> int:
    """Active members of the venue's teams in the given states (``team_headcount``)."""
    return db.session.scalar(
        select(team_headcount(channel_id, statuses)).execution_options(**{INCLUDE_TESTS: False})
    )
