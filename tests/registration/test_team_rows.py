"""The team's one statement writes from plain values what the ORM's flush writes (issue 12,
sixteenth pass): on PostgreSQL a public application inserts its team, members and mails
without ORM objects (``teams.apply_team``, ``seats.insert_team_rows``); SQLite and the
preview write them through the session. The same application both ways gives the same rows,
column by column, and the same mails, word for word."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select

from app.core.models import OutboxMessage
from app.registration.models import Team, TeamMember
from app.registration.services import teams

# Written at the time of the INSERT, whichever way (a column default): not compared.
_AT_INSERT = {"id", "team_id", "created_at", "updated_at", "next_attempt_at"}


def _rows(db, model) -> list[dict]:
    table = model.__table__
    rows = db.session.execute(select(table).order_by(table.c.id)).mappings().all()
    return [{k: v for k, v in row.items() if k not in _AT_INSERT} for row in rows]


def _written(db) -> dict[str, list[dict]]:
    mails = [m for m in _rows(db, OutboxMessage) if m["kind"] == "team"]
    return {"team": _rows(db, Team), "members": _rows(db, TeamMember), "mails": mails}


def _apply(db, event, people, monkeypatch, *, one_statement: bool, target: int) -> dict:
    tokens = (f"token-{n:02d}-{'x' * 30}" for n in itertools.count())
    monkeypatch.setattr(teams, "new_token", lambda: next(tokens))
    monkeypatch.setattr(teams, "one_statement", lambda: one_statement)
    event.channel("t2_tokyo").capacity = target
    db.session.commit()
    teams.apply_team(event, "t2_tokyo", "011002", people, note="連絡事項　（全角）")
    written = _written(db)
    for model in (OutboxMessage, TeamMember, Team):
        db.session.execute(delete(model))
    db.session.commit()
    return written


@pytest.mark.postgres_only
@pytest.mark.parametrize("target", [50, 1], ids=["受付済", "選定中"])
def test_the_one_statement_writes_what_a_flush_writes(db, event, make_person, monkeypatch, target):
    people = [
        make_person("muni", name="札幌 花子", phone="011-000-0000"),
        make_person(
            "other",
            municipality_code="",
            organisation="市医師会",
            category_other="訪問看護",
            department="",
        ),
        make_person("pref"),
    ]
    plain = _apply(db, event, people, monkeypatch, one_statement=True, target=target)
    flushed = _apply(db, event, people, monkeypatch, one_statement=False, target=target)
    assert plain == flushed
    assert len(plain["members"]) == 3 and len(plain["mails"]) == 3
    state = "受付済" if target == 50 else "選定中"
    assert plain["team"][0]["status"] == ("received" if target == 50 else "pending")
    assert all(f"■ 状態：{state}" in mail["body"] for mail in plain["mails"])
