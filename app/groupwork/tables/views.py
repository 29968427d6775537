"""Views of the tables half: console (allocation, roles, PDFs, まとめ), the 書記's link, and the
team page's section with the table and the seat plan once published."""

from __future__ import annotations

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
from wtforms.fields.choices import SelectChoice

from app.core.auth import staff_required
from app.core.confirm import confirmation_page, irreversible
from app.core.forms import show_error
from app.core.templating import register_console_nav
from app.core.uploads import accepts_upload
from app.events.models import (
    Venue,
    current_event_or_404,
    current_upload_limit_mb,
)
from app.extensions import db
from app.groupwork.scenes import SCENE_LABELS
from app.groupwork.tables import pdf, services
from app.groupwork.tables.forms import (
    ActionForm,
    MoveTeamForm,
    PhotoForm,
    ReopenForm,
    SceneForm,
    WorksheetForm,
    explainers_of,
    roles_form,
)
from app.groupwork.tables.models import GroupTable, TableAllocation
from app.groupwork.tables.seatplan import grid
from app.groupwork.tables.services import TableError
from app.groupwork.tables.worksheet import WORKSHEET_FIELDS
from app.registration.models import Team, TeamMember

bp = Blueprint("groupwork_tables", __name__)
STAFF = ("secretariat",)
BASE = "/console/groupwork/tables"


def init_app(app: Flask) -> None:
    """Register blueprints, console navigation and team-page sections."""
    app.register_blueprint(bp)
    register_console_nav(app, "グループ・座席", "groupwork_tables.index", STAFF)
    app.extensions.setdefault("team_page_sections", []).append(team_section)


def _venue(code: str) -> Venue:
    venue = next((v for v in current_event_or_404().venues if v.code == code), None)
    if venue is None:
        abort(404)
    return venue


def _allocation(code: str) -> TableAllocation:
    allocation = services.allocation_for(_venue(code))
    if allocation is None:
        abort(404)
    return allocation


def _table(code: str, number: int) -> GroupTable:
    table = _allocation(code).table(number)
    if table is None:
        abort(404)
    return table


def _pdf(data: bytes, filename: str) -> Response:
    from urllib.parse import quote

    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


def _flash_error(message: str) -> None:
    flash(message, "error")


# ---------------------------------------------------------------- console


@bp.route(f"{BASE}/")
@staff_required(*STAFF)
def index():
    event = current_event_or_404()
    rows = [(v, services.allocation_for(v), len(services.venue_teams(v))) for v in event.venues]
    return render_template("groupwork/tables/index.html", event=event, rows=rows)


@bp.route(f"{BASE}/<code>")
@staff_required(*STAFF)
def venue(code: str, reopen_form: ReopenForm | None = None, status: int = 200):
    """The venue's allocation page; ``reopen_form`` is a refused 公開の取消し, shown again with its
    message next to the reason (HTTP 422)."""
    venue = _venue(code)
    allocation = services.allocation_for(venue)
    review = services.review_allocation(allocation) if allocation else None
    move = MoveTeamForm()
    if allocation:
        move.team.choices = [
            SelectChoice(s.team_id, f"{s.team.municipality.full_name}（{t.number}卓）")
            for t in allocation.tables
            for s in t.seats
        ] + [SelectChoice(t.id, f"{t.municipality.full_name}（未配置）") for t in review.unseated]
    return render_template(
        "groupwork/tables/venue.html",
        event=venue.event,
        venue=venue,
        allocation=allocation,
        review=review,
        teams=services.venue_teams(venue),
        move=move,
        scene_form=SceneForm(),
        action=ActionForm(),
        reopen=reopen_form or ReopenForm(formdata=None),
        gaps=services.publish_gaps(allocation)
        if allocation and not allocation.is_published
        else [],
        scene_labels=SCENE_LABELS,
        member_roles=services.member_roles,
        booklets_job=pdf.latest_booklets(allocation) if allocation else None,
    ), status


@bp.route(f"{BASE}/<code>/allocate", methods=["POST"])
@staff_required(*STAFF)
def allocate(code: str):
    venue = _venue(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        allocation = services.allocate_tables(venue)
    except TableError as exc:
        flash(exc.message, "error")
    else:
        state = "最適解" if allocation.optimal else "実行可能解"
        flash(
            f"{len(allocation.tables)}卓に割り当てました（{state}、{allocation.solve_seconds}秒）。",
            "success",
        )
    return redirect(url_for("groupwork_tables.venue", code=code))


@bp.route(f"{BASE}/<code>/move", methods=["POST"])
@staff_required(*STAFF)
def move(code: str):
    allocation = _allocation(code)
    form = MoveTeamForm()
    form.team.choices = [SelectChoice(t.id, "") for t in services.venue_teams(allocation.venue)]
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            services.move_team(allocation, form.team.data, form.table.data)
        except TableError as exc:
            flash(exc.message, "error")
        else:
            flash("自治体を移動しました。規則の確認結果をご覧ください。", "success")
    return redirect(url_for("groupwork_tables.venue", code=code))


@bp.route(f"{BASE}/<code>/tables/<int:number>/scene", methods=["POST"])
@staff_required(*STAFF)
def scene(code: str, number: int):
    table = _table(code, number)
    form = SceneForm()
    if not form.validate_on_submit():
        flash("場面を選んでください。", "error")
    else:
        try:
            services.change_scene(table, form.scene.data)
        except TableError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{number}卓の場面を「{table.scene_label}」にしました。", "success")
    return redirect(url_for("groupwork_tables.venue", code=code))


@bp.route(f"{BASE}/<code>/tables/<int:number>", methods=["GET", "POST"])
@staff_required(*STAFF)
def table(code: str, number: int):
    table = _table(code, number)
    roles = roles_form(table, request.form if request.method == "POST" else None)
    if request.method == "POST" and roles.validate_on_submit():
        try:
            services.set_roles(
                table,
                roles.chair.data,
                roles.scribe.data,
                roles.presenter.data,
                explainers_of(roles, table),
            )
        except TableError as exc:
            show_error(roles, exc, otherwise=_flash_error)
        else:
            flash(f"{number}卓の役割を保存しました。", "success")
            return redirect(url_for("groupwork_tables.table", code=code, number=number))
    return _table_page(table, roles=roles)


def _table_page(table: GroupTable, *, roles=None, sheet=None, photo=None):
    review = services.review_allocation(table.allocation)
    problems = next(r.problems for r in review.tables if r.table.id == table.id)
    return render_template(
        "groupwork/tables/table.html",
        event=table.allocation.event,
        venue=table.allocation.venue,
        table=table,
        problems=problems,
        roles=roles or roles_form(table),
        sheet=sheet or WorksheetForm(data=table.worksheet),
        photo=photo or PhotoForm(),
        worksheet_fields=WORKSHEET_FIELDS,
        scribe_url=url_for("groupwork_tables.scribe", token=table.token, _external=True),
    )


@bp.route(f"{BASE}/<code>/tables/<int:number>/worksheet", methods=["POST"])
@staff_required(*STAFF)
def worksheet(code: str, number: int):
    table = _table(code, number)
    form = WorksheetForm()
    if not form.validate_on_submit():
        return _table_page(table, sheet=form)
    services.save_worksheet(table, form.data, by="事務局")
    flash(f"{number}卓のワークシートを保存しました。", "success")
    return redirect(url_for("groupwork_tables.table", code=code, number=number))


@bp.route(f"{BASE}/<code>/tables/<int:number>/photo", methods=["GET", "POST"])
@staff_required(*STAFF)
@accepts_upload(current_upload_limit_mb)
def photo(code: str, number: int):
    table = _table(code, number)
    if request.method == "GET":
        if not table.photo_data:
            abort(404)
        return Response(
            table.photo_data,
            mimetype=table.photo_content_type,
            headers={"Cache-Control": "no-store"},
        )
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            services.attach_sheet_photo(
                table, form.photo.data.filename or "", form.photo.data.read()
            )
        except TableError as exc:
            show_error(form, exc, otherwise=_flash_error)
        else:
            flash("ワークシートの写真を保存しました。", "success")
            return redirect(url_for("groupwork_tables.table", code=code, number=number))
    return _table_page(table, photo=form)


def _publish_page(code: str):
    allocation = _allocation(code)
    return confirmation_page(
        PUBLISH,
        missing=services.publish_gaps(allocation),
        back_url=url_for("groupwork_tables.venue", code=code),
        button="確定して公開する",
        # An admin may reopen it (with a reason and a mail), but the mails are sent at once.
        warning="公開すると、各代表者へのメールはすぐに送られます（公開の取消しは管理者が理由を付けて行います）。",
        explanation=(
            f"{allocation.venue.name}の卓と座席を確定し、変更できなくします。"
            f"各代表者（{len(services.venue_teams(allocation.venue))}団体）にメールでお知らせし、"
            "チームページに卓と座席表を表示します。"
        ),
    )


PUBLISH = "グループ・座席の確定と公開"


@bp.route(f"{BASE}/<code>/publish", methods=["POST"])
@staff_required(*STAFF)
@irreversible(PUBLISH, page=_publish_page)
def publish(code: str):
    allocation = _allocation(code)
    return _mail_representatives(
        code,
        lambda: services.publish_allocation(allocation),
        "確定・公開しました。代表者{sent}名にメールを送ります。",
    )


def _mail_representatives(code: str, run, done: str):
    """A venue action that mails the 代表者 (publish, まとめ): ``run()`` returns how many;
    its refusal is flashed; back to the venue's page either way."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        sent = run()
    except TableError as exc:
        flash(exc.message, "error")
    else:
        flash(done.format(sent=sent), "success")
    return redirect(url_for("groupwork_tables.venue", code=code))


def _reopen_page(code: str):
    allocation = _allocation(code)
    form = ReopenForm()
    if not allocation.is_published:
        return redirect(url_for("groupwork_tables.venue", code=code))
    if not form.validate_on_submit():
        return venue(code, reopen_form=form, status=422)
    return confirmation_page(
        REOPEN,
        back_url=url_for("groupwork_tables.venue", code=code),
        button="公開を取り消して案に戻す",
        explanation=(
            f"{allocation.venue.name}の卓と座席を案に戻します。各代表者に見直しのお知らせを"
            f"メールで送り、チームページの座席表は再公開まで表示しません。理由：{form.reason.data}"
        ),
    )


REOPEN = "グループ・座席の公開の取消し"


@bp.route(f"{BASE}/<code>/reopen", methods=["POST"])
@staff_required("admin")
@irreversible(REOPEN, page=_reopen_page)
def reopen(code: str):
    allocation = _allocation(code)
    form = ReopenForm()
    if not form.validate_on_submit():
        return venue(code, reopen_form=form, status=422)
    try:
        sent = services.reopen_allocation(allocation, form.reason.data, current_user.name)
    except TableError as exc:
        db.session.rollback()
        if getattr(exc, "field", None) == "reason":
            show_error(form, exc)
            return venue(code, reopen_form=form, status=422)
        flash(exc.message, "error")
    else:
        flash(f"公開を取り消して案に戻しました。代表者{sent}名にメールを送ります。", "success")
    return redirect(url_for("groupwork_tables.venue", code=code))


def _matome_page(code: str):
    allocation = _allocation(code)
    return confirmation_page(
        MATOME,
        missing=services.matome_gaps(allocation),
        back_url=url_for("groupwork_tables.venue", code=code),
        button="まとめを代表者に送る",
        explanation=(
            f"全卓のまとめ（PDF）を、{allocation.venue.name}の全代表者にメールで送ります"
            "（公開はしません）。"
        ),
    )


MATOME = "まとめの送付"


@bp.route(f"{BASE}/<code>/matome/send", methods=["POST"])
@staff_required(*STAFF)
@irreversible(MATOME, page=_matome_page)
def send_matome(code: str):
    allocation = _allocation(code)
    return _mail_representatives(
        code,
        lambda: services.send_matome(allocation, pdf.matome_pdf(allocation)),
        "まとめを代表者{sent}名に送ります。",
    )


PRINTS = {
    "seatplan": ("座席表", pdf.seat_plan_pdf),
    "namecards": ("卓上名札", pdf.name_cards_pdf),
    "worksheets": ("グループワークシート", pdf.worksheets_pdf),
    "matome": ("グループワークまとめ", pdf.matome_pdf),
}


@bp.route(f"{BASE}/<code>/<kind>.pdf")
@staff_required(*STAFF)
def print_pdf(code: str, kind: str):
    if kind not in PRINTS:
        abort(404)
    allocation = _allocation(code)
    title, make = PRINTS[kind]
    return _pdf(make(allocation), f"{allocation.venue.name}_{title}.pdf")


@bp.route(f"{BASE}/<code>/booklets", methods=["POST"])
@staff_required(*STAFF)
def booklets(code: str):
    """Every table's booklet as one ZIP, made in the background (progress: app.core.jobs)."""
    allocation = _allocation(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    return redirect(url_for("jobs.status", job_id=pdf.start_booklets(allocation)))


@bp.route(f"{BASE}/<code>/tables/<int:number>/booklet.pdf")
@staff_required(*STAFF)
def booklet(code: str, number: int):
    table = _table(code, number)
    return _pdf(pdf.booklet_pdf(table), f"{table.allocation.venue.name}_{number}卓_資料集.pdf")


# ---------------------------------------------------------------- the 書記's link


@bp.route("/gw/<token>", methods=["GET", "POST"])
def scribe(token: str):
    table = services.table_by_token(token)
    if table is None:
        abort(404)
    form = WorksheetForm(data=table.worksheet if request.method == "GET" else None)
    if form.validate_on_submit():
        services.save_worksheet(table, form.data, by="書記")
        flash("保存しました。何度でも書き直せます。", "success")
        return redirect(url_for("groupwork_tables.scribe", token=token))
    return render_template(
        "groupwork/tables/scribe.html",
        event=table.allocation.event,
        table=table,
        form=form,
        worksheet_fields=WORKSHEET_FIELDS,
        members=table.members,
        roles=services.member_roles(table),
    )


# ---------------------------------------------------------------- team page


def team_section(team: Team, member: TeamMember) -> Markup:
    """The team's table, its members with roles, and the venue's seat plan, once published."""
    table = services.table_for_team(team)
    if table is None or not table.allocation.is_published:
        return Markup("")
    allocation = table.allocation
    tables = pdf.plan_tables(allocation)
    venue = allocation.venue
    return Markup(
        render_template(
            "groupwork/tables/_team_section.html",
            table=table,
            mine=next(t for t in tables if t.number == table.number),
            grid=grid(tables, venue.room_rows, venue.room_cols),
            venue=venue,
        )
    )
