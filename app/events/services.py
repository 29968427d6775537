"""Event use cases: copying an event into another year. Each function commits."""

from __future__ import annotations

from datetime import date

from app.core.jpdates import shift_weeks, wareki_year
from app.events.models import Channel, Event, ProgrammeItem, Training, Venue
from app.extensions import db

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def fiscal_year_label(fiscal_year: int) -> str:
    """「令和5年度」 for 2023 (the era of the fiscal year's first day, 1 April)."""
    return f"{wareki_year(date(fiscal_year, 4, 1))}度"


def renamed_fiscal_year(text: str, source_year: int, fiscal_year: int) -> str:
    """``text`` with the source's 年度 (「令和５年度」, in full- or half-width digits) written as
    ``fiscal_year``'s, in the same digits."""
    old, new = fiscal_year_label(source_year), fiscal_year_label(fiscal_year)
    return text.replace(old, new).replace(old.translate(_FULL_WIDTH), new.translate(_FULL_WIDTH))


def clone_event(source: Event, fiscal_year: int, slug: str) -> Event:
    """Copy an event into another year: every date moves by the years' difference in whole
    weeks (same weekdays), the event's texts name the new 年度 (令和５年度 → 令和６年度), and
    nothing registered is copied (commits). Dates typed into free text are not moved: dates a
    person reads are columns (a venue's emergency hours take the day of its channel)."""
    weeks = round((fiscal_year - source.fiscal_year) * 52.18)
    columns = [c.key for c in Event.__table__.columns if c.key not in ("id", "slug", "created_at")]
    clone = Event(**{c: getattr(source, c) for c in columns})
    for column in Event.__table__.columns:
        value = getattr(clone, column.key)
        if isinstance(value, str):
            setattr(clone, column.key, renamed_fiscal_year(value, source.fiscal_year, fiscal_year))
    clone.slug, clone.fiscal_year, clone.is_current = slug, fiscal_year, False
    for attr in ("survey_opens_at", "survey_closes_at"):
        if getattr(source, attr):
            setattr(clone, attr, shift_weeks(getattr(source, attr), weeks))
    training_map: dict[int, Training] = {}
    for tr in source.trainings:
        new = Training(
            code=tr.code,
            name=tr.name,
            focus=tr.focus,
            format_label=tr.format_label,
            note=tr.note,
            position=tr.position,
        )
        new.programme = [
            ProgrammeItem(
                position=p.position,
                time_label=p.time_label,
                title=p.title,
                speaker=p.speaker,
                survey_label=p.survey_label,
            )
            for p in tr.programme
        ]
        training_map[tr.id] = new
        clone.trainings.append(new)
    venue_map: dict[int, Venue] = {}
    skip = {"id", "event_id"}
    for v in source.venues:
        new = Venue(
            **{c.key: getattr(v, c.key) for c in Venue.__table__.columns if c.key not in skip}
        )
        for attr in ("scene_deadline", "assignment_deadline"):
            if getattr(v, attr):
                setattr(new, attr, shift_weeks(getattr(v, attr), weeks))
        venue_map[v.id] = new
        clone.venues.append(new)
    skip = {"id", "event_id", "training_id", "venue_id", "lock_version"}
    for ch in source.channels:
        new = Channel(
            **{c.key: getattr(ch, c.key) for c in Channel.__table__.columns if c.key not in skip}
        )
        for attr in ("opens_at", "closes_at", "starts_at", "ends_at"):
            setattr(new, attr, shift_weeks(getattr(ch, attr), weeks))
        new.training = training_map[ch.training_id]
        new.venue = venue_map.get(ch.venue_id) if ch.venue_id else None
        clone.channels.append(new)
    db.session.add(clone)
    db.session.commit()
    return clone
