"""Bench-only WSGI module: the real app plus a bare GET + insert pair (never in production).

``gunicorn bench.bench_app:app`` serves ``create_app()`` exactly as ``wsgi.py`` does, with two
extra routes on the same Flask + SQLAlchemy + PostgreSQL stack: ``GET /bench/form`` (a small
page with a CSRF token in the session, as a form page is) and ``POST /bench/insert`` (one row
into ``bench_insert``, a table this module creates itself). Their throughput is the yardstick
the registration figures are compared with (bench/registration_surge.py).
"""

from __future__ import annotations

import functools
import os

from flask import render_template_string
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.extensions import csrf, db

BENCH_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_insert ("
    " id BIGSERIAL PRIMARY KEY,"
    " note VARCHAR(100) NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)

app = create_app()

if os.environ.get("BENCH_CACHED_CHOICES") == "1":
    # What-if run (bench/registration_surge.py --cached-choices): the municipality picker's
    # 1,788 choices built once per process instead of loaded from the database and rebuilt on
    # every request. Shows what that change to the app would buy; off by default.
    from app.registration import forms as registration_forms
    from app.registration import views as registration_views

    _groups = functools.cache(registration_views.grouped_choices)
    _choices: dict[str, list] = {}
    _set_choices = registration_forms.set_municipality_choices

    def _cached_set_municipality_choices(field, groups) -> None:
        if "all" not in _choices:
            _set_choices(field, groups)
            _choices["all"] = field.choices
        field.choices = _choices["all"]

    registration_views.grouped_choices = _groups
    registration_views.set_municipality_choices = _cached_set_municipality_choices

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
