"""One-time submission keys: a POST form sent twice (a second click on a slow line, Back and
send again) stores once and shows the first result (issue 9 §2).

Every POST form carries a hidden ``_submission`` key, new each time the form is rendered: the
``csrf_field()`` template global and a ``BaseForm``'s ``csrf_token`` field render it, so every
form of the system has one without its view knowing. For a POST with a key:

- the first request records the key (``SubmissionKey``, in its own short transaction) and runs
  the view; when the view redirects (success, or a refusal shown by a flash), the target and the
  flashed messages are kept with the key; any other answer (the form again with its errors, a
  download, an error page) frees the key, so nothing is replayed that stored nothing;
- a repeat with the same key and path does not run the view: it gets the first request's
  messages and redirect. While the first is still running the repeat waits for it
  (``SUBMISSION_WAIT_SECONDS``, default 20) and, if it is still running then, is told in Japanese
  that the submission is being processed.

Keys are kept ``SUBMISSION_KEEP_DAYS`` (default 2) days.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import timedelta

from flask import Flask, flash, g, redirect, render_template, request, session
from markupsafe import Markup
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.jpdates import now_utc
from app.core.models import SubmissionKey
from app.extensions import db

FIELD = "_submission"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_REDIRECTS = (301, 302, 303, 307, 308)


def new_key() -> str:
    """A fresh key for one rendering of a form (192 random bits)."""
    return secrets.token_urlsafe(24)


def key_input() -> Markup:
    """The hidden input of a fresh key, for every POST form."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


def _table():
    return SubmissionKey.__table__


def _claim(key: str, path: str) -> bool:
    """Record the key for this path; False when it was recorded before (a repeat)."""
    now = now_utc()
    keep = timedelta(days=g.get("_submission_keep_days", 2))
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(_table()).where(_table().c.created_at < now - keep))
            conn.execute(insert(_table()).values(key=key, path=path, flashes="", created_at=now))
    except IntegrityError:
        return False
    return True


def _first_result(key: str):
    with db.engine.connect() as conn:
        return conn.execute(
            select(_table().c.path, _table().c.location, _table().c.flashes).where(
                _table().c.key == key
            )
        ).first()


def _replay(row):
    for category, message in json.loads(row.flashes or "[]"):
        flash(message, category)
    return redirect(row.location, code=303)


def _before_request():
    if request.method != "POST":
        return None
    key = request.form.get(FIELD, "")
    if not _VALID.match(key):
        return None
    db.session.rollback()  # nothing of this request is stored yet; no lock held while waiting
    wait = float(g.get("_submission_wait", 20))
    deadline = time.monotonic() + wait
    while True:
        if _claim(key, request.path):
            g._submission_key = key
            return None
        row = _first_result(key)
        if row is None:  # the first freed its key meanwhile: this one is a first submission
            continue
        if row.path != request.path:
            return None  # not the same submission: no replay
        if row.location is not None:
            return _replay(row)
        if time.monotonic() >= deadline:
            return (
                render_template(
                    "errors/error.html",
                    title="送信を処理しています",
                    message="同じ内容の送信を処理しています。しばらくしてから、"
                    "このページを閉じて最初の画面（個人ページなど）を開き直し、"
                    "結果を確認してください。もう一度送信する必要はありません。",
                    event=None,
                ),
                409,
            )
        time.sleep(0.2)


def _after_request(response):
    key = g.pop("_submission_key", None)
    if key is None:
        return response
    # What the view left uncommitted (a refused service's lock) is never kept: services commit
    # what they store. Ending it frees SQLite's write lock for the key's own transaction.
    db.session.rollback()
    with db.engine.begin() as conn:
        if response.status_code in _REDIRECTS and response.location:
            flashes = json.dumps(session.get("_flashes", []), ensure_ascii=False)
            conn.execute(
                update(_table())
                .where(_table().c.key == key)
                .values(location=response.location, flashes=flashes)
            )
        else:
            conn.execute(delete(_table()).where(_table().c.key == key))
    return response


def _teardown(exc):
    key = g.pop("_submission_key", None)
    if key is not None:  # the view failed before answering: free the key
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(delete(_table()).where(_table().c.key == key))


def init_app(app: Flask) -> None:
    """Register the hooks (after CSRFProtect: a repeat carries the same, valid, token)."""

    @app.before_request
    def _settings():
        g._submission_wait = app.config.get("SUBMISSION_WAIT_SECONDS", 20)
        g._submission_keep_days = app.config.get("SUBMISSION_KEEP_DAYS", 2)

    app.before_request(_before_request)
    app.after_request(_after_request)
    app.teardown_request(_teardown)
