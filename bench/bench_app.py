"""Bench-only WSGI module: the real app plus a bare GET + insert pair (never in production).

``gunicorn bench.bench_app:app`` serves ``create_app()`` exactly as ``wsgi.py`` does, with two
extra routes on the same Flask + SQLAlchemy + PostgreSQL stack: ``GET /bench/form`` (a small
page with a CSRF token in the session, as a form page is) and ``POST /bench/insert`` (one row
into ``bench_insert``, a table this module creates itself). Their throughput is the yardstick
the registration figures are compared with (bench/registration_surge.py). ``/bench/floor``
is the product's 研修会議Ⅰ form page and form validation with that same one-row insert: the
least any handler of the spec's form costs with the fixed choices (Flask-WTF, Jinja).
``/bench/least`` and ``/bench/least-team`` are the least registration and the least team
application: the product's form, then what issue 12 asks of each in hand-written SQL on tables
of their own (bench/registration_surge.py prints them as bounds).
"""

from __future__ import annotations

import functools
import inspect
import re
import secrets
from types import SimpleNamespace

import psycopg
from flask import g, redirect, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.core import idempotency
from app.core.jpdates import now_utc
from app.core.mail import render_mail, render_text
from app.core.municipalities import grouped_choices, prefecture_choices
from app.core.text import normalise_email
from app.events.snapshot import attached, current_event_to_read
from app.extensions import csrf, db
from app.registration import rules
from app.registration.forms import RegistrationForm, TeamForm, set_municipality_choices
from app.registration.models import CATEGORY_LABELS, TEAM_STATUS_LABELS
from app.registration.rules import RegistrationError
from app.registration.services.people import check_person, person_search_key
from app.registration.services.seats import facts
from app.registration.views import _team_form, _team_page
from bench.bench_tables import BENCH_TABLE, LEAST_TABLES

try:
    from app.core.db import driver_cursor
except ImportError:  # a tree before the kept cursor (request_cpu.py --before): a new one each time

    def driver_cursor(connection):
        return connection.connection.driver_connection.cursor()


try:
    from app.events.snapshot import kept_event_unchecked
except ImportError:  # a tree older than the kept event
    kept_event_unchecked = lambda: None  # noqa: E731
try:
    from app.core import blank_page
except ImportError:  # a tree older than the kept pages (the README's "before" recipe)
    blank_page = None

app = create_app()

with app.app_context():
    try:  # created by bench/registration_surge.py before the workers start; kept for direct use
        with db.engine.begin() as conn:
            conn.execute(text(BENCH_TABLE))
    except DBAPIError:  # another worker created it at the same moment
        pass
    try:
        with db.engine.begin() as conn:
            for statement in LEAST_TABLES:
                conn.execute(text(statement))
    except DBAPIError:  # another worker created them at the same moment
        pass
    db.session.remove()


@app.post("/bench/insert")
@csrf.exempt
def bench_insert():
    """One INSERT and one COMMIT per request: the floor of any write on this stack."""
    db.session.execute(text("INSERT INTO bench_insert (note) VALUES (:note)"), {"note": "bench"})
    db.session.commit()
    return "ok\n", 201


# Compiled once, as every template of the product is (``render_template_string`` compiled it
# on every request: about half of the bare GET's CPU, which flattered the browser-like ratios).
BARE_FORM = app.jinja_env.from_string(
    '<!doctype html><form method="post" action="/bench/insert">'
    '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
    '<input name="note"><button>送信</button></form>'
)


@app.get("/bench/form")
def bench_form():
    """A bare form page: a session cookie and a CSRF token, no database."""
    return BARE_FORM.render()


@app.route("/bench/floor", methods=["GET", "POST"])
def bench_floor():
    """The floor of the 研修会議Ⅰ form on this stack: the product's own form and page, without
    the registration. GET answers ``registration/register.html`` kept as a blank page (as
    ``/register`` does, without the seat counts); POST validates ``RegistrationForm`` (CSRF on)
    and, when valid, inserts one row as ``/bench/insert`` does and redirects. No seat, no
    duplicate check, no mail, no submission key: what any handler of the spec's form pays
    before doing its own work (bench/registration_surge.py prints it as the form floor). The
    event as the product's forms take it (``_kept_event``): no statement for it."""
    if request.method == "GET":
        return _form_page()
    form = RegistrationForm()
    if form.validate_on_submit():
        db.session.execute(
            text("INSERT INTO bench_insert (note) VALUES (:note)"), {"note": form.name.data[:100]}
        )
        db.session.commit()
        return redirect("/r/floor", code=303)
    return _form_page(form)


def _kept_event():
    """The event as the product's forms read it, without a statement when they need none:
    for a blank page what was read less than ``FORM_STATE_MAX_AGE`` ago
    (``blank_page.recent``), for a POST the process's kept copy unchecked
    (``snapshot.kept_event_unchecked``: the product checks it in its first statement; a bound
    does not check it at all), else read now."""
    if request.method == "GET" and hasattr(blank_page, "recent"):  # an older tree: read now
        return blank_page.recent(request.endpoint, current_event_to_read)
    return kept_event_unchecked() or current_event_to_read()


def _form_page(form=None):
    """The 研修会議Ⅰ page as the floor shows it: kept blank, or rendered with what was typed."""
    kept = _kept_event()

    def page() -> str:
        nonlocal form
        form = form or RegistrationForm()
        event = attached(kept)
        overview = {c.code: {"channel": c, "state": "受付中"} for c in event.individual_channels}
        set_municipality_choices(form.municipality, grouped_choices())
        return render_template(
            "registration/register.html", event=event, form=form, overview=overview
        )

    if blank_page is None:
        return page()
    return blank_page.serve((), page, objects=(grouped_choices(),))  # kept, as /register's


@functools.cache
def _kept(function) -> dict:
    """``function``'s keyword for the process's read-only master copies (``kept=True``), when
    the tree under test has it: an older tree (request_cpu.py ``--before``) reads the master.
    Asked once per function and process (``inspect.signature`` is no per-request cost)."""
    return {"kept": True} if "kept" in inspect.signature(function).parameters else {}


def _person(data, municipality, token: str, **more) -> SimpleNamespace:
    """A registrant or member as the spec's mail templates read one, from plain values: no
    ORM object (what the product's ``Registration`` and ``TeamMember`` give the templates)."""
    return SimpleNamespace(
        name=data.name,
        kana=data.kana,
        email=data.email,
        phone=data.phone,
        department=data.department,
        occupation=data.occupation,
        token=token,
        category=data.category,
        category_label=CATEGORY_LABELS.get(data.category, data.category),
        affiliation=municipality.full_name if municipality else data.organisation,
        **more,
    )


LEAST_CHECK = text(
    "SELECT (SELECT taken >= capacity FROM bench_least_seats WHERE id = 1) AS full,"
    " EXISTS (SELECT 1 FROM bench_least WHERE email = :email) AS registered"
)
LEAST_INSERT = text(
    "WITH seat AS (UPDATE bench_least_seats SET taken = taken + 1"
    " WHERE id = 1 AND taken < capacity RETURNING taken),"
    " registered AS (INSERT INTO bench_least (email, name, kana, phone, category, municipality,"
    " organisation, department, occupation, token)"
    " SELECT :email, :name, :kana, :phone, :category, :municipality, :organisation, :department,"
    " :occupation, :token FROM seat RETURNING id)"
    " INSERT INTO bench_least_mail (registration_id, recipient, subject, body)"
    " SELECT id, :email, :subject, :body FROM registered RETURNING registration_id"
)


_driver_sql: dict[int, str] = {}


def _on_driver(statement, params: dict):
    """A ``text()`` statement run on the driver's cursor in the session's transaction (the
    cursor kept with the connection, as the product's own statements run:
    ``core.db.execute_compiled``, ``core.db.driver_cursor``): ``:name`` → ``%(name)s``,
    rewritten once per statement. Returns the cursor (``fetchone``, before the next
    statement)."""
    sql = _driver_sql.get(id(statement))
    if sql is None:
        sql = _driver_sql[id(statement)] = re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement.text)
    cursor = driver_cursor(db.session.connection())
    cursor.execute(sql, params)
    return cursor


@app.route("/bench/least", methods=["GET", "POST"])
def bench_least():
    """The least registration on this stack (never in production): the floor's page and form,
    then what issue 12 asks of a registration and nothing more — the spec's rules (the
    channel open, the category eligible, the 所属), the duplicate check and the seats as they
    stand (one SELECT), the mail rendered, one statement that takes a seat by a conditional
    UPDATE and inserts the row and its mail only when it got one, the COMMIT. 4 round trips,
    on the driver's cursor as the product's own statements run; no event read, no submission
    key, no ORM. 満席 and the same address answer a short page. Its accepted registrations per
    second bound any registration's from above."""
    if request.method == "GET":
        return _form_page()
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _form_page(form)
    data = form.person_data().normalised()
    event = _kept_event()
    channel = event.channel("webinar")
    try:
        rules.check_eligible(facts(channel), data.category)
        municipality = check_person(data, **_kept(check_person))
        rules.check_open(facts(channel), now_utc())
    except RegistrationError as exc:
        return _least_page(exc.message)
    email = data.email.lower()
    full, registered = _on_driver(LEAST_CHECK, {"email": email}).fetchone()
    if registered or full:
        db.session.rollback()
        return _least_refusal(registered)
    values = {
        "email": email,
        "name": data.name,
        "kana": data.kana,
        "phone": data.phone,
        "category": data.category,
        "municipality": data.municipality_code or None,
        "organisation": data.organisation,
        "department": data.department,
        "occupation": data.occupation,
        "token": secrets.token_urlsafe(24),
    }
    # The spec's mail, from the product's template, written from plain values.
    registration = _person(data, municipality, values["token"], event=event, channel=channel)
    values["subject"], values["body"] = render_mail(
        "registration_received.txt", registration=registration, position=None
    )
    try:
        row = _on_driver(LEAST_INSERT, values).fetchone()
    except psycopg.errors.UniqueViolation:  # the same address committed meanwhile
        row, registered = None, True
    if row is None:
        db.session.rollback()
        return _least_refusal(registered)
    db.session.commit()
    return redirect(f"/r/least-{row[0]}", code=303)


def _least_page(message: str) -> str:
    return f'<!doctype html><html lang="ja"><title>お申込み</title><p>{message}</p></html>'


def _least_refusal(registered: bool) -> str:
    return _least_page(
        "このメールアドレスでは既にお申込みいただいています。"
        if registered
        else "ウェビナー参加の定員に達しました。"
    )


# ---------------------------------------------------------------- the least team application

LEAST_TEAM_CHECK = text(
    "SELECT EXISTS (SELECT 1 FROM bench_least_team WHERE municipality = :municipality),"
    " (SELECT received FROM bench_least_venue WHERE channel = :channel)"
)
_least_team_statements: dict[tuple[int, bool], object] = {}
# A 受付済 team's places taken on the venue's counter while it still fits the target: the
# first CTE of the least team's statements (``FROM venue`` makes the team's INSERT wait on it).
VENUE_COUNTER = (
    "venue AS (UPDATE bench_least_venue SET received = received + :size"
    " WHERE channel = :channel AND (target IS NULL OR received + :size <= target)"
    " RETURNING 1), "
)
# The same check on the product's own team table (``/bench/least-team-rows``).
LEAST_ROWS_CHECK = text(
    "SELECT EXISTS (SELECT 1 FROM team WHERE event_id = :event_id"
    " AND municipality_code = :municipality AND status <> 'cancelled' AND is_test = false),"
    " (SELECT received FROM bench_least_venue WHERE channel = :channel)"
)
_least_rows_statements: dict[tuple[int, bool, bool], object] = {}
LOCK_VENUE = text("UPDATE channel SET lock_version = lock_version + 1 WHERE id = :channel_id")


def _least_team_statement(size: int, counted: bool):
    """``WITH [venue AS (UPDATE bench_least_venue SET received = received + :size … only while
    the team fits the target … RETURNING 1),] team AS (INSERT … [FROM venue] RETURNING id),
    member_i AS (INSERT …), mail_i AS (INSERT …) SELECT id FROM team``: one statement. A 受付済
    team (``counted``) moves the venue's head-count on that condition, holding its row lock to
    the COMMIT; a 選定中 team takes no lock (the head-count does not decide its state: a team
    that no longer fits is still 選定中, and one that would fit after a cancellation meanwhile
    is one the 事務局 decides, as every 選定中 team)."""
    key = (size, counted)
    if key in _least_team_statements:
        return _least_team_statements[key]
    venue, source = "", ""
    if counted:
        venue, source = VENUE_COUNTER, " FROM venue"
    status = "received" if counted else "pending"
    parts = [
        f"WITH {venue}team AS (INSERT INTO bench_least_team (channel, municipality, status,"
        f" note) SELECT :channel, :municipality, '{status}', :note{source} RETURNING id)"
    ]
    for i in range(size):
        parts.append(
            f", member_{i} AS (INSERT INTO bench_least_team_member (team_id, position, email,"
            " name, kana, phone, category, municipality, organisation, department, occupation,"
            f" token) SELECT id, {i}, :email_{i}, :name_{i}, :kana_{i}, :phone_{i},"
            f" :category_{i}, :municipality_{i}, :organisation_{i}, :department_{i},"
            f" :occupation_{i}, :token_{i} FROM team)"
            f", mail_{i} AS (INSERT INTO bench_least_team_mail (team_id, recipient, subject,"
            f" body) SELECT id, :email_{i}, :subject, :body_{i} FROM team)"
        )
    parts.append(" SELECT id FROM team")
    statement = _least_team_statements[key] = text("".join(parts))
    return statement


# The product's head-count of a venue (``models.team_headcount``), counted under its lock.
HEADCOUNT = (
    "(SELECT count(*) FROM team_member JOIN team ON team.id = team_member.team_id"
    " WHERE team.channel_id = :channel_id AND team.status IN ('received', 'accepted',"
    " 'adjusted') AND team.is_test IS false AND team_member.status = 'active'"
    " AND team_member.is_test IS false)"
)
# The product's first look (``seats.team_first_look``): the earlier team, the head-count.
LEAST_ROWS_LOCK_CHECK = text(
    "SELECT EXISTS (SELECT 1 FROM team WHERE event_id = :event_id"
    " AND municipality_code = :municipality AND status <> 'cancelled' AND is_test = false),"
    f" {HEADCOUNT}"
)


def _least_rows_statement(size: int, counted: bool, locked: bool = False):
    """``_least_team_statement`` writing the product's own rows instead of the bench's: the
    team, its members and their outbox mails with every column the product writes (their
    foreign keys, unique and other indexes), and the submission key; the venue's head-count
    still the bench's counter (``bench_least_venue``). The design a product path without ORM
    objects or a lock statement would have (``/bench/least-team-rows``). With ``locked``, the
    product's way instead (``/bench/least-team-rows-lock``): the caller holds the venue's row
    lock (``Channel.lock``) and the team is inserted while the venue's head-count, counted
    here, still gives its state."""
    key = (size, counted, locked)
    if key in _least_rows_statements:
        return _least_rows_statements[key]
    venue, source = "", ""
    if locked:
        source = f" WHERE :target IS NULL OR {HEADCOUNT} + :size {'<=' if counted else '>'} :target"
    elif counted:
        venue, source = VENUE_COUNTER, " FROM venue"
    status = "received" if counted else "pending"
    parts = [
        f"WITH {venue}team_row AS (INSERT INTO team (event_id, channel_id, municipality_code,"
        " status, note, created_at, decided_at, is_test) SELECT :event_id, :channel_id,"
        f" :municipality, '{status}', :note, :now, NULL, false{source} RETURNING id)",
        ", submission AS (INSERT INTO submission_key (key, path, location, flashes, created_at)"
        " SELECT :key, :path, :location, '[]', :now FROM team_row)",
    ]
    for i in range(size):
        parts.append(
            f", member_{i} AS (INSERT INTO team_member (team_id, municipality_code, position,"
            " is_representative, status, attended_at, name, kana, email, email_normalized,"
            " phone, category, category_other, prefecture_code, organisation, department,"
            " occupation, token, created_at, updated_at, search_key, is_test)"
            f" SELECT id, :municipality_{i}, {i}, {'true' if i == 0 else 'false'}, 'active',"
            f" NULL, :name_{i}, :kana_{i}, :email_{i}, :email_normalized_{i}, :phone_{i},"
            f" :category_{i}, :category_other_{i}, :prefecture_{i}, :organisation_{i},"
            f" :department_{i}, :occupation_{i}, :token_{i}, :now, :now, :search_key_{i},"
            " false FROM team_row)"
            f", mail_{i} AS (INSERT INTO outbox_message (event_id, kind, to_addr, subject, body,"
            " status, attempts, next_attempt_at, claimed_at, claimed_by, last_error, sent_at,"
            f" created_at, reply_to, is_test) SELECT :event_id, 'team', :email_{i}, :subject,"
            f" :body_{i}, 'pending', 0, :now, NULL, '', '', NULL, :now, :reply_to, false"
            " FROM team_row)"
        )
    parts.append(" SELECT id FROM team_row")
    statement = _least_rows_statements[key] = text("".join(parts))
    return statement


@app.route("/bench/least-team", methods=["GET", "POST"])
def bench_least_team():
    """The least team application on this stack (never in production): the product's team
    form and page (``views._team_form``), then what issue 12 asks of an application and
    nothing more — the spec's rules (the venue open, 1–6 people, the 代表者 first, each
    member's 所属, no address twice), the municipality's earlier team and the venue's
    head-count as they stand (one SELECT), the members' mails (the spec's, from the product's
    templates, written from plain values), one statement that inserts the team, its members
    and their mails — for a team 受付済, only while it still fits the venue's target, moving
    the venue's head-count (otherwise written again 選定中) — and the COMMIT. 4 round trips,
    on the driver's cursor; no event read, no submission key, no ORM. An earlier team of the
    municipality answers a short page. Its teams per second bound any application's."""
    return _least_team(rows=False)


@app.route("/bench/least-team-rows", methods=["GET", "POST"])
@idempotency.folded  # its key stored by its own statement, as /team/apply's
def bench_least_team_rows():
    """The least team application writing the product's own rows (``_least_rows_statement``):
    the team, members and mails with every column and index the product's have, and the
    submission key the form posts, in the same one statement; what a product path without ORM
    objects or a lock statement would cost (registration_surge.py ``--team-least rows``)."""
    return _least_team(rows=True)


@app.route("/bench/least-team-rows-lock", methods=["GET", "POST"])
@idempotency.folded
def bench_least_team_rows_lock():
    """``/bench/least-team-rows`` with the product's seat instead of a counter: the venue's
    head-count read with the municipality's earlier team, the venue's lock
    (``Channel.lock``), the head-count again in the one statement; what a product path
    without ORM objects would cost (registration_surge.py ``--team-least rows-lock``)."""
    return _least_team(rows=True, locked=True)


def _least_team(rows: bool, locked: bool = False):
    """``/bench/least-team``; with ``rows`` ``/bench/least-team-rows``, with ``locked`` too
    ``/bench/least-team-rows-lock``."""
    from app.registration.services.teams import _check_team

    kept = _kept_event()
    if request.method == "GET" and blank_page is not None:  # kept, as /team/apply's
        return blank_page.serve(
            (),
            lambda: _team_page(attached(kept), _team_form(TeamForm, attached(kept))),
            objects=(grouped_choices(), prefecture_choices()),
        )
    form = _team_form(TeamForm, kept)
    if not form.validate_on_submit():
        return _team_page(attached(kept), form)
    members = [m.normalised() for m in form.members_data()]
    code = form.team_municipality.data
    try:
        channel = kept.channel(form.channel.data)
        rules.check_open(facts(channel), now_utc())
        municipality, member_municipalities = _check_team(
            channel, code, members, **_kept(_check_team)
        )
    except (KeyError, RegistrationError) as exc:
        return _least_page(getattr(exc, "message", "会場を選択してください。"))
    values = {"channel": channel.code, "municipality": code, "note": form.note.data or ""}
    if rows:
        now = now_utc()
        values.update(
            event_id=kept.id,
            channel_id=channel.id,
            now=now,
            reply_to=kept.contact_email or "",
            key=g.get("_submission_folded") or secrets.token_urlsafe(16),
            path=request.path,
        )
    if locked:
        values["target"] = channel.capacity
    check = LEAST_ROWS_LOCK_CHECK if locked else LEAST_ROWS_CHECK if rows else LEAST_TEAM_CHECK
    registered, headcount = _on_driver(check, values).fetchone()
    if registered:
        db.session.rollback()
        return _least_team_refusal()
    values["size"] = len(members)
    people = []
    for i, (member, member_municipality) in enumerate(
        zip(members, member_municipalities, strict=True)
    ):
        token = secrets.token_urlsafe(32 if rows else 24)  # rows: as new_token() writes
        people.append(
            _person(member, member_municipality, token, position=i, is_representative=i == 0)
        )
        values.update(
            {
                f"email_{i}": member.email.lower(),
                f"name_{i}": member.name,
                f"kana_{i}": member.kana,
                f"phone_{i}": member.phone,
                f"category_{i}": member.category,
                f"municipality_{i}": member.municipality_code or None,
                f"organisation_{i}": member.organisation,
                f"department_{i}": member.department,
                f"occupation_{i}": member.occupation,
                f"token_{i}": token,
            }
        )
        if rows:  # the product's columns: the address as typed, its key, the 所属's prefecture
            values.update(
                {
                    f"email_{i}": member.email,
                    f"email_normalized_{i}": normalise_email(member.email),
                    f"search_key_{i}": person_search_key(member),
                    f"category_other_{i}": member.category_other,
                    f"prefecture_{i}": member_municipality.prefecture_code
                    if member_municipality
                    else member.prefecture_code,
                }
            )

    def write_mails(status: str) -> None:
        """The spec's mails (``team_received.txt``, the summary written once for them all,
        as ``notify.mail_members`` does), from plain values."""
        team = SimpleNamespace(
            event=kept,
            channel=channel,
            municipality=municipality,
            status=status,
            status_label=TEAM_STATUS_LABELS[status],
            active_members=people,
        )
        summary = render_text("_team_summary.txt", team=team)
        for i, person in enumerate(people):
            values["subject"], values[f"body_{i}"] = render_mail(
                "team_received.txt", team=team, member=person, team_summary=summary
            )

    fits = channel.capacity is None or headcount + len(members) <= channel.capacity
    write_mails("received" if fits else "pending")
    location = values["location"] = f"/t/least-{values['token_0']}"
    if locked:
        _on_driver(LOCK_VENUE, values)  # every team, as the product's
    try:
        if rows:
            statement = functools.partial(_least_rows_statement, locked=locked)
        else:
            statement = _least_team_statement
        if not _on_driver(statement(len(members), fits), values).fetchone():
            # 受付済 no longer fits (teams taken meanwhile): 選定中, which takes no lock; with
            # the lock, the other state (a 選定中 team that fits now is 受付済, as the product's).
            write_mails("received" if locked and not fits else "pending")
            _on_driver(statement(len(members), locked and not fits), values)
    except psycopg.errors.UniqueViolation:  # the municipality's team committed meanwhile
        db.session.rollback()
        return _least_team_refusal()
    if rows:
        g._submission_recorded = True  # stored above: nothing for the app to store after it
    db.session.commit()
    return redirect(location, code=303)


def _least_team_refusal() -> str:
    return _least_page("既に申込みがあります（１自治体１団体）。")
