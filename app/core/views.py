"""Staff login and sessions, password change, staff accounts, the municipality search."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core import municipalities
from app.core.auth import (
    RESET_LINK_HOURS,
    LoginError,
    authenticate,
    change_password,
    create_account,
    end_all_sessions,
    issue_password_reset,
    password_reset_of,
    reset_password,
    set_active,
    set_role,
    staff_required,
    start_session,
)
from app.core.forms import (
    ActionForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    StaffCreateForm,
    StaffRoleForm,
    show_error,
)
from app.core.models import StaffUser
from app.core.templating import register_console_nav
from app.extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; serve the app's own icon."""
    return current_app.send_static_file("favicon.ico")


@bp.record_once
def _nav(state):
    register_console_nav(state.app, "アカウント", "core.staff_list", ("admin",))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("registration_console.dashboard")


def _login_key() -> str:
    """Client address and the login tried: the throttle of one person's attempts."""
    return f"{get_remote_address()}|{(request.form.get('login') or '').strip()[:100]}"


def _login_limits():
    return current_app.config["LOGIN_LIMITS"]


def _address_limits():
    return current_app.config["LOGIN_LIMITS_PER_ADDRESS"]


@bp.route("/console/login", methods=["GET", "POST"])
@limiter.limit(_login_limits, key_func=_login_key, methods=["POST"])
@limiter.limit(_address_limits, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.login.data.strip(), form.password.data)
        except LoginError as exc:
            form.password.errors.append(exc.message)
        else:
            start_session(user)
            flash(f"{user.name}さん、ログインしました。", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", form=form)


@bp.post("/console/logout")
@login_required
def logout():
    """Ends every session of the account, including copies of this cookie."""
    end_all_sessions(current_user)
    flash("ログアウトしました。", "info")
    return redirect(url_for("core.login"))


@bp.route("/console/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(
                current_user, form.current.data, form.new_password.data, form.confirm.data
            )
        except LoginError as exc:
            show_error(form, exc)
        else:
            flash("パスワードを変更しました。他の端末のログインは終了しました。", "success")
            return redirect(url_for("registration_console.dashboard"))
    return render_template("core/password.html", form=form)


def _staff_page(form: StaffCreateForm | None = None, status: int = 200):
    accounts = db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
    return render_template(
        "core/staff.html",
        accounts=accounts,
        action=ActionForm(),
        form=form or StaffCreateForm(formdata=None),
        roles=StaffUser.ROLES,
    ), status


def _link_page(user: StaffUser, token: str, first: bool):
    """The one-time link, shown once to 管理者 to hand over (never mailed with a password)."""
    response = make_response(
        render_template(
            "core/staff_link.html",
            user=user,
            link=url_for("core.password_reset", token=token, _external=True),
            first=first,
            hours=RESET_LINK_HOURS,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/console/staff")
@staff_required("admin")
def staff_list():
    return _staff_page()


@bp.post("/console/staff/new")
@staff_required("admin")
def staff_create():
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            user, token = create_account(form.login.data, form.name.data, form.role.data)
        except LoginError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            return _link_page(user, token, first=True)
    return _staff_page(form, 422)


@bp.post("/console/staff/<int:staff_id>/role")
@staff_required("admin")
def staff_role(staff_id: int):
    user = db.session.get(StaffUser, staff_id) or abort(404)
    form = StaffRoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_role(user, form.role.data, by=current_user)
    except LoginError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{user.name}さんの役割を{user.role_label}にしました。", "success")
    return redirect(url_for("core.staff_list"))


@bp.post("/console/staff/<int:staff_id>/reset")
@staff_required("admin")
def staff_reset(staff_id: int):
    user = db.session.get(StaffUser, staff_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash("無効のアカウントには発行できません。先に有効にしてください。", "error")
        return redirect(url_for("core.staff_list"))
    return _link_page(user, issue_password_reset(user), first=False)


@bp.route("/staff/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def password_reset(token: str):
    """The page of a one-time link: sets a new password (no login needed)."""
    reset = password_reset_of(token)
    if reset is None:
        return render_template("core/reset_invalid.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            user = reset_password(reset, form.new_password.data, form.confirm.data)
        except LoginError as exc:
            show_error(form, exc)
        else:
            flash(f"{user.name}さんのパスワードを設定しました。ログインしてください。", "success")
            return redirect(url_for("core.login"))
    return render_template("core/reset.html", form=form, user=reset.staff)


@bp.post("/console/staff/<int:staff_id>/active")
@staff_required("admin")
def staff_active(staff_id: int):
    user = db.session.get(StaffUser, staff_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        set_active(user, request.form.get("active") == "1", by=current_user)
    except LoginError as exc:
        flash(exc.message, "error")
    else:
        flash(
            f"{user.name}さんのアカウントを{'有効' if user.active else '無効'}にしました。",
            "success",
        )
    return redirect(url_for("core.staff_list"))


@bp.route("/api/municipalities")
def municipality_search():
    """JSON for the picker: [{code, name, kana}] matching q (name or kana), in code order."""
    rows = municipalities.search(request.args.get("q", ""), request.args.get("pref") or None)
    return jsonify(
        [
            {
                "code": m.code,
                "name": m.full_name if not m.is_prefecture else f"{m.prefecture}（都道府県）",
                "kana": (m.city_kana or m.prefecture_kana),
            }
            for m in rows
        ]
    )
