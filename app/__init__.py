"""研修会議デスク: the application factory."""

import logging
import os
from pathlib import Path

from flask import Flask

from app.config import Config, load_or_create_secret_key


def create_app(
    config: type[Config] | None = None, *, instance_path: str | None = None, **overrides
) -> Flask:
    """Build the app: config → extensions → models → blueprints → CLI.

    ``instance/config.py`` and the environment are read only when no config class is passed
    (the test suite passes TestConfig). ``instance_path`` defaults to ``instance/``.
    """
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config or Config)
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KENSHU")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "kenshu.sqlite3"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    logging.basicConfig(level=logging.INFO)
    from app.core import logs

    logs.install()

    register_url_converters(app)
    register_extensions(app)
    register_models()
    register_services()
    register_mail_defaults()
    register_blueprints(app)
    register_cli(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_form_safety(app)
    return app


def register_form_safety(app: Flask) -> None:
    """Every form: a CSRF failure shows the form again with what was typed (core.csrf_recovery)
    and a submission sent twice stores once (core.idempotency)."""
    from app.core import csrf_recovery, idempotency

    csrf_recovery.init_app(app)
    idempotency.init_app(app)


def register_url_converters(app: Flask) -> None:
    """``<int:…>`` accepts only numbers a database id can be: a larger one is a page that cannot
    exist (404), never a database error (500)."""
    from werkzeug.routing import IntegerConverter

    class DatabaseId(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseId


def register_security_headers(app: Flask) -> None:
    """Headers on every response: only the app's own scripts and styles, never in a frame, no
    content sniffing, and no Referer (personal links are secrets)."""

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_error_handlers(app: Flask) -> None:
    """Japanese error pages (502/503/504 from nginx itself: app/static/errors/50x.html, see
    docs/deploy.md)."""
    from flask import render_template

    pages = {
        400: ("リクエストが正しくありません", "ページを読み込み直して、もう一度お試しください。"),
        403: (
            "このページを表示する権限がありません",
            "ログインしているアカウントを確認してください。",
        ),
        404: ("ページが見つかりません", "URLが正しいか確認してください。"),
        413: ("ファイルが大きすぎます", "ファイルの大きさを確認してください。"),
        429: (
            "操作の回数が多すぎます",
            "しばらく時間をおいてから、もう一度お試しください。",
        ),
        500: ("エラーが発生しました", "時間をおいてもう一度お試しください。"),
        503: (
            "ただいま混み合っています",
            "少し時間をおいてから、ページを読み込み直してください。",
        ),
        504: (
            "処理に時間がかかっています",
            "少し時間をおいてから、ページを読み込み直してください。",
        ),
    }

    def handler(error):
        code = getattr(error, "code", 500) or 500
        title, message = pages.get(code, pages[500])
        return render_template(
            "errors/error.html", title=title, message=message, event=_event_for_error_page()
        ), code

    for code in pages:
        app.register_error_handler(code, handler)


def _event_for_error_page():
    """The event whose name the public error page shows; None when the database cannot say."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.events.models import current_event
    from app.extensions import db

    try:
        return current_event()
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (Heroku-style postgres:// too)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def register_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app.core import uploads
    from app.core.db import configure_engine_events
    from app.extensions import csrf, db, limiter, login_manager, migrate

    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))
    db.init_app(app)
    limiter.init_app(app)
    _limit_routes_only(app, limiter)
    uploads.init_app(app)  # before CSRFProtect reads the body
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)


def register_models() -> None:
    import app.core.models
    import app.events.models
    import app.groupwork.assignments.models
    import app.groupwork.tables.models
    import app.mailing.models
    import app.reception.models
    import app.registration.models
    import app.surveys.models  # noqa: F401


def register_services() -> None:
    """Import every services module (``app.**.services``, ``app.**.services.*``), so the audit
    actions each declares are known to every process, whatever it imports."""
    import importlib
    import pkgutil

    import app as package

    for module in pkgutil.walk_packages(package.__path__, "app."):
        if ".services" in module.name:
            importlib.import_module(module.name)


def register_mail_defaults() -> None:
    """Mails of an event answer to its 事務局 (core.mail cannot know the event itself)."""
    from app.core import mail
    from app.events.models import Event
    from app.events.snapshot import kept_event
    from app.extensions import db

    def contact(event_id: int) -> str:
        # The session's own copy while it holds the address (a change not yet committed),
        # then the kept event the request read as current (no SELECT: issue 12), then the
        # database.
        known = db.session.identity_map.get(db.session.identity_key(Event, event_id))
        if known is not None and "contact_email" in vars(known):
            return known.contact_email
        event = kept_event(event_id) or db.session.get(Event, event_id)
        return event.contact_email if event else ""

    mail.reply_to_of_event = contact


def register_blueprints(app: Flask) -> None:
    from app.core.views import bp as core_bp
    from app.events.console import init_app as init_events_console
    from app.groupwork import init_app as init_groupwork
    from app.mailing import init_app as init_mailing
    from app.preview import init_app as init_preview
    from app.reception import init_app as init_reception
    from app.registration.console import bp as registration_console_bp
    from app.registration.reports import applicants_table
    from app.registration.rules import CATEGORY_LABELS
    from app.registration.services.seats import channel_overview
    from app.registration.views import bp as registration_bp
    from app.surveys import init_app as init_surveys
    from app.surveys.services import response_count

    app.register_blueprint(registration_bp)
    app.register_blueprint(registration_console_bp)
    init_groupwork(app)
    init_surveys(app)
    init_reception(app)
    init_mailing(app)
    init_preview(app)
    init_events_console(app, channel_overview, applicants_table, response_count, CATEGORY_LABELS)
    from app.core import jobs

    jobs.init_app(app)  # the job pages and the queue (immediate in the tests)
    app.register_blueprint(core_bp)  # last: its 「アカウント」 ends the console's navigation


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)


def register_template_helpers(app: Flask) -> None:
    from app.core import preview, templating

    templating.init_app(app)
    preview.init_app(app)


def _limit_routes_only(app: Flask, limiter) -> None:
    """Flask-Limiter's check before every request, kept only while limits apply to more than
    their own routes (default, application, blueprint or meta limits, or the in-memory
    fallback's: none are configured).

    Its routes' limits (the login, the password reset, the links sent again) are checked by
    their own decorators, not by this hook; the hook found no limit on every other request
    and cost about 5 % of a registration's CPU (issue 12, docs/performance.md). A default
    limit set later (``RATELIMIT_DEFAULT``, ``limiter.limit`` on a blueprint) is checked again,
    as Flask-Limiter checks it."""
    hook = limiter._check_request_limit
    hooks = app.before_request_funcs.setdefault(None, [])
    if hook not in hooks:
        return
    manager = limiter.limit_manager

    def check_shared_limits() -> None:
        if (
            manager.default_limits
            or manager.application_limits
            or manager._blueprint_limits
            or limiter._meta_limits
            or limiter._in_memory_fallback_enabled
        ):
            hook()

    hooks[hooks.index(hook)] = check_shared_limits
