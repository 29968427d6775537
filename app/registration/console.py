"""The 事務局 console for registrations and teams (login required)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit
from app.core.auth import staff_required
from app.core.confirm import confirmation_page, irreversible
from app.core.forms import ActionForm, show_error, strip_control, to_choices
from app.core.jpdates import start_of_day_jst
from app.core.mail import requeue
from app.core.models import AuditLog, OutboxMessage, StaffUser
from app.core.municipalities import grouped_choices, matching_codes
from app.core.paging import paginate
from app.core.templating import register_console_nav
from app.core.text import matching_key
from app.core.uploads import accepts_upload
from app.events.models import (
    Channel,
    Event,
    Material,
    current_event_or_404,
    current_upload_limit_mb,
)
from app.extensions import db
from app.registration import exports, reports
from app.registration.forms import (
    AdmitForm,
    AuditSearchForm,
    CancelForm,
    CapacityForm,
    ConsoleSearchForm,
    DecideTeamForm,
    ImportForm,
    MaterialForm,
    MoveChannelForm,
    TeamSearchForm,
    set_municipality_choices,
)
from app.registration.models import Registration, Team, TeamMember, WaitlistEntry
from app.registration.rules import RegistrationError
from app.registration.services import individual as individual_service
from app.registration.services import materials as materials_service
from app.registration.services import seats as seats_service
from app.registration.services import teams as teams_service

bp = Blueprint("registration_console", __name__, url_prefix="/console")
STAFF = ("secretariat",)
AUDIT_ACTIONS = audit.actions({"resend_mail": "メールの再送"})


@bp.record_once
def _nav(state):
    app = state.app
    register_console_nav(app, "ダッシュボード", "registration_console.dashboard")
    register_console_nav(app, "研修会議Ⅰ申込者", "registration_console.registrations", STAFF)
    register_console_nav(app, "研修会議Ⅱ申込団体", "registration_console.teams", STAFF)
    register_console_nav(app, "資料", "registration_console.materials", STAFF)
    register_console_nav(app, "メール", "registration_console.outbox", STAFF)
    register_console_nav(app, "操作履歴", "registration_console.audit_log", STAFF)


@bp.route("/")
@staff_required()
def dashboard():
    event = current_event_or_404()
    return render_template(
        "registration/console/dashboard.html",
        event=event,
        table=reports.applicants_table(event),
        overview=seats_service.channel_overview(event),
        waitlist=reports.waitlist_counts(event),
        teams=reports.teams_by_state(event),
        team_statuses=Team.STATUSES,
        deadlines=reports.deadlines(event),
        capacity_form=CapacityForm(),
    )


@bp.route("/registrations")
@staff_required(*STAFF)
def registrations():
    event = current_event_or_404()
    form = ConsoleSearchForm(request.args)
    form.channel.choices = to_choices(
        [("", "すべて")] + [(c.code, c.label) for c in event.individual_channels]
    )
    page = paginate(_registration_query(event, form))
    return render_template(
        "registration/console/registrations.html",
        event=event,
        form=form,
        page=page,
        waitlist=form.waitlist.data == "open",
    )


def _registration_query(event: Event, form: ConsoleSearchForm):
    stmt = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
        # what a row shows, loaded with the page (not one query per row): issue 12
        .options(
            joinedload(Registration.channel),
            joinedload(Registration.municipality),
            selectinload(Registration.waitlist_entries),
        )
    )
    if form.status.data:
        stmt = stmt.where(Registration.status == form.status.data)
    if form.channel.data:
        stmt = stmt.join(Channel, Registration.channel).where(Channel.code == form.channel.data)
    if form.category.data:
        stmt = stmt.where(Registration.category == form.category.data)
    key = matching_key(form.q.data)
    if key:  # 氏名・ふりがな・メール・所属・部署名 by their one matching key
        stmt = stmt.where(Registration.search_key.contains(key, autoescape=True))
    if form.waitlist.data == "open":  # the webinar's waiting list, first in line first
        stmt = (
            stmt.join(WaitlistEntry, WaitlistEntry.registration_id == Registration.id)
            .where(WaitlistEntry.status.in_(("waiting", "offered")))
            .order_by(None)
            .order_by(WaitlistEntry.id)
        )
    return stmt


@bp.route("/registrations/<int:rid>", methods=["GET", "POST"])
@staff_required(*STAFF)
def registration_detail(rid: int):
    registration = db.session.get(Registration, rid) or abort(404)
    move = MoveChannelForm(prefix="move")
    move.channel.choices = to_choices(
        (c.code, c.label)
        for c in registration.event.individual_channels
        if c.id != registration.channel_id
    )
    cancel = CancelForm(prefix="cancel")
    if request.method == "POST":
        try:
            if "move-channel" in request.form and move.validate_on_submit():
                individual_service.switch_channel(
                    registration,
                    move.channel.data,
                    by_staff=True,
                    over_capacity_reason=move.reason.data if move.over_capacity.data else "",
                )
                flash("参加方法を変更しました。", "success")
                return redirect(url_for(".registration_detail", rid=rid))
            if "cancel-reason" in request.form and cancel.validate_on_submit():
                individual_service.cancel_registration(
                    registration, by_staff=True, reason=cancel.reason.data
                )
                flash("お申込みを取り消しました。", "success")
                return redirect(url_for(".registration_detail", rid=rid))
        except RegistrationError as exc:
            show_error(move if "move-channel" in request.form else cancel, exc)
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_addr == registration.email)
        .order_by(OutboxMessage.id.desc())
    ).all()
    return render_template(
        "registration/console/registration_detail.html",
        event=registration.event,
        r=registration,
        move=move,
        cancel=cancel,
        mails=mails,
        action=ActionForm(),
    )


@bp.route("/registrations/new", methods=["GET", "POST"])
@staff_required(*STAFF)
def admit():
    """Register a person from the console; over capacity only with a reason (logged)."""
    event = current_event_or_404()
    form = AdmitForm()
    form.channel.choices = to_choices([(c.code, c.label) for c in event.individual_channels])
    set_municipality_choices(form.municipality, grouped_choices())
    if form.validate_on_submit():
        try:
            registration = individual_service.register_for_training1(
                event,
                form.channel.data,
                form.person_data(),
                source="console",
                over_capacity_reason=form.reason.data or "",
            )
        except RegistrationError as exc:
            show_error(form, exc)
        else:
            flash(f"{registration.name}さんを登録しました。", "success")
            return redirect(url_for(".registration_detail", rid=registration.id))
    return render_template("registration/console/admit.html", event=event, form=form)


@bp.post("/channels/<int:cid>/capacity")
@staff_required(*STAFF)
def change_capacity(cid: int):
    channel = db.session.get(Channel, cid) or abort(404)
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            offered = individual_service.raise_capacity(
                channel, form.capacity.data, form.reason.data
            )
        except RegistrationError as exc:
            flash(exc.message, "error")
        else:
            flash(
                f"{channel.label}の定員を{channel.capacity}名にしました"
                f"（キャンセル待ち{offered}名に案内）。",
                "success",
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".dashboard"))


@bp.route("/teams")
@staff_required(*STAFF)
def teams():
    event = current_event_or_404()
    form = TeamSearchForm(request.args)
    form.channel.choices = to_choices(
        [("", "すべて")] + [(c.code, c.label) for c in event.venue_channels]
    )
    stmt = select(Team).where(Team.event_id == event.id).order_by(Team.channel_id, Team.id)
    if form.channel.data:
        stmt = stmt.join(Channel, Team.channel).where(Channel.code == form.channel.data)
    if form.status.data:
        stmt = stmt.where(Team.status == form.status.data)
    key = matching_key(form.q.data)
    if key:  # the municipality's name or kana, or a member, by the one matching key
        stmt = stmt.where(
            or_(
                Team.municipality_code.in_(matching_codes(form.q.data)),
                Team.members.any(TeamMember.search_key.contains(key, autoescape=True)),
            )
        )
    stmt = stmt.options(
        joinedload(Team.channel),
        joinedload(Team.municipality),
        selectinload(Team.members),
    )
    page = paginate(stmt)
    return render_template("registration/console/teams.html", event=event, form=form, page=page)


@bp.route("/teams/<int:tid>", methods=["GET", "POST"])
@staff_required(*STAFF)
def team_detail(tid: int):
    team = db.session.get(Team, tid) or abort(404)
    form = DecideTeamForm()
    cancel = CancelForm(prefix="cancel")
    if request.method == "POST":
        try:
            if "cancel-reason" in request.form:
                if cancel.validate_on_submit():
                    teams_service.cancel_team(team, by_staff=True, reason=cancel.reason.data)
                    flash("申込みを取り消しました。", "success")
                    return redirect(url_for(".team_detail", tid=tid))
            elif form.validate_on_submit():
                keep = [int(v) for v in request.form.getlist("keep_member")]
                teams_service.decide_team(
                    team, form.decision.data, keep_member_ids=keep, reason=form.reason.data or ""
                )
                flash(
                    f"{team.municipality.full_name}を「{team.status_label}」としました。"
                    "代表者にメールでお知らせします。",
                    "success",
                )
                return redirect(url_for(".team_detail", tid=tid))
        except RegistrationError as exc:
            show_error(form, exc)
    return render_template(
        "registration/console/team_detail.html",
        event=team.event,
        team=team,
        form=form,
        cancel=cancel,
    )


@bp.route("/outbox")
@staff_required(*STAFF)
def outbox():
    """The outbox, newest first, a page at a time: by status, and by address (an address with
    「@」 is matched exactly, on the address index) or by words of the subject or address.
    Three bounded statements whatever the size of the outbox: counts, total, one page."""
    event = current_event_or_404()
    status = request.args.get("status", "")
    status = status if status in OutboxMessage.STATUSES else ""
    q = strip_control(request.args.get("q", "")).strip()[:300]
    of_event = or_(OutboxMessage.event_id == event.id, OutboxMessage.event_id.is_(None))
    stmt = select(OutboxMessage).where(of_event)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if q and "@" in q and " " not in q:
        stmt = stmt.where(OutboxMessage.to_addr == q)
    elif q:
        stmt = stmt.where(
            or_(
                OutboxMessage.subject.contains(q, autoescape=True),
                OutboxMessage.to_addr.contains(q, autoescape=True),
            )
        )
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, db.func.count())
            .where(of_event)
            .group_by(OutboxMessage.status)
        ).all()
    )
    page = paginate(stmt.order_by(OutboxMessage.id.desc()))
    return render_template(
        "registration/console/outbox.html",
        event=event,
        page=page,
        counts=counts,
        statuses=OutboxMessage.STATUSES,
        status=status,
        q=q,
        action=ActionForm(),
        smtp=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.post("/outbox/<int:mid>/resend")
@staff_required(*STAFF)
def resend(mid: int):
    message = db.session.get(OutboxMessage, mid) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    requeue(message)
    audit.record("resend_mail", message.to_addr, message.subject, message.event_id)
    db.session.commit()
    flash(f"{message.to_addr}へのメールを再送します。", "success")
    # Back to the page the button was on (the form says which: a browser sends no Referer
    # under the app's Referrer-Policy), a console path only.
    back = request.form.get("next") or ""
    if not (back.startswith("/console/") and "//" not in back and "\\" not in back):
        back = url_for(".outbox")
    return redirect(back)


@bp.route("/audit")
@staff_required(*STAFF)
def audit_log():
    """操作履歴, newest first, 100 a page; searched by 操作者, 対象, 操作 and days (JST)."""
    event = current_event_or_404()
    form = AuditSearchForm(request.args)
    labels = audit.declared_actions()
    form.action.choices = to_choices(
        [("", "すべて"), *sorted(labels.items(), key=lambda item: item[1])]
    )
    stmt = (
        select(AuditLog)
        .where(or_(AuditLog.event_id == event.id, AuditLog.event_id.is_(None)))
        .options(joinedload(AuditLog.staff))
        .order_by(AuditLog.id.desc())
    )
    if form.validate():
        stmt = _audit_filters(stmt, form)
    return render_template(
        "registration/console/audit.html", event=event, form=form, page=paginate(stmt)
    )


def _audit_filters(stmt, form: AuditSearchForm):
    """The search of the 操作履歴 (every criterion narrows; text matches a part)."""
    if form.staff.data:
        who = form.staff.data
        stmt = stmt.where(
            AuditLog.staff.has(
                or_(
                    StaffUser.name.contains(who, autoescape=True),
                    StaffUser.login.contains(who, autoescape=True),
                )
            )
        )
    if form.target.data:
        stmt = stmt.where(AuditLog.target.contains(form.target.data, autoescape=True))
    if form.action.data:
        stmt = stmt.where(AuditLog.action == form.action.data)
    if form.date_from.data:
        stmt = stmt.where(AuditLog.created_at >= start_of_day_jst(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(
            AuditLog.created_at < start_of_day_jst(form.date_to.data + timedelta(days=1))
        )
    return stmt


@bp.route("/export/<any(registrations, teams):what>.<any(xlsx, csv):fmt>")
@staff_required(*STAFF)
def export(what: str, fmt: str):
    """The registrations or teams as xlsx or CSV (the formats declared in the rule, which the
    export sweep of the tests reads)."""
    return exports.download(current_event_or_404(), what, fmt)


@bp.route("/import", methods=["GET", "POST"])
@staff_required(*STAFF)
@accepts_upload(current_upload_limit_mb)
def import_registrations():
    event = current_event_or_404()
    form = ImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            count = exports.import_registrations(
                event, form.file.data.read(), filename=form.file.data.filename
            )
        except exports.SheetImportError as exc:
            errors = exc.errors
        else:
            flash(f"{count}件の申込みを取り込みました。", "success")
            return redirect(url_for(".registrations"))
    return render_template(
        "registration/console/import.html",
        event=event,
        form=form,
        errors=errors,
        headers=exports.IMPORT_HEADERS,
    )


@bp.route("/materials", methods=["GET", "POST"])
@staff_required(*STAFF)
@accepts_upload(current_upload_limit_mb)
def materials():
    """Downloads on the 特設サイト (public) or in the registrants' archive."""
    event = current_event_or_404()
    form = MaterialForm()
    if form.validate_on_submit():
        try:
            materials_service.add_material(
                event,
                form.title.data,
                form.file.data.filename,
                form.file.data.read(),
                form.registrants_only.data,
            )
        except RegistrationError as exc:
            show_error(form, exc)
        else:
            flash("資料を掲載しました。", "success")
            return redirect(url_for(".materials"))
    return render_template(
        "registration/console/materials.html", event=event, form=form, action=ActionForm()
    )


def _delete_material_page(mid: int):
    """The confirmation names the download; an unknown one is 404 before asking."""
    material = db.session.get(Material, mid) or abort(404)
    return confirmation_page(
        "掲載資料の削除",
        back_url=url_for(".materials"),
        button="削除する",
        explanation=f"資料「{material.title}」を削除します。",
    )


@bp.post("/materials/<int:mid>/delete")
@staff_required(*STAFF)
@irreversible("掲載資料の削除", page=_delete_material_page)
def delete_material(mid: int):
    material = db.session.get(Material, mid) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    materials_service.remove_material(material)
    flash("資料を削除しました。", "success")
    return redirect(url_for(".materials"))
