"""Staff login, public materials, the municipality search used by pickers."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_user, logout_user

from app.core import municipalities
from app.core.auth import LoginError, authenticate
from app.core.forms import LoginForm

bp = Blueprint("core", __name__)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; serve the app's own icon."""
    return current_app.send_static_file("favicon.ico")


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


@bp.route("/console/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.login.data.strip(), form.password.data)
        except LoginError as exc:
            form.password.errors.append(exc.message)
        else:
            login_user(user)
            flash(f"{user.name}さん、ログインしました。", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("core/login.html", form=form)


@bp.post("/console/logout")
def logout():
    logout_user()
    flash("ログアウトしました。", "info")
    return redirect(url_for("core.login"))


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
