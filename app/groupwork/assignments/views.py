"""Pre-assignment pages: members under /t/<token>/assignments, the secretariat under
/console/groupwork/assignments. Views stay short: form → one service → flash + redirect."""

from __future__ import annotations

import io
from datetime import datetime

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select

from app.core.auth import staff_required
from app.core.confirm import confirmation_page, irreversible
from app.core.forms import show_error
from app.core.jpdates import JST, now_utc
from app.core.paging import paginate_list
from app.core.templating import register_console_nav
from app.core.uploads import accepts_upload
from app.events.models import Event, current_event_or_404, current_upload_limit_mb
from app.extensions import db
from app.groupwork.assignments import services
from app.groupwork.assignments.forms import (
    ActionForm,
    ExtensionForm,
    PreAssignmentForm,
    ReminderForm,
    SceneChoiceForm,
    UploadForm,
    data_from,
)
from app.groupwork.assignments.models import TeamFile
from app.groupwork.assignments.pdf import guide_filename, venue_guide_pdf
from app.groupwork.assignments.rules import GRID_ROWS, AssignmentError
from app.groupwork.assignments.uploads import team_file_path
from app.groupwork.scenes import SCENE_FORM_LABELS, SCENE_LABELS
from app.registration.models import Team, TeamMember

bp = Blueprint("groupwork_assignments", __name__)
console = Blueprint(
    "groupwork_assignments_console", __name__, url_prefix="/console/groupwork/assignments"
)

PUBLIC = "base.html"
CONSOLE = "console/base.html"
# Where 「← …に戻る」 leads: a participant's 事前課題 page, the console's page of one team.
OVERVIEW_LABEL = "事前課題"


def _team_label(team: Team) -> str:
    return f"{team.municipality.full_name}の事前課題"


def init_app(app: Flask) -> None:
    """Register blueprints, console navigation and the team-page section."""
    app.register_blueprint(bp)
    app.register_blueprint(console)
    register_console_nav(app, "事前課題", "groupwork_assignments_console.tracker", ("secretariat",))
    app.extensions.setdefault("team_page_sections", []).append(team_section)


# ---------------------------------------------------------------- helpers


def _me(token: str) -> TeamMember:
    member = db.session.scalar(select(TeamMember).where(TeamMember.token == token))
    if member is None or member.status != "active":
        abort(404)
    return member


def _participating(member: TeamMember) -> Team:
    """The member's team; a team not taking part sees a notice (raised as a response)."""
    if not services.is_participating(member.team):
        page = render_template(
            "groupwork/assignments/notice.html",
            event=member.team.event,
            team=member.team,
            me=member,
        )
        abort(make_response(page, 403))
    return member.team


def _target(me: TeamMember, member_id: int | None) -> TeamMember:
    """Whose 資料３: oneself, or (代表者 only) another active member of the same team."""
    if member_id is None or member_id == me.id:
        return me
    other = db.session.get(TeamMember, member_id)
    if other is None or other.team_id != me.team_id or other.status != "active":
        abort(404)
    if not me.is_representative:
        abort(403)
    return other


def _state(team: Team) -> dict:
    """Deadlines and whether they are open, for templates."""
    now = now_utc()
    return {
        "scene_deadline": services.team_deadline(team, "scene"),
        "assignment_deadline": services.team_deadline(team, "assignment"),
        "scene_open": services.is_open_for(team, "scene", now),
        "assignment_open": services.is_open_for(team, "assignment", now),
    }


def _send(team_file: TeamFile):
    path = team_file_path(team_file)
    if not path.is_file():
        abort(404)
    # Files are small (the event's limit): read them whole, so no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=team_file.content_type,
        as_attachment=True,
        download_name=services.download_name(team_file),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _read_upload(form: UploadForm, team: Team) -> tuple[str | None, bytes]:
    """The upload's name as sent, and at most limit + 1 bytes (enough to refuse it)."""
    storage = form.file.data
    limit = team.event.upload_limit_mb * 1024 * 1024
    return storage.filename, storage.stream.read(limit + 1)


def team_section(team: Team, member: TeamMember) -> Markup:
    """The team page's 事前課題 section: materials, progress and links (from acceptance on)."""
    participating = services.is_participating(team)
    return Markup(
        render_template(
            "groupwork/assignments/_team_section.html",
            team=team,
            me=member,
            participating=participating,
            choice=services.scene_choice_for(team) if participating else None,
            progress=services.team_progress(team) if participating else [],
            files=services.team_files(team, "overview") if participating else [],
            scene_labels=SCENE_LABELS,
            **(_state(team) if participating else {}),
        )
    )


# ---------------------------------------------------------------- members


@bp.route("/t/<token>/assignments")
def overview(token: str):
    me = _me(token)
    return render_template(
        "groupwork/assignments/overview.html",
        event=me.team.event,
        team=me.team,
        me=me,
        section=team_section(me.team, me),
    )


@bp.route("/t/<token>/assignments/guide.pdf")
def guide_pdf(token: str):
    me = _me(token)
    team = _participating(me)
    venue = team.channel.venue
    if venue is None:
        abort(404)
    return _pdf_response(team.event, venue)


def _pdf_response(event: Event, venue):
    pdf = venue_guide_pdf(event, venue)
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=guide_filename(event, venue),
    )
    return response


@bp.route("/t/<token>/assignments/scenes", methods=["GET", "POST"])
def scene_choice(token: str):
    me = _me(token)
    team = _participating(me)
    choice = services.scene_choice_for(team)
    form = SceneChoiceForm(obj=None)
    if request.method == "GET" and choice is not None:
        form.first_scene.data, form.second_scene.data = (
            str(choice.first_scene),
            str(choice.second_scene),
        )
        form.note.data = choice.note
    state = _state(team)
    editable = me.is_representative and state["scene_open"]
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            try:
                services.save_scene_choice(
                    team, int(form.first_scene.data), int(form.second_scene.data), form.note.data
                )
            except AssignmentError as exc:
                show_error(form, exc)
            else:
                flash("資料２（検討希望場面）を提出しました。", "success")
                return redirect(url_for(".overview", token=token))
    return render_template(
        "groupwork/assignments/scene_form.html",
        base=PUBLIC,
        event=team.event,
        team=team,
        form=form,
        choice=choice,
        editable=editable,
        back=url_for(".overview", token=token),
        back_label=OVERVIEW_LABEL,
        scene_labels=SCENE_FORM_LABELS,
        **state,
    )


@bp.route("/t/<token>/assignments/pre", methods=["GET", "POST"])
@bp.route("/t/<token>/assignments/pre/<int:member_id>", methods=["GET", "POST"])
def pre_assignment(token: str, member_id: int | None = None):
    me = _me(token)
    team = _participating(me)
    target = _target(me, member_id)
    state = _state(team)
    actor = "self" if target.id == me.id else "representative"
    return _pre_assignment_page(
        target,
        actor,
        PUBLIC,
        editable=state["assignment_open"],
        back=url_for(".overview", token=token),
        back_label=OVERVIEW_LABEL,
        upload_url=url_for(".upload_orgchart", token=token, member_id=target.id),
        file_url=lambda f: url_for(".download", token=token, file_id=f.id),
        delete_url=lambda f: url_for(".delete_file", token=token, file_id=f.id),
        state=state,
    )


def _pre_assignment_page(
    target, actor, base, *, editable, back, back_label, upload_url, file_url, delete_url, state
):
    """資料３ form (members and the secretariat share it)."""
    pa = services.pre_assignment_for(target)
    form = PreAssignmentForm()
    if request.method == "GET":
        form.fill(data_from(pa) if pa else services.initial_data(target))
    elif not editable:
        abort(403)
    elif form.validate_on_submit():
        submit = bool(form.submit.data)
        try:
            services.save_pre_assignment(target, form.data_object(), submit=submit, actor=actor)
        except AssignmentError as exc:
            show_error(form, exc)
        else:
            flash(
                "資料３（事前課題）を提出しました。"
                if submit or (pa and pa.is_submitted)
                else "資料３（事前課題）を下書き保存しました。",
                "success",
            )
            return redirect(back)
    return render_template(
        "groupwork/assignments/pre_assignment_form.html",
        base=base,
        event=target.team.event,
        team=target.team,
        target=target,
        pa=pa,
        form=form,
        editable=editable,
        back=back,
        back_label=back_label,
        scene_labels=SCENE_LABELS,
        grid_rows=GRID_ROWS,
        is_pref=target.category == "pref",
        orgcharts=services.team_files(target.team, "orgchart", target),
        upload=UploadForm(),
        action=ActionForm(),
        upload_url=upload_url,
        file_url=file_url,
        delete_url=delete_url,
        **state,
    )


@bp.post("/t/<token>/assignments/pre/<int:member_id>/orgchart")
@accepts_upload(current_upload_limit_mb)
def upload_orgchart(token: str, member_id: int):
    me = _me(token)
    team = _participating(me)
    target = _target(me, member_id)
    back = url_for(".pre_assignment", token=token, member_id=target.id)
    _upload(team, "orgchart", target, staff=False, done="組織図をアップロードしました。")
    return redirect(back)


def _upload(team: Team, kind: str, member: TeamMember | None, *, staff: bool, done: str) -> bool:
    form = UploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors or ["ファイルを選択してください。"]:
            flash(message, "error")
        return False
    filename, data = _read_upload(form, team)
    try:
        services.store_team_file(team, kind, filename, data, member=member, staff=staff)
    except AssignmentError as exc:
        flash(exc.message, "error")
        return False
    flash(done, "success")
    return True


@bp.route("/t/<token>/assignments/files", methods=["GET", "POST"])
@accepts_upload(current_upload_limit_mb)
def files(token: str):
    me = _me(token)
    team = _participating(me)
    if request.method == "POST":
        _upload(
            team,
            "overview",
            me,
            staff=False,
            done="資料４（自治体概要資料）をアップロードしました。",
        )
        return redirect(url_for(".files", token=token))
    return render_template(
        "groupwork/assignments/files.html",
        base=PUBLIC,
        event=team.event,
        team=team,
        me=me,
        files=services.team_files(team, "overview"),
        upload=UploadForm(),
        action=ActionForm(),
        upload_url=url_for(".files", token=token),
        back=url_for(".overview", token=token),
        back_label=OVERVIEW_LABEL,
        file_url=lambda f: url_for(".download", token=token, file_id=f.id),
        delete_url=lambda f: url_for(".delete_file", token=token, file_id=f.id),
        can_delete=lambda f: me.is_representative or f.member_id == me.id,
        limit_mb=team.event.upload_limit_mb,
        **_state(team),
    )


def _team_file(team: Team, file_id: int) -> TeamFile:
    team_file = db.session.get(TeamFile, file_id)
    if team_file is None or team_file.team_id != team.id:
        abort(404)
    return team_file


@bp.route("/t/<token>/assignments/files/<int:file_id>")
def download(token: str, file_id: int):
    me = _me(token)
    team = _participating(me)
    return _send(_team_file(team, file_id))


@bp.post("/t/<token>/assignments/files/<int:file_id>/delete")
def delete_file(token: str, file_id: int):
    me = _me(token)
    team = _participating(me)
    team_file = _team_file(team, file_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    owner = team_file.member_id
    if not (me.is_representative or owner == me.id):
        abort(403)
    kind = team_file.kind
    try:
        services.delete_team_file(team_file)
    except AssignmentError as exc:
        flash(exc.message, "error")
    else:
        flash("ファイルを削除しました。", "success")
    if kind == "orgchart" and owner:
        return redirect(url_for(".pre_assignment", token=token, member_id=owner))
    return redirect(url_for(".files", token=token))


# ---------------------------------------------------------------- secretariat


def _staff_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    return team


@console.route("/")
@staff_required("secretariat")
def tracker():
    event = current_event_or_404()
    venue = request.args.get("venue") or None
    return render_template(
        "groupwork/assignments/console_tracker.html",
        event=event,
        venue=venue,
        page=paginate_list(services.tracker_rows(event, venue)),
        scene_labels=SCENE_LABELS,
    )


@console.route("/teams/<int:team_id>")
@staff_required("secretariat")
def console_team(team_id: int):
    team = _staff_team(team_id)
    extension = ExtensionForm()
    return render_template(
        "groupwork/assignments/console_team.html",
        event=team.event,
        team=team,
        choice=services.scene_choice_for(team),
        progress=services.team_progress(team),
        files=services.team_files(team, "overview"),
        orgcharts=services.team_files(team, "orgchart"),
        extension=extension,
        upload=UploadForm(),
        action=ActionForm(),
        scene_labels=SCENE_LABELS,
        scene_ext=services.extension_for(team, "scene"),
        assignment_ext=services.extension_for(team, "assignment"),
        **_state(team),
    )


@console.route("/teams/<int:team_id>/scenes", methods=["GET", "POST"])
@staff_required("secretariat")
def console_scene_choice(team_id: int):
    team = _staff_team(team_id)
    choice = services.scene_choice_for(team)
    form = SceneChoiceForm()
    if request.method == "GET" and choice is not None:
        form.first_scene.data, form.second_scene.data = (
            str(choice.first_scene),
            str(choice.second_scene),
        )
        form.note.data = choice.note
    back = url_for(".console_team", team_id=team.id)
    if form.validate_on_submit():
        try:
            services.save_scene_choice(
                team,
                int(form.first_scene.data),
                int(form.second_scene.data),
                form.note.data,
                staff=True,
            )
        except AssignmentError as exc:
            show_error(form, exc)
        else:
            flash("資料２を記録しました。", "success")
            return redirect(back)
    return render_template(
        "groupwork/assignments/scene_form.html",
        base=CONSOLE,
        event=team.event,
        team=team,
        form=form,
        choice=choice,
        editable=True,
        back=back,
        back_label=_team_label(team),
        scene_labels=SCENE_FORM_LABELS,
        staff=True,
        **_state(team),
    )


@console.route("/members/<int:member_id>", methods=["GET", "POST"])
@staff_required("secretariat")
def console_pre_assignment(member_id: int):
    target = db.session.get(TeamMember, member_id)
    if target is None:
        abort(404)
    return _pre_assignment_page(
        target,
        "staff",
        CONSOLE,
        editable=True,
        back=url_for(".console_team", team_id=target.team_id),
        back_label=_team_label(target.team),
        upload_url=url_for(".console_upload", team_id=target.team_id, member_id=target.id),
        file_url=lambda f: url_for(".console_download", file_id=f.id),
        delete_url=lambda f: url_for(".console_delete", file_id=f.id),
        state={**_state(target.team), "staff": True},
    )


@console.post("/teams/<int:team_id>/files")
@staff_required("secretariat")
@accepts_upload(current_upload_limit_mb)
def console_upload(team_id: int):
    team = _staff_team(team_id)
    member_id = request.args.get("member_id", type=int)
    member = _target_staff(team, member_id)
    kind = "orgchart" if member else "overview"
    _upload(team, kind, member, staff=True, done="ファイルを記録しました。")
    if member:
        return redirect(url_for(".console_pre_assignment", member_id=member.id))
    return redirect(url_for(".console_team", team_id=team.id))


def _target_staff(team: Team, member_id: int | None) -> TeamMember | None:
    if member_id is None:
        return None
    member = db.session.get(TeamMember, member_id)
    if member is None or member.team_id != team.id:
        abort(404)
    return member


@console.route("/files/<int:file_id>")
@staff_required("secretariat")
def console_download(file_id: int):
    team_file = db.session.get(TeamFile, file_id)
    if team_file is None:
        abort(404)
    return _send(team_file)


def _delete_page(file_id: int):
    """The confirmation names the file and its team; an unknown file is 404 before asking."""
    team_file = db.session.get(TeamFile, file_id) or abort(404)
    return confirmation_page(
        "提出ファイルの削除",
        back_url=url_for(".console_team", team_id=team_file.team_id),
        button="削除する",
        explanation=f"{team_file.team.municipality.full_name}の{team_file.kind_label}"
        f"「{team_file.original_name}」を削除します。",
    )


@console.post("/files/<int:file_id>/delete")
@staff_required("secretariat")
@irreversible("提出ファイルの削除", page=_delete_page)
def console_delete(file_id: int):
    team_file = db.session.get(TeamFile, file_id)
    if team_file is None or not ActionForm().validate_on_submit():
        abort(404)
    team_id = team_file.team_id
    try:
        services.delete_team_file(team_file, staff=True)
    except AssignmentError as exc:
        flash(exc.message, "error")
    else:
        flash("ファイルを削除しました。", "success")
    return redirect(url_for(".console_team", team_id=team_id))


@console.post("/teams/<int:team_id>/extend")
@staff_required("secretariat")
def extend(team_id: int):
    team = _staff_team(team_id)
    form = ExtensionForm()
    if form.validate_on_submit():
        deadline = datetime.combine(form.deadline_date.data, form.deadline_time.data, tzinfo=JST)
        try:
            services.extend_deadline(team, form.item.data, deadline, form.reason.data)
        except AssignmentError as exc:
            flash(exc.message, "error")
        else:
            flash("提出期限を延長しました。", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".console_team", team_id=team.id))


@console.route("/reminders", methods=["GET", "POST"])
@staff_required("secretariat")
@irreversible("督促メールの送信")
def reminders():
    event = current_event_or_404()
    if request.method == "POST":
        form = ReminderForm()
    else:  # the preview is a GET form: no token needed to choose what to look at
        form = ReminderForm(request.args, meta={"csrf": False})
    venue = request.values.get("venue") or None
    item = form.item.data or "scene"
    if item not in services.REMINDER_ITEMS:  # a hand-made URL: show the default, say why
        form.item.errors = ["督促する資料を選択してください。"]
        item = "scene"
    if request.method == "POST" and form.validate():
        try:
            count = services.send_reminders(event, item, request.form.getlist("keys"), venue)
        except AssignmentError as exc:
            flash(exc.message, "error")
        else:
            flash(f"督促メールを{count}件送信キューに入れました。", "success")
            return redirect(url_for(".tracker", venue=venue))
    return render_template(
        "groupwork/assignments/console_reminders.html",
        event=event,
        form=form,
        venue=venue,
        item=item,
        page=paginate_list(services.reminder_candidates(event, item, venue)),
    )


@console.route("/guide/<venue_code>.pdf")
@staff_required("secretariat")
def console_guide_pdf(venue_code: str):
    event = current_event_or_404()
    venue = next((v for v in event.venues if v.code == venue_code), None)
    if venue is None:
        abort(404)
    return _pdf_response(event, venue)
