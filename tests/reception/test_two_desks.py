"""Two (or more) reception desks scan the same person at the same moment: counted once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.events.models import Event
from app.reception import services
from app.reception.models import Attendance
from tests.registration.test_concurrency import kinds, race


@pytest.mark.postgres_only
def test_two_desks_scanning_one_person_at_once_count_once(app, db, event, make_team):
    team = make_team(size=2)
    member_id, channel_id = team.members[0].id, team.channel_id
    code = services.checkin_code(member_id)

    def job(e: Event):
        channel = next(c for c in e.channels if c.id == channel_id)
        return services.check_in_code(e, channel, code, None).kind

    outcomes = race(app, [job] * 4, event.id)
    assert kinds(outcomes) == {"ok": 4}, outcomes
    assert sorted(outcomes) == ["already", "already", "already", "checked_in"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_the_database_refuses_a_second_attendance_row(db, event, make_team):
    """What the desks rely on: a unique index, whatever the application checked before."""
    from sqlalchemy.exc import IntegrityError

    team = make_team(size=1)
    for _ in range(2):
        db.session.add(
            Attendance(
                event_id=event.id,
                channel_id=team.channel_id,
                team_member_id=team.members[0].id,
                source="scan",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
