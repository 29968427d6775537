"""What an accepted POST of a surge form reads does not grow with the rows already there (issue 12).

The fault this sweeps for: the venue's head-count, read twice by every 研修会議Ⅱ application,
had no index. Each application scanned every team of the venue, so the 700th cost PostgreSQL
about thirty times what the first did (0.05 → 1.7 ms for the first look alone, in
``bench/registration_surge.py``), and the team application's PostgreSQL CPU doubled.

The sweep: an event well into its registration (600 teams 選定中 on the venues, 600
registrations on YouTube and 60 cancelled on the webinar, 1,200 mails, 600 submission
keys, 600 answers), and each form of ``ACCEPTED_POSTS``, which must list every public form that
``test_round_trips.ACCEPTED_TRIPS`` counts and the questionnaire. PostgreSQL's own plans of
every statement each POST runs (``tests.plans.RowsRead``) give the rows each table scan read;
none may read more than ``MOST_ROWS``. A scan of a growing table where an index was meant reads
the 600 rows it was not looking for.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core.jpdates import now_utc
from tests.plans import RowsRead
from tests.registration.test_round_trips import ACCEPTED_TRIPS, warm_up
from tests.registration.test_views import _form, _member, _team_form
from tests.surveys.conftest import web_answer

FILLER = 600
MOST_ROWS = 20  # the seats and head-counts of this event: a few rows, never the filler

# Each public form a surge sends: the request that accepts one.
ACCEPTED_POSTS = {
    "registration.register": lambda slug: (
        "/register",
        _form(email="surge@example.jp", email_confirm="surge@example.jp"),
    ),
    "registration.apply_team": lambda slug: (
        "/team/apply",
        _team_form([_member(1), _member(2, "kankei_dantai", "", "札幌市医師会")]),
    ),
    "surveys.answer": lambda slug: (f"/survey/{slug}?ch=qr", web_answer()),
}


def test_every_surge_form_is_swept():
    assert set(ACCEPTED_TRIPS) <= set(ACCEPTED_POSTS), set(ACCEPTED_TRIPS) - set(ACCEPTED_POSTS)


def _clone(db, table: str, where: str, n: int | None, overrides: dict[str, str], extra="") -> None:
    """INSERT copies of the rows of ``table`` matching ``where``, ``n`` times each (``g``: 1…n)
    or once per row of ``extra``'s FROM items, with ``overrides`` (column → SQL expression)."""
    columns = [
        c["name"]
        for c in db.session.execute(
            text(
                "SELECT column_name AS name FROM information_schema.columns"
                " WHERE table_name = :t AND column_name <> 'id' ORDER BY ordinal_position"
            ),
            {"t": table},
        ).mappings()
    ]
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    series = f", generate_series(1, {n}) AS g" if n else ""
    db.session.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)})"
            f" SELECT {values} FROM {table} AS t{series}{extra} WHERE {where}"
        )
    )


@pytest.fixture
def busy_event(db, event, make_registration, make_team):
    """The event with the filler rows, analysed as autovacuum would have."""
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    make_team(municipality="012025")  # 受付済: the venue's head-count
    make_registration("youtube")
    cancelled = make_registration("webinar")
    cancelled.status = "cancelled"
    db.session.commit()
    token = "md5(random()::text || g)"
    _clone(
        db,
        "team",
        "t.municipality_code = '012025'",
        FILLER,
        {
            "status": "'pending'",
            "channel_id": "(SELECT id FROM channel WHERE event_id = t.event_id"
            " AND code = CASE WHEN g % 2 = 0 THEN 't2_tokyo' ELSE 't2_osaka' END)",
            "municipality_code": "(SELECT code FROM municipality"
            " WHERE code NOT IN ('011002', '012025') ORDER BY code OFFSET g LIMIT 1)",
        },
    )
    _clone(
        db,
        "team_member",
        "t.position < 2 AND t.team_id = (SELECT id FROM team WHERE municipality_code = '012025')"
        " AND f.status = 'pending'",
        None,
        {
            "team_id": "f.id",
            "token": "md5(f.id::text || t.id::text)",
            "email": "f.id || '-' || t.id || '@filler.example.jp'",
            "email_normalized": "f.id || '-' || t.id || '@filler.example.jp'",
            "municipality_code": "f.municipality_code",
        },
        extra=", team AS f",
    )
    # As a surge sees them: many on YouTube, a few cancelled on the webinar (the webinar's
    # own active ones are its seats, which a registration counts by design).
    for status, count in (("active", FILLER), ("cancelled", FILLER // 10)):
        _clone(
            db,
            "registration",
            f"t.status = '{status}' AND t.id = (SELECT min(id) FROM registration"
            f" WHERE status = '{status}')",
            count,
            {
                "token": token,
                "email": f"'{status}' || g || '@filler.example.jp'",
                "email_normalized": f"'{status}' || g || '@filler.example.jp'",
            },
        )
    _clone(db, "outbox_message", "t.id = (SELECT min(id) FROM outbox_message)", 2 * FILLER, {})
    db.session.execute(
        text(
            "INSERT INTO submission_key (key, path, flashes, created_at)"
            " SELECT 'filler-' || g, '/register', '[]', now() FROM generate_series(1, :n) AS g"
        ),
        {"n": FILLER},
    )
    db.session.commit()
    return event


@pytest.mark.postgres_only
@pytest.mark.parametrize("endpoint", sorted(ACCEPTED_POSTS))
def test_an_accepted_surge_post_reads_no_more_rows_as_the_tables_grow(
    client, db, busy_event, endpoint
):
    slug = busy_event.slug
    warm_up(client, db)
    client.get(f"/survey/{slug}")  # the questionnaire is generated on its first page
    answer = ACCEPTED_POSTS["surveys.answer"](slug)
    for _ in range(FILLER // 100):  # answers of the questionnaire: 600 with the clones below
        assert client.post(*answer[:1], data=answer[1]).status_code == 302
    _clone(db, "survey_response", "true", FILLER // (FILLER // 100) - 1, {})
    db.session.commit()
    # As autovacuum leaves the tables: analysed, and their pages marked all-visible (without
    # it the planner's choice between a scan and an index may turn on pages just written).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    path, data = ACCEPTED_POSTS[endpoint](slug)

    db.session.remove()
    with RowsRead(db.engine) as plans:
        response = client.post(path, data=data)
        db.session.remove()

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert any("INSERT INTO" in statement for statement, _ in plans.plans), plans.plans
    scans = plans.reads()
    too_many = [scan for scan in scans if scan.rows_read > MOST_ROWS]
    assert not too_many, f"{endpoint} read rows it did not need:\n" + "\n".join(map(str, too_many))


def _prepared_plans(db, starts: str) -> tuple[int, int]:
    """(generic plans, custom plans) PostgreSQL made of the prepared statement that starts with
    ``starts`` on the session's connection (the one the requests used: one at a time)."""
    rows = db.session.execute(
        text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
    ).all()
    found = [(g, c) for statement, g, c in rows if " ".join(statement.split()).startswith(starts)]
    assert len(found) == 1, [r[0][:80] for r in rows]
    return found[0]


@pytest.mark.postgres_only
def test_the_first_statement_of_a_registration_and_a_team_is_planned_once(client, db, event):
    """The duplicate check (the team's first look) runs prepared after psycopg's fifth
    execution; PostgreSQL keeps one plan for every execution (a generic plan) only if it is
    estimated no dearer than one made for the values. A bound LIMIT made it dearer: PostgreSQL
    planned the statement anew for every registration, 0.5 ms of its CPU out of ~1.7
    (``core.db.limit_constant``; fails with ``.limit(1)``)."""
    from sqlalchemy import select

    from app.core.models import Municipality

    warm_up(client, db)
    codes = db.session.scalars(
        select(Municipality.code)
        .where(Municipality.city.is_not(None), Municipality.code != "011002")
        .order_by(Municipality.code)
        .limit(12)
    ).all()
    db.session.remove()
    for n, code in enumerate(codes):
        email = f"plan{n}@example.jp"
        registered = client.post("/register", data=_form(email=email, email_confirm=email))
        assert registered.status_code == 302
        team = _team_form(
            [dict(_member(1), email=f"plan{n}@city.example.jp")], team_municipality=code
        )
        assert client.post("/team/apply", data=team).status_code == 302
    db.session.remove()

    generic, custom = _prepared_plans(db, "SELECT (SELECT registration.id")
    assert generic > 0 and custom <= 5, (generic, custom)
    generic, custom = _prepared_plans(db, "SELECT (SELECT team.channel_id")
    assert generic > 0 and custom <= 5, (generic, custom)
