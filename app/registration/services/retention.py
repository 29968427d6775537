"""Retention: erasing an event's personal data once its retention period is over (commits)."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.events.models import Event
from app.extensions import db
from app.registration.models import Registration, Team, TeamMember

ANONYMISED = "（削除済み）"


AUDIT_ACTIONS = audit.actions({"anonymise_event": "個人情報の削除"})


def anonymise_event(event: Event) -> int:
    """Erase the personal data of an event's registrants and team members (commits).

    Names, kana, e-mail, phone, department, occupation and the matching key are blanked; categories, channels,
    municipalities and states stay, so the figures of the report stay reproducible.
    Returns the number of people anonymised.
    """
    people = list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)))
    people += list(
        db.session.scalars(select(TeamMember).join(Team).where(Team.event_id == event.id))
    )
    for person in people:
        person.name = person.kana = ANONYMISED
        person.email = person.email_normalized = (
            f"deleted-{type(person).__name__.lower()}-{person.id}@invalid"
        )
        person.phone = person.department = person.occupation = person.category_other = ""
        person.search_key = ""  # the matching key holds the name and e-mail too
    audit.record("anonymise_event", event.slug, f"{len(people)}名", event.id)
    db.session.commit()
    return len(people)
