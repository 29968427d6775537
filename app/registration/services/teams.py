"""研修会議Ⅱ team applications (one team per municipality, 1–6 people): apply, change members,
the secretariat's decision (参加決定・人数調整・見送り) and cancellation. Each public function is
one transaction and commits; every member concerned is mailed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.jpdates import now_utc
from app.core.mail import render_mail
from app.core.models import Municipality, OutboxMessage
from app.core.text import normalise_email
from app.core.tokens import new_token
from app.events.models import Channel, Event
from app.events.snapshot import attached, ensure_checked
from app.extensions import db
from app.registration import lifecycle, rules
from app.registration.models import Team, TeamMember, venue_headcount
from app.registration.rules import DuplicateError, RegistrationError
from app.registration.services.notify import mail_member, mail_members, member_mail_values
from app.registration.services.people import (
    NewPerson,
    PersonData,
    apply_person,
    check_person,
    flush_or_duplicate,
    municipality_by_code,
    raise_duplicate,
)
from app.registration.services.seats import (
    facts,
    insert_team_rows,
    one_statement,
    take_pending_rows,
    team_first_look,
)

AUDIT_ACTIONS = audit.actions({"decide_team": "研修会議Ⅱの選定", "cancel_team": "団体申込の取消"})


def _venue_channel(event: Event, code: str) -> Channel:
    try:
        channel = event.channel(code)
    except KeyError:
        raise RegistrationError("会場を選択してください。", field="channel") from None
    if channel.kind != "venue":
        raise RegistrationError("会場を選択してください。", field="channel")
    return channel


def _check_team(
    channel: Channel, team_municipality: str, members: list[PersonData], *, kept: bool = False
):
    """Size, 代表者, municipality and member rules of a team; returns the municipality and
    each member's municipality (or None); with ``kept``, the process's read-only copies
    (``people.municipality_by_code``: for the plain new team ``seats.insert_team_rows`` writes)."""
    rules.check_team_size(len(members), channel.max_team_size)
    municipality = municipality_by_code(team_municipality or "", kept=kept)
    if municipality is None or municipality.is_prefecture:
        raise RegistrationError("申込む市町村を選択してください。", field="municipality")
    rules.check_representative(members[0].category)
    member_municipalities = []
    seen: set[str] = set()
    for index, member in enumerate(members):
        try:
            member_municipalities.append(check_person(member, kept=kept))
        except RegistrationError as exc:
            raise RegistrationError(f"{index + 1}人目：{exc.message}", field="members") from None
        key = normalise_email(member.email)
        if key in seen:
            raise RegistrationError(
                f"{index + 1}人目：同じメールアドレスが複数の参加者に入力されています。",
                field="members",
            )
        seen.add(key)
    return municipality, member_municipalities


def apply_team(
    event: Event,
    channel_code: str,
    municipality_code: str,
    members: list[PersonData],
    *,
    now: datetime | None = None,
    note: str = "",
    before_commit: Callable[[Team | NewTeam], None] | None = None,
    attach: bool = True,
) -> Team | NewTeam:
    """A 代表者 applies for a municipality's team at one venue (commits).

    1 to 6 people including the 代表者 (a 市町村担当者, listed first); one team per municipality
    and event; 受付済 while the venue's accepted head-count plus the team fits the target,
    otherwise 選定中. Every member is mailed a personal link. ``before_commit(team)`` adds the
    caller's rows (the view's submission key) before the lock. Returns the team, persistent
    in the session with its members; with ``attach=False``, for a caller that reads nothing
    of it after the COMMIT (the public form, which redirects to the URL its ``before_commit``
    wrote), on PostgreSQL the plain ``NewTeam`` the one statement wrote, its ids set
    (``seats.insert_team_rows``: no ORM object; issue 12, docs/performance.md, Sixteenth pass).
    """
    now = now or now_utc()
    members = [m.normalised() for m in members]
    in_one_statement = one_statement()
    if not in_one_statement:
        # The team joins the session with its event and channel: the session's own copies,
        # never the process's kept graph (snapshot.current_event_to_read), which the one
        # statement below only reads.
        event = attached(event)
    channel = _venue_channel(event, channel_code)
    lifecycle.team_step("new", "apply")
    rules.check_open(facts(channel), now)
    municipality, member_municipalities = _check_team(
        channel, municipality_code, members, kept=in_one_statement
    )
    # One SELECT, no lock (issue 12): an earlier team of the municipality (of the same kind:
    # a test team's duplicate is another test, a real team's a real one, as the unique index
    # keeps them; docs/preview.md) and the venue's head-count as it stands.
    existing, accepted = team_first_look(event.id, municipality.code, channel.id)
    if existing is not None:
        label = next((c.label for c in event.channels if c.id == existing), channel.label)
        raise DuplicateError(
            f"{municipality.full_name}からは既に{label}への申込みがあります"
            "（１自治体１団体）。メンバーの変更は代表者の個人ページから行ってください。",
            field="municipality",
        )
    # The state by that head-count (受付済 or 選定中, which the mails tell); the lock's count
    # confirms it below, and a team that crossed the target meanwhile is written again.
    status = rules.team_status_on_apply(accepted, len(members), channel.capacity)
    if in_one_statement:
        return _apply_in_one_statement(
            NewTeam(
                event=event,
                channel=channel,
                municipality=municipality,
                status=status,
                note=note,
                members=[
                    NewMember.of(data, member_municipality, position)
                    for position, (data, member_municipality) in enumerate(
                        zip(members, member_municipalities, strict=True)
                    )
                ],
            ),
            before_commit,
            attach,
        )
    # The keys as well as the objects: the mails below are written before any flush and take
    # the team's event_id (their event, and the Reply-To of its 事務局).
    team = Team(
        event=event,
        event_id=event.id,
        channel=channel,
        channel_id=channel.id,
        municipality=municipality,
        status=status,
        note=note,
    )
    for position, (data, member_municipality) in enumerate(
        zip(members, member_municipalities, strict=True)
    ):
        # The token and state a flush would give, given now: the mails below are written
        # before anything is flushed, so the team, its members, their mails and the
        # submission key go to the database in one flush (issue 12).
        member = TeamMember(
            position=position, is_representative=position == 0, status="active", token=new_token()
        )
        apply_person(member, data, member_municipality)
        team.members.append(member)
    db.session.add(team)  # with its members; flushed with the mails below
    with db.session.no_autoflush:
        mails = mail_members(team, team.members, "team_received.txt")
        if before_commit is not None:
            before_commit(team)
    ensure_checked()  # a kept event is the current one before anything is written
    channel.lock()  # held to the COMMIT
    _restate(team, mails, _status_under_lock(channel, len(members)))
    flush_or_duplicate()
    db.session.commit()
    return team


def _apply_in_one_statement(
    team: NewTeam, before_commit: Callable[[NewTeam], None] | None, attach: bool
) -> Team | NewTeam:
    """PostgreSQL: the team, its members, their mails and the caller's rows (the submission
    key) in one statement from plain values, under the venue's lock, then the COMMIT
    (``seats.insert_team_rows``; issue 12, docs/performance.md, Sixteenth pass)."""
    channel = team.channel
    mails = member_mail_values(team, team.members, "team_received.txt")
    if before_commit is not None:
        before_commit(team)
    ensure_checked()  # a kept event is the current one before anything is written
    together = take_pending_rows()  # the caller's rows (the key): the statement writes them
    # Every value before the lock (issue 12: the lock held only for the insert).
    members = team.member_rows()
    fits = None if channel.capacity is None else team.status == "received"
    rows = (team.row(), members, _mail_rows(mails) + together, fits, channel.capacity)
    channel.lock()  # held to the COMMIT
    try:
        inserted = insert_team_rows(*rows)
        if inserted is None:  # the head-count under the lock gives the other state
            team.status = _status_under_lock(channel, len(team.members))
            mails = member_mail_values(team, team.members, "team_received.txt")
            inserted = insert_team_rows(team.row(), members, _mail_rows(mails) + together)
    except IntegrityError as exc:
        raise_duplicate(exc)
    db.session.commit()
    team.id, member_ids = inserted
    for member in team.members:
        member.id = member_ids[member.position]
    return db.session.get(Team, team.id) if attach else team


def _mail_rows(mails: list[dict]) -> list[tuple[object, dict]]:
    return [(OutboxMessage.__mapper__, values) for values in mails]


@dataclass
class NewMember(NewPerson):
    """A new team member as plain values, for the one statement and the templates (what a
    ``TeamMember`` gives them: its columns, ``category_label``, ``affiliation``)."""

    position: int
    token: str
    id: int | None = None

    @classmethod
    def of(cls, data: PersonData, municipality: Municipality | None, position: int) -> NewMember:
        return cls(data=data, municipality=municipality, position=position, token=new_token())

    @property
    def is_representative(self) -> bool:
        return self.position == 0

    def row(self) -> dict:
        """The ``team_member`` columns (``team_id`` from the team's INSERT)."""
        return {
            **self.person_row(),
            "position": self.position,
            "is_representative": self.is_representative,
            "status": "active",
            "token": self.token,
        }


@dataclass
class NewTeam:
    """A new team as plain values, for the one statement and the templates (what a ``Team``
    gives them: ``event``, ``channel``, ``municipality``, ``status_label``,
    ``active_members``, ``representative``)."""

    event: Event
    channel: Channel
    municipality: Municipality
    status: str
    note: str
    members: list[NewMember]
    id: int | None = None

    @property
    def event_id(self) -> int:
        return self.event.id

    @property
    def status_label(self) -> str:
        return rules.TEAM_STATUS_LABELS[self.status]

    @property
    def active_members(self) -> list[NewMember]:
        return self.members

    @property
    def representative(self) -> NewMember:
        return self.members[0]

    def row(self) -> dict:
        """The ``team`` columns."""
        return {
            "event_id": self.event.id,
            "channel_id": self.channel.id,
            "municipality_code": self.municipality.code,
            "status": self.status,
            "note": self.note,
        }

    def member_rows(self) -> list[dict]:
        return [member.row() for member in self.members]


def _status_under_lock(channel: Channel, size: int) -> str:
    """受付済 or 選定中 by the venue's head-count counted now (the caller holds the lock); the
    new team is not flushed by it (its duplicate is refused by the flush that follows)."""
    with db.session.no_autoflush:
        accepted = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES)
    return rules.team_status_on_apply(accepted, size, channel.capacity)


def _restate(team: Team, mails: list, status: str) -> None:
    """The team's state, and its members' mails written again when it changed."""
    if status == team.status:
        return
    team.status = status
    for mail, member in zip(mails, team.members, strict=True):
        mail.subject, mail.body = render_mail("team_received.txt", team=team, member=member)


def update_team(team: Team, members: list[PersonData], now: datetime | None = None) -> Team:
    """The 代表者 changes the members until the deadline (commits).

    Members are matched by e-mail: a kept member keeps his or her personal link, a new one is
    mailed, a removed one is told. A 受付済 team that no longer fits the target becomes 選定中.
    After the secretariat's decision (参加決定・人数調整) members may be removed or replaced but
    not added: a larger team is refused (``lifecycle.team_step``, decisions.md: issue 9).
    """
    now = now or now_utc()
    members = [m.normalised() for m in members]
    channel = team.channel
    lifecycle.team_step(team.status, "edit")
    rules.check_open(facts(channel), now)
    _, member_municipalities = _check_team(channel, team.municipality_code, members)
    channel.lock()
    db.session.refresh(team)
    action = lifecycle.team_edit_action(team.status, len(team.active_members), len(members))
    after = lifecycle.team_step(team.status, action)
    current = {m.email_normalized: m for m in team.active_members}
    kept_or_new: list[TeamMember] = []
    for position, (data, municipality) in enumerate(
        zip(members, member_municipalities, strict=True)
    ):
        member = current.pop(normalise_email(data.email), None)
        if member is None:
            member = TeamMember(team=team)
            db.session.add(member)
        apply_person(member, data, municipality)
        member.position = position
        member.is_representative = position == 0
        kept_or_new.append(member)
    for removed in current.values():
        removed.status = "removed"
        removed.is_representative = False
        mail_member(team, removed, "team_member_removed.txt", kind="team_removed")
    db.session.flush()
    if after == "fit":
        others = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES) - len(kept_or_new)
        team.status = rules.team_status_on_apply(others, len(kept_or_new), channel.capacity)
    else:
        team.status = after
    mail_members(team, kept_or_new, "team_changed.txt")
    db.session.commit()
    return team


def decide_team(
    team: Team, decision: str, *, keep_member_ids: list[int] | None = None, reason: str = ""
) -> Team:
    """The secretariat decides a 選定中 team: 参加決定, 人数調整 (naming who stays) or 見送り.

    The 代表者 is mailed the decision, and each member 人数調整 leaves out is told; the action is
    written to the audit log (commits).
    """
    if decision not in rules.TEAM_DECISIONS:
        raise RegistrationError("決定内容を選択してください。", field="decision")
    team.channel.lock()
    db.session.refresh(team)
    lifecycle.team_step(team.status, f"decide_{decision}")
    if decision == "adjusted":
        keep = set(keep_member_ids or [])
        staying = [m for m in team.active_members if m.id in keep]
        if not staying or len(staying) == len(team.active_members):
            raise RegistrationError(
                "人数調整では、参加いただく方を1名以上、全員より少なく選んでください。",
                field="keep",
            )
        if team.representative.id not in keep:
            raise RegistrationError("代表者は参加者に含めてください。", field="keep")
        for member in team.active_members:
            if member.id not in keep:
                member.status = "removed"
                mail_member(
                    team,
                    member,
                    "team_member_removed.txt",
                    kind="team_removed",
                    by_secretariat=True,
                )
    team.status = decision
    team.decided_at = now_utc()
    db.session.flush()
    label = rules.TEAM_STATUS_LABELS[decision]
    audit.record(
        "decide_team", team.municipality.full_name, f"{label} {reason}".strip(), team.event_id
    )
    mail_member(team, team.representative, "team_decision.txt", kind="team_decision", reason=reason)
    db.session.commit()
    return team


def cancel_team(team: Team, *, by_staff: bool = False, reason: str = "") -> Team:
    """Withdraw a team's application (commits); every member is told."""
    team.channel.lock()
    db.session.refresh(team)
    lifecycle.team_step(team.status, "cancel_by_staff" if by_staff else "cancel")
    team.status = "cancelled"
    if by_staff:
        audit.record("cancel_team", team.municipality.full_name, reason, team.event_id)
    for member in team.active_members:
        mail_member(team, member, "team_cancelled.txt", kind="cancel")
    db.session.commit()
    return team
