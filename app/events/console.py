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
    request,
    url_for,
)
from sqlalchemy import select

from app.core import spreadsheets
from app.core.auth import staff_required
from app.core.forms import ActionForm, show_error, to_choices
from app.core.templating import register_console_nav
from app.events import comparison, services
from app.events.forms import (
    ChannelForm,
    CloneForm,
    EventForm,
    MoveForm,
    NewVenueForm,
    ProgrammeItemForm,
    TrainingForm,
    VenueForm,
    split_time_label,
)
from app.events.models import Channel, Event, ProgrammeItem, Training, Venue, current_event
from app.events.services import EventError, fiscal_year_label
from app.extensions import db

bp = Blueprint("events_console", __name__, url_prefix="/console/events")
ROLES = ("secretariat",)  # 管理者 always passes
COMPARE_ROLES = ("secretariat", "analyst")
OVERVIEW_KEY = "events.channel_overview"
FIGURES_KEY = "events.applicants_table"
ANSWERS_KEY = "events.answer_count"
CATEGORIES_KEY = "events.categories"


def init_app(
    app,
    channel_overview: Callable[[Event], list[dict]],
    applicants_table: Callable[[Event], dict],
    answer_count: Callable[[Event], int] = lambda event: 0,
    categories: dict[str, str] | None = None,
) -> None:
    """Register the blueprint; ``channel_overview(event)`` gives each channel's seats
    (``[{"channel": Channel, "taken": int, …}]``), ``applicants_table(event)`` an event's
    figures for 「年度比較」 (``registration.reports.applicants_table``),
    ``answer_count(event)`` the questionnaire's answers (rated programme rows lock once there
    is one: ``surveys.services.response_count``), ``categories`` the 参加区分 code → label
    (``registration.rules.CATEGORY_LABELS``) a channel's eligibility is chosen from."""
    app.extensions[OVERVIEW_KEY] = channel_overview
    app.extensions[FIGURES_KEY] = applicants_table
    app.extensions[ANSWERS_KEY] = answer_count
    app.extensions[CATEGORIES_KEY] = dict(categories or {})
    app.register_blueprint(bp)


@bp.record_once
def _nav(state):
    register_console_nav(state.app, "研修会議の設定", "events_console.index", ROLES)
    register_console_nav(state.app, "年度比較", "events_console.compare", COMPARE_ROLES)


def _taken(event: Event) -> dict[int, int]:
    """Seats taken per channel id, by registration's one definition."""
    overview = current_app.extensions[OVERVIEW_KEY](event)
    return {row["channel"].id: row["taken"] for row in overview}


def _answered(event: Event) -> bool:
    """True once the event's questionnaire has an answer (rated programme rows lock)."""
    return current_app.extensions[ANSWERS_KEY](event) > 0


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


def _save(form, event: Event, apply, then: str | None = None):
    """Run one edit service: its refusal goes next to the form's field (None is returned, the
    page is shown again); otherwise what changed is flashed and ``then`` (the event's page by
    default) follows."""
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
    return redirect(then or url_for(".edit", event_id=event.id))


def _stripped(values: dict) -> dict:
    """Texts without leading or trailing spaces (「東京会場　」 is 東京会場)."""
    return {
        key: value.strip() if isinstance(value, str) else value for key, value in values.items()
    }


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
    categories = current_app.extensions[CATEGORIES_KEY]
    form = ChannelForm(obj=ch)
    form.eligible_categories.choices = to_choices(categories.items())
    if not form.is_submitted():
        allowed = ch.eligible_categories
        form.eligible_categories.data = list(categories) if allowed is None else list(allowed)
    if form.validate_on_submit():
        # A venue's capacity is a target or a cap; who may register is an individual
        # channel's (a team's 代表者 is a 市町村担当者 by the team rules).
        kind_key = "capacity_is_target" if ch.kind == "venue" else "eligible_categories"
        keys = ["capacity", kind_key, "eligibility_note", "opens_at", "closes_at"]
        changes = {key: getattr(form, key).data for key in keys}
        changes["eligibility_note"] = (changes["eligibility_note"] or "").strip()
        reason = form.reason.data or ""
        done = _save(
            form,
            event,
            lambda: services.update_channel(ch, changes, taken, reason, categories),
        )
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
        changes = _stripped({key: getattr(form, key).data for key in services.VENUE_LABELS})
        changes["access"] = [
            line.strip() for line in (form.access.data or "").splitlines() if line.strip()
        ]
        done = _save(form, event, lambda: services.update_venue(v, changes))
        if done:
            return done
    return render_template("events/venue.html", event=event, venue=v, form=form, past=past)


@bp.route("/<int:event_id>/venues/new", methods=["GET", "POST"])
@staff_required(*ROLES)
def venue_new(event_id: int):
    """「会場を追加」 (研修会議Ⅱ): the venue edit form with the day, capacity and application
    period; the defaults are the event's last venue's."""
    event = _event(event_id)
    past = services.is_past(event)
    form = NewVenueForm()
    if not form.is_submitted() and event.venue_channels:
        last = event.venue_channels[-1]
        kept = (
            "emergency_contact",
            "emergency_hours",
            "room_rows",
            "room_cols",
            "table_count",
            "table_min",
            "table_max",
            "large_team_threshold",
        )
        copied = (
            "opens_at",
            "closes_at",
            "capacity",
            "capacity_is_target",
            "max_team_size",
            "reception_label",
        )
        defaults = {key: getattr(last.venue, key) for key in kept if last.venue}
        defaults |= {key: getattr(last, key) for key in copied}
        form = NewVenueForm(formdata=None, data=defaults)
    if form.validate_on_submit():
        venue_values = _stripped({key: getattr(form, key).data for key in services.VENUE_LABELS})
        venue_values["access"] = [
            line.strip() for line in (form.access.data or "").splitlines() if line.strip()
        ]
        channel_values = {key: getattr(form, key).data for key in services.NEW_VENUE_CHANNEL_LABELS}
        channel_values["reception_label"] = channel_values["reception_label"] or ""
        try:
            venue = services.add_venue(event, venue_values, channel_values)
        except EventError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(
                f"「{venue.name}」を追加しました。特設サイト、研修会議Ⅱの申込、資料１に表示され、"
                "参加者アンケートのF3の選択肢にも加わります。",
                "success",
            )
            unnamed = services.venues_not_named(event)
            if unnamed:
                flash(
                    f"研修会議Ⅱの開催形式・注記に「{'」「'.join(unnamed)}」が書かれていません。"
                    "プログラムの画面で確認してください。",
                    "info",
                )
            return redirect(url_for(".edit", event_id=event.id))
    return render_template("events/venue_new.html", event=event, form=form, past=past)


def _training(event: Event, training_id: int) -> Training:
    training = db.session.get(Training, training_id)
    if training is None or training.event_id != event.id:
        abort(404)
    return training


def _item(event: Event, item_id: int) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.training.event_id != event.id:
        abort(404)
    return item


def _programme_page(event: Event, training: Training, form=None, texts=None, status=200):
    answered = _answered(event)
    return render_template(
        "events/programme.html",
        event=event,
        training=training,
        rows=sorted(training.programme, key=lambda p: (p.position, p.id)),
        form=form or ProgrammeItemForm(formdata=None),
        texts=texts or TrainingForm(obj=training, formdata=None),
        action=ActionForm(),
        move=MoveForm(),
        past=services.is_past(event),
        answered=answered,
        question=services.rated_question(training),
    ), status


@bp.route("/<int:event_id>/trainings/<int:training_id>/programme", methods=["GET", "POST"])
@staff_required(*ROLES)
def programme(event_id: int, training_id: int):
    """A training's programme: rows in order with 「上へ」「下へ」 (plain POST buttons),
    変更・削除, a form adding a row at the end, and the training's texts."""
    event = _event(event_id)
    training = _training(event, training_id)
    if request.method == "GET":
        return _programme_page(event, training)
    form = ProgrammeItemForm()
    if form.validate_on_submit():
        try:
            services.add_programme_item(training, form.values(), _answered(event))
        except EventError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash("行を追加しました。", "success")
            return redirect(url_for(".programme", event_id=event.id, training_id=training.id))
    return _programme_page(event, training, form=form, status=422)


@bp.post("/<int:event_id>/trainings/<int:training_id>/texts")
@staff_required(*ROLES)
def training_texts(event_id: int, training_id: int):
    event = _event(event_id)
    training = _training(event, training_id)
    texts = TrainingForm()
    if texts.validate_on_submit():
        values = {key: (getattr(texts, key).data or "").strip() for key in services.TRAINING_LABELS}
        then = url_for(".programme", event_id=event.id, training_id=training.id)
        done = _save(texts, event, lambda: services.update_training(training, values), then)
        if done:
            return done
    return _programme_page(event, training, texts=texts, status=422)


def _refused(exc: EventError, event: Event, training: Training):
    db.session.rollback()
    flash(exc.message, "error")
    return redirect(url_for(".programme", event_id=event.id, training_id=training.id))


@bp.route("/<int:event_id>/programme/<int:item_id>", methods=["GET", "POST"])
@staff_required(*ROLES)
def programme_item(event_id: int, item_id: int):
    event = _event(event_id)
    item = _item(event, item_id)
    training = item.training
    answered = _answered(event)
    form = ProgrammeItemForm(obj=item)
    if not form.is_submitted():
        form.time_from.data, form.time_to.data = split_time_label(item.time_label)
    if form.validate_on_submit():
        values = form.values()
        if (form.time_from.data or "", form.time_to.data or "") == split_time_label(
            item.time_label
        ):
            # The times as the page showed them: keep the label as printed (「16：00」 would
            # otherwise become 「16：00～」, a change nobody made).
            values["time_label"] = item.time_label
        then = url_for(".programme", event_id=event.id, training_id=training.id)
        done = _save(
            form, event, lambda: services.update_programme_item(item, values, answered), then
        )
        if done:
            return done
    return render_template(
        "events/programme_item.html",
        event=event,
        training=training,
        item=item,
        form=form,
        past=services.is_past(event),
        locked=answered and bool(item.survey_label),
        question=services.rated_question(training),
    )


@bp.post("/<int:event_id>/programme/<int:item_id>/move")
@staff_required(*ROLES)
def programme_move(event_id: int, item_id: int):
    event = _event(event_id)
    item = _item(event, item_id)
    training = item.training
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.move_programme_item(item, int(form.step.data), _answered(event))
    except EventError as exc:
        return _refused(exc, event, training)
    flash(
        f"「{item.title[:40]}」を{'上' if form.step.data == '-1' else '下'}へ移動しました。",
        "success",
    )
    return redirect(url_for(".programme", event_id=event.id, training_id=training.id))


@bp.post("/<int:event_id>/programme/<int:item_id>/delete")
@staff_required(*ROLES)
def programme_delete(event_id: int, item_id: int):
    event = _event(event_id)
    item = _item(event, item_id)
    training = item.training
    if not ActionForm().validate_on_submit():
        abort(400)
    title = item.title[:40]
    try:
        services.delete_programme_item(item, _answered(event))
    except EventError as exc:
        return _refused(exc, event, training)
    flash(f"「{title}」を削除しました。", "success")
    return redirect(url_for(".programme", event_id=event.id, training_id=training.id))


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
