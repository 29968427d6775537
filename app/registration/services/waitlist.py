"""The webinar's waiting list (キャンセル待ち): joining, offers of freed seats, accepting, expiry.

An offer holds its seat until it expires (event setting ``waitlist_offer_hours``). Each public
function is one transaction and commits; ``offer_freed_seats`` runs inside the caller's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.events.models import Channel, Event
from app.extensions import db
from app.registration import rules
from app.registration.models import Registration, WaitlistEntry
from app.registration.rules import RegistrationError
from app.registration.services.notify import mail_registration
from app.registration.services.seats import facts, seats_taken


def queue_for_webinar(event: Event, registration: Registration, now: datetime) -> WaitlistEntry:
    webinar = next(c for c in event.channels if c.kind == "webinar")
    rules.check_open(facts(webinar), now)
    rules.check_eligible(facts(webinar), registration.category)
    entry = WaitlistEntry(registration=registration, channel=webinar, created_at=now)
    db.session.add(entry)
    return entry


def join_waitlist(registration: Registration, now: datetime | None = None) -> WaitlistEntry:
    """Queue a YouTube registrant for the webinar (commits)."""
    now = now or now_utc()
    if not registration.is_active:
        raise RegistrationError("取り消されたお申込みです。")
    if registration.channel.kind == "webinar":
        raise RegistrationError("既にウェビナー参加でお申込みいただいています。")
    if registration.open_waitlist_entry is not None:
        raise RegistrationError("既にキャンセル待ちに登録されています。")
    entry = queue_for_webinar(registration.event, registration, now)
    db.session.flush()
    position = waitlist_position(entry)
    mail_registration(registration, "waitlist_joined.txt", kind="waitlist", position=position)
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


def offer_freed_seats(channel: Channel, now: datetime) -> int:
    """Offer every free seat to the first waiting in line (the caller holds the lock and commits).

    Each offer holds its seat until it expires (event setting, default 48 hours).
    """
    if channel.capacity is None:
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
        entry.status = "offered"
        entry.offered_at = now
        entry.offer_expires_at = now + timedelta(hours=hours)
        registration = entry.registration
        mail_registration(registration, "waitlist_offer.txt", kind="waitlist_offer", entry=entry)
    return len(waiting)


def accept_offer(registration: Registration, now: datetime | None = None) -> Registration:
    """Take the seat held by a live offer: the registration moves to the webinar (commits)."""
    now = now or now_utc()
    entry = registration.open_waitlist_entry
    if entry is None or not entry.offer_is_live(now):
        raise RegistrationError("有効なご案内がありません（回答期限を過ぎた可能性があります）。")
    channel = entry.channel
    channel.lock()
    entry.status = "accepted"
    registration.channel = channel
    db.session.flush()
    mail_registration(registration, "offer_accepted.txt")
    db.session.commit()
    return registration


def expire_offers(now: datetime | None = None) -> int:
    """Expire offers past their time and pass the seats on (commits); returns the count."""
    now = now or now_utc()
    expired = db.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now
        )
    ).all()
    channels = {e.channel for e in expired}
    for channel in channels:
        channel.lock()
    for entry in expired:
        entry.status = "expired"
    db.session.flush()
    for channel in channels:
        offer_freed_seats(channel, now)
    db.session.commit()
    return len(expired)
