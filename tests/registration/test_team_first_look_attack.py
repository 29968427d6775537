"""Attacks on the 研修会議Ⅱ application's first look (app/registration/services/teams.py
``apply_team``, app/registration/services/seats.py ``team_first_look``/``insert_team_rows``): the
state and mails written before the lock, the count under it, preview teams, duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.models import OutboxMessage
from app.registration.models import Team, TeamMember
from app.registration.rules import DuplicateError, RegistrationError, TeamSizeError
from app.registration.services import teams
from tests.preview.conftest import TEST_NAME, team_form
from tests.registration.test_concurrency import kinds, race


@pytest.fixture
def previewing(app, staff):
    """previewing() → a logged-in 事務局's client with preview mode on (tests/preview's)."""

    def make():
        client = staff(app.test_client())
        assert client.post("/console/preview/on").status_code == 302
        return client

    return make


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _mails_of(db, team) -> list[OutboxMessage]:
    addresses = [m.email for m in team.members]
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_addr.in_(addresses))
    ).all()


def _assert_mails_say(db, team, status: str) -> None:
    state = {"received": "受付済", "pending": "選定中"}[status]
    mails = _mails_of(db, team)
    assert len(mails) == len(team.members)
    for mail in mails:
        assert f"■ 状態：{state}" in mail.body, mail.body
        assert ("「選定中」" in mail.body) is (status == "pending"), mail.body


def _target(db, event, capacity, code="t2_tokyo"):
    event.channel(code).capacity = capacity
    db.session.commit()


def _stale_look(monkeypatch, headcount=None, existing="real"):
    """The first look as another moment saw it: a head-count and/or no duplicate."""
    first_look = teams.team_first_look

    def look(*args):
        found, counted = first_look(*args)
        return (
            found if existing == "real" else existing,
            counted if headcount is None else headcount,
        )

    monkeypatch.setattr(teams, "team_first_look", look)


# ------------------------------------------------------------------ the target crossed


@pytest.mark.parametrize(
    ("seen", "size", "expected"),
    [
        (0, 3, "received"),  # 6 + 3 = 9 = target: fits exactly (the look agreed)
        (99, 3, "received"),  # looked full, fits exactly under the lock
        (0, 4, "pending"),  # looked empty, 6 + 4 = 10 > 9 under the lock
        (8, 1, "received"),  # looked 8 + 1 = 9 ≤ 9, under the lock 6 + 1
    ],
)
def test_the_boundary_of_the_target_is_decided_under_the_lock(
    db, event, make_team, monkeypatch, seen, size, expected
):
    _target(db, event, 9)
    make_team(size=6, municipality="011002")
    _stale_look(monkeypatch, headcount=seen)
    team = make_team(size=size, municipality="012025")
    db.session.expire_all()
    assert db.session.get(Team, team.id).status == expected
    _assert_mails_say(db, team, expected)


def test_a_venue_without_a_target_receives_every_team(db, event, make_team, monkeypatch):
    _target(db, event, None)
    _stale_look(monkeypatch, headcount=10_000)
    made = [make_team(size=6, municipality=m) for m in ("011002", "012025", "012033")]
    db.session.expire_all()
    assert [db.session.get(Team, t.id).status for t in made] == ["received"] * 3
    for team in made:
        _assert_mails_say(db, team, "received")


def test_teams_of_one_and_six_members(db, event, make_team):
    _target(db, event, 7)
    one = make_team(size=1, municipality="011002")
    six = make_team(size=6, municipality="012025")
    late = make_team(size=1, municipality="012033")
    db.session.expire_all()
    assert [db.session.get(Team, t.id).status for t in (one, six, late)] == [
        "received",
        "received",
        "pending",
    ]
    assert _count(db, TeamMember) == 8
    _assert_mails_say(db, late, "pending")
    with pytest.raises(TeamSizeError):
        make_team(size=7, municipality="012041")


def test_many_teams_at_one_venue_at_once_fill_the_target_exactly(app, db, event, make_person):
    """Six teams of 3 race for a target of 10: three are received, three pending, and each
    team's mails say its state (the look before the lock was wrong for some of them)."""
    _target(db, event, 10)
    municipalities = ["011002", "012025", "012033", "012041", "012050", "012068"]

    def job(code):
        members = [make_person("muni", municipality_code=code)] + [
            make_person("kankei_dantai") for _ in range(2)
        ]
        return lambda ev: teams.apply_team(ev, "t2_tokyo", code, members).id

    outcomes = race(app, [job(c) for c in municipalities], event.id)
    assert kinds(outcomes) == {"ok": 6}, outcomes
    db.session.expire_all()
    made = [db.session.get(Team, i) for i in outcomes]
    assert sorted(t.status for t in made) == ["pending"] * 3 + ["received"] * 3
    for team in made:
        _assert_mails_say(db, team, team.status)


# ------------------------------------------------------------------ duplicates


def test_a_cancelled_team_does_not_block_its_municipality(db, event, make_team):
    _target(db, event, 6)
    old = make_team(size=6, municipality="011002")
    teams.cancel_team(old)
    again = make_team(size=6, channel="t2_osaka", municipality="011002")
    other = make_team(size=6, municipality="012025")  # the cancelled six no longer count
    db.session.expire_all()
    assert db.session.get(Team, again.id).status == "received"
    assert db.session.get(Team, other.id).status == "received"


def test_a_duplicate_the_first_look_missed_is_refused_and_writes_nothing(
    db, event, make_team, monkeypatch
):
    make_team(size=2, municipality="011002")
    teams_before, mails_before = _count(db, Team), _count(db, OutboxMessage)
    _stale_look(monkeypatch, existing=None)
    with pytest.raises(DuplicateError, match="１自治体１団体"):
        make_team(size=3, channel="t2_osaka", municipality="011002")
    assert _count(db, Team) == teams_before
    assert _count(db, OutboxMessage) == mails_before
    make_team(size=1, municipality="012025")  # the session is usable again


def test_the_duplicate_message_names_the_venue_of_the_first_team(db, event, make_team):
    make_team(size=2, channel="t2_osaka", municipality="011002")
    with pytest.raises(DuplicateError) as refused:
        make_team(size=2, channel="t2_tokyo", municipality="011002")
    assert "大阪会場" in refused.value.message
    assert "東京会場" not in refused.value.message


def test_the_duplicate_message_does_not_say_the_training_twice(db, event, make_team):
    """The message wrapped the channel's label, which already reads 「研修会議Ⅱ（大阪会場）」, in
    「研修会議Ⅱ（…）」 (older than the first look; found by the attack session)."""
    make_team(size=2, channel="t2_osaka", municipality="011002")
    with pytest.raises(DuplicateError) as refused:
        make_team(size=2, channel="t2_tokyo", municipality="011002")
    assert "研修会議Ⅱ（研修会議Ⅱ（" not in refused.value.message, refused.value.message
    assert (
        "北海道札幌市からは既に研修会議Ⅱ（大阪会場）への申込みがあります" in refused.value.message
    )


# ------------------------------------------------------------------ odd input


@pytest.mark.parametrize("code", ["", "011002' OR '1'='1", "130001", "9" * 300, "０１１００２"])
def test_an_odd_municipality_is_refused_without_writing(db, event, make_person, code):
    members = [make_person("muni", municipality_code="011002")]
    with pytest.raises(RegistrationError):
        teams.apply_team(event, "t2_tokyo", code, members)
    assert _count(db, Team) == 0 and _count(db, OutboxMessage) == 0


def test_the_longest_input_the_form_allows_is_stored(db, event, make_person):
    members = [
        make_person(
            "muni" if i == 0 else "kankei_dantai",
            municipality_code="011002" if i == 0 else "",
            name="長" * 100,
            kana="な" * 100,
            department="部" * 200,
            occupation="職" * 100,
            organisation="" if i == 0 else "団" * 200,
        )
        for i in range(6)
    ]
    team = teams.apply_team(event, "t2_tokyo", "011002", members, note="連" * 2000)
    db.session.expire_all()
    stored = db.session.get(Team, team.id)
    assert stored.size == 6 and len(stored.note) == 2000
    assert all(m.name == "長" * 100 for m in stored.members)


# ------------------------------------------------------------------ preview (test teams)


def test_a_test_team_neither_counts_nor_is_blocked_by_a_real_one(
    app, db, event, make_team, previewing
):
    _target(db, event, 8)
    real = make_team(size=6, municipality="011002")
    staff = previewing()
    # The municipality of a real team may send a test team (preview), received by the real
    # head-count (6 + 1 ≤ 8).
    response = staff.post("/team/apply", data=team_form(TEST_NAME, "test1@example.jp"))
    assert response.status_code == 302, response.get_data(as_text=True)
    test_team = db.session.scalars(
        select(Team).where(Team.is_test.is_(True)).execution_options(include_tests=True)
    ).one()
    assert test_team.status == "received" and test_team.municipality_code == "011002"
    # A second test team of the municipality is refused (a test's duplicate is a test).
    again = staff.post("/team/apply", data=team_form(TEST_NAME, "test2@example.jp"))
    assert "１自治体１団体" in again.get_data(as_text=True)
    # The test team never counts: a real team of 2 still fits 6 + 2 ≤ 8.
    other = make_team(size=2, municipality="012025")
    db.session.expire_all()
    assert db.session.get(Team, other.id).status == "received"
    assert db.session.get(Team, real.id).status == "received"


def test_a_test_team_does_not_block_the_real_team(app, db, event, make_team, previewing):
    _target(db, event, 3)
    staff = previewing()
    form = team_form(TEST_NAME, "test3@example.jp", municipality="012025")
    assert staff.post("/team/apply", data=form).status_code == 302
    real = make_team(size=3, municipality="012025")
    db.session.expire_all()
    assert db.session.get(Team, real.id).status == "received"
    _assert_mails_say(db, real, "received")
