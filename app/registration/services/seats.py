"""Seats: a channel's rules as plain facts, the seats taken, and the overview of every channel.

``take_seat`` counts under the channel lock (``Channel.lock``: an UPDATE of the channel row) in
the transaction that inserts, so a webinar seat is never sold twice, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.core import preview
from app.core.jpdates import now_utc
from app.events.models import Channel, Event
from app.registration import rules
from app.registration.models import venue_headcount, webinar_seat_counts, webinar_seats_taken
from app.registration.rules import ChannelFacts

# A test may set this to stretch the window between counting and inserting (race proofs).
_after_count_hook = None


# A preview page's channel is open whatever its dates (issue 10 §2: try the forms before).
_ALWAYS = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))


def facts(channel: Channel) -> ChannelFacts:
    """The rules' view of a channel; in preview mode its opening and deadline do not apply."""
    opens_at, closes_at = _ALWAYS if preview.is_on() else (channel.opens_at, channel.closes_at)
    return ChannelFacts(
        code=channel.code,
        label=channel.label,
        opens_at=opens_at,
        closes_at=closes_at,
        capacity=channel.capacity,
        capacity_is_target=channel.capacity_is_target,
        eligible_categories=tuple(channel.eligible_categories)
        if channel.eligible_categories is not None
        else None,
        max_team_size=channel.max_team_size,
    )


def seats_taken(channel: Channel, now: datetime | None = None) -> int:
    return webinar_seats_taken(channel.id, now or now_utc())


def channel_overview(event: Event, now: datetime | None = None) -> list[dict]:
    """Each channel with its state (受付中 / 残りわずか / 満席 / 受付終了) and its seats.

    One definition everywhere: ``taken`` = ``registered`` (active registrations; for a venue,
    active members of 受付済・参加決定・人数調整 teams) + ``offered`` (seats held by live
    waiting-list offers); ``left`` = capacity − taken (None without a capacity).
    """
    now = now or now_utc()
    rows = []
    for channel in event.channels:
        if channel.kind == "venue":
            registered, offered = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES), 0
        else:
            registered, offered = webinar_seat_counts(channel.id, now)
        taken = registered + offered
        left = None if channel.capacity is None else channel.capacity - taken
        rows.append(
            {
                "channel": channel,
                "state": rules.channel_state(facts(channel), taken, now, event.few_left_ratio),
                "registered": registered,
                "offered": offered,
                "taken": taken,
                "left": left,
            }
        )
    return rows


def take_seat(channel: Channel, now: datetime, over_capacity: bool = False) -> int:
    """Count under the lock and refuse when full (the caller holds ``channel.lock()``);
    returns the seats taken before this one."""
    taken = seats_taken(channel, now)
    if _after_count_hook is not None:
        _after_count_hook()
    rules.check_capacity(facts(channel), taken, over_capacity=over_capacity)
    return taken
