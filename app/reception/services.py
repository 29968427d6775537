"""Reception on the day and the webinar's attendance: the use cases, each one transaction.

- ``check_in_code`` / ``check_in_member``: a 研修会議Ⅱ participant comes to the desk (code read
  from the 卓上名札 or the team page, or found by name/kana, or ticked on the paper 受付名簿).
- ``undo_check_in``: a mistaken 出席 is taken back (audited).
- ``import_webinar_report``: the webinar tool's attendance report, all or nothing.

Who may be checked in at a venue (rules of the day): an active member of a team of that venue
whose team takes part (受付済・参加決定・人数調整, ``TEAM_COUNTED_STATUSES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.jpdates import format_time
from app.core.text import normalise_email, normalise_text, to_katakana
from app.events.models import Channel, Event
from app.extensions import db
from app.groupwork.tables.services import allocation_of_venue, member_roles
from app.reception import codes
from app.reception.attendance_csv import AttendeeRow, decode, parse_report
from app.reception.models import Attendance
from app.registration.models import Registration, Team, TeamMember
from app.registration.rules import TEAM_COUNTED_STATUSES

AUDIT_ACTIONS = audit.actions(
    {
        "reception.check_in": "当日受付（出席）",
        "reception.undo": "当日受付の取消",
        "reception.import": "ウェビナー出席レポートの取込",
    }
)

TARGET_LENGTH = 100  # AuditLog.target


def _target(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TARGET_LENGTH else text[: TARGET_LENGTH - 1] + "…"


OUTCOMES = {
    "checked_in": "出席にしました",
    "already": "受付済みです",
    "other_venue": "別の会場の参加者です",
    "not_accepted": "参加が決定していません",
    "unknown": "コードを確認できません",
}


# ---------------------------------------------------------------- codes


def _key() -> bytes:
    return (
        current_app.secret_key.encode()
        if isinstance(current_app.secret_key, str)
        else current_app.secret_key
    )


def checkin_code(member_id: int) -> str:
    """The check-in code of a member (``codes.make_code`` under this app's secret key)."""
    return codes.make_code(_key(), member_id)


# ---------------------------------------------------------------- seats and people


@dataclass
class Seat:
    """Where a member sits: table number (None before the allocation) and role labels."""

    table: int | None = None
    roles: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.table is None:
            return "未定"
        return f"{self.table}卓" + (f"（{'・'.join(self.roles)}）" if self.roles else "")


def venue_seats(channel: Channel) -> dict[int, Seat]:
    """member id → Seat for the venue's allocation (empty before one exists)."""
    if channel.venue_id is None:
        return {}
    allocation = allocation_of_venue(channel.venue_id)
    seats: dict[int, Seat] = {}
    if allocation is None:
        return seats
    for table in allocation.tables:
        marks = member_roles(table)
        for member in table.members:
            seats[member.id] = Seat(table.number, list(marks.get(member.id, [])))
    return seats


@dataclass
class Person:
    """One participant as the desk shows them."""

    member: TeamMember
    seat: Seat
    attendance: Attendance | None
    problem: str = ""  # other_venue | not_accepted | ""

    @property
    def problem_label(self) -> str:
        return OUTCOMES.get(self.problem, "")


# What the desk and the 受付名簿 show of a member, loaded with it (no query per person).
_MEMBER_SHOWN = (
    joinedload(TeamMember.team).joinedload(Team.municipality),
    joinedload(TeamMember.municipality),
)


def _attendance_of(member_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.team_member_id == member_id))


def _problem(member: TeamMember, channel: Channel) -> str:
    if member.team.channel_id != channel.id:
        return "other_venue"
    if member.status != "active" or member.team.status not in TEAM_COUNTED_STATUSES:
        return "not_accepted"
    return ""


def search(event: Event, channel: Channel, query: str, limit: int = 30) -> list[Person]:
    """Members of the event's teams whose 氏名 or ふりがな contains ``query`` (spaces ignored,
    hiragana found as katakana), this venue's first; people of other venues or not accepted
    are listed with the reason. The desk pages the same statement (``search_statement``)."""
    stmt = search_statement(event, channel, query)
    if stmt is None:
        return []
    return people(db.session.scalars(stmt.limit(limit)).all(), channel)


def search_statement(event: Event, channel: Channel, query: str):
    """The SELECT of ``search``, ordered as the desk shows it (this venue's accepted people
    first, then by ふりがな); None for an empty query."""
    text = normalise_text(query).replace(" ", "")
    if not text:
        return None
    kana = to_katakana(text)
    here = and_(
        Team.channel_id == channel.id,
        TeamMember.status == "active",
        Team.status.in_(TEAM_COUNTED_STATUSES),
    )
    return (
        select(TeamMember)
        .join(Team)
        .where(
            Team.event_id == event.id,
            or_(
                func.replace(TeamMember.name, " ", "").contains(text, autoescape=True),
                func.replace(TeamMember.name, "\u3000", "").contains(text, autoescape=True),
                func.replace(TeamMember.kana, " ", "").contains(kana, autoescape=True),
            ),
        )
        .order_by(case((here, 0), else_=1), TeamMember.kana, TeamMember.id)
        .options(*_MEMBER_SHOWN)
    )


def people(members: list[TeamMember], channel: Channel) -> list[Person]:
    """The desk's view of ``members`` (a page of search results), in their order: seat,
    attendance and problem looked up for all of them at once (issue 12)."""
    seats = venue_seats(channel)
    ids = [m.id for m in members]
    attended = {
        a.team_member_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.team_member_id.in_(ids)))
    }
    return [
        Person(m, seats.get(m.id, Seat()), attended.get(m.id), _problem(m, channel))
        for m in members
    ]


def roster(channel: Channel, order: str = "kana") -> list[Person]:
    """The venue's 受付名簿: every active member of its taking-part teams, by ふりがな
    (``order="kana"``) or by table then ふりがな (``order="table"``; unseated last)."""
    members = db.session.scalars(
        select(TeamMember)
        .join(Team)
        .where(
            Team.channel_id == channel.id,
            Team.status.in_(TEAM_COUNTED_STATUSES),
            TeamMember.status == "active",
        )
        .options(*_MEMBER_SHOWN)
    ).all()
    seats = venue_seats(channel)
    attended = {
        a.team_member_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.channel_id == channel.id))
    }
    people = [Person(m, seats.get(m.id, Seat()), attended.get(m.id)) for m in members]
    if order == "table":
        people.sort(key=lambda p: (p.seat.table is None, p.seat.table or 0, p.member.kana))
    else:
        people.sort(key=lambda p: (p.member.kana, p.member.id))
    return people


def recent(channel: Channel, limit: int = 15) -> list[Attendance]:
    """The venue's latest check-ins, newest first."""
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.channel_id == channel.id)
            .order_by(Attendance.attended_at.desc(), Attendance.id.desc())
            .options(
                joinedload(Attendance.member)
                .joinedload(TeamMember.team)
                .joinedload(Team.municipality),
                joinedload(Attendance.staff),
            )
            .limit(limit)
        )
    )


def venue_counts(channel: Channel) -> tuple[int, int]:
    """(出席, 参加予定) of a venue."""
    expected = db.session.scalar(
        select(func.count())
        .select_from(TeamMember)
        .join(Team)
        .where(
            Team.channel_id == channel.id,
            Team.status.in_(TEAM_COUNTED_STATUSES),
            TeamMember.status == "active",
        )
    )
    attended = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.channel_id == channel.id)
    )
    return attended, expected


# ---------------------------------------------------------------- check-in


@dataclass
class Outcome:
    """What the desk tells the staff member: ``kind`` (a key of OUTCOMES) and a sentence."""

    kind: str
    message: str
    person: Person | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "checked_in"


def _who(member: TeamMember) -> str:
    return f"{member.name}さん（{member.team.municipality.full_name}）"


def _already(person: Person) -> Outcome:
    a = person.attendance
    by = f"・{a.staff_name}" if a.staff_name else ""
    return Outcome(
        "already",
        f"{_who(person.member)}は既に受付済みです（{format_time(a.attended_at)}{by}）。",
        person,
    )


def check_in_member(
    event: Event, channel: Channel, member_id: int, source: str, staff_id: int | None
) -> Outcome:
    """Mark a member 出席 at ``channel`` now, recorded with ``staff_id`` and ``source`` (a key
    of ``Attendance.SOURCES``). Never raises for the desk's cases: a second check-in (also from
    another desk at the same moment: the unique index refuses the second insert), a member of
    another venue, or one not taking part come back as an Outcome saying so."""
    member = db.session.get(TeamMember, member_id)
    if member is None or member.team.event_id != event.id:
        return Outcome("unknown", OUTCOMES["unknown"] + "。氏名で検索してください。")
    seat = venue_seats(channel).get(member.id, Seat())
    person = Person(member, seat, _attendance_of(member.id), _problem(member, channel))
    if person.attendance is not None:
        return _already(person)
    if person.problem == "other_venue":
        return Outcome(
            "other_venue",
            f"{_who(member)}は{member.team.channel.label}の参加者です。この会場では受付できません。",
            person,
        )
    if person.problem == "not_accepted":
        state = member.status_label if member.status != "active" else member.team.status_label
        return Outcome(
            "not_accepted",
            f"{_who(member)}は参加が決定していません（{state}）。事務局に確認してください。",
            person,
        )
    attendance = Attendance(
        event_id=event.id,
        channel_id=channel.id,
        team_member_id=member.id,
        source=source,
        staff_id=staff_id,
    )
    db.session.add(attendance)
    try:
        db.session.flush()
    except IntegrityError:
        # Another desk checked the same person in a moment ago.
        db.session.rollback()
        member = db.session.get(TeamMember, member_id)
        person = Person(member, seat, _attendance_of(member_id))
        return _already(person)
    audit.record(
        "reception.check_in",
        _target(f"{channel.label} {member.name}"),
        attendance.source_label,
        event.id,
    )
    db.session.commit()
    person.attendance = attendance
    return Outcome(
        "checked_in",
        f"{_who(member)}を出席にしました（{format_time(attendance.attended_at)}）。{seat.label}",
        person,
    )


def check_in_code(event: Event, channel: Channel, code: str, staff_id: int | None) -> Outcome:
    """The desk read ``code`` (barcode reader or camera): check its owner in, or say why not."""
    member_id = codes.read_code(_key(), code)
    if member_id is None:
        return Outcome(
            "unknown",
            "このコードは確認できません。もう一度読み取るか、氏名で検索してください。",
        )
    return check_in_member(event, channel, member_id, "scan", staff_id)


def undo_check_in(attendance_id: int, reason: str = "") -> Attendance | None:
    """Take back a 出席 (the row goes; the audit log keeps who, when, by whom and why).
    Returns the removed row, None when it was already gone."""
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None:
        return None
    who = attendance.member.name if attendance.member else attendance.registration.name
    detail = f"{format_time(attendance.attended_at)} {attendance.source_label}"
    if attendance.staff_name:
        detail += f"（{attendance.staff_name}）"
    if reason:
        detail += f" 理由：{reason}"
    audit.record(
        "reception.undo", _target(f"{attendance.channel.label} {who}"), detail, attendance.event_id
    )
    db.session.delete(attendance)
    db.session.commit()
    return attendance


# ---------------------------------------------------------------- webinar


@dataclass
class ImportResult:
    """What an import did: attendees matched (``matched``), of which ``added`` are new and
    ``removed`` earlier import rows no longer in the file; ``unmatched`` rows (no webinar
    registration with that e-mail) are listed, not taken."""

    matched: int = 0
    added: int = 0
    removed: int = 0
    absent_rows: int = 0
    unmatched: list[AttendeeRow] = field(default_factory=list)


def import_webinar_report(
    event: Event, data: bytes, email_column: str = "", minutes_column: str = ""
) -> ImportResult:
    """Take the webinar tool's attendance report (Zoom's CSV, or columns named in the mapping
    step). All or nothing: ``attendance_csv.ReportError`` with row-numbered messages when any
    row is wrong. The file replaces the previous import: importing it again changes nothing.
    Attendees are matched by e-mail to the event's active webinar registrations."""
    report = parse_report(decode(data), email_column, minutes_column)
    webinar = next((c for c in event.individual_channels if c.kind == "webinar"), None)
    registrations = {}
    if webinar is not None:
        registrations = {
            r.email_normalized: r
            for r in db.session.scalars(
                select(Registration).where(
                    Registration.event_id == event.id,
                    Registration.channel_id == webinar.id,
                    Registration.status == "active",
                )
            )
        }
    result = ImportResult(absent_rows=report.absent_rows)
    existing = {
        a.registration_id: a
        for a in db.session.scalars(
            select(Attendance).where(
                Attendance.event_id == event.id, Attendance.registration_id.is_not(None)
            )
        )
    }
    seen: set[int] = set()
    for row in report.attendees:
        registration = registrations.get(normalise_email(row.email))
        if registration is None:
            result.unmatched.append(row)
            continue
        result.matched += 1
        seen.add(registration.id)
        attendance = existing.get(registration.id)
        if attendance is None:
            db.session.add(
                Attendance(
                    event_id=event.id,
                    channel_id=webinar.id,
                    registration_id=registration.id,
                    attended_at=webinar.starts_at,
                    source="import",
                    minutes=row.minutes,
                )
            )
            result.added += 1
        else:
            attendance.minutes = row.minutes
    stale = [a.id for rid, a in existing.items() if rid not in seen and a.source == "import"]
    if stale:
        db.session.execute(delete(Attendance).where(Attendance.id.in_(stale)))
    result.removed = len(stale)
    audit.record(
        "reception.import",
        "ウェビナー出席レポート",
        f"出席{result.matched}名（新規{result.added}・取消{result.removed}）・照合できず{len(result.unmatched)}件",
        event.id,
    )
    db.session.commit()
    return result


# ---------------------------------------------------------------- reports


def attended_counts(event: Event) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """(registrations attended per (channel id, 参加区分), members attended per venue channel id):
    installed into ``registration.reports`` for the 参加人数（当日参加者数） table."""
    registrations = {
        (channel_id, category): n
        for channel_id, category, n in db.session.execute(
            select(Attendance.channel_id, Registration.category, func.count())
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Attendance.event_id == event.id)
            .group_by(Attendance.channel_id, Registration.category)
        )
    }
    members = dict(
        db.session.execute(
            select(Attendance.channel_id, func.count())
            .where(Attendance.event_id == event.id, Attendance.team_member_id.is_not(None))
            .group_by(Attendance.channel_id)
        ).all()
    )
    return registrations, members


def attendance_times(event: Event) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """(registration id → when attended, team member id → when attended) of an event:
    installed into ``registration.exports`` for the 参加（当日） column."""
    rows = db.session.execute(
        select(Attendance.registration_id, Attendance.team_member_id, Attendance.attended_at).where(
            Attendance.event_id == event.id
        )
    ).all()
    registrations = {r: at for r, _, at in rows if r is not None}
    members = {m: at for _, m, at in rows if m is not None}
    return registrations, members
