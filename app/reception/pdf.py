"""Printed matter of the reception: the venue's 受付名簿 (A4, a check box per person) for when
the network is down; what is ticked on paper is entered afterwards on the desk screen."""

from __future__ import annotations

from app.core.jpdates import now_utc
from app.events.models import Channel, Event
from app.groupwork.pdf import render_pdf
from app.reception import services

ORDERS = {"kana": "ふりがな順", "table": "卓順"}


def roster_pdf(event: Event, channel: Channel, order: str = "kana") -> bytes:
    """受付名簿 of a venue ordered by ``order`` (a key of ORDERS): No., check box, 氏名,
    ふりがな, 自治体・所属, 卓・役割, and 受付済 with the time for those already checked in."""
    return render_pdf(
        "reception/pdf/roster.html",
        event=event,
        channel=channel,
        order_label=ORDERS[order],
        people=services.roster(channel, order),
        printed_at=now_utc(),
    )
