"""A public form's page as a fresh visitor gets it, written once per process and state (issue 12).

When registration opens, most requests are the first GET of the 研修会議Ⅰ form or of the
研修会議Ⅱ application: the same blank form, to every visitor, but for the CSRF token (one per
session) and the one-time submission key (one per form). Writing it — the form's fields, the
template, 100 KB of HTML — was about half of that request's CPU.

``serve`` keeps such a page per process under a key that names everything the page is made
of: the event's revision (``events.snapshot``: any change of the event, its channels, venues
or trainings), what the view passes (the channels' states, a preselected channel), the
master's lists it shows (``objects``), and the application's root (``url_for``; the pages'
links are relative, so not the host, which anyone can make up). The kept copy is the page split
at its tokens; each request gets the copy with its own CSRF token (``generate_csrf``: the
session gets its token as before) and a fresh key per form.

It serves GET and HEAD (the same headers), never a page that depends on more than that: a POST
(the form with what was typed, or its errors), a session holding flashed messages, preview
mode (the banner and the previewed event), an event read without a revision, or a rendering
whose tokens cannot be found. ``tests/core/test_blank_page.py`` compares the kept and the
fresh page of every view that uses it, across changes of each of those.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask import current_app, request, session
from flask_wtf.csrf import generate_csrf

from app.core import idempotency, preview

_STORE = "blank_pages"
_RECENT = "blank_page_reads"  # recent(): name → (monotonic time, event key, value)
METHODS = ("GET", "HEAD")  # a HEAD answers with the GET's headers (its Content-Length)
_KEEP_AT_MOST = 64  # states × views × channels preselected: a few dozen at most
_KEY_INPUT = re.compile(rf'name="{idempotency.FIELD}" value="([A-Za-z0-9_-]+)"')

T = TypeVar("T")

# The current event's (id, revision), set on the request by events.snapshot (on the request,
# not ``g``: the test client shares one app context between requests).
EVENT_KEY = "_event_snapshot_key"


def uses_blank_page(view: Callable) -> Callable:
    """Mark a view that serves its GET through ``serve`` (the test sweep finds it by this)."""
    view._blank_page = True
    return view


def serve(
    key: Hashable,
    render: Callable[[], str],
    *,
    objects: Iterable[object] = (),
    key_after: Callable[[], Hashable] | None = None,
) -> str:
    """The page ``render()`` writes, kept for this process under ``key``.

    ``key``: what the view's page depends on beyond the event's revision (hashable values).
    ``objects``: lists the page shows that are not data of the event (the master's choices),
    kept by identity: a new list (a master loaded again) gives a new page.
    ``key_after``: for a page whose writing may change what it is keyed by (the
    questionnaire, brought up to date with its event as it is written): the key read again
    after ``render()``, under which the page is kept.
    Returns HTML (str). Falls back to ``render()`` whenever the page may depend on more.
    """
    event_key = getattr(request, EVENT_KEY, None)
    if (
        request.method not in METHODS
        or event_key is None
        or session.get("_flashes")
        or preview.is_on()
    ):
        return render()
    objects = tuple(objects)

    def full(view_key: Hashable) -> tuple:
        # Not the Host header: the pages' links are relative, and anyone can send any host (a
        # key per made-up host would fill the store and empty it for every visitor).
        return (
            request.endpoint,
            request.script_root,
            event_key,
            view_key,
            tuple(id(o) for o in objects),
        )

    full_key = full(key)
    store: dict = current_app.extensions.setdefault(_STORE, {})
    kept = store.get(full_key)
    if kept is not None and all(a is b for a, b in zip(kept[0], objects, strict=True)):
        return _fill(kept[1])
    html = render()
    parts = _split(html)
    if parts is not None:
        if key_after is not None:
            full_key = full(key_after())
        if len(store) >= _KEEP_AT_MOST:
            store.clear()
        store[full_key] = (objects, parts)
    return html


def recent(name: Hashable, read: Callable[[], T]) -> T:
    """What a blank page is made of, as this process read it less than ``FORM_STATE_MAX_AGE``
    seconds ago (app.config; 0: read every time), else ``read()`` now (issue 12).

    ``read`` asks the database what the page's key needs (the event's revision, the channels'
    states); ``name`` tells apart what one view reads (its endpoint, a slug). In a surge the
    form's GETs then read nothing: the page shows the state of at most that long ago, and the
    POST, which never comes here, decides by the current one (docs/decisions.md). Only for
    GET and HEAD, never in preview mode. The event's key that ``read`` notes on the request
    (``EVENT_KEY``) is noted again when a kept value is returned; a read that notes none (an
    event without a revision) is not kept.
    """
    max_age = current_app.config.get("FORM_STATE_MAX_AGE", 0)
    if max_age <= 0 or request.method not in METHODS or preview.is_on():
        return read()
    store: dict = current_app.extensions.setdefault(_RECENT, {})
    now = time.monotonic()
    hit = store.get(name)
    if hit is not None and 0 <= now - hit[0] < max_age:
        setattr(request, EVENT_KEY, hit[1])
        return hit[2]
    value = read()
    event_key = getattr(request, EVENT_KEY, None)
    if event_key is None:  # an event read without a revision: nothing of it is kept
        return value
    if len(store) >= _KEEP_AT_MOST:
        store.clear()
    store[name] = (now, event_key, value)
    return value


def forget_recent(name: Hashable) -> None:
    """Drop what ``recent`` keeps under ``name``: the next request reads it again (a page whose
    writing changed what it is made of: the questionnaire generated by its first page)."""
    current_app.extensions.get(_RECENT, {}).pop(name, None)


def forget() -> None:
    """Drop this process's kept pages and what they were made of (tests; the next request
    reads and writes them again)."""
    current_app.extensions.pop(_STORE, None)
    current_app.extensions.pop(_RECENT, None)


def _csrf_on() -> bool:
    return current_app.config.get("WTF_CSRF_ENABLED", True)


def _split(html: str) -> list[str] | None:
    """The page cut before and after each token: [text, slot, text, slot, …, text], where a
    slot is "csrf" or "key". None when the page has no submission key, or CSRF is on and the
    request's token is missing from it (then it is not kept)."""
    token = generate_csrf() if _csrf_on() else None
    pattern = _KEY_INPUT.pattern
    if token is not None:
        pattern = f"{pattern}|({re.escape(token)})"
    parts: list[str] = []
    at = 0
    keys = tokens = 0
    for match in re.finditer(pattern, html):
        if match.group(1) is not None:
            start, end, slot = match.start(1), match.end(1), "key"
            keys += 1
        else:
            start, end, slot = match.start(2), match.end(2), "csrf"
            tokens += 1
        parts += [html[at:start], slot]
        at = end
    parts.append(html[at:])
    if keys == 0 or (token is not None and tokens == 0):
        return None
    return parts


def _fill(parts: list[str]) -> str:
    token = generate_csrf() if _csrf_on() else ""
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(part)
        elif part == "csrf":
            out.append(token)
        else:
            out.append(idempotency.new_key())
    return "".join(out)
