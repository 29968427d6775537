"""A lost session loses no typing (issue 9 §3): on a CSRF failure the same form comes back
with what was typed, a fresh token and a Japanese explanation — once, here, for every form.

The CSRF check fails when the session cookie is gone (expired, cookies cleared) or the page is
old. The handler runs the page's view again in *recovery mode*: every ``BaseForm`` refuses to
validate (``core.forms.BaseForm.validate``), so the view shows its form again bound to what was
sent, the way it shows a form with errors; ``csrf_field()`` renders a fresh token in the new
session. Password fields never render their value and file fields never keep a file. Nothing
may be stored in recovery mode: a commit raises, and the person gets the explanation page
instead. A button form (no typing to keep) gets the explanation page too.
"""

from __future__ import annotations

from flask import Flask, flash, g, has_request_context, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGE = (
    "ページを開いてから時間が経ったか、Cookie が削除されたため、安全のため送信を受け付けませんでした"
    "（まだ何も登録されていません）。入力内容はそのまま残しています。"
    "内容を確認して、もう一度送信してください。"
)
PAGE_TITLE = "送信を受け付けられませんでした"
PAGE_MESSAGE = (
    "ページを開いてから時間が経ったか、Cookie が削除されたため、安全のため送信を受け付けませんでした"
    "（まだ何も登録されていません）。前のページに戻ってページを読み込み直し、"
    "もう一度操作してください。"
)


_FLAG = "kenshu.csrf_recovery"


class RecoveryWouldStore(Exception):
    """A view tried to store something while its CSRF check had failed."""


def in_recovery() -> bool:
    """True while a form is shown again after a CSRF failure (forms then refuse to validate)."""
    return has_request_context() and bool(request.environ.get(_FLAG))


def _explanation_page():
    return render_template("errors/error.html", title=PAGE_TITLE, message=PAGE_MESSAGE), 400


def _no_commit_in_recovery(_session) -> None:
    if in_recovery():
        raise RecoveryWouldStore()


def init_app(app: Flask) -> None:
    """Register the CSRFError handler, and the guard that nothing is committed in recovery."""
    if not event.contains(db.session, "before_commit", _no_commit_in_recovery):
        event.listen(db.session, "before_commit", _no_commit_in_recovery)

    @app.errorhandler(CSRFError)
    def _csrf_failed(error):
        view = app.view_functions.get(request.endpoint or "")
        if request.method != "POST" or view is None or in_recovery():
            return _explanation_page()
        request.environ[_FLAG] = True
        g.pop("csrf_token", None)  # a fresh token, made for the session this answer sets
        flash(MESSAGE, "error")
        try:
            response = app.make_response(view(**(request.view_args or {})))
        except (HTTPException, RecoveryWouldStore):
            response = None
        if response is None or response.status_code != 200:
            # A button, a redirect or a refusal: there is no typing to show again.
            db.session.rollback()
            session.pop("_flashes", None)
            return _explanation_page()
        return response
