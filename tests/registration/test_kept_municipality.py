"""The process's read-only municipalities (``people.municipality_by_code(kept=True)``; issue 12,
thirteenth pass): the accepted registration and team application in one statement, and the
refusal pages, read one detached copy per code instead of merging a row into the session. The
copy never joins a session, keeps its values, and every row written with it names the right
municipality."""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.core.models import OutboxMessage
from app.registration.models import Registration, Team, TeamMember
from app.registration.services.people import municipality_by_code
from tests.registration.test_views import _form, _member, _team_form


def _kept(code: str):
    municipality = municipality_by_code(code, kept=True)
    state = inspect(municipality)
    assert state.detached and state.session_id is None, code
    assert not state.expired_attributes, code
    return municipality


def test_kept_municipalities_stay_out_of_every_session(client, db, event):
    accepted = client.post("/register", data=_form())
    assert accepted.status_code == 302
    members = [_member(1), _member(2, "pref", "010006")]
    assert client.post("/team/apply", data=_team_form(members)).status_code == 302
    # The same address again: the refusal page shows the 所属 from the kept copy.
    refused = client.post("/register", data=_form())
    assert refused.status_code == 200 and "東京都" in refused.get_data(as_text=True)
    db.session.remove()

    tokyo, sapporo, hokkaido = _kept("130001"), _kept("011002"), _kept("010006")
    assert (tokyo.full_name, sapporo.full_name, hokkaido.full_name) == (
        "東京都",
        "北海道札幌市",
        "北海道",
    )
    assert municipality_by_code("130001", kept=True) is tokyo  # one copy per process

    registration = db.session.scalars(select(Registration)).one()
    assert registration.municipality_code == "130001"
    assert registration.municipality is not tokyo and registration.municipality.code == "130001"
    team = db.session.scalars(select(Team)).one()
    assert team.municipality_code == "011002" and team.municipality is not sapporo
    codes = [m.municipality_code for m in db.session.scalars(select(TeamMember))]
    assert sorted(codes) == ["010006", "011002"]
    bodies = "\n".join(m.body for m in db.session.scalars(select(OutboxMessage)))
    assert "所属：東京都" in bodies and "北海道札幌市" in bodies
    assert _kept("130001") is tokyo
