"""Public pages of the questionnaire: the answer form per event and channel, QR codes."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from app.core import idempotency, preview
from app.events.models import Event
from app.extensions import db
from app.surveys import qr, services
from app.surveys.definition import CHANNELS, SCALE_CONTENT, SCALE_TIME, WEB_CHANNELS, AnswerError
from app.surveys.forms import ResponseForm, raw_answers
from app.surveys.urls import survey_url

bp = Blueprint("surveys", __name__)


@bp.context_processor
def _scales():
    return {"scale_content": SCALE_CONTENT, "scale_time": SCALE_TIME}


def event_or_404(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def closed(event: Event):
    """Outside the answering period: 「公開前です（…から）」 before the opening day; a logged-in
    事務局 gets a button that opens the questionnaire in preview (issue 10 §2)."""
    return render_template(
        "surveys/closed.html",
        event=event,
        not_yet_open=services.survey_not_yet_open(event),
        staff_may_preview=preview.staff_may_preview(),
    ), 403


@bp.route("/q/<slug>")
def short(slug: str):
    event = event_or_404(slug)
    return redirect(url_for("surveys.answer", slug=event.slug, ch="qr"))


@bp.route("/survey/<slug>", methods=["GET", "POST"])
@idempotency.folded
def answer(slug: str):
    event = event_or_404(slug)
    channel = request.values.get("ch", "chat")
    channel = channel if channel in WEB_CHANNELS else "chat"
    if not services.survey_is_open(event):
        return closed(event)
    definition = services.ensure_survey(event, follow=request.method != "POST").definition
    form = ResponseForm()
    values, errors = {}, {}
    if form.validate_on_submit():
        values = raw_answers(request.form)
        thanks = url_for("surveys.thanks", slug=event.slug)
        try:
            services.submit_response(
                event,
                channel,
                values,
                definition=definition,
                before_commit=lambda: idempotency.record(thanks),
            )
        except services.SurveyClosedError:
            return closed(event)
        except services.SubmittedTwiceError:
            return idempotency.replay_if_done() or redirect(thanks)
        except AnswerError as exc:
            errors = exc.errors
        else:
            return redirect(thanks)
    return render_template(
        "surveys/form.html",
        event=event,
        definition=definition,
        form=form,
        channel=channel,
        values=values,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/survey/<slug>/thanks")
def thanks(slug: str):
    event = event_or_404(slug)
    definition = services.ensure_survey(event).definition
    return render_template("surveys/thanks.html", event=event, definition=definition)


@bp.route("/survey/<slug>/qr-<ch>.<fmt>")
def qr_code(slug: str, ch: str, fmt: str):
    """QR code of a channel's URL, PNG or SVG (for slides, mails and print)."""
    event = event_or_404(slug)
    if ch not in CHANNELS or fmt not in ("png", "svg"):
        abort(404)
    url = survey_url(event, ch)
    if fmt == "png":
        return Response(qr.qr_png(url), mimetype="image/png")
    return Response(qr.qr_svg(url), mimetype="image/svg+xml")
