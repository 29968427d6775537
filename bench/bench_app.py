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

import re
import secrets

import psycopg
from flask import redirect, render_template, request
from jinja2 import Environment
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.core.jpdates import now_utc
from app.core.municipalities import grouped_choices, prefecture_choices
from app.events.snapshot import attached, current_event_to_read
from app.extensions import csrf, db
from app.registration import rules
from app.registration.forms import RegistrationForm, TeamForm, set_municipality_choices
from app.registration.rules import RegistrationError
from app.registration.services.people import check_person
from app.registration.services.seats import facts
from app.registration.services.teams import _check_team
from app.registration.views import _team_form, _team_page

try:
    from app.events.snapshot import kept_event_unchecked
except ImportError:  # a tree older than the kept event
    kept_event_unchecked = lambda: None  # noqa: E731
try:
    from app.core import blank_page
except ImportError:  # a tree older than the kept pages (the README's "before" recipe)
    blank_page = None

BENCH_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_insert ("
    " id BIGSERIAL PRIMARY KEY,"
    " note VARCHAR(100) NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)

# /bench/least's own tables: the registrations (one per address), their mails, and the
# webinar's seats as a counter that one conditional UPDATE takes (``taken < capacity``, kept by
# a constraint too): the cheapest seat issue 12 allows, its row lock held from that statement
# to the COMMIT.
LEAST_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_least ("
    " id BIGSERIAL PRIMARY KEY, email VARCHAR(254) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,"
    " kana VARCHAR(100) NOT NULL, phone VARCHAR(30) NOT NULL, category VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6), organisation VARCHAR(200) NOT NULL,"
    " department VARCHAR(100) NOT NULL, occupation VARCHAR(100) NOT NULL,"
    " token VARCHAR(64) NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_least_mail ("
    " id BIGSERIAL PRIMARY KEY, registration_id BIGINT NOT NULL REFERENCES bench_least (id),"
    " recipient VARCHAR(254) NOT NULL, subject VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_least_seats (id INTEGER PRIMARY KEY,"
    " taken INTEGER NOT NULL, capacity INTEGER NOT NULL, CHECK (taken <= capacity))",
    "INSERT INTO bench_least_seats SELECT 1, 0, capacity FROM channel WHERE code = 'webinar'"
    " ON CONFLICT (id) DO UPDATE SET capacity = EXCLUDED.capacity",
    # /bench/least-team's: the teams (one per municipality), their members, their mails and
    # each venue's 受付済 head-count as a counter, which the one statement moves (or only locks,
    # for a team 選定中) on a condition: as the seats above.
    "CREATE TABLE IF NOT EXISTS bench_least_team ("
    " id BIGSERIAL PRIMARY KEY, channel VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6) NOT NULL UNIQUE, status VARCHAR(20) NOT NULL,"
    " note TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_least_team_member ("
    " id BIGSERIAL PRIMARY KEY, team_id BIGINT NOT NULL REFERENCES bench_least_team (id),"
    " position INTEGER NOT NULL, email VARCHAR(254) NOT NULL, name VARCHAR(100) NOT NULL,"
    " kana VARCHAR(100) NOT NULL, phone VARCHAR(30) NOT NULL, category VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6), organisation VARCHAR(200) NOT NULL,"
    " department VARCHAR(100) NOT NULL, occupation VARCHAR(100) NOT NULL,"
    " token VARCHAR(64) NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS bench_least_team_mail ("
    " id BIGSERIAL PRIMARY KEY, team_id BIGINT NOT NULL REFERENCES bench_least_team (id),"
    " recipient VARCHAR(254) NOT NULL, subject VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_least_venue (channel VARCHAR(20) PRIMARY KEY,"
    " received INTEGER NOT NULL, target INTEGER NOT NULL)",
    "INSERT INTO bench_least_venue SELECT code, 0, capacity FROM channel"
    " WHERE kind = 'venue' AND capacity IS NOT NULL"
    " ON CONFLICT (channel) DO UPDATE SET target = EXCLUDED.target",
)
# What bench/registration_surge.py and bench/request_cpu.py run to start a round from none.
LEAST_EMPTY = (
    "TRUNCATE bench_least, bench_least_mail, bench_least_team, bench_least_team_member,"
    " bench_least_team_mail",
    "UPDATE bench_least_seats SET taken = 0",
    "UPDATE bench_least_venue SET received = 0",
)

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
    if blank_page is None:  # a tree older than the kept pages
        return current_event_to_read()
    if request.method == "GET":
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


# The least registration's mail: about the product's length (its 研修会議Ⅰ mail, 2 KB of
# template), compiled once, rendered before the lock as the issue asks.
LEAST_MAIL = Environment(autoescape=False).from_string(
    "{{ name }} 様\n\nお申込みを受け付けました。\n\n"
    "■ 氏名：{{ name }}（{{ kana }}）\n■ メールアドレス：{{ email }}\n■ 電話番号：{{ phone }}\n"
    "■ 参加区分：{{ category }}\n■ 所属：{{ municipality or organisation }}\n"
    "■ 部署名：{{ department }}\n■ 職種：{{ occupation }}\n■ 参加方法：ウェビナー参加\n\n"
    "■ 個人ページ（申込内容の確認・変更・取消）：{{ base }}/r/{{ token }}\n"
    "このURLはご本人専用です。他の方に知らせないでください。\n\n"
    + "令和5年度在宅医療・介護連携推進支援事業 研修会議事務局\n"
    * 4
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
    """A ``text()`` statement run on the driver's cursor in the session's transaction (as the
    product's own statements run, ``core.db.execute_compiled``): ``:name`` → ``%(name)s``,
    rewritten once per statement. Returns the cursor (``fetchone``)."""
    sql = _driver_sql.get(id(statement))
    if sql is None:
        sql = _driver_sql[id(statement)] = re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement.text)
    cursor = db.session.connection().connection.driver_connection.cursor()
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
    channel = _kept_event().channel("webinar")
    try:
        rules.check_eligible(facts(channel), data.category)
        check_person(data, kept=True)
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
    values["subject"] = "【研修会議】お申込みを受け付けました"
    values["body"] = LEAST_MAIL.render(values, base="http://127.0.0.1")
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

# A member's mail: about the product's length (its 研修会議Ⅱ mail), compiled once.
LEAST_TEAM_MAIL = Environment(autoescape=False).from_string(
    "{{ member.name }} 様\n\n{{ municipality }}の研修会議Ⅱへのお申込みを受け付けました。\n"
    "{% if status == 'received' %}受付済です。{% else %}選定中です。結果は改めてお知らせします。"
    "{% endif %}\n\n■ 会場：{{ channel }}\n■ 参加者\n"
    "{% for m in members %}  {{ loop.index }}. {{ m.name }}（{{ m.kana }}） {{ m.department }}\n"
    "{% endfor %}\n■ 氏名：{{ member.name }}（{{ member.kana }}）\n"
    "■ メールアドレス：{{ member.email }}\n■ 電話番号：{{ member.phone }}\n"
    "■ 部署名：{{ member.department }}\n■ 職種：{{ member.occupation }}\n\n"
    "■ 個人ページ（申込内容の確認・変更）：{{ base }}/t/{{ token }}\n"
    "このURLはご本人専用です。他の方に知らせないでください。\n\n"
    + "令和5年度在宅医療・介護連携推進支援事業 研修会議事務局\n"
    * 4
)
LEAST_TEAM_CHECK = text(
    "SELECT EXISTS (SELECT 1 FROM bench_least_team WHERE municipality = :municipality),"
    " (SELECT received FROM bench_least_venue WHERE channel = :channel)"
)
_least_team_statements: dict[tuple[int, str], object] = {}


def _least_team_statement(size: int, status: str):
    """``WITH venue AS (UPDATE bench_least_venue … only while the head-count gives
    ``status`` … RETURNING 1), team AS (INSERT … FROM venue RETURNING id), member_i AS
    (INSERT …), mail_i AS (INSERT …) SELECT id FROM team``: one statement, which takes the
    venue's row lock. 受付済 adds the team's members to the head-count while they fit the
    target; 選定中 only locks the row while they do not."""
    key = (size, status)
    if key in _least_team_statements:
        return _least_team_statements[key]
    venue = (
        "UPDATE bench_least_venue SET received = received + :size"
        " WHERE channel = :channel AND received + :size <= target"
        if status == "received"
        else "UPDATE bench_least_venue SET received = received"
        " WHERE channel = :channel AND received + :size > target"
    )
    parts = [
        f"WITH venue AS ({venue} RETURNING 1),"
        " team AS (INSERT INTO bench_least_team (channel, municipality, status, note)"
        f" SELECT :channel, :municipality, '{status}', :note FROM venue RETURNING id)"
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


@app.route("/bench/least-team", methods=["GET", "POST"])
def bench_least_team():
    """The least team application on this stack (never in production): the product's team
    form and page (``views._team_form``), then what issue 12 asks of an application and
    nothing more — the spec's rules (the venue open, 1–6 people, the 代表者 first, each
    member's 所属, no address twice), the municipality's earlier team and the venue's
    head-count as they stand (one SELECT), the members' mails rendered, one statement that
    inserts the team, its members and their mails while the venue's head-count still gives
    the state the mails tell (moving the count, or only locking its row), written again in the
    other state when it no longer does, the COMMIT. 4 round trips, on the driver's cursor; no
    event read, no submission key, no ORM. An earlier team of the municipality answers a
    short page. Its teams per second bound any application's from above."""
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
    municipality = form.team_municipality.data
    try:
        channel = kept.channel(form.channel.data)
        rules.check_open(facts(channel), now_utc())
        _check_team(channel, municipality, members, kept=True)
    except (KeyError, RegistrationError) as exc:
        return _least_page(getattr(exc, "message", "会場を選択してください。"))
    registered, headcount = _on_driver(
        LEAST_TEAM_CHECK, {"municipality": municipality, "channel": channel.code}
    ).fetchone()
    if registered:
        db.session.rollback()
        return _least_team_refusal()
    values = {
        "channel": channel.code,
        "municipality": municipality,
        "note": form.note.data or "",
        "size": len(members),
        "subject": "【研修会議Ⅱ】お申込みを受け付けました",
    }
    for i, member in enumerate(members):
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
                f"token_{i}": secrets.token_urlsafe(24),
            }
        )

    def write_mails(status: str) -> None:
        for i, member in enumerate(members):
            values[f"body_{i}"] = LEAST_TEAM_MAIL.render(
                member=member,
                members=members,
                municipality=municipality,
                channel=channel.label,
                status=status,
                token=values[f"token_{i}"],
                base="http://127.0.0.1",
            )

    fits = channel.capacity is None or headcount + len(members) <= channel.capacity
    status = "received" if fits else "selecting"
    write_mails(status)
    try:
        # At most twice: the count only moves one way between the two (no team leaves a
        # venue in the bench), so the other state holds when the first no longer did.
        for _ in range(2):
            if _on_driver(_least_team_statement(len(members), status), values).fetchone():
                break
            status = "selecting" if status == "received" else "received"
            write_mails(status)
        else:
            raise RuntimeError("the venue's head-count moved both ways")
    except psycopg.errors.UniqueViolation:  # the municipality's team committed meanwhile
        db.session.rollback()
        return _least_team_refusal()
    db.session.commit()
    return redirect(f"/t/least-{values['token_0']}", code=303)


def _least_team_refusal() -> str:
    return _least_page("既に申込みがあります（１自治体１団体）。")
