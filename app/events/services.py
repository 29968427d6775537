"""Event use cases: copying an event into another year. Each function commits."""

from __future__ import annotations

from app.core.jpdates import shift_weeks
from app.events.models import Channel, Event, ProgrammeItem, Training, Venue
from app.extensions import db


def clone_event(source: Event, fiscal_year: int, slug: str) -> Event:
    """Copy an event into another year: every date moves by the years' difference in whole
    weeks (same weekdays), nothing registered is copied (commits)."""
    weeks = round((fiscal_year - source.fiscal_year) * 52.18)
    columns = [c.key for c in Event.__table__.columns if c.key not in ("id", "slug", "created_at")]
    clone = Event(**{c: getattr(source, c) for c in columns})
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
