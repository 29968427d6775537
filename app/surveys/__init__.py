"""The questionnaire (参加者アンケート): web form, QR codes, Excel sheet, paper, tabulation."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints and console navigation."""
    from app.core.templating import register_console_nav
    from app.surveys.console import bp as console_bp
    from app.surveys.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(console_bp)
    register_console_nav(app, "アンケート", "surveys_console.overview", ("analyst", "secretariat"))
