"""The one statement's new rows and the session (issue 12, fourteenth pass).

The public forms' POSTs read nothing of the new registration or team after the COMMIT (they
redirect to a URL written before it), so their rows are not made persistent in the session
(``attach=False``): making them persistent, and the COMMIT expiring them, was a few per cent
of a surge POST's CPU. Since the sixteenth (the team) and seventeenth (the registration)
passes the one statement writes plain values and such a caller gets them back
(``teams.NewTeam``, ``individual.NewRegistration``), never an ORM object holding the
process's kept event graph. Every other caller keeps a persistent row, as before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.core.models import OutboxMessage
from app.registration.models import Registration, Team
from app.registration.services import individual, seats, teams
from tests.registration.test_views import _form, _member, _team_form


@pytest.fixture
def persisted_calls(monkeypatch):
    """Every object ``seats._persisted`` made persistent after the one statement."""
    calls: list[object] = []
    real = seats._persisted
    monkeypatch.setattr(seats, "_persisted", lambda obj: calls.append(obj) or real(obj))
    return calls


@pytest.fixture
def inserted(monkeypatch):
    """(kind, the rows, the keywords) of every one-statement insert the services make."""
    calls: list[tuple[str, list, dict]] = []
    real_seat, real_team = individual.insert_with_seat, teams.insert_team_rows

    def seat(channel, now, registration, together):
        calls.append(("registration", [registration, *(values for _, values in together)], {}))
        return real_seat(channel, now, registration, together)

    def team(team_, members, others, *args, **kw):
        calls.append(("team", [team_, *members, *(values for _, values in others)], kw))
        return real_team(team_, members, others, *args, **kw)

    monkeypatch.setattr(individual, "insert_with_seat", seat)
    monkeypatch.setattr(teams, "insert_team_rows", team)
    return calls


def _plain(values) -> bool:
    """A row's values as the team's one statement takes them: a dict of plain values (no
    ORM object, no event, channel or municipality object among them)."""
    return isinstance(values, dict) and not any(
        hasattr(v, "_sa_instance_state") for v in values.values()
    )


@pytest.mark.postgres_only
def test_the_public_forms_leave_their_new_rows_out_of_the_session(
    client, db, event, persisted_calls, inserted
):
    registered = client.post("/register", data=_form())
    assert registered.status_code == 302 and "/done" in registered.headers["Location"]
    again = client.post(
        "/register", data=_form(email="b@pref.example.jp", email_confirm="b@pref.example.jp")
    )
    assert again.status_code == 302  # this one on the kept event graph
    members = [_member(1), _member(2, "kankei_dantai", municipality="", organisation="市医師会")]
    response = client.post("/team/apply", data=_team_form(members))
    assert response.status_code == 302 and "received=1" in response.headers["Location"]

    assert persisted_calls == []
    assert [kind for kind, _, _ in inserted] == ["registration", "registration", "team"]
    # The registration and its mail, the team, its members and their mails: plain values,
    # no ORM object (no submission key is posted here).
    assert [len(rows) for _, rows, _ in inserted] == [1 + 1, 1 + 1, 1 + 2 + 2]
    assert all(_plain(row) for _, rows, _ in inserted for row in rows)
    # …and what they wrote is all there: the registrations, the team and its two members.
    registration = db.session.scalars(
        select(Registration).where(Registration.email == "hanako.sato@pref.example.jp")
    ).one()
    assert f"/r/{registration.token}/done" in registered.headers["Location"]
    team = db.session.scalars(select(Team).where(Team.municipality_code == "011002")).one()
    assert [m.email for m in team.members] == [
        "m1@city.sapporo.example.jp",
        "m2@city.sapporo.example.jp",
    ]


@pytest.mark.postgres_only
def test_a_team_written_again_under_the_lock_stays_out_of_the_session(
    client, db, event, persisted_calls, inserted, monkeypatch
):
    """The first look says the venue is past its target (選定中); under the lock the team
    fits (受付済): its mails are written again and the team inserted by a second statement,
    unattached as the first would have been."""
    first_look = teams.team_first_look
    monkeypatch.setattr(teams, "team_first_look", lambda *a: (first_look(*a)[0], 10_000))
    response = client.post("/team/apply", data=_team_form([_member(1), _member(2)]))
    assert response.status_code == 302 and "received=1" in response.headers["Location"]

    assert [kind for kind, _, _ in inserted] == ["team", "team"]
    assert all(_plain(row) for _, rows, _ in inserted for row in rows)
    assert persisted_calls == []
    team = db.session.scalars(select(Team)).one()
    assert team.status == "received" and len(team.members) == 2
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "team")).all()
    # written again for the state under the lock: 受付済, never the first look's 選定中
    assert len(mails) == 2 and all("■ 状態：受付済" in mail.body for mail in mails)
    assert not any("選定中" in mail.body for mail in mails)


@pytest.mark.postgres_only
def test_the_services_return_a_persistent_row_unless_told_otherwise(
    app, db, event, make_person, persisted_calls
):
    kept = individual.register_for_training1(event, "webinar", make_person("pref"))
    assert sa_inspect(kept).persistent and persisted_calls == [kept]

    loose = individual.register_for_training1(event, "webinar", make_person("pref"), attach=False)
    assert isinstance(loose, individual.NewRegistration)
    assert db.session.get(Registration, loose.id).email == loose.email

    # The team's one statement writes plain values: a caller that reads the team gets the
    # stored row, one that does not the plain team with its ids (never an ORM object).
    person = make_person("muni")
    team = teams.apply_team(event, "t2_tokyo", "011002", [person])
    assert sa_inspect(team).persistent and team.members[0].email == person.email
    loose_team = teams.apply_team(event, "t2_osaka", "012025", [make_person("muni")], attach=False)
    assert isinstance(loose_team, teams.NewTeam)
    stored = db.session.get(Team, loose_team.id)
    assert [m.id for m in stored.members] == [m.id for m in loose_team.members]
