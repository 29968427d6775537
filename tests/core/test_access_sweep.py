"""Sweeps over every route of a kind (issue 8), built from ``app.url_map`` so that a route added
later is covered without anyone listing it:

- every POST route refuses a request without the CSRF token (HTTP 400) and changes nothing;
- every console route sends an anonymous visitor to the login page;
- every registrants-only route (the archive and its files) is closed to people who are no
  longer registrants: a cancelled registration, a member of a 見送り or cancelled team, a member
  removed from a team.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from app.core.models import AuditLog, OutboxMessage
from app.events.models import Material
from app.registration.models import Registration, Team
from app.registration.services import individual, teams

# How to fill a URL argument the sweep meets; an unknown one fails the sweep loudly.
DUMMY_ARGUMENTS = {
    "token": "no-such-token-aaaaaaaaaaaaaaaaaaaa",
    "slug": "fy2023",
    "code": "tokyo",
    "venue_code": "tokyo",
    "what": "registrations",
    "fmt": "xlsx",
    "kind": "seatplan",
    "ch": "qr",
    "filename": "site.css",
    "job_id": "no-such-job",
}


def _fill(rule, values=None) -> str:
    values = {**DUMMY_ARGUMENTS, **(values or {})}
    path = rule.rule
    for arg in rule.arguments:
        if isinstance(rule._converters[arg], IntegerConverter):
            value = values.get(arg, 1)
        else:
            assert arg in values, f"the sweep does not know how to fill <{arg}> of {rule.rule}"
            value = values[arg]
        path = re.sub(rf"<(?:[\w]+(?:\([^)]*\))?:)?{arg}>", str(value), path)
    return path


def _state(db) -> tuple:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Registration, Team, OutboxMessage, AuditLog)
    )


@pytest.mark.csrf
def test_every_post_route_refuses_a_request_without_the_csrf_token(
    app, client, db, event, make_registration
):
    registration = make_registration("webinar")
    before = _state(db)
    routes = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(routes) >= 40
    for rule in routes:
        path = _fill(rule, {"token": registration.token})
        response = client.post(path, data={"name": "x"})
        # Refused: a form comes back with what was typed (200) and a Japanese explanation, a
        # button gets the explanation page (400); issue 9 §3. This asserted 400 only before.
        assert response.status_code in (200, 400), (path, response.status_code)
        assert "安全のため送信を受け付けませんでした" in response.get_data(as_text=True), path
    assert _state(db) == before
    assert db.session.get(Registration, registration.id).status == "active"


def test_every_console_route_sends_an_anonymous_visitor_to_the_login(app, client, event):
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/console")]
    routes = [r for r in routes if r.endpoint != "core.login"]
    assert len(routes) >= 40
    for rule in routes:
        path = _fill(rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(path, method=method)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/console/login"), path


def test_registrants_only_routes_close_when_the_person_is_no_longer_a_registrant(
    app, client, db, event, make_registration, make_team
):
    material = Material(
        event=event,
        title="研修会議Ⅰ 資料１",
        filename="s.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.4 x",
        registrants_only=True,
    )
    db.session.add(material)
    db.session.commit()
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/archive")]
    assert len(routes) >= 2

    def codes(token):
        return {
            client.get(_fill(rule, {"token": token, "material_id": material.id})).status_code
            for rule in routes
        }

    active = make_registration("webinar")
    applying = make_team(size=2, municipality="011002")
    declined = make_team(size=2, municipality="012025")
    cancelled_team = make_team(size=2, municipality="012033")
    adjusted = make_team(size=3, municipality="012041")
    for team in (declined, adjusted):
        team.status = "pending"
    db.session.commit()
    teams.decide_team(declined, "declined")
    keep = [m.id for m in adjusted.active_members[:2]]
    teams.decide_team(adjusted, "adjusted", keep_member_ids=keep)
    removed = next(m for m in adjusted.members if m.status == "removed")
    teams.cancel_team(cancelled_team)
    assert codes(active.token) == {200}
    assert codes(applying.members[1].token) == {200}
    assert codes(adjusted.members[0].token) == {200}
    for token in (
        declined.members[1].token,
        cancelled_team.members[0].token,
        removed.token,
    ):
        assert codes(token) == {404}, token
    individual.cancel_registration(active)
    assert codes(active.token) == {404}


def test_ids_that_cannot_exist_are_404_never_500(app, client, staff, event, make_registration):
    """Every route with a number in its URL, given a number past any database id (PostgreSQL
    once answered 500 for it) or one that fits but names nothing."""
    registration = make_registration("webinar")
    staff(client, "admin")
    routes = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods
        and any(isinstance(r._converters[a], IntegerConverter) for a in r.arguments)
    ]
    assert len(routes) >= 10
    for rule in routes:
        for number in (2**31, 99999999999999999999, 2**31 - 1):
            ints = {
                a: number
                for a in rule.arguments
                if isinstance(rule._converters[a], IntegerConverter)
            }
            path = _fill(rule, {"token": registration.token, **ints})
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            response.close()
