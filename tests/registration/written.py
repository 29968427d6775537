"""What a test of the one statement compares: the rows stored, and the view's submission key.

Shared by ``test_team_rows`` and ``test_registration_rows``, which write the same input with
the one statement and with a flush and compare what each stored (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.core.models import SubmissionKey
from app.extensions import db

# Written at the time of the INSERT, whichever way (a column default): not compared.
AT_INSERT = frozenset({"id", "team_id", "created_at", "updated_at", "next_attempt_at"})


def stored_rows(model) -> list[dict]:
    """Every row of ``model``'s table in the order written (by id, else by key), without
    the columns written at the time of the INSERT."""
    table = model.__table__
    order = table.c.id if "id" in table.c else table.c.key
    rows = db.session.execute(select(table).order_by(order)).mappings().all()
    return [{k: v for k, v in row.items() if k not in AT_INSERT} for row in rows]


def add_submission_key(path: str, location: str) -> None:
    """What a view's ``before_commit`` adds: the submission key with the page's URL."""
    db.session.add(
        SubmissionKey(
            key="k" * 32,
            path=path,
            location=location,
            flashes="[]",
            created_at=datetime(2023, 10, 19, tzinfo=UTC),
        )
    )
