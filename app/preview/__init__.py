"""プレビューとテスト送信 (issue 10 §2): the console page that switches preview mode on and off,
opens every participant page, and lists and deletes what previews sent.

The mechanism itself (the ``is_test`` column, the global filter, the marking of new rows, the
banner's flag) lives in ``app.core.preview`` so that every model can use it.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.core.templating import register_console_nav
    from app.preview.console import bp

    app.register_blueprint(bp)
    register_console_nav(app, "プレビュー", "preview.index", ("secretariat",))
