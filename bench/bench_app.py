"""Bench-only WSGI module: the real app plus a bare GET + insert pair (never in production).

``gunicorn bench.bench_app:app`` serves ``create_app()`` exactly as ``wsgi.py`` does, with two
extra routes on the same Flask + SQLAlchemy + PostgreSQL stack: ``GET /bench/form`` (a small
page with a CSRF token in the session, as a form page is) and ``POST /bench/insert`` (one row
into ``bench_insert``, a table this module creates itself). Their throughput is the yardstick
the registration figures are compared with (bench/registration_surge.py). ``/bench/floor``
is the product's 研修会議Ⅰ form page and form validation with that same one-row insert: the
least any handler of the spec's form costs with the fixed choices (Flask-WTF, Jinja).
"""

from __future__ import annotations

import secrets

from flask import redirect, render_template
from jinja2 import Environment
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import create_app
from app.core.municipalities import grouped_choices
from app.events.snapshot import attached, current_event_to_read
from app.extensions import csrf, db
from app.registration.forms import RegistrationForm, set_municipality_choices

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

# /bench/least's own tables: the registrations (one per address), their mails, and the row
# whose lock serialises the seats (as the product's ``Channel.lock``).
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
    "CREATE TABLE IF NOT EXISTS bench_least_lock (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
    "INSERT INTO bench_least_lock VALUES (1, 0) ON CONFLICT DO NOTHING",
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
    the registration. GET answers ``registration/register.html`` with the kept event, kept as a
    blank page (as ``/register`` does, without the seat counts); POST validates ``RegistrationForm`` (CSRF
    on) and, when valid, inserts one row as ``/bench/insert`` does and redirects. No seat, no
    duplicate check, no mail, no submission key: what any handler of the spec's form pays
    before doing its own work (bench/registration_surge.py prints it as the form floor).
    The event is read as ``/register`` reads it: the process's kept copy, copied into the
    session only for a page that is written (it was copied on every POST, about a fifth of
    the floor's CPU, which the registration itself does not pay)."""
    kept = current_event_to_read()
    form = RegistrationForm()
    if form.validate_on_submit():
        db.session.execute(
            text("INSERT INTO bench_insert (note) VALUES (:note)"), {"note": form.name.data[:100]}
        )
        db.session.commit()
        return redirect("/r/floor", code=303)
    return _form_page(kept, form)


def _form_page(kept, form):
    """The 研修会議Ⅰ page as the floor shows it: kept blank, rendered with what was typed."""

    def page() -> str:
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
    "SELECT (SELECT count(*) FROM bench_least) AS taken,"
    " EXISTS (SELECT 1 FROM bench_least WHERE email = :email) AS registered"
)
LEAST_LOCK = text("UPDATE bench_least_lock SET version = version + 1 WHERE id = 1")
LEAST_INSERT = text(
    "WITH seat AS (SELECT count(*) AS taken FROM bench_least),"
    " registered AS (INSERT INTO bench_least (email, name, kana, phone, category, municipality,"
    " organisation, department, occupation, token)"
    " SELECT :email, :name, :kana, :phone, :category, :municipality, :organisation, :department,"
    " :occupation, :token FROM seat WHERE taken < :capacity RETURNING id)"
    " INSERT INTO bench_least_mail (registration_id, recipient, subject, body)"
    " SELECT id, :email, :subject, :body FROM registered RETURNING registration_id"
)
_least_capacity: list[int] = []  # the webinar's seats, read once per process


@app.route("/bench/least", methods=["GET", "POST"])
def bench_least():
    """The least registration on this stack (never in production): the floor's page and form,
    then what issue 12 asks of a registration and nothing more — the duplicate check and the
    seats as they stand (one SELECT), the mail rendered, the lock, one statement that counts
    under the lock and inserts the row and its mail only while a seat is left, the COMMIT
    (5 round trips: no event read, no submission key, no ORM). 満席 and the same address answer
    a short page. Its accepted registrations per second bound any registration's from above."""
    form = RegistrationForm()
    if not form.validate_on_submit():
        return _form_page(current_event_to_read(), form)
    if not _least_capacity:
        _least_capacity.append(
            db.session.scalar(text("SELECT capacity FROM channel WHERE code = 'webinar'"))
        )
    conn = db.session.connection()
    email = form.email.data.strip().lower()
    taken, registered = conn.execute(LEAST_CHECK, {"email": email}).one()
    if registered or taken >= _least_capacity[0]:
        db.session.rollback()
        return _least_refusal(registered)
    values = {
        "email": email,
        "name": form.name.data,
        "kana": form.kana.data,
        "phone": form.phone.data or "",
        "category": form.category.data,
        "municipality": form.municipality.data or None,
        "organisation": form.organisation.data or "",
        "department": form.department.data,
        "occupation": form.occupation.data,
        "token": secrets.token_urlsafe(24),
        "capacity": _least_capacity[0],
    }
    values["subject"] = "【研修会議】お申込みを受け付けました"
    values["body"] = LEAST_MAIL.render(values, base="http://127.0.0.1")
    conn.execute(LEAST_LOCK)
    try:
        new_id = conn.execute(LEAST_INSERT, values).scalar()
    except IntegrityError:  # the same address committed meanwhile
        new_id, registered = None, True
    if new_id is None:
        db.session.rollback()
        return _least_refusal(registered)
    db.session.commit()
    return redirect(f"/r/least-{new_id}", code=303)


def _least_refusal(registered: bool) -> str:
    message = (
        "このメールアドレスでは既にお申込みいただいています。"
        if registered
        else "ウェビナー参加の定員に達しました。"
    )
    return f'<!doctype html><html lang="ja"><title>お申込み</title><p>{message}</p></html>'
