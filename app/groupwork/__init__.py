"""研修会議Ⅱ: pre-assignments (資料１–４), table allocation, seat plans, printing, まとめ.

Two packages, each with its own models, forms, views, services and pure modules:

- ``assignments``: collecting the pre-assignments 資料２・３・４ (and printing 資料１);
- ``tables``: allocation to tables, roles, seat plan, printed matter, worksheets and まとめ.

``tables`` reads what ``assignments`` collected, never the other way round. Shared at this level:
``scenes`` (the four 場面) and ``pdf`` (template → PDF bytes).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprints of both halves."""
    from app.groupwork.assignments.views import init_app as init_assignments
    from app.groupwork.tables.views import init_app as init_tables

    init_assignments(app)
    init_tables(app)
