"""The surge path counted at the engine (issue 12): what one accepted registration asks the
database, and that no refused POST of a public form that takes seats locks a channel.

Round trips are counted by ``tests.roundtrips.RoundTrips`` (pool pings, BEGIN, statements,
COMMIT/ROLLBACK). The session is removed before each counted request and after it, as a served
request would start and end (the test client shares the test's app context).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.core.models import OutboxMessage, SubmissionKey
from app.registration.models import Registration, Team
from tests.registration.test_views import _form, _member, _team_form
from tests.roundtrips import RoundTrips
from tests.surveys.conftest import web_answer

KEY = "surge-key-0123456789"
# Round trips of an accepted POST of the public forms a surge sends (PostgreSQL), asserted by
# the tests of accepted posts below; a refusal of the same form may not cost more (issue 12).
ACCEPTED_TRIPS = {"registration.register": 5, "registration.apply_team": 5}


def counted(db, send) -> tuple[RoundTrips, object]:
    """Run one request as a served one: fresh session before, session ended after."""
    db.session.remove()
    with RoundTrips(db.engine) as trips:
        response = send()
        db.session.remove()
    return trips, response


def warm_up(client, db) -> None:
    """One registration first: the municipality master is read once per process, not per POST
    (and the team form's prefectures)."""
    client.get("/team/apply")
    response = client.post(
        "/register", data=_form(email="warm@example.jp", email_confirm="warm@example.jp")
    )
    assert response.status_code == 302
    db.session.remove()


# ---------------------------------------------------------------- an accepted registration


@pytest.mark.postgres_only
def test_an_accepted_registration_takes_at_most_five_round_trips(client, db, event):
    warm_up(client, db)
    trips, response = counted(db, lambda: client.post("/register", data=_form(_submission=KEY)))

    assert response.status_code == 302 and "/done" in response.headers["Location"], str(trips)
    assert len(trips) <= ACCEPTED_TRIPS["registration.register"], str(trips)
    # The seat is taken by the last statement before the COMMIT, which inserts the row, the
    # mail and the submission key together; nothing is read back after the COMMIT.
    assert trips.calls[-1] == "COMMIT", str(trips)
    last = trips.calls[-2]
    for table in ("registration", "outbox_message", "submission_key"):
        assert f"INSERT INTO {table}" in last, str(trips)
    assert trips.statements().index(last) == len(trips.statements()) - 1
    # …and the person gets what an accepted registration gives: the row, the mail, the key.
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    token = response.headers["Location"].split("/r/")[1].split("/")[0]
    assert mail.to_addr == "hanako.sato@pref.example.jp" and f"/r/{token}" in mail.body
    assert "東京都" in mail.body  # the 所属 from the cached master
    assert db.session.get(SubmissionKey, KEY).location.endswith(f"/r/{token}/done")


@pytest.mark.postgres_only
def test_the_seat_statement_stays_in_psycopgs_cache_of_converted_queries(client, db, event):
    """psycopg converts a query's placeholders once and keeps the result only for a query of
    at most 50 parameters and 4,096 characters; the seat statement was 51 and converted on
    every registration (about a sixth of its CPU). A column added to the registration, the
    mail or the submission key must keep it within both (seats.insert_with_seat shares the
    values the rows have in common)."""
    from psycopg import _queries
    from sqlalchemy import event as sa_event

    warm_up(client, db)
    seen: list[tuple[str, int]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH seat"):
            seen.append((statement, len(parameters or ())))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post("/register", data=_form(_submission=KEY))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 302
    [(statement, parameters)] = seen
    assert parameters <= _queries.MAX_CACHED_STATEMENT_PARAMS, parameters
    assert len(statement.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH, len(statement)


@pytest.mark.postgres_only
def test_the_team_statement_is_one_for_every_size_and_stays_in_psycopgs_cache(client, db, event):
    """The team's statement binds its members, and their mails, as one JSON array each: the
    same text for a team of one, two or six, within psycopg's cache of converted queries (with
    a value per column it had about 80 values for two members and was parsed again on every
    application). What was typed arrives as typed, each member with their own row and mail."""
    from psycopg import _queries
    from sqlalchemy import event as sa_event

    from app.registration.models import TeamMember

    warm_up(client, db)
    seen: list[tuple[str, int]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "INSERT INTO team_member" in statement:
            seen.append((statement, len(parameters or ())))

    municipalities = iter(["012025", "012033", "012041"])
    sizes = (1, 2, 6)
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        for size in sizes:
            code = next(municipalities)
            members = [_member(f"{code}-{i}") for i in range(size)]
            members[-1]["name"] = '髙橋　𠮷子 O\'Brien \\ "引用" 100%'
            data = _team_form(members, team_municipality=code, _submission=f"{KEY}{size}")
            response = client.post("/team/apply", data=data)
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 3 and len({statement for statement, _ in seen}) == 1, seen
    statement, parameters = seen[0]
    assert parameters <= _queries.MAX_CACHED_STATEMENT_PARAMS, parameters
    assert len(statement.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH, len(statement)
    for size in sizes:
        team = db.session.scalars(
            select(Team).join(TeamMember).where(TeamMember.email.like(f"%-{size - 1}@%"))
        ).first()
        assert team is not None and len(team.members) >= size
    names = db.session.scalars(select(TeamMember.name).where(TeamMember.name.like("髙橋%"))).all()
    assert names == ['髙橋　𠮷子 O\'Brien \\ "引用" 100%'] * 3, names
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "team")).all()
    assert len(mails) == sum(sizes)
    members = db.session.scalars(select(TeamMember)).all()
    for member in members:
        mail = next(m for m in mails if m.to_addr == member.email)
        assert f"/t/{member.token}" in mail.body and member.name in mail.body
        assert member.created_at.tzinfo is not None and abs(
            member.created_at - mail.created_at
        ) < timedelta(minutes=1)


@pytest.mark.postgres_only
def test_the_last_seat_taken_meanwhile_is_refused_under_the_lock_and_rolled_back(
    client, db, event, monkeypatch
):
    """The first look (before the lock) saw a free seat; the statement under the lock does not
    insert, nothing is kept, and the person gets the 満席 answer."""
    from app.registration.services import individual

    event_id = event.id
    warm_up(client, db)
    event = db.session.get(type(event), event_id)
    event.channel("webinar").capacity = 1
    db.session.commit()
    monkeypatch.setattr(individual, "refuse_duplicate_and_count", lambda *a, **k: 0)
    trips, response = counted(db, lambda: client.post("/register", data=_form(_submission=KEY)))

    assert response.status_code == 200 and "定員（1名）に達しました" in response.get_data(
        as_text=True
    )
    assert "ROLLBACK" in trips.calls
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.get(SubmissionKey, KEY) is None


def test_the_registration_form_is_rendered_from_cached_options(client, db, event):
    """The 1,788 options are written once: the page of the second request is the same HTML,
    and a refused POST shows the chosen 所属 selected."""
    first = client.get("/register").get_data(as_text=True)
    second = client.get("/register").get_data(as_text=True)
    strip = __import__("re").compile(r'name="(?:_submission|csrf_token)" value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", second)
    assert first.count("<option") > 1700
    refused = client.post("/register", data=_form(department="", municipality="011002"))
    html = refused.get_data(as_text=True)
    assert '<option selected value="011002">北海道 札幌市</option>' in html
    assert html.count("<option selected") == 2  # the 所属 and the 参加区分


# ---------------------------------------------------------------- refusals take no lock


def _webinar_full(db, event, make_registration):
    make_registration("webinar")
    event.channel("webinar").capacity = 1
    db.session.commit()


def _registrant(make_registration, channel="youtube"):
    return make_registration(channel).token


def refusals(db, event, make_registration, make_team, close_channel):
    """Every refused POST of a public form that takes (or gives back) seats: (name, path,
    data, what the person reads)."""
    yield (
        "registration.register",
        "full",
        "/register",
        _form(),
        None,
        "定員",
        lambda: _webinar_full(db, event, make_registration),
    )
    yield (
        "registration.register",
        "duplicate",
        "/register",
        _form(),
        None,
        "既に",
        lambda: make_registration("youtube", email="hanako.sato@pref.example.jp"),
    )
    yield (
        "registration.register",
        "closed",
        "/register",
        _form(),
        None,
        "締め切",
        lambda: close_channel(event.channel("webinar")),
    )
    members = [_member(1), _member(2, "kankei_dantai", "", "札幌市医師会")]
    yield (
        "registration.apply_team",
        "duplicate",
        "/team/apply",
        _team_form(members),
        None,
        ("１自治体１団体"),
        lambda: make_team(municipality="011002"),
    )
    yield (
        "registration.apply_team",
        "closed",
        "/team/apply",
        _team_form(members),
        None,
        ("締め切"),
        lambda: close_channel(event.channel("t2_tokyo")),
    )
    yield (
        "registration.accept_offer",
        "no offer",
        "/r/{token}/accept-offer",
        {},
        "youtube",
        (None),
        None,
    )
    yield (
        "registration.decline_offer",
        "no offer",
        "/r/{token}/decline-offer",
        {},
        "youtube",
        (None),
        None,
    )
    yield (
        "registration.waitlist",
        "on the webinar",
        "/r/{token}/waitlist",
        {},
        "webinar",
        (None),
        None,
    )
    yield (
        "registration.switch",
        "full",
        "/r/{token}/switch",
        {"channel": "webinar"},
        "youtube",
        (None),
        lambda: _webinar_full(db, event, make_registration),
    )


# The personal page's buttons: not what a surge sends; a refusal is a flash and a redirect, and
# the submission key is claimed in a transaction of its own as on any unfolded form.
BUTTONS = {
    "registration.accept_offer",
    "registration.decline_offer",
    "registration.waitlist",
    "registration.switch",
}
SEAT_FORMS = set(ACCEPTED_TRIPS) | BUTTONS
# Public POSTs that take no seat, or give one back only after their checks passed.
NO_SEAT = {
    "registration.edit_registration": "changes details, no seat",
    "registration.cancel": "gives the seat back: refused only by the lifecycle, before the lock",
    "registration.edit_team": "a venue's 「程度」 target, checked after the deadline check",
    "registration.cancel_team": "gives seats back",
    "surveys.answer": "stores an anonymous answer (counted below)",
    "core.password_reset": "staff account",
    "mailing.resend_link": "queues a mail of one's links, no seat",
}


def test_every_public_post_is_classified(app):
    """A new public POST form must say whether it takes seats (and get a refusal below)."""
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not rule.rule.startswith("/console")
        and not rule.endpoint.startswith("groupwork_")  # team pages' uploads: no seats
    }
    assert public == SEAT_FORMS | set(NO_SEAT), public ^ (SEAT_FORMS | set(NO_SEAT))


@pytest.mark.parametrize("index", range(9))
def test_a_refused_post_takes_no_lock(
    client, db, event, make_registration, make_team, close_channel, index
):
    endpoint, case, path, data, token_of, text, setup = list(
        refusals(db, event, make_registration, make_team, close_channel)
    )[index]
    assert endpoint in SEAT_FORMS
    if setup is not None:
        setup()
    if token_of is not None:
        path = path.format(token=_registrant(make_registration, token_of))
    client.get("/register")  # the worker keeps the event as changed by the setup, as in a surge
    trips, response = counted(db, lambda: client.post(path, data=dict(data, _submission=KEY)))

    assert response.status_code in (200, 302), (endpoint, case)
    if text is not None:
        assert text in response.get_data(as_text=True), (endpoint, case)
    else:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "flash-error" in page, (endpoint, case)
    assert not trips.takes_a_lock(), f"{endpoint} ({case}) locked a channel:\n{trips}"
    if endpoint in ACCEPTED_TRIPS:  # a refused form answers a short page, not the whole form
        page = response.get_data(as_text=True)
        assert "<select" not in page and "入力内容を修正する" in page, (endpoint, case)
    # A refusal costs no more than an acceptance: no more round trips (PostgreSQL, where the
    # accepted ones are counted).
    if endpoint in ACCEPTED_TRIPS and db.engine.dialect.name == "postgresql":
        assert len(trips) <= ACCEPTED_TRIPS[endpoint], f"{endpoint} ({case}):\n{trips}"
    stored = [s for s in trips.statements() if s.startswith("INSERT") and "submission_key" not in s]
    assert not stored, (endpoint, case, stored)  # (a flashed refusal keeps its key: issue 9)


# ---------------------------------------------------------------- the other forms


@pytest.mark.postgres_only
def test_an_accepted_team_application_and_a_questionnaire_answer_are_short(client, db, event):
    event_id = event.id
    warm_up(client, db)
    members = [_member(1), _member(2, "kankei_dantai", "", "札幌市医師会")]
    trips, response = counted(
        db, lambda: client.post("/team/apply", data=_team_form(members, _submission=KEY))
    )
    assert response.status_code == 302, str(trips)
    assert len(trips) <= ACCEPTED_TRIPS["registration.apply_team"], str(trips)
    # The team, its members, their mails and the submission key in the last statement.
    assert trips.calls[-1] == "COMMIT", str(trips)
    for table in ("team", "team_member", "outbox_message", "submission_key"):
        assert f"INSERT INTO {table} " in trips.calls[-2], str(trips)
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1
    team = db.session.scalars(select(Team)).one()
    tokens = sorted(m.token for m in team.members)
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "team")).all()
    assert sorted(m.to_addr for m in mails) == sorted(m.email for m in team.members)
    for member in team.members:  # each member's mail carries that member's own link
        mail = next(m for m in mails if m.to_addr == member.email)
        assert f"/t/{member.token}" in mail.body and member.team_id == team.id
    assert len(set(tokens)) == 2 and team.representative.position == 0
    assert db.session.get(SubmissionKey, KEY).location.endswith(
        f"/t/{team.representative.token}?received=1"
    )

    event = db.session.get(type(event), event_id)
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    client.get(f"/survey/{event.slug}")  # the questionnaire is generated on its first page
    url = f"/survey/{event.slug}?ch=qr"
    trips, response = counted(db, lambda: client.post(url, data=web_answer(_submission=KEY * 2)))
    assert response.status_code == 302, str(trips)
    assert len(trips) <= 6, str(trips)
    assert not trips.takes_a_lock()
    # Once the worker keeps the questionnaire's version: BEGIN, the event and the survey's
    # version, the answer with its submission key in one statement, COMMIT.
    trips, response = counted(db, lambda: client.post(url, data=web_answer(_submission=KEY * 3)))
    assert response.status_code == 302, str(trips)
    assert len(trips) <= 4, str(trips)
    assert trips.calls[-1] == "COMMIT", str(trips)
    for table in ("survey_response", "submission_key"):
        assert f"INSERT INTO {table} " in trips.calls[-2], str(trips)
