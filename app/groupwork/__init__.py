"""研修会議Ⅱ: pre-assignments (資料１–４), table allocation, seat plans, printing, まとめ.

Two halves in separate modules: ``assignment_*`` (collecting 資料２・３・４) and ``table_*``
(allocation, roles, seat plan, PDFs, worksheets and まとめ).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprints of both halves."""
    from app.groupwork.assignment_views import init_app as init_assignments
    from app.groupwork.table_views import init_app as init_tables

    init_assignments(app)
    init_tables(app)
