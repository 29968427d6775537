"""Irreversible console actions ask first (issue 10 §5).

A console POST that cannot be taken back — it publishes, mails many people or deletes — is
marked with :func:`irreversible`. Such a view runs only when the request carries the
confirmation field (``confirmed=1``, a tick box on a confirmation step). A plain POST changes
nothing: it gets a confirmation page (HTTP 200) that names the action and, for views that pass
a ``page``, what is still missing; that page re-posts what was sent together with the tick box.

The registry is the decorator itself: every view it marks carries ``irreversible`` (the action's
Japanese label), which :func:`irreversible_endpoints` reads from ``app.view_functions``; a test
walks ``app.url_map`` and checks each marked endpoint refuses a plain POST and is listed in
docs/decisions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from app.core import idempotency

CONFIRM_FIELD = "confirmed"
# Fields never re-posted by the confirmation page: it renders a fresh CSRF token and a fresh
# one-time submission key (re-posting the first POST's key would tie both POSTs together).
_NOT_REPOSTED = {"csrf_token", idempotency.FIELD, CONFIRM_FIELD, "confirm_seen"}


def is_confirmed() -> bool:
    """True when the POST carries the ticked confirmation box."""
    return request.form.get(CONFIRM_FIELD) == "1"


def irreversible(label: str, page: Callable | None = None):
    """Mark a POST view as irreversible: without the confirmation field it renders ``page``
    (called with the view's arguments; returns a response) or the generic confirmation page,
    and the view does not run. Put it below ``staff_required`` so the login is checked first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method == "POST" and not is_confirmed():
                if page is not None:
                    return page(*args, **kwargs)
                return confirmation_page(label)
            return view(*args, **kwargs)

        wrapped.irreversible = label
        return wrapped

    return decorator


def confirmation_page(
    label: str,
    *,
    missing: list[str] | None = None,
    back_url: str | None = None,
    button: str | None = None,
    **context,
):
    """The page that asks before ``label`` runs: what is missing, the tick box, the button.

    What the first POST sent (but its token and the box) goes back as hidden fields, so the
    second POST carries the same choices (a reminder's recipients, a reason).
    """
    fields = [
        (key, value) for key, value in request.form.items(multi=True) if key not in _NOT_REPOSTED
    ]
    referrer = request.referrer or ""
    if back_url is None and referrer.startswith(request.host_url):
        back_url = referrer
    if back_url is None:
        # The app sends ``Referrer-Policy: no-referrer``: a browser never says where it came
        # from, so the way back is the nearest page above the action's path.
        back_url = _page_above(request.path)
    return render_template(
        "console/confirm.html",
        label=label,
        missing=missing or [],
        fields=fields,
        action=request.path,
        confirm_field=CONFIRM_FIELD,
        # the box was left empty on the confirmation page itself: say so next to it
        unticked="confirm_seen" in request.form,
        back_url=back_url,
        button=button or f"{label}を実行する",
        **context,
    )


def _page_above(path: str) -> str:
    """The nearest GET page above ``path`` (``/console/preview/tests/delete`` →
    ``/console/preview``); the console's first page when none is."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    parts = path.rstrip("/").split("/")
    while len(parts) > 2:
        parts.pop()
        for candidate in ("/".join(parts), "/".join(parts) + "/"):
            try:
                adapter.match(candidate, method="GET")
            except (HTTPException, RequestRedirect):
                continue
            return candidate
    return "/console/"


def irreversible_endpoints(app: Flask) -> dict[str, str]:
    """endpoint → label of every view marked :func:`irreversible` (the registry)."""
    found = {}
    for endpoint, view in app.view_functions.items():
        label = getattr(view, "irreversible", None)
        if label:
            found[endpoint] = label
    return dict(sorted(found.items()))
