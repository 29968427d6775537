"""一斉メール (mail to a chosen group) and 「個人ページのURLを再送」 (issue 10 §4).

A feature above registration and groupwork: it reads registrations, teams and 資料２ to choose
the people, and writes to the outbox of ``core.mail``. ``init_app`` registers the 特設サイト's
resend page and the console.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.mailing.console import init_app as init_console
    from app.mailing.views import bp

    app.register_blueprint(bp)
    init_console(app)
