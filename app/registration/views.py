"""The 特設サイト: top page, 研修会議Ⅰ registration, 研修会議Ⅱ team application, personal pages."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from wtforms import RadioField, SelectField

from app.core import blank_page, idempotency
from app.core.forms import ActionForm, show_error, to_choices
from app.core.jpdates import now_utc
from app.core.municipalities import grouped_choices, prefecture_choices
from app.events.models import Event, Material, current_event_or_404
from app.events.snapshot import attached, current_event_to_read, on_kept_event
from app.extensions import db
from app.registration import rules
from app.registration.forms import (
    RegistrationEditForm,
    RegistrationForm,
    SwitchChannelForm,
    TeamEditForm,
    TeamForm,
    set_member_municipality_choices,
    set_municipality_choices,
    set_team_municipality_choices,
)
from app.registration.models import Registration, TeamMember
from app.registration.rules import (
    CATEGORY_LABELS,
    CapacityFullError,
    ClosedError,
    DuplicateError,
    RegistrationError,
)
from app.registration.services import individual as individual_service
from app.registration.services import seats as seats_service
from app.registration.services import teams as teams_service
from app.registration.services import waitlist as waitlist_service
from app.registration.services.people import municipality_by_code

bp = Blueprint("registration", __name__)
bp.add_app_template_filter(rules.category_names, "category_names")


def _form_error(form, exc: RegistrationError) -> None:
    """Show a rule's refusal next to the field it concerns (or above the form)."""
    show_error(form, exc, aliases={"municipality": "team_municipality"})


@bp.route("/")
def index():
    event = current_event_or_404()
    return render_template(
        "registration/index.html",
        event=event,
        overview=seats_service.channel_overview(event),
    )


@bp.route("/privacy")
def privacy():
    return render_template("registration/privacy.html", event=current_event_or_404())


@bp.route("/register", methods=["GET", "POST"])
@idempotency.folded
@blank_page.uses_blank_page
def register():
    """The 研修会議Ⅰ form. An accepted POST is one transaction with the submission key in it
    and answers with the redirect computed before the commit (no reload after it); a refusal
    has rolled back (no seat lock) before the page is written (issue 12)."""
    if request.method in blank_page.METHODS:
        # The kept page's key is read from the kept event itself; the event is copied into
        # the session only when the page is written (snapshot.current_event_to_read).
        kept, overview = blank_page.recent("registration.register", _event_and_overview)
        chosen = request.args.get("channel")  # the top page's 「…で申し込む」 links
        if chosen not in {c.code for c in kept.individual_channels}:
            chosen = None

        def blank() -> str:
            event = attached(kept)
            form = RegistrationForm()
            form.channel.data = chosen
            return _register_page(event, form, _overview_of(event, overview))

        return blank_page.serve((chosen, _states(overview)), blank, objects=(grouped_choices(),))
    # An accepted POST reads the kept event, checked by its first statement, and writes its
    # row by the ids alone (individual._register); every page written copies it first.
    return on_kept_event(_register_post)


def _register_post(kept: Event):
    """The 研修会議Ⅰ form's POST on ``kept`` (``snapshot.on_kept_event``)."""
    form = RegistrationForm()
    if request.form.get(CORRECT) == "1":  # 「入力内容を修正する」 from a refusal page
        event = attached(kept)
        return _register_page(event, form, _channel_overview(event))
    if form.validate_on_submit():
        done: list[str] = []

        def keep_the_answer(registration: Registration) -> None:
            done.append(url_for("registration.registered", token=registration.token))
            idempotency.record(done[0])

        try:
            individual_service.register_for_training1(
                kept,
                form.channel.data,
                form.person_data(),
                join_waitlist=form.join_waitlist.data,
                before_commit=keep_the_answer,
                attach=False,  # nothing of the row is read after the COMMIT: a redirect
            )
        except RegistrationError as exc:
            # A repeat of a stored registration is refused as a duplicate: the first result.
            first = idempotency.replay_if_done() if isinstance(exc, DuplicateError) else None
            if first is not None:
                return first
            if isinstance(exc, SHORT_REFUSALS):
                return _refused_page(attached(kept), form, exc)
            _form_error(form, exc)
        else:
            return redirect(done[0])
    event = attached(kept)
    return _register_page(event, form, _channel_overview(event))


CORRECT = "_correct"  # the refusal page's 「入力内容を修正する」: the form again, as typed
# Refusals by the seats, the deadline or an earlier registration, not by what was typed: a
# short page (``_refused_page``), not the form with a message next to a field.
SHORT_REFUSALS = (CapacityFullError, ClosedError, DuplicateError)


def _refused_page(event: Event, form: RegistrationForm, exc: RegistrationError) -> str:
    """A refusal in ``SHORT_REFUSALS``: the message, the answers as typed, and
    - 満席 or 受付終了: one button per channel that can take them now (the same answers in one
      click; decisions.md), the full webinar's waiting list ticked;
    - the e-mail already registered: its personal page's links sent again in one click;
    - 「入力内容を修正する」, which posts the answers back with ``CORRECT`` for the whole form.
    Not the whole form itself: a surge's refusals are a third of its requests, and the form
    is 100 KB to write, and to read on a phone (issue 12: a refusal costs no more than an
    acceptance)."""
    chosen = event.channel(form.channel.data)
    full = isinstance(exc, CapacityFullError)
    duplicate = isinstance(exc, DuplicateError)
    offers = (
        []
        if duplicate
        else seats_service.open_channels(event, form.category.data, full=chosen if full else None)
    )
    return render_template(
        "registration/register_refused.html",
        event=event,
        form=form,
        message=exc.message,
        chosen=chosen,
        full=full,
        duplicate=duplicate,
        offers=offers,
        municipality=municipality_by_code(form.municipality.data, kept=True),
        category=CATEGORY_LABELS.get(form.category.data, ""),
        correct=CORRECT,
    )


def _channel_overview(event: Event) -> dict[str, dict]:
    """``seats.channel_overview`` by channel code."""
    return {row["channel"].code: row for row in seats_service.channel_overview(event)}


def _event_and_overview() -> tuple[Event, dict[str, dict]]:
    """The kept event (``current_event_to_read``) and its channels' overview."""
    kept = current_event_to_read()
    return kept, _channel_overview(kept)


def _overview_of(event: Event, overview: dict[str, dict]) -> dict[str, dict]:
    """``overview`` (read from the kept event) with the channels of ``event`` (in the session)."""
    return {code: {**row, "channel": event.channel(code)} for code, row in overview.items()}


def _states(overview: dict[str, dict]) -> tuple[tuple[str, str], ...]:
    """What a blank form shows of the seats: each channel's state (受付中, 満席, …)."""
    return tuple((code, row["state"]) for code, row in overview.items())


def _register_page(event: Event, form, overview: dict[str, dict]) -> str:
    """The whole form. While the webinar is full it also shows 「…キャンセル待ちに登録する」,
    so a tick sent from the 満席 page survives the form shown again (a session lost,
    「入力内容を修正する」) and one can queue from the form itself."""
    # Choices only for display: validation does not need the 1,788 options (validate_choice off).
    set_municipality_choices(form.municipality, grouped_choices())
    full_webinar = next(
        (
            r["channel"]
            for r in overview.values()
            if r["channel"].kind == "webinar" and r["state"] == "満席"
        ),
        None,
    )
    return render_template(
        "registration/register.html",
        event=event,
        form=form,
        overview=overview,
        full_webinar=full_webinar,
    )


@bp.route("/r/<token>/done")
def registered(token: str):
    registration = _registration_or_404(token)
    return render_template("registration/registered.html", event=registration.event, r=registration)


def _registration_or_404(token: str) -> Registration:
    registration = db.session.scalar(select(Registration).where(Registration.token == token))
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>")
def personal(token: str):
    registration = _registration_or_404(token)
    event = registration.event
    entry = registration.open_waitlist_entry
    return render_template(
        "registration/personal.html",
        event=event,
        r=registration,
        entry=entry,
        position=waitlist_service.waitlist_position(entry)
        if entry and entry.status == "waiting"
        else None,
        offer_live=bool(entry and entry.offer_is_live(now_utc())),
        action=ActionForm(),
        switch=SwitchChannelForm(),
        other_channels=[c for c in event.individual_channels if c.id != registration.channel_id],
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit_registration(token: str):
    registration = _registration_or_404(token)
    form = RegistrationEditForm()
    if request.method == "GET":
        form.fill_from(registration)
    if form.validate_on_submit():
        try:
            individual_service.update_registration(registration, form.person_data())
        except RegistrationError as exc:
            _form_error(form, exc)
        else:
            flash("お申込み内容を変更しました。確認のメールをお送りしました。", "success")
            return redirect(url_for("registration.personal", token=token))
    set_municipality_choices(form.municipality, grouped_choices())
    return render_template(
        "registration/edit.html", event=registration.event, form=form, r=registration
    )


def _personal_action(token: str, action, done: str):
    """POST-only buttons of the personal page: run the service, flash, back to the page. A
    refusal ends its transaction first: a lock taken to check it is never kept (issue 12)."""
    registration = _registration_or_404(token)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(registration)
    except RegistrationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("registration.personal", token=token))


@bp.post("/r/<token>/cancel")
def cancel(token: str):
    return _personal_action(
        token, individual_service.cancel_registration, "お申込みを取り消しました。"
    )


@bp.post("/r/<token>/waitlist")
def waitlist(token: str):
    return _personal_action(
        token, waitlist_service.join_waitlist, "ウェビナーのキャンセル待ちに登録しました。"
    )


@bp.post("/r/<token>/accept-offer")
def accept_offer(token: str):
    return _personal_action(
        token, waitlist_service.accept_offer, "ウェビナー参加に切り替えました。"
    )


@bp.post("/r/<token>/decline-offer")
def decline_offer(token: str):
    return _personal_action(
        token,
        waitlist_service.decline_offer,
        "ウェビナー参加のご案内を辞退しました。引き続きYouTubeライブ配信でご参加ください。",
    )


@bp.post("/r/<token>/switch")
def switch(token: str):
    registration = _registration_or_404(token)
    form = SwitchChannelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        individual_service.switch_channel(registration, form.channel.data)
    except RegistrationError as exc:
        flash(exc.message, "error")
    else:
        flash(f"参加方法を{registration.channel.label}に変更しました。", "success")
    return redirect(url_for("registration.personal", token=token))


# ---------------------------------------------------------------- 研修会議Ⅱ


TEAM_BLOCKS_MAX = 12  # rows the form ever shows: one past 6 lets the rule refuse a 7th person
RESIZE = ("add_row", "set_count")  # buttons that re-render the form without validating it


def _team_form(form_class, event: Event, shown: int = 1):
    """The team form with one member block per participant in use (issue 11 §4).

    A new application starts with the 代表者's block only; ``shown`` blocks on the change form.
    After a POST: the number chosen in 「参加人数」 (``member_count``), never fewer than the
    blocks filled in, one more per press of 「参加者を追加する」 (JavaScript adds the block in
    place; without it the page comes back with one more).
    """
    form = form_class()
    groups = grouped_choices()
    if isinstance(form.channel, RadioField):
        form.channel.choices = to_choices([(c.code, c.label) for c in event.venue_channels])
    if isinstance(form.team_municipality, SelectField):
        set_team_municipality_choices(form.team_municipality, groups)
    if request.method == "POST":
        filled = [i for i, e in enumerate(form.members) if not e.form.is_blank()]
        chosen = request.form.get("member_count", 0, type=int)
        shown = max(chosen, filled[-1] + 1 if filled else 1) + ("add_row" in request.form)
        if "set_count" in request.form:
            shown = max(chosen, filled[-1] + 1 if filled else 1)
    shown = max(1, min(shown, TEAM_BLOCKS_MAX))
    while len(form.members.entries) < shown:
        form.members.append_entry()
    while len(form.members.entries) > shown and form.members.entries[-1].form.is_blank():
        form.members.pop_entry()
    prefectures = prefecture_choices()
    for entry in form.members:
        set_member_municipality_choices(entry.form.municipality, prefectures)
    return form


def _with_blank_member(form):
    """The form with ``blank_member``: the block 「参加者を追加する」 copies with JavaScript
    (``__I__``: its index). Built only for a page that is written, not for an accepted POST,
    which redirects (issue 12)."""
    form.blank_member = form.members.unbound_field.args[0](formdata=None, prefix="members-__I__-")
    set_member_municipality_choices(form.blank_member.municipality, prefecture_choices())
    return form


@bp.route("/team/apply", methods=["GET", "POST"])
@idempotency.folded
@blank_page.uses_blank_page
def apply_team():
    """The 研修会議Ⅱ application; the submission key is stored in the application's own
    transaction, a refusal (and the repeat of a stored one) answered without the venue lock."""
    if request.method in blank_page.METHODS:
        # The page shows no seats (the venues' 50名程度 are the secretariat's to decide): the
        # event's revision and the master's lists are all it is made of. The event is copied
        # into the session only when the page is written (snapshot.current_event_to_read).
        kept = blank_page.recent("registration.apply_team", current_event_to_read)

        def blank() -> str:
            event = attached(kept)
            return _team_page(event, _team_form(TeamForm, event))

        return blank_page.serve((), blank, objects=(grouped_choices(), prefecture_choices()))
    # An accepted application reads the kept event, checked by its first statement
    # (teams.apply_team); every page written copies it into the session first.
    return on_kept_event(_apply_team_post)


def _apply_team_post(kept: Event):
    """The 研修会議Ⅱ application's POST on ``kept`` (``snapshot.on_kept_event``)."""
    form = _team_form(TeamForm, kept)
    if any(b in request.form for b in RESIZE):
        return _team_page(attached(kept), form, adding=True)
    if request.form.get(CORRECT) == "1":  # 「入力内容を修正する」 from a refusal page
        return _team_page(attached(kept), form)
    if form.validate_on_submit():
        done: list[str] = []

        def keep_the_answer(team) -> None:
            # The team page says it was received (``received=1``): no flashed message, so the
            # application and its page write no session cookie (issue 12).
            token = team.representative.token
            done.append(url_for("registration.team_page", token=token, received=1))
            idempotency.record(done[0])

        try:
            teams_service.apply_team(
                kept,
                form.channel.data,
                form.team_municipality.data,
                form.members_data(),
                note=form.note.data or "",
                before_commit=keep_the_answer,
                attach=False,  # nothing of the team is read after the COMMIT: a redirect
            )
        except RegistrationError as exc:
            # A repeat of a stored application is refused as a duplicate: the first result.
            first = idempotency.replay_if_done() if isinstance(exc, DuplicateError) else None
            if first is not None:
                return first
            if isinstance(exc, SHORT_REFUSALS):  # a team is never 満席: 選定中 instead
                return _team_refused_page(attached(kept), form, exc)
            _form_error(form, exc)
        else:
            return redirect(done[0])
    return _team_page(attached(kept), form)


# What the refusal page posts back for 「入力内容を修正する」: everything typed, no token or key.
_NOT_ANSWERS = frozenset({"csrf_token", idempotency.FIELD, CORRECT})


def _team_refused_page(event: Event, form: TeamForm, exc: RegistrationError) -> str:
    """A refusal in ``SHORT_REFUSALS`` (an earlier application of the municipality,
    １自治体１団体, or the deadline; not what was typed): the message, the venue, the municipality and the
    members as typed, the personal links sent again in one click (a duplicate), and
    「入力内容を修正する», which posts the answers back with ``CORRECT`` for the whole form.
    Not the whole form itself: it writes the 1,741 municipalities' picker and a block per
    member, more than an accepted application costs (issue 12)."""
    try:
        venue = event.channel(form.channel.data or "")
    except KeyError:
        venue = None
    members = form.filled_members()
    return render_template(
        "registration/team_refused.html",
        event=event,
        message=exc.message,
        duplicate=isinstance(exc, DuplicateError),
        venue=venue,
        municipality=municipality_by_code(form.team_municipality.data or "", kept=True),
        members=members,
        representative=members[0] if members else None,
        answers=[(k, v) for k, v in request.form.items(multi=True) if k not in _NOT_ANSWERS],
        correct=CORRECT,
    )


def _team_page(event: Event, form, **extra) -> str:
    """The application page; its member blocks offer as many people as the venues allow."""
    limits = [c.max_team_size for c in event.venue_channels if c.max_team_size]
    return render_template(
        "registration/team_form.html",
        event=event,
        form=_with_blank_member(form),
        max_size=max(limits) if limits else None,
        **extra,
    )


def _member_or_404(token: str) -> TeamMember:
    member = db.session.scalar(select(TeamMember).where(TeamMember.token == token))
    if member is None or member.status != "active":
        abort(404)
    return member


TEAM_RECEIVED = "研修会議Ⅱのお申込みを受け付けました。参加者全員に確認のメールをお送りしました。"


@bp.route("/t/<token>")
def team_page(token: str):
    """The team's page; ``?received=1`` (where an accepted application lands) says so."""
    member = _member_or_404(token)
    team = member.team
    return render_template(
        "registration/team_page.html",
        event=team.event,
        team=team,
        me=member,
        action=ActionForm(),
        extras=_team_page_extras(team, member),
        received=TEAM_RECEIVED if request.args.get("received") == "1" else None,
    )


def _team_page_extras(team, member) -> list:
    """Sections other features add to the team page (pre-assignments, table, seat plan)."""
    from flask import current_app

    return [
        provider(team, member) for provider in current_app.extensions.get("team_page_sections", [])
    ]


@bp.route("/t/<token>/edit", methods=["GET", "POST"])
def edit_team(token: str):
    member = _member_or_404(token)
    team = member.team
    if not member.is_representative:
        abort(403)
    form = _team_form(TeamEditForm, team.event, shown=len(team.active_members))
    if request.method == "GET":
        for entry, person in zip(form.members, team.active_members, strict=False):
            entry.form.fill_from(person)
            if person.municipality_code == team.municipality_code:
                entry.form.municipality.data = "same"
        form.note.data = team.note
    elif not any(b in request.form for b in RESIZE) and form.validate_on_submit():
        try:
            teams_service.update_team(team, form.members_data())
        except RegistrationError as exc:
            _form_error(form, exc)
        else:
            flash("参加者を変更しました。参加者全員に確認のメールをお送りしました。", "success")
            return redirect(url_for("registration.team_page", token=team.representative.token))
    return render_template(
        "registration/team_edit.html",
        event=team.event,
        form=_with_blank_member(form),
        team=team,
        max_size=team.channel.max_team_size,
    )


@bp.post("/t/<token>/cancel")
def cancel_team(token: str):
    member = _member_or_404(token)
    if not member.is_representative:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        teams_service.cancel_team(member.team)
    except RegistrationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("registration.team_page", token=token))
    flash("研修会議Ⅱのお申込みを取り消しました。", "success")
    return redirect(url_for("registration.index"))


@bp.route("/archive/<token>")
def archive(token: str):
    """Recordings and materials for registrants: any registrant's or team member's link opens it."""
    person = _person_by_token(token)
    event = person.event if isinstance(person, Registration) else person.team.event
    return render_template(
        "registration/archive.html",
        event=event,
        token=token,
        materials=[m for m in event.materials if m.registrants_only],
    )


@bp.route("/archive/<token>/<int:material_id>")
def archive_file(token: str, material_id: int):
    person = _person_by_token(token)
    event_id = person.event_id if isinstance(person, Registration) else person.team.event_id
    material = db.session.get(Material, material_id)
    if material is None or material.event_id != event_id:
        abort(404)
    return _send_material(material)


@bp.route("/materials/<int:material_id>")
def material(material_id: int):
    """A public download of the 特設サイト (registrants-only ones answer 404 here)."""
    item = db.session.get(Material, material_id)
    if item is None or item.registrants_only:
        abort(404)
    return _send_material(item)


def _send_material(material: Material):
    return send_file(
        BytesIO(material.data),
        mimetype=material.content_type,
        download_name=material.filename,
        as_attachment=True,
    )


def _person_by_token(token: str):
    """The registrant behind a personal link, for the registrants-only archive: an active
    registration, or an active member of a team not 見送り nor cancelled; else 404."""
    registration = db.session.scalar(select(Registration).where(Registration.token == token))
    if registration is not None and registration.is_active:
        return registration
    member = _member_or_404(token)
    if not member.is_registrant:
        abort(404)
    return member
