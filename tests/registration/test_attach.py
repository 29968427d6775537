"""The one statement's new rows and the session (issue 12, fourteenth pass).

The public forms' POSTs read nothing of the new registration or team after the COMMIT (they
redirect to a URL written before it), so their rows are not made persistent in the session
(``attach=False``): making them persistent, and the COMMIT expiring them, was about 5 % of a
team application's CPU. Every other caller keeps a persistent row, as before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

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


@pytest.mark.postgres_only
def test_the_public_forms_leave_their_new_rows_out_of_the_session(
    client, db, event, persisted_calls
):
    registered = client.post("/register", data=_form())
    assert registered.status_code == 302 and "/done" in registered.headers["Location"]
    members = [
        _member(1),
        _member(2, category="kankei_dantai", municipality="", organisation="市医師会"),
    ]
    response = client.post("/team/apply", data=_team_form(members))
    assert response.status_code == 302 and "received=1" in response.headers["Location"]

    assert persisted_calls == []
    # …and what they wrote is all there: the registration, the team and its two members.
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
def test_the_services_return_a_persistent_row_unless_told_otherwise(
    app, db, event, make_person, persisted_calls
):
    kept = individual.register_for_training1(event, "webinar", make_person("pref"))
    assert sa_inspect(kept).persistent and persisted_calls == [kept]

    loose = individual.register_for_training1(event, "webinar", make_person("pref"), attach=False)
    assert not sa_inspect(loose).persistent and loose not in db.session
    assert db.session.get(Registration, loose.id).email == loose.email

    team = teams.apply_team(event, "t2_tokyo", "011002", [make_person("muni")])
    assert sa_inspect(team).persistent and team in persisted_calls
    loose_team = teams.apply_team(event, "t2_osaka", "012025", [make_person("muni")], attach=False)
    assert loose_team not in db.session
    stored = db.session.get(Team, loose_team.id)
    assert [m.id for m in stored.members] == [m.id for m in loose_team.members]
