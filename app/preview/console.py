"""The console page 「プレビュー・テスト送信」 (事務局・管理者)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.core import preview
from app.core.auth import staff_required
from app.core.confirm import irreversible
from app.core.forms import ActionForm, to_choices
from app.events.models import Event, current_event_or_404
from app.events.services import is_past
from app.extensions import db
from app.preview import services
from app.preview.forms import DeleteTestsForm, StartPreviewForm
from app.surveys.urls import short_url, survey_url

bp = Blueprint("preview", __name__, url_prefix="/console/preview")
STAFF = preview.PREVIEW_ROLES


def _participant_next() -> str | None:
    """Where to go after switching on: a participant page of this site (never elsewhere)."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith(("//", "/console")):
        return target
    return None


def _start_form() -> StartPreviewForm:
    """The events one may preview: the one on the 特設サイト and any not yet over (next
    year's, prepared with 「前年度から作成」), newest first."""
    shown = current_event_or_404()
    events = [
        e
        for e in db.session.scalars(select(Event).order_by(Event.fiscal_year.desc())).all()
        if e.id == shown.id or not is_past(e)
    ]
    form = StartPreviewForm()
    form.event_id.choices = to_choices(
        (e.id, f"{e.name}{'（特設サイトに表示中）' if e.id == shown.id else ''}") for e in events
    )
    if not form.is_submitted():
        form.event_id.data = preview.preview_event_id() or shown.id
    elif "event_id" not in request.form:  # a 「プレビューで開く」 button: the site's event
        form.event_id.data = shown.id
    return form


def _previewed_or_shown() -> Event:
    event_id = preview.preview_event_id()
    event = db.session.get(Event, event_id) if event_id is not None else None
    return event or current_event_or_404()


@bp.get("")
@staff_required(*STAFF)
def index(delete_form: DeleteTestsForm | None = None, status: int = 200):
    event = _previewed_or_shown()
    return render_template(
        "preview/index.html",
        event=event,
        start_form=_start_form(),
        preview_active=preview.preview_event_id() == event.id,
        groups=services.test_groups(),
        action=ActionForm(),
        delete_form=delete_form or DeleteTestsForm(formdata=None),
        survey_link=survey_url(event, "chat"),
        qr_link=survey_url(event, "qr"),
        short_link=short_url(event),
    ), status


@bp.post("/on")
@staff_required(*STAFF)
def switch_on():
    form = _start_form()
    if form.validate_on_submit():
        event = db.session.get(Event, form.event_id.data) or current_event_or_404()
        services.start_preview(event)
        flash(
            "プレビューを開始しました。参加者のページに「プレビュー中」と表示されます。", "success"
        )
        return redirect(_participant_next() or url_for("preview.index"))
    return redirect(url_for("preview.index"))


@bp.post("/off")
@staff_required(*STAFF)
def switch_off():
    if ActionForm().validate_on_submit():
        services.end_preview()
        flash("プレビューを終了しました。", "info")
    return redirect(url_for("preview.index"))


@bp.post("/mails/<int:message_id>/send")
@staff_required(*STAFF)
def send_mail(message_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("preview.index"))
    message = services.send_held_mail(message_id)
    if message is None:
        abort(404)
    flash(f"{message.to_addr} 宛てのメールを送信待ちにしました。", "success")
    return redirect(url_for("preview.index"))


@bp.post("/tests/delete")
@staff_required(*STAFF)
@irreversible("テスト送信の削除")
def delete_tests():
    form = DeleteTestsForm()
    if not form.validate_on_submit():
        return index(delete_form=form, status=422)
    count = services.delete_test_rows()
    flash(f"テスト送信を削除しました（{count}件）。", "success")
    return redirect(url_for("preview.index"))
