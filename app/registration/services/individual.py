"""研修会議Ⅰ registrations of one person (webinar or YouTube): register, import, change, switch
channel, cancel, and the secretariat's capacity change. Each public function is one transaction
and commits; a freed webinar seat is offered to the waiting list in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.jpdates import now_utc
from app.core.models import OutboxMessage
from app.core.tokens import new_token
from app.events.models import Channel, Event
from app.events.snapshot import attached, ensure_checked
from app.extensions import db
from app.registration import lifecycle, rules
from app.registration.models import Registration
from app.registration.rules import RegistrationError
from app.registration.services.notify import mail_registration, registration_mail_values
from app.registration.services.people import (
    NewPerson,
    PersonData,
    apply_person,
    check_person,
    flush_or_duplicate,
    raise_duplicate,
    refuse_duplicate_and_count,
    refuse_duplicate_email,
)
from app.registration.services.seats import (
    attach_new,
    facts,
    insert_with_seat,
    new_row_values,
    one_statement,
    seats_taken,
    take_pending_rows,
    take_seat,
)
from app.registration.services.waitlist import (
    offer_freed_seats,
    queue_for_webinar,
    state_of,
    waitlist_position,
)

AUDIT_ACTIONS = audit.actions(
    {
        "admit_over_capacity": "定員超過で受付",
        "register_by_staff": "事務局による申込入力",
        "move_over_capacity": "定員超過で参加方法の変更",
        "import_registrations": "研修会議Ⅰ申込のExcel取込",
        "move_channel": "参加方法の変更",
        "cancel_registration": "申込の取消",
        "change_capacity": "定員の変更",
    }
)


def register_for_training1(
    event: Event,
    channel_code: str,
    data: PersonData,
    *,
    now: datetime | None = None,
    join_waitlist: bool = False,
    source: str = "web",
    over_capacity_reason: str = "",
    before_commit: Callable[[Registration | NewRegistration], None] | None = None,
    attach: bool = True,
) -> Registration | NewRegistration:
    """Register one person for 研修会議Ⅰ on the webinar or YouTube (commits).

    Rules: the channel is open (web only; the secretariat may record late ones), the category
    is eligible, one active registration per e-mail and event, and a webinar seat is free, or
    the secretariat admits over capacity with a reason. With ``join_waitlist`` a YouTube
    registrant also queues for a webinar seat. ``before_commit(registration)`` adds rows of
    the caller's to the same transaction before the seat lock (the view's submission key).
    A refusal rolls the transaction back before it is raised. The registration returned is
    persistent in the session; with ``attach=False``, for a caller that reads nothing of it
    after the COMMIT (the public form, which redirects to the URL its ``before_commit`` wrote),
    on PostgreSQL the plain ``NewRegistration`` the one statement wrote, its id set
    (``seats.insert_with_seat``: no ORM object; issue 12, docs/performance.md, Seventeenth
    pass). ``before_commit`` gets the one or the other (it reads ``token``).
    """
    try:
        registration = _register(
            event,
            channel_code,
            data,
            now=now or now_utc(),
            join_waitlist=join_waitlist,
            source=source,
            over_capacity_reason=over_capacity_reason,
            before_commit=before_commit,
            attach=attach,
        )
    except RegistrationError:
        if db.session.info.pop("registration_wrote", False):
            db.session.rollback()  # refused after writing or locking: released before the page
        raise
    db.session.commit()
    return registration


def register_many(
    event: Event, rows: list[tuple[int, str, PersonData]], *, source: str, label: str = ""
) -> int:
    """Register every row or none (one transaction); refusals are collected per row number."""
    now = now_utc()
    errors: list[str] = []
    for number, channel_code, data in rows:
        try:
            _register(event, channel_code, data, now=now, source=source)
        except RegistrationError as exc:
            errors.append(f"{number}行目：{exc.message}")
    if errors:
        db.session.rollback()
        raise rules.RowsRefusedError(errors)
    audit.record("import_registrations", label, f"{len(rows)}件", event_id=event.id)
    db.session.commit()
    return len(rows)


def _register(
    event: Event,
    channel_code: str,
    data: PersonData,
    *,
    now: datetime,
    join_waitlist: bool = False,
    source: str = "web",
    over_capacity_reason: str = "",
    before_commit: Callable[[Registration | NewRegistration], None] | None = None,
    attach: bool = True,
) -> Registration | NewRegistration:
    """The registration without its commit: checks, mail, seat, row, waiting list.

    The order is the surge's (issue 12, docs/performance.md): every check that needs no lock —
    the rules, the 所属 (from the cached master), the duplicate and the seats as they stand, in
    one SELECT — refuses before the seat lock; the mail, the audit row and the caller's
    ``before_commit`` rows (the submission key) are written before it too (on PostgreSQL as
    plain values for the one statement, ``_register_in_one_statement``; elsewhere flushed);
    then the lock, the count under it, and the registration's INSERT, the last statement before
    the caller's COMMIT. A refusal after the lock (the last seat taken meanwhile) rolls back.
    """
    data = data.normalised()
    channel = _individual_channel(event, channel_code)
    capped = channel.capacity is not None
    queue = join_waitlist and channel.kind != "webinar"  # a webinar seat needs no queue
    in_one_statement = capped and not over_capacity_reason and not queue and one_statement()
    if not in_one_statement:
        # This row joins the session with its event and channel: the session's own copies,
        # never the process's kept graph (snapshot.current_event_to_read), which the one
        # statement below only reads (seats.insert_with_seat).
        event = attached(event)
        channel = event.channel(channel.code)
    action = "register_webinar" if channel.kind == "webinar" else "register_youtube"
    lifecycle.registration_step("new", "admit_over_capacity" if over_capacity_reason else action)
    # What was typed first (shown at its field), then an earlier registration (a repeat of an
    # accepted form is a duplicate, answered with its first result, even after the deadline),
    # then the channel's state: a person told 受付終了 or 満席 and offered another channel in
    # one click has answers that another channel accepts (docs/decisions.md).
    known = facts(channel)  # the channel's rules, read once for the checks before the lock
    rules.check_eligible(known, data.category)
    municipality = check_person(data, kept=in_one_statement)
    taken = refuse_duplicate_and_count(event, data.email, channel.id if capped else None, now)
    if source == "web":
        rules.check_open(known, now)
    if capped and not over_capacity_reason:
        rules.check_capacity(known, taken)  # full: refused without the lock
    if over_capacity_reason:
        audit.record(
            "admit_over_capacity",
            f"{channel.label} {data.name}",
            over_capacity_reason,
            event_id=event.id,
        )
    elif source == "console":
        audit.record("register_by_staff", f"{channel.label} {data.name}", "", event_id=event.id)
    if in_one_statement:
        new = NewRegistration(
            data=data,
            municipality=municipality,
            event=event,
            channel=channel,
            source=source,
            consented_at=now,
            token=new_token(),
        )
        return _register_in_one_statement(new, now, before_commit, attach)
    registration = Registration(
        event=event,
        event_id=event.id,
        channel=channel,
        channel_id=channel.id,
        source=source,
        consented_at=now,
        token=new_token(),
        over_capacity=False,
    )
    apply_person(registration, data, municipality)
    if not queue:  # the mail of a queued person tells the place in line: written after
        mail_registration(registration, "registration_received.txt", position=None)
    if before_commit is not None:
        before_commit(registration)
    ensure_checked()  # a kept event is the current one before anything is written
    db.session.info["registration_wrote"] = True  # a refusal from here on rolls back
    flush_or_duplicate()
    if capped:
        channel.lock()
        taken = take_seat(channel, now, over_capacity=bool(over_capacity_reason))
        registration.over_capacity = taken >= channel.capacity
    db.session.add(registration)
    entry = queue_for_webinar(event, registration, now) if queue else None
    flush_or_duplicate()
    if entry is not None:
        mail_registration(
            registration, "registration_received.txt", position=waitlist_position(entry)
        )
        offer_freed_seats(entry.channel, now)
    db.session.info.pop("registration_wrote", None)
    return registration


def _register_in_one_statement(
    registration: NewRegistration,
    now: datetime,
    before_commit: Callable[[NewRegistration], None] | None,
    attach: bool,
) -> Registration | NewRegistration:
    """PostgreSQL: the registration, its mail and the caller's rows (the submission key, an
    audit row) written from plain values by one statement that takes the seat, under the
    channel's lock; the caller commits (``seats.insert_with_seat``; issue 12,
    docs/performance.md, Seventeenth pass). Every value is ready before the lock. Full by the
    count under the lock: rolled back and refused (満席)."""
    mail = registration_mail_values(registration, "registration_received.txt", position=None)
    if before_commit is not None:
        before_commit(registration)
    ensure_checked()  # a kept event is the current one before anything is written
    db.session.info["registration_wrote"] = True  # a refusal from here on rolls back
    together = [(OutboxMessage.__mapper__, mail), *take_pending_rows()]
    values = new_row_values(Registration.__mapper__, registration.row())
    channel = registration.channel
    channel.lock()  # held to the COMMIT
    try:
        new_id = insert_with_seat(channel, now, values, together)
    except IntegrityError as exc:
        raise_duplicate(exc)
    if new_id is None:
        # Full by the capacity the statement counted against: taken before the rollback,
        # which expires the channel (re-read, a capacity changed meanwhile would not raise,
        # and a registration never inserted would be answered as accepted).
        counted = facts(channel)
        db.session.rollback()
        rules.check_capacity(counted, counted.capacity)  # raises: full
    db.session.info.pop("registration_wrote", None)
    registration.id = new_id
    return attach_new(Registration, new_id, values) if attach else registration


@dataclass
class NewRegistration(NewPerson):
    """A new 研修会議Ⅰ registration as plain values, for the one statement and the templates
    (what a ``Registration`` gives them: its columns, ``event``, ``channel``,
    ``category_label``, ``affiliation``)."""

    event: Event
    channel: Channel
    source: str
    consented_at: datetime
    token: str
    id: int | None = None

    @property
    def event_id(self) -> int:
        return self.event.id

    def row(self) -> dict:
        """The ``registration`` columns."""
        return {
            **self.person_row(),
            "event_id": self.event.id,
            "channel_id": self.channel.id,
            "status": "active",
            "consented_at": self.consented_at,
            "over_capacity": False,
            "source": self.source,
            "token": self.token,
        }


def _individual_channel(event: Event, code: str) -> Channel:
    try:
        channel = event.channel(code)
    except KeyError:
        raise RegistrationError("参加方法を選択してください。", field="channel") from None
    if channel.kind == "venue":
        raise RegistrationError(
            "研修会議Ⅱは団体申込のページからお申込みください。", field="channel"
        )
    return channel


def update_registration(
    registration: Registration, data: PersonData, now: datetime | None = None
) -> Registration:
    """Change one's own details until the channel's deadline (commits)."""
    now = now or now_utc()
    data = data.normalised()
    lifecycle.registration_step(state_of(registration, now), "edit")
    rules.check_open(facts(registration.channel), now)
    rules.check_eligible(facts(registration.channel), data.category)
    municipality = check_person(data)
    refuse_duplicate_email(
        registration.event, data.email, exclude_id=registration.id, is_test=registration.is_test
    )
    apply_person(registration, data, municipality)
    flush_or_duplicate()
    mail_registration(registration, "registration_changed.txt")
    db.session.commit()
    return registration


def switch_channel(
    registration: Registration,
    channel_code: str,
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    over_capacity_reason: str = "",
) -> Registration:
    """Move a registration between webinar and YouTube: a change, not a new registration.

    A person switches while the target channel is open; the secretariat at any time, and may
    admit over capacity with a reason. A seat left on the webinar is offered to the waiting list.
    """
    now = now or now_utc()
    action = ("move_over_capacity" if over_capacity_reason else "move") if by_staff else "switch"
    state = state_of(registration, now)
    lifecycle.registration_step(state, action)
    target = _individual_channel(registration.event, channel_code)
    source = registration.channel
    if target.id == source.id:
        raise RegistrationError(f"既に{target.label}でお申込みいただいています。", field="channel")
    if not by_staff:
        rules.check_open(facts(target), now)
    rules.check_eligible(facts(target), registration.category)
    entry = registration.open_waitlist_entry
    if target.capacity is not None and not over_capacity_reason and entry is None:
        # A full channel refuses before any lock (issue 12); counted again under the lock.
        rules.check_capacity(facts(target), seats_taken(target, now))
    channels = {source, target} | ({entry.channel} if entry is not None else set())
    for ch in sorted(channels, key=lambda c: c.id):  # fixed lock order
        if ch.capacity is not None:
            ch.lock()
    if entry is not None:
        # Leaving the waiting list (or an offer) first: an offered seat is the one taken now.
        entry.status = "withdrawn"
        db.session.flush()
    if target.capacity is not None:
        taken = take_seat(target, now, over_capacity=bool(over_capacity_reason))
        registration.over_capacity = taken >= target.capacity
    registration.channel = target
    db.session.flush()
    for ch in sorted(channels - {target}, key=lambda c: c.id):
        if ch.capacity is not None:
            if ch is source:
                registration.over_capacity = False
            offer_freed_seats(ch, now)
    change = f"{source.label} → {target.label} {over_capacity_reason}".strip()
    if by_staff and over_capacity_reason:
        audit.record(
            "move_over_capacity", registration.name, change, event_id=registration.event_id
        )
    elif by_staff:
        audit.record("move_channel", registration.name, change, event_id=registration.event_id)
    mail_registration(registration, "channel_switched.txt")
    db.session.commit()
    return registration


def cancel_registration(
    registration: Registration,
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    reason: str = "",
) -> Registration:
    """Cancel; a freed webinar seat (a seat taken or a seat offered) goes to the first in the
    waiting list (commits)."""
    now = now or now_utc()
    lifecycle.registration_step(
        state_of(registration, now), "cancel_by_staff" if by_staff else "cancel"
    )
    entry = registration.open_waitlist_entry
    channels = {registration.channel} | ({entry.channel} if entry is not None else set())
    channels = sorted((c for c in channels if c.capacity is not None), key=lambda c: c.id)
    for channel in channels:
        channel.lock()
    registration.status = "cancelled"
    registration.cancelled_at = now
    if entry is not None:
        entry.status = "withdrawn"
    db.session.flush()
    for channel in channels:
        offer_freed_seats(channel, now)
    if by_staff:
        audit.record(
            "cancel_registration", registration.name, reason, event_id=registration.event_id
        )
    mail_registration(registration, "registration_cancelled.txt", kind="cancel")
    db.session.commit()
    return registration


def raise_capacity(
    channel: Channel, capacity: int, reason: str, now: datetime | None = None
) -> int:
    """The secretariat changes a capacity; new seats go to the waiting list (commits)."""
    now = now or now_utc()
    if not reason.strip():
        raise RegistrationError("理由を入力してください。", field="reason")
    channel.lock()
    taken = seats_taken(channel, now)
    # A venue's 「50名程度」 is a target for selection: lowering it un-accepts nobody.
    if not channel.capacity_is_target and capacity < taken:
        raise RegistrationError(
            f"既に{taken}名が申し込んでいるため、{taken}名未満にはできません。", field="capacity"
        )
    old = channel.capacity
    channel.capacity = capacity
    db.session.flush()
    offered = offer_freed_seats(channel, now)
    audit.record(
        "change_capacity", channel.label, f"{old} → {capacity}：{reason}", channel.event_id
    )
    db.session.commit()
    return offered
