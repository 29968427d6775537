"""Public addresses of the questionnaire, for mails, QR codes, slides and sheets."""

from __future__ import annotations

from app.core.urls import external_url
from app.events.models import Event


def survey_url(event: Event, channel: str) -> str:
    """The public URL of the questionnaire for a channel (short and stable)."""
    return external_url("surveys.answer", slug=event.slug, ch=channel)


def short_url(event: Event) -> str:
    """The short URL shown on the last slide (leads to the screen-QR channel)."""
    return external_url("surveys.short", slug=event.slug)
