"""Public pages of the questionnaire: the answer form per event and channel, QR codes."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import exists, select

from app.core import blank_page, idempotency, preview
from app.core.db import execute_compiled
from app.events.models import Event, event_revision
from app.events.snapshot import note_page_key
from app.extensions import db
from app.surveys import qr, services
from app.surveys.definition import CHANNELS, SCALE_CONTENT, SCALE_TIME, WEB_CHANNELS, AnswerError
from app.surveys.forms import ResponseForm, raw_answers
from app.surveys.models import SurveyResponse
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


@functools.cache
def _page_state_query():
    """The event's key, slug, answering period and revision, and its survey's row version and
    whether it has answers (tests left out: outside preview mode, the only mode whose pages
    are kept, no page counts them): one SELECT (issue 12)."""
    answered = exists().where(
        SurveyResponse.event_id == Event.id, SurveyResponse.is_test.is_(False)
    )
    return (
        services.answer_target_query()
        .add_columns(answered.label("answered"), event_revision.c.token)
        .outerjoin(event_revision, event_revision.c.event_id == Event.id)
    )


def _page_state(slug: str) -> tuple[services.AnswerTarget, tuple | None] | None:
    """``(target, survey state)`` of the questionnaire of ``slug``, or None (no such event);
    the survey state is ``(survey id, updated_at, answered)``, None before it is generated."""
    # On the session's connection: these columns need none of the ORM's execution.
    row = execute_compiled(db.session.connection(), _page_state_query(), {"slug": slug}).first()
    if row is None:
        return None
    note_page_key(row.id, row.token)
    target = services.AnswerTarget(*row[:6])
    state = None if target.survey_id is None else (target.survey_id, row.updated_at, row.answered)
    return target, state


def _blank_answer_page(slug: str, channel: str):
    """The blank questionnaire, kept per process (``core.blank_page``; issue 12: writing its
    36 KB of questions was four fifths of the GET's CPU, and the survey's own page was the
    slowest of the surge). What it is made of — the event's answering period and revision, the
    survey's row version and whether it has answers — is one SELECT, read at most once per
    ``FORM_STATE_MAX_AGE`` (``blank_page.recent``, as the registration's page; the POST checks
    the period and the questionnaire as they are). A page is kept under the event's revision,
    the survey's state and the channel, so the event's dates, names, venues and programme, a
    questionnaire changed in the console (its ``updated_at``) and its first answer
    (``follow_event`` then appends instead of rebuilding) each give a new page. Only a new page
    loads the event and runs ``ensure_survey`` (which follows the event and may commit); the
    page is kept under the state as it left it."""
    name = ("surveys.answer", slug)
    read = blank_page.recent(name, lambda: _page_state(slug))
    if read is None:
        abort(404)
    target, state = read
    if not services.survey_is_open(target):
        return closed(event_or_404(slug))

    def key_after() -> tuple:
        # The same SELECT again: what writing the page left (generated, followed).
        now = (_page_state(slug) or (None, None))[1]
        if now != state:  # changed by this page: read it again next time
            blank_page.forget_recent(name)
        return (channel, now)

    def page() -> str:
        event = db.session.get(Event, target.id)
        definition = services.ensure_survey(event).definition
        return _answer_page(event, definition, ResponseForm(), channel, {}, {})

    return blank_page.serve((channel, state), page, key_after=key_after)


def _answer_page(event, definition, form, channel: str, values: dict, errors: dict) -> str:
    return render_template(
        "surveys/form.html",
        event=event,
        definition=definition,
        form=form,
        channel=channel,
        values=values,
        errors=errors,
    )


@bp.route("/survey/<slug>", methods=["GET", "POST"])
@idempotency.folded
@blank_page.uses_blank_page
def answer(slug: str):
    channel = request.values.get("ch", "chat")
    channel = channel if channel in WEB_CHANNELS else "chat"
    if request.method in blank_page.METHODS:
        return _blank_answer_page(slug, channel)
    # The event and its survey's version in one SELECT, the questionnaire parsed once per
    # version and process (issue 12); the whole event is loaded only for a page written.
    target = services.answer_target(slug)
    if target is None:
        abort(404)
    if not services.survey_is_open(target):
        return closed(event_or_404(slug))
    definition = services.stored_definition(target)
    form = ResponseForm()
    values, errors = {}, {}
    if form.validate_on_submit():
        values = raw_answers(request.form)
        thanks = url_for("surveys.thanks", slug=target.slug)
        try:
            services.submit_response(
                target,
                channel,
                values,
                definition=definition,
                before_commit=lambda: idempotency.record(thanks),
            )
        except services.SurveyClosedError:
            return closed(event_or_404(slug))
        except services.SubmittedTwiceError:
            return idempotency.replay_if_done() or redirect(thanks)
        except AnswerError as exc:
            errors = exc.errors
        else:
            return redirect(thanks)
    page = _answer_page(event_or_404(slug), definition, form, channel, values, errors)
    return page, (422 if errors else 200)


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
