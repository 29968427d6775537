"""The team's one statement writes from plain values what the ORM's flush writes (issue 12,
sixteenth pass): on PostgreSQL a public application inserts its team, members, mails and
submission key without ORM objects for the team (``teams.apply_team``,
``seats.insert_team_rows``); SQLite and the preview write them through the session. The same
application both ways gives the same rows, column by column, and the same mails, word for
word: a team of six, 受付済 or 選定中 by the first look, or written again in the other state
under the lock."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete

from app.core.models import OutboxMessage, SubmissionKey
from app.registration.models import Team, TeamMember
from app.registration.services import teams
from tests.registration.written import add_submission_key, stored_rows

_MODELS = {"team": Team, "members": TeamMember, "mails": OutboxMessage, "key": SubmissionKey}


def _keep_the_answer(team) -> None:
    add_submission_key("/team/apply", f"/t/{team.representative.token}?received=1")


def _apply(db, event, people, monkeypatch, *, one_statement: bool, case: str) -> dict:
    tokens = (f"token-{n:02d}-{'x' * 30}" for n in itertools.count())
    monkeypatch.setattr(teams, "new_token", lambda: next(tokens))
    monkeypatch.setattr(teams, "one_statement", lambda: one_statement)
    first_look = teams.team_first_look
    if case == "rewritten":  # the first look says 選定中; under the lock the team fits
        monkeypatch.setattr(teams, "team_first_look", lambda *a: (first_look(*a)[0], 10_000))
    event.channel("t2_tokyo").capacity = 1 if case == "選定中" else 50
    db.session.commit()
    teams.apply_team(
        event,
        "t2_tokyo",
        "011002",
        people,
        note="連絡事項　（全角）<b>",
        before_commit=_keep_the_answer,
    )
    monkeypatch.setattr(teams, "team_first_look", first_look)
    written = {name: stored_rows(model) for name, model in _MODELS.items()}
    written["mails"] = [m for m in written["mails"] if m["kind"] == "team"]
    for model in (OutboxMessage, TeamMember, Team, SubmissionKey):
        db.session.execute(delete(model))
    db.session.commit()
    return written


@pytest.mark.postgres_only
@pytest.mark.parametrize("case", ["受付済", "選定中", "rewritten"])
def test_the_one_statement_writes_what_a_flush_writes(db, event, make_person, monkeypatch, case):
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
        make_person("muni", municipality_code="012025", email="ＭＩＸＥＤ@City.Example.JP"),
        make_person("kankei_dantai", municipality_code="", organisation="地域包括支援センター"),
        make_person("muni", kana="さっぽろ", occupation=""),
    ]
    plain = _apply(db, event, people, monkeypatch, one_statement=True, case=case)
    flushed = _apply(db, event, people, monkeypatch, one_statement=False, case=case)
    assert plain == flushed
    assert [len(plain[name]) for name in _MODELS] == [1, 6, 6, 1]
    state = "選定中" if case == "選定中" else "受付済"
    assert plain["team"][0]["status"] == ("pending" if case == "選定中" else "received")
    assert all(f"■ 状態：{state}" in mail["body"] for mail in plain["mails"])
    assert plain["key"][0]["location"] == f"/t/{plain['members'][0]['token']}?received=1"
