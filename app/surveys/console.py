"""The console pages of the questionnaire (分析担当 and 事務局)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.core.auth import staff_required
from app.core.models import Event, current_event
from app.surveys import services
from app.surveys.definition import CHANNELS
from app.surveys.views import short_url, survey_url

bp = Blueprint("surveys_console", __name__, url_prefix="/console/surveys")
ROLES = ("analyst", "secretariat")
SECRETARIAT = ("secretariat",)


def _event() -> Event:
    event = current_event()
    if event is None:
        abort(404)
    return event


@bp.route("/")
@staff_required(*ROLES)
def overview():
    event = _event()
    survey = services.ensure_survey(event)
    return render_template(
        "surveys/console/overview.html",
        event=event,
        definition=survey.definition,
        count=services.response_count(event),
        is_open=services.survey_is_open(event),
        channels=[(code, label, survey_url(event, code)) for code, label in CHANNELS.items()],
        short_url=short_url(event),
    )
