"""資料１ (the venue guide) as a PDF, generated from the event data with WeasyPrint."""

from __future__ import annotations

from app.events.models import Channel, Event, Venue
from app.groupwork.pdf import render_pdf
from app.groupwork.scenes import GROUPWORK_STEPS


def guide_filename(event: Event, venue: Venue) -> str:
    """「資料１_研修会議Ⅱ（東京会場）ご案内.pdf」."""
    return f"資料１_研修会議Ⅱ（{venue.name}）ご案内.pdf"


def venue_guide_pdf(event: Event, venue: Venue) -> bytes:
    """資料１: date, venue, address, access, room rules, the day's flow (研修会議Ⅱ programme),
    the flow up to the day with this venue's deadlines, and the 8 groupwork steps."""
    channel: Channel | None = next(
        (c for c in event.venue_channels if c.venue_id == venue.id), None
    )
    try:
        training = event.training("t2")
    except KeyError:
        training = None
    return render_pdf(
        "groupwork/assignments/guide_pdf.html",
        event=event,
        venue=venue,
        channel=channel,
        training=training,
        steps=GROUPWORK_STEPS,
    )
