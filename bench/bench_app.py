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

from flask import redirect, render_template, render_template_string
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.core.municipalities import grouped_choices
from app.events.snapshot import current_event_with_channels
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

app = create_app()

with app.app_context():
    try:  # created by bench/registration_surge.py before the workers start; kept for direct use
        with db.engine.begin() as conn:
            conn.execute(text(BENCH_TABLE))
    except DBAPIError:  # another worker created it at the same moment
        pass
    db.session.remove()


@app.post("/bench/insert")
@csrf.exempt
def bench_insert():
    """One INSERT and one COMMIT per request: the floor of any write on this stack."""
    db.session.execute(text("INSERT INTO bench_insert (note) VALUES (:note)"), {"note": "bench"})
    db.session.commit()
    return "ok\n", 201


@app.get("/bench/form")
def bench_form():
    """A bare form page: a session cookie and a CSRF token, no database."""
    return render_template_string(
        '<!doctype html><form method="post" action="/bench/insert">'
        '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
        '<input name="note"><button>送信</button></form>'
    )


@app.route("/bench/floor", methods=["GET", "POST"])
def bench_floor():
    """The floor of the 研修会議Ⅰ form on this stack: the product's own form and page, without
    the registration. GET answers ``registration/register.html`` with the kept event, kept as a
    blank page (as ``/register`` does, without the seat counts); POST validates ``RegistrationForm`` (CSRF
    on) and, when valid, inserts one row as ``/bench/insert`` does and redirects. No seat, no
    duplicate check, no mail, no submission key: what any handler of the spec's form pays
    before doing its own work (bench/registration_surge.py prints it as the form floor)."""
    event = current_event_with_channels()
    form = RegistrationForm()
    if form.validate_on_submit():
        db.session.execute(
            text("INSERT INTO bench_insert (note) VALUES (:note)"), {"note": form.name.data[:100]}
        )
        db.session.commit()
        return redirect("/r/floor", code=303)
    overview = {c.code: {"channel": c, "state": "受付中"} for c in event.individual_channels}

    def page() -> str:
        set_municipality_choices(form.municipality, grouped_choices())
        return render_template(
            "registration/register.html", event=event, form=form, overview=overview
        )

    if blank_page is None:
        return page()
    return blank_page.serve((), page, objects=(grouped_choices(),))  # kept, as /register's
