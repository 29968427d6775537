"""The webinar's waiting list (キャンセル待ち): joining, offers of freed seats, accepting, expiry.

An offer holds its seat until it expires (event setting ``waitlist_offer_hours``); its holder
accepts it or declines it and stays on YouTube. The allowed steps are ``lifecycle``'s. Each public
function is one transaction and commits; ``offer_freed_seats`` runs inside the caller's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.events.models import Channel, Event
from app.extensions import db
from app.registration import lifecycle, rules
from app.registration.models import Registration, WaitlistEntry
from app.registration.rules import RegistrationError
from app.registration.services.notify import mail_registration
from app.registration.services.seats import facts, seats_taken


def queue_for_webinar(event: Event, registration: Registration, now: datetime) -> WaitlistEntry:
    """A new place at the end of the webinar's waiting list (no commit; the caller calls
    ``offer_freed_seats`` after its flush, so that a seat free right now is offered at once)."""
    webinar = webinar_of(event)
    rules.check_open(facts(webinar), now)
    rules.check_eligible(facts(webinar), registration.category)
    webinar.lock()
    entry = WaitlistEntry(registration=registration, channel=webinar, created_at=now)
    db.session.add(entry)
    return entry


def join_waitlist(registration: Registration, now: datetime | None = None) -> WaitlistEntry:
    """Queue a YouTube registrant for the webinar (commits)."""
    now = now or now_utc()
    lifecycle.registration_step(state_of(registration, now), "join_waitlist")
    if registration.open_waitlist_entry is not None:  # an offer past its time, not yet expired
        raise RegistrationError("既にキャンセル待ちに登録されています。")
    entry = queue_for_webinar(registration.event, registration, now)
    db.session.flush()
    position = waitlist_position(entry)
    mail_registration(registration, "waitlist_joined.txt", kind="waitlist", position=position)
    offer_freed_seats(entry.channel, now)
    db.session.commit()
    return entry


def waitlist_position(entry: WaitlistEntry) -> int:
    """1 for the first in line among those still waiting."""
    return db.session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.channel_id == entry.channel_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.id <= entry.id,
        )
    )


def state_of(registration: Registration, now: datetime) -> str:
    """The registration's lifecycle state (``lifecycle.registration_state``) at ``now``."""
    entry = registration.open_waitlist_entry
    return lifecycle.registration_state(
        registration.status,
        registration.channel.kind,
        entry.status if entry is not None else None,
        bool(entry is not None and entry.offer_is_live(now)),
    )


def offer_freed_seats(channel: Channel, now: datetime) -> int:
    """Offer every free seat to the first waiting in line (the caller holds the lock and commits).

    Each offer holds its seat until it expires (event setting, default 48 hours), never past the
    start of the webinar; once the webinar has started no offer is made
    (``lifecycle.offers_open``). Each person offered a seat is mailed.
    """
    if channel.capacity is None or not lifecycle.offers_open(now, channel.starts_at):
        return 0
    free = channel.capacity - seats_taken(channel, now)
    if free <= 0:
        return 0
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.channel_id == channel.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
        .limit(free)
    ).all()
    hours = channel.event.waitlist_offer_hours
    for entry in waiting:
        registration = entry.registration
        lifecycle.registration_step(state_of(registration, now), "offer")
        entry.status = "offered"
        entry.offered_at = now
        entry.offer_expires_at = lifecycle.offer_expiry(now, hours, channel.starts_at)
        mail_registration(registration, "waitlist_offer.txt", kind="waitlist_offer", entry=entry)
    return len(waiting)


def webinar_of(event: Event) -> Channel:
    return next(c for c in event.channels if c.kind == "webinar")


def _offer_under_lock(registration: Registration, action: str, now: datetime) -> WaitlistEntry:
    """Take the webinar's lock, then read the offer again and check it is live (issue 9 §1: the
    check before the lock may be stale by the time the lock is held). The same check before
    the lock refuses without it (issue 12: a refusal never takes the seat lock)."""
    lifecycle.registration_step(state_of(registration, now), action)
    webinar_of(registration.event).lock()
    entry = registration.open_waitlist_entry
    if entry is not None:
        db.session.refresh(entry)
    lifecycle.registration_step(state_of(registration, now), action)
    return entry


def accept_offer(registration: Registration, now: datetime | None = None) -> Registration:
    """Take the seat held by a live offer: the registration moves to the webinar (commits).

    The offer is checked under the webinar's lock: one that expired meanwhile is refused."""
    now = now or now_utc()
    entry = _offer_under_lock(registration, "accept_offer", now)
    entry.status = "accepted"
    registration.channel = entry.channel
    db.session.flush()
    mail_registration(registration, "offer_accepted.txt")
    db.session.commit()
    return registration


def decline_offer(registration: Registration, now: datetime | None = None) -> Registration:
    """「辞退する（YouTubeのまま）」: give the offered seat back and stay on YouTube (commits).

    The seat goes to the next in line at once, in the same transaction."""
    now = now or now_utc()
    entry = _offer_under_lock(registration, "decline_offer", now)
    entry.status = "declined"
    db.session.flush()
    mail_registration(registration, "offer_declined.txt", kind="waitlist")
    offer_freed_seats(entry.channel, now)
    db.session.commit()
    return registration


def expire_offers(now: datetime | None = None) -> int:
    """Expire offers past their time and pass the seats on (commits); returns the count.

    Each person whose offer expired is mailed; the seat goes to the next in line."""
    now = now or now_utc()
    expired = db.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now
        )
    ).all()
    channels = sorted({e.channel for e in expired}, key=lambda c: c.id)
    for channel in channels:
        channel.lock()
    for entry in expired:
        db.session.refresh(entry)
    expired = [e for e in expired if e.status == "offered"]
    for entry in expired:
        entry.status = "expired"
        mail_registration(entry.registration, "offer_expired.txt", kind="waitlist", entry=entry)
    db.session.flush()
    for channel in channels:
        offer_freed_seats(channel, now)
    db.session.commit()
    return len(expired)
