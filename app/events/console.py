"""「研修会議の設定」 in the console (issue 10 §1): the events, the one the public site shows,
「前年度から作成」, and the pages that edit an event's settings, channels and venues.

The seats taken of each channel come from ``registration.services.seats.channel_overview``
and the figures of 「年度比較」 from ``registration.reports.applicants_table``, which the app
factory hands to ``init_app`` (the event layer does not import registration).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from sqlalchemy import select

from app.core import spreadsheets
from app.core.auth import staff_required
from app.core.forms import ActionForm, show_error, to_choices
from app.core.templating import register_console_nav
from app.events import comparison, services
from app.events.forms import ChannelForm, CloneForm, EventForm, VenueForm
from app.events.models import Channel, Event, Venue, current_event
from app.events.services import EventError, fiscal_year_label
from app.extensions import db

bp = Blueprint("events_console", __name__, url_prefix="/console/events")
ROLES = ("secretariat",)  # 管理者 always passes
COMPARE_ROLES = ("secretariat", "analyst")
OVERVIEW_KEY = "events.channel_overview"
FIGURES_KEY = "events.applicants_table"


def init_app(
    app,
    channel_overview: Callable[[Event], list[dict]],
    applicants_table: Callable[[Event], dict],
) -> None:
    """Register the blueprint; ``channel_overview(event)`` gives each channel's seats
    (``[{"channel": Channel, "taken": int, …}]``), ``applicants_table(event)`` an event's
    figures for 「年度比較」 (``registration.reports.applicants_table``)."""
    app.extensions[OVERVIEW_KEY] = channel_overview
    app.extensions[FIGURES_KEY] = applicants_table
    app.register_blueprint(bp)


@bp.record_once
def _nav(state):
    register_console_nav(state.app, "研修会議の設定", "events_console.index", ROLES)
    register_console_nav(state.app, "年度比較", "events_console.compare", COMPARE_ROLES)


def _taken(event: Event) -> dict[int, int]:
    """Seats taken per channel id, by registration's one definition."""
    overview = current_app.extensions[OVERVIEW_KEY](event)
    return {row["channel"].id: row["taken"] for row in overview}


def _event(event_id: int) -> Event:
    return db.session.get(Event, event_id) or abort(404)


@bp.route("/")
@staff_required(*ROLES)
def index():
    events = db.session.scalars(select(Event).order_by(Event.fiscal_year.desc())).all()
    shown = current_event()
    form = CloneForm()
    form.source.choices = to_choices((e.id, e.name) for e in events)
    return render_template(
        "events/index.html",
        events=events,
        shown=shown,
        form=form,
        action=ActionForm(),
        is_past=services.is_past,
        t1_day=services.training1_day,
    )


@bp.post("/<int:event_id>/current")
@staff_required(*ROLES)
def make_current(event_id: int):
    event = _event(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_current(event)
    flash(f"特設サイトに「{event.name}」を表示します。", "success")
    return redirect(url_for(".index"))


@bp.post("/clone")
@staff_required(*ROLES)
def clone():
    events = db.session.scalars(select(Event).order_by(Event.fiscal_year.desc())).all()
    form = CloneForm()
    form.source.choices = to_choices((e.id, e.name) for e in events)
    if form.validate_on_submit():
        source = _event(form.source.data)
        try:
            new = services.clone_event(
                source, form.fiscal_year.data, form.slug.data, form.training1_date.data
            )
        except EventError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(
                f"「{source.name}」から{fiscal_year_label(new.fiscal_year)}の研修会議を作成しました。"
                "名称や日程を確認してください。",
                "success",
            )
            return redirect(url_for(".edit", event_id=new.id))
    return render_template(
        "events/index.html",
        events=events,
        shown=current_event(),
        form=form,
        action=ActionForm(),
        is_past=services.is_past,
        t1_day=services.training1_day,
    ), 422


def _save(form, event: Event, apply):
    """Run one edit service: its refusal goes next to the form's field (None is returned, the
    page is shown again); otherwise what changed is flashed and the event's page follows."""
    try:
        changed = apply()
    except EventError as exc:
        db.session.rollback()
        show_error(form, exc)
        return None
    if changed:
        flash(f"変更しました（{'・'.join(changed)}）。", "success")
    else:
        flash("変更はありませんでした。", "info")
    return redirect(url_for(".edit", event_id=event.id))


def _part_of(event: Event, model, row_id: int):
    """A channel or venue of this event, else 404."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


@bp.route("/<int:event_id>", methods=["GET", "POST"])
@staff_required(*ROLES)
def edit(event_id: int):
    event = _event(event_id)
    past = services.is_past(event)
    form = EventForm(obj=event)
    if form.validate_on_submit():
        changes = {key: getattr(form, key).data for key in services.EVENT_LABELS}
        done = _save(form, event, lambda: services.update_event(event, changes))
        if done:
            return done
    taken = _taken(event)
    return render_template("events/edit.html", event=event, form=form, past=past, taken=taken)


@bp.route("/<int:event_id>/channels/<int:channel_id>", methods=["GET", "POST"])
@staff_required(*ROLES)
def channel(event_id: int, channel_id: int):
    event = _event(event_id)
    ch = _part_of(event, Channel, channel_id)
    past = services.is_past(event)
    taken = _taken(event).get(ch.id, 0)
    form = ChannelForm(obj=ch)
    if form.validate_on_submit():
        changes = {key: getattr(form, key).data for key in services.CHANNEL_LABELS}
        reason = form.reason.data or ""
        done = _save(form, event, lambda: services.update_channel(ch, changes, taken, reason))
        if done:
            return done
    return render_template(
        "events/channel.html", event=event, channel=ch, form=form, past=past, taken=taken
    )


@bp.route("/<int:event_id>/venues/<int:venue_id>", methods=["GET", "POST"])
@staff_required(*ROLES)
def venue(event_id: int, venue_id: int):
    event = _event(event_id)
    v = _part_of(event, Venue, venue_id)
    past = services.is_past(event)
    form = VenueForm(obj=v)
    if not form.is_submitted():
        form.access.data = "\n".join(v.access or [])
    if form.validate_on_submit():
        changes = {key: getattr(form, key).data for key in services.VENUE_LABELS}
        changes["access"] = [
            line.strip() for line in (form.access.data or "").splitlines() if line.strip()
        ]
        done = _save(form, event, lambda: services.update_venue(v, changes))
        if done:
            return done
    return render_template("events/venue.html", event=event, venue=v, form=form, past=past)


def _comparison() -> dict:
    figures = current_app.extensions[FIGURES_KEY]
    survey = current_app.extensions.get(comparison.SURVEY_FIGURES_KEY, lambda event: None)
    events = db.session.scalars(select(Event).order_by(Event.fiscal_year, Event.id)).all()
    return comparison.compare(
        [(fiscal_year_label(e.fiscal_year), figures(e)) for e in events],
        [survey(e) for e in events],
    )


@bp.route("/compare")
@staff_required(*COMPARE_ROLES)
def compare():
    """「年度比較」: registrations by channel × 参加区分 and teams and people per venue, the
    years side by side."""
    return render_template("events/compare.html", data=_comparison())


@bp.route("/compare.xlsx")
@staff_required(*COMPARE_ROLES)
def compare_xlsx():
    body = comparison.comparison_xlsx(_comparison())
    return Response(body, headers=spreadsheets.download_headers("年度比較.xlsx"))
