"""The console page 「プレビュー・テスト送信」 (事務局・管理者)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.core import preview
from app.core.auth import staff_required
from app.core.confirm import irreversible
from app.core.forms import ActionForm
from app.events.models import current_event_or_404
from app.preview import services
from app.preview.forms import DeleteTestsForm
from app.surveys.urls import short_url, survey_url

bp = Blueprint("preview", __name__, url_prefix="/console/preview")
STAFF = preview.PREVIEW_ROLES


def _participant_next() -> str | None:
    """Where to go after switching on: a participant page of this site (never elsewhere)."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith(("//", "/console")):
        return target
    return None


@bp.get("")
@staff_required(*STAFF)
def index(delete_form: DeleteTestsForm | None = None, status: int = 200):
    event = current_event_or_404()
    return render_template(
        "preview/index.html",
        event=event,
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
    event = current_event_or_404()
    if ActionForm().validate_on_submit():
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
