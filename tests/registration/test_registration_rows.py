"""The registration's one statement writes from plain values what the ORM's flush writes
(issue 12, seventeenth pass): on PostgreSQL a 研修会議Ⅰ registration on a capped channel
inserts its row, its mail, the submission key and, from the console, the audit row without an
ORM object for the registration (``individual._register_in_one_statement``,
``seats.insert_with_seat``); SQLite, the preview and the paths that queue or admit over
capacity write them through the session. The same registration both ways gives the same rows,
column by column, and the same mail, word for word."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import delete, inspect

from app.core.models import AuditLog, OutboxMessage, SubmissionKey
from app.registration.models import Registration
from app.registration.services import individual
from tests.registration.written import add_submission_key, stored_rows

_MODELS = {"registration": Registration, "mail": OutboxMessage, "key": SubmissionKey}
_MODELS["audit"] = AuditLog


def _keep_the_answer(registration) -> None:
    add_submission_key("/register", f"/r/{registration.token}/done")


# What a template or a caller may read of the plain registration, as the row stores it.
_READ = ("name", "kana", "email", "category", "municipality_code", "prefecture_code")
_READ += ("organisation", "department", "occupation", "phone", "token", "source")


def _register(db, event, person, monkeypatch, *, one_statement: bool, source: str, attach=True):
    tokens = (f"token-{n:02d}-{'x' * 30}" for n in itertools.count())
    monkeypatch.setattr(individual, "new_token", lambda: next(tokens))
    monkeypatch.setattr(individual, "one_statement", lambda: one_statement)
    returned = individual.register_for_training1(
        event,
        "webinar",
        person,
        source=source,
        before_commit=_keep_the_answer,
        now=event.channel("webinar").opens_at + timedelta(hours=1, seconds=7),
        attach=attach,
    )
    written = {name: stored_rows(model) for name, model in _MODELS.items()}
    if attach:
        assert inspect(returned).persistent and returned.email == person.normalised().email
    else:  # the public form's way: the plain registration, read as the stored row reads
        assert isinstance(returned, individual.NewRegistration) and returned.id is not None
        stored = written["registration"][0]
        assert {k: getattr(returned, k) for k in _READ} == {k: stored[k] for k in _READ}
    for model in (OutboxMessage, Registration, SubmissionKey, AuditLog):
        db.session.execute(delete(model))
    db.session.commit()
    return written


@pytest.mark.postgres_only
@pytest.mark.parametrize("source", ["web", "console"])
@pytest.mark.parametrize(
    "fields",
    [
        {"category": "muni", "phone": "011-000-0000"},
        {"category": "pref", "kana": "さとう　はなこ"},
        {
            "category": "muni",
            "municipality_code": "012025",
            "name": "髙橋\u3000\ufa10子",
            "department": "",
            "occupation": "",
            "email": "ＭＩＸＥＤ@City.Example.JP",
        },
    ],
    ids=["muni", "pref", "typed"],
)
def test_the_one_statement_writes_what_a_flush_writes(
    db, event, make_person, monkeypatch, source, fields
):
    person = make_person(**fields)
    # From the form as the public view does (attach=False), from the console as it does.
    plain = _register(
        db, event, person, monkeypatch, one_statement=True, source=source, attach=source != "web"
    )
    flushed = _register(db, event, person, monkeypatch, one_statement=False, source=source)
    assert plain == flushed
    counts = [1, 1, 1, 1 if source == "console" else 0]
    assert [len(plain[name]) for name in _MODELS] == counts
    registration, mail = plain["registration"][0], plain["mail"][0]
    assert (
        registration["source"] == source
        and registration["channel_id"] == event.channel("webinar").id
    )
    assert mail["to_addr"] == registration["email"] and mail["kind"] == "registration"
    assert f"/r/{registration['token']}" in mail["body"] and registration["name"] in mail["body"]
    assert plain["key"][0]["location"] == f"/r/{registration['token']}/done"
