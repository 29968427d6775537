"""The 事務局 console of the reception: the desk screen per venue, the 受付名簿, the webinar
report import; and the team page's check-in QR code."""

from __future__ import annotations

import base64

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from app.core.auth import staff_required
from app.core.paging import page_size, paginate
from app.core.templating import register_console_nav
from app.core.uploads import accepts_upload
from app.events.models import (
    Channel,
    Event,
    current_event_or_404,
    current_upload_limit_mb,
)
from app.extensions import db
from app.reception import pdf, services
from app.reception.attendance_csv import ReportError
from app.reception.forms import (
    CheckInForm,
    PeopleSearchForm,
    ReportImportForm,
    ScanForm,
    UndoForm,
)
from app.reception.models import Attendance
from app.registration import exports, reports
from app.surveys.qr import qr_png

bp = Blueprint("reception_console", __name__, url_prefix="/console/reception")
STAFF = ("secretariat",)
DESK_PAGE_SIZE = 30


def init_app(app: Flask) -> None:
    """Blueprint, console navigation, the team page's QR section, the name cards' code and the
    dashboard's attendance counts."""
    app.register_blueprint(bp)
    register_console_nav(app, "当日受付", "reception_console.index", STAFF)
    app.extensions.setdefault("team_page_sections", []).append(team_section)
    app.extensions["checkin_card"] = checkin_card
    reports.attendance_source = services.attended_counts
    exports.attendance_times = services.attendance_times


def qr_data_uri(text: str, box_size: int = 6) -> str:
    """A PNG QR code of ``text`` as a data: URI (allowed by the CSP; embeds in PDFs too)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text, box_size)).decode()


def checkin_card(member_id: int) -> tuple[str, str]:
    """(check-in code, QR data URI) of a member, for the 卓上名札."""
    code = services.checkin_code(member_id)
    return code, qr_data_uri(code, box_size=8)


def team_section(team, member) -> Markup:
    """The member's check-in QR code on the team page, while the team takes part."""
    if member.status != "active" or not team.takes_part:
        return Markup("")
    code = services.checkin_code(member.id)
    return Markup(
        render_template("reception/_team_page_qr.html", code=code, qr=qr_data_uri(code), me=member)
    )


def _venue(event: Event, channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None or channel.event_id != event.id or channel.kind != "venue":
        abort(404)
    return channel


@bp.route("/")
@staff_required(*STAFF)
def index():
    event = current_event_or_404()
    venues = [(c, *services.venue_counts(c)) for c in event.venue_channels]
    return render_template("reception/index.html", event=event, venues=venues)


@bp.route("/<int:channel_id>", methods=["GET", "POST"])
@staff_required(*STAFF)
def desk(channel_id: int):
    """The desk: a focused field for the barcode reader (or the camera), search by name."""
    event = current_event_or_404()
    channel = _venue(event, channel_id)
    form = ScanForm()
    if form.validate_on_submit():
        outcome = services.check_in_code(event, channel, form.code.data, current_user.id)
        flash(outcome.message, "ok" if outcome.ok else "warn")
        return redirect(url_for(".desk", channel_id=channel.id, r=outcome.kind))
    search = PeopleSearchForm(request.args)
    found = services.search_statement(event, channel, search.q.data or "")
    # 30 people a page at the desk: a name typed is meant to find one person.
    size = min(DESK_PAGE_SIZE, page_size())
    page = paginate(found, size=size) if found is not None and search.validate() else None
    if page is not None:
        page.items = services.people(page.items, channel)
    attended, expected = services.venue_counts(channel)
    return render_template(
        "reception/desk.html",
        event=event,
        channel=channel,
        form=form,
        search=search,
        page=page,
        recent=services.recent(channel),
        attended=attended,
        expected=expected,
        action=CheckInForm(),
        undo=UndoForm(),
        outcome=request.args.get("r", ""),
    )


@bp.post("/<int:channel_id>/member/<int:member_id>")
@staff_required(*STAFF)
def check_in(channel_id: int, member_id: int):
    """出席 from the search results, or from the paper 受付名簿 afterwards (source=roster)."""
    event = current_event_or_404()
    channel = _venue(event, channel_id)
    if not CheckInForm().validate_on_submit():
        abort(400)
    source = "roster" if request.form.get("source") == "roster" else "search"
    outcome = services.check_in_member(event, channel, member_id, source, current_user.id)
    flash(outcome.message, "ok" if outcome.ok else "warn")
    back = request.form.get("q", "")
    return redirect(url_for(".desk", channel_id=channel.id, q=back or None, r=outcome.kind))


@bp.post("/attendance/<int:attendance_id>/undo")
@staff_required(*STAFF)
def undo(attendance_id: int):
    event = current_event_or_404()
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None or attendance.event_id != event.id:
        abort(404)
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    channel_id = attendance.channel_id
    is_venue = attendance.team_member_id is not None
    removed = services.undo_check_in(attendance_id, form.reason.data or "")
    if removed is not None:
        flash("出席を取り消しました（操作履歴に記録しました）。", "ok")
    if is_venue:
        return redirect(url_for(".desk", channel_id=channel_id))
    return redirect(url_for(".webinar"))


@bp.get("/<int:channel_id>/roster.pdf")
@staff_required(*STAFF)
def roster(channel_id: int):
    event = current_event_or_404()
    channel = _venue(event, channel_id)
    order = request.args.get("order", "kana")
    if order not in pdf.ORDERS:
        abort(404)
    data = pdf.roster_pdf(event, channel, order)
    filename = f"roster-{channel.code}-{order}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/<int:channel_id>/roster")
@staff_required(*STAFF)
def paper(channel_id: int):
    """The 受付名簿 on screen: tick those marked on paper after the network came back."""
    event = current_event_or_404()
    channel = _venue(event, channel_id)
    order = request.args.get("order", "kana")
    if order not in pdf.ORDERS:
        abort(404)
    return render_template(
        "reception/paper.html",
        event=event,
        channel=channel,
        people=services.roster(channel, order),
        order=order,
        orders=pdf.ORDERS,
        action=CheckInForm(),
    )


@bp.route("/webinar", methods=["GET", "POST"])
@staff_required(*STAFF)
@accepts_upload(current_upload_limit_mb)
def webinar():
    """The webinar tool's attendance report (CSV): all or nothing, re-import replaces."""
    event = current_event_or_404()
    form = ReportImportForm()
    result = None
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            result = services.import_webinar_report(
                event,
                form.file.data.read(),
                (form.email_column.data or "").strip(),
                (form.minutes_column.data or "").strip(),
            )
        except ReportError as exc:
            db.session.rollback()
            errors = exc.errors
    registrations, _ = services.attended_counts(event)
    return render_template(
        "reception/webinar.html",
        event=event,
        form=form,
        result=result,
        errors=errors,
        attended=sum(registrations.values()),
    )
