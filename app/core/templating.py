"""Jinja filters for Japanese dates, and the console navigation registry."""

from flask import Flask
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core import audit, idempotency, jpdates


def register_console_nav(
    app: Flask, label: str, endpoint: str, roles: tuple[str, ...] = ()
) -> None:
    """Add an entry to the console's navigation (each feature adds its own)."""
    app.extensions.setdefault("console_nav", []).append((label, endpoint, roles))


_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["jdate"] = jpdates.format_date
    app.jinja_env.filters["jdatetime"] = jpdates.format_datetime
    app.jinja_env.filters["jtime"] = jpdates.format_time
    app.jinja_env.filters["audit_action"] = audit.action_label
    app.jinja_env.filters["num"] = lambda v: f"{v:,}" if v is not None else "—"
    # Digits as the documents write them in running text (「１自治体上限６名」).
    app.jinja_env.filters["zen"] = lambda v: str(v).translate(_FULL_WIDTH_DIGITS)

    @app.context_processor
    def _console_nav():
        return {"console_nav": app.extensions.get("console_nav", [])}

    @app.template_global()
    def csrf_field() -> Markup:
        """The hidden inputs of every POST form: the one-time submission key
        (``core.idempotency``) and the CSRF token (none when CSRF is switched off)."""
        key = idempotency.key_input()
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return key
        return key + Markup(f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">')
