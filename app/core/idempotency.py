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

Keys are kept ``SUBMISSION_KEEP_DAYS`` (default 2) days; old ones are removed by about one
request in ``PURGE_ONE_IN`` (their own transaction), not by every POST.

Folded (issue 12): a view marked ``@folded`` (the public forms that take a seat) does not claim
its key in a transaction of its own. Its service adds the key, with the result the view will
answer, to the transaction that stores the registration (``record``), so an accepted POST costs
no extra round trip; a twin submission's key INSERT waits on the first's uncommitted key and
fails, and a refused submission asks ``replay_if_done`` whether the same key was stored already
(the refusal of a repeat: 「既にお申込み」) and then shows the first result instead.
"""

from __future__ import annotations

import functools
import json
import random
import re
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, flash, g, redirect, render_template, request, session
from markupsafe import Markup
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.db import execute_compiled
from app.core.jpdates import now_utc
from app.core.models import SubmissionKey
from app.extensions import db

FIELD = "_submission"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_REDIRECTS = (301, 302, 303, 307, 308)
PURGE_ONE_IN = 200  # old keys are removed by one request in this many, on average


def new_key() -> str:
    """A fresh key for one rendering of a form (192 random bits)."""
    return secrets.token_urlsafe(24)


def key_input() -> Markup:
    """The hidden input of a fresh key, for every POST form."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


def _table():
    return SubmissionKey.__table__


def _purge_old_keys(now) -> None:
    keep = timedelta(days=g.get("_submission_keep_days", 2))
    with db.engine.begin() as conn:
        conn.execute(delete(_table()).where(_table().c.created_at < now - keep))


def _claim(key: str, path: str) -> bool:
    """Record the key for this path; False when it was recorded before (a repeat)."""
    now = now_utc()
    if random.randrange(PURGE_ONE_IN) == 0:
        _purge_old_keys(now)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(_table()).values(key=key, path=path, flashes="", created_at=now))
    except IntegrityError:
        return False
    return True


def folded(view: Callable) -> Callable:
    """Mark a view whose service stores the submission key in its own transaction (``record``)."""
    view._submission_folded = True
    return view


def record(location: str, messages: list[tuple[str, str]] | tuple = ()) -> None:
    """In a ``@folded`` view's transaction (before its commit): store this request's key with
    the answer it will give — a redirect to ``location`` flashing ``messages`` ([(category,
    message)]). Adds one row to the session (flushed with the rest); nothing without a key."""
    key = g.get("_submission_folded")
    if key is None:
        return
    db.session.add(
        SubmissionKey(
            key=key,
            path=request.path,
            location=location,
            flashes=json.dumps(list(messages), ensure_ascii=False),
            created_at=now_utc(),
        )
    )
    g._submission_recorded = True


def replay_if_done():
    """For a ``@folded`` view that refuses: when this very submission was stored already (a
    second click, Back and send again), the first result (a 303 redirect), else None. One
    SELECT in the request's transaction, no lock (a refusal before any write keeps it open),
    built once per process and run as written (``core.db.execute_compiled``: a surge's
    duplicates are refused by the hundred; issue 12)."""
    key = g.get("_submission_folded")
    if key is None:
        return None
    row = execute_compiled(db.session.connection(), _stored_result(), {"key": key}).first()
    if row is None or row.path != request.path or row.location is None:
        return None
    g.pop("_submission_folded", None)
    return _replay(row)


@functools.cache
def _stored_result():
    """The stored answer of a submission key (``key`` bound): its path, location and flashes."""
    table = _table()
    return select(table.c.path, table.c.location, table.c.flashes).where(
        table.c.key == bindparam("key")
    )


def _first_result(key: str):
    with db.engine.connect() as conn:
        return conn.execute(_stored_result(), {"key": key}).first()


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
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "_submission_folded", False):
        g._submission_folded = key  # stored by the service's own transaction (``record``)
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
    folded_key = g.pop("_submission_folded", None)
    if folded_key is not None and not g.pop("_submission_recorded", False):
        _store_unrecorded(folded_key, response)
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


def _store_unrecorded(key: str, response) -> None:
    """A ``@folded`` view that redirected without ``record`` (a refusal shown by a flash):
    keep its result as an unfolded view would; a form shown again stores nothing."""
    if response.status_code not in _REDIRECTS or not response.location:
        return
    db.session.rollback()
    flashes = json.dumps(session.get("_flashes", []), ensure_ascii=False)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(_table()).values(
                    key=key,
                    path=request.path,
                    location=response.location,
                    flashes=flashes,
                    created_at=now_utc(),
                )
            )
    except IntegrityError:
        pass  # stored by a twin meanwhile


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
