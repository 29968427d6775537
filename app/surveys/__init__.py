"""The questionnaire (参加者アンケート): web form, QR codes, Excel sheet, paper, tabulation."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints and console navigation, and hand 「年度比較」 the
    questionnaire figures of an event (the event layer does not import surveys)."""
    from app.core.templating import register_console_nav
    from app.events.comparison import SURVEY_FIGURES_KEY
    from app.surveys.console import bp as console_bp
    from app.surveys.services import comparison_figures
    from app.surveys.views import bp

    app.extensions[SURVEY_FIGURES_KEY] = comparison_figures
    app.register_blueprint(bp)
    app.register_blueprint(console_bp)
    register_console_nav(app, "アンケート", "surveys_console.overview", ("analyst", "secretariat"))
