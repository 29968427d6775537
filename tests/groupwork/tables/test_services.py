"""Allocation service: stored result, changes by hand with re-check, roles, publish with mails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.models import Municipality, OutboxMessage
from app.groupwork.assignments.services import save_scene_choice
from app.groupwork.tables.models import GroupTable, TableAllocation
from app.groupwork.tables.services import (
    LockedError,
    TableError,
    allocate_tables,
    move_team,
    publish_allocation,
    review_allocation,
    set_roles,
)


def municipalities(db, n):
    """n municipalities, cycling over prefectures so neighbours differ."""
    rows = db.session.scalars(
        select(Municipality).where(Municipality.city.is_not(None)).order_by(Municipality.code)
    ).all()
    by_pref = {}
    for m in rows:
        by_pref.setdefault(m.prefecture_code, []).append(m.code)
    prefs = sorted(by_pref)
    return [by_pref[prefs[i % len(prefs)]][i // len(prefs)] for i in range(n)]


@pytest.fixture
def tokyo_teams(db, event, make_team):
    """Seven teams at 東京会場 (2–5 people) with their 資料２."""
    spec = [(5, 1, 2), (2, 1, 2), (2, 1, 3), (3, 2, 1), (2, 2, 4), (3, 4, 3), (2, 4, 1)]
    teams = []
    for (size, first, second), code in zip(spec, municipalities(db, len(spec)), strict=True):
        team = make_team(size=size, municipality=code)
        save_scene_choice(team, first, second, staff=True)
        teams.append(team)
    return teams


def venue_of(event, code="tokyo"):
    return next(v for v in event.venues if v.code == code)


def test_allocation_is_stored_with_parameters_and_roles(db, event, tokyo_teams):
    venue = venue_of(event)
    allocation = allocate_tables(venue, time_limit=5)
    db.session.expire_all()
    stored = db.session.scalar(select(TableAllocation))
    assert stored.params["table_min"] == venue.table_min
    assert stored.params["large_threshold"] == venue.large_team_threshold
    assert len(stored.inputs) == 7 and stored.optimal
    seated = sorted(s.team_id for t in stored.tables for s in t.seats)
    assert seated == sorted(t.id for t in tokyo_teams)
    # the team of 5 (多人数) sits alone on its 第１希望
    big = tokyo_teams[0]
    table = next(t for t in stored.tables if big.id in [s.team_id for s in t.seats])
    assert len(table.seats) == 1 and table.scene == 1
    for t in stored.tables:
        assert t.chair_id and t.scribe_id and t.chair_id != t.scribe_id
        if len(t.seats) > 1:
            chair_team = next(m.team_id for m in t.members if m.id == t.chair_id)
            scribe_team = next(m.team_id for m in t.members if m.id == t.scribe_id)
            assert chair_team != scribe_team
        for seat in t.seats:
            assert seat.explainer_id == seat.team.representative.id
    review = review_allocation(stored)
    assert review.errors == 0
    assert allocation.stats["people"] == 19


def test_move_is_rechecked_and_roles_cleared(db, event, tokyo_teams):
    allocation = allocate_tables(venue_of(event), time_limit=5)
    big = tokyo_teams[0]
    other = next(t for t in allocation.tables if big.id not in [s.team_id for s in t.seats])
    move_team(allocation, big.id, other.number)
    review = review_allocation(allocation)
    messages = [p.message for tr in review.tables for p in tr.problems]
    assert any("多人数の自治体" in m for m in messages)
    assert any("上限（7名）" in m for m in messages) or other.size <= 7
    assert review.errors > 0
    with pytest.raises(TableError):
        move_team(allocation, big.id, 99)


def test_roles_by_hand_refuse_people_from_elsewhere(db, event, tokyo_teams):
    allocation = allocate_tables(venue_of(event), time_limit=5)
    first, second = allocation.tables[0], allocation.tables[1]
    stranger = second.members[0].id
    with pytest.raises(TableError) as exc:
        set_roles(first, stranger, None, None, {})
    assert "司会" in exc.value.message
    set_roles(first, first.members[0].id, first.members[0].id, None, {})
    review = review_allocation(allocation)
    problems = [p.message for p in review.tables[0].problems]
    assert "司会と書記が同じ人です。" in problems


def test_publish_locks_and_mails_each_representative(db, event, tokyo_teams, client):
    allocation = allocate_tables(venue_of(event), time_limit=5)
    before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    sent = publish_allocation(allocation)
    assert sent == 7
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "tables_published")
    ).all()
    assert (
        len(mails)
        == 7
        == db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) - before
    )
    rep = tokyo_teams[3].representative
    mail = next(m for m in mails if m.to_addr == rep.email)
    table = next(t for t in allocation.tables if tokyo_teams[3].id in [s.team_id for s in t.seats])
    assert f"{table.number}卓" in mail.body and table.scene_label in mail.body
    assert f"/t/{rep.token}" in mail.body
    with pytest.raises(LockedError):
        move_team(allocation, tokyo_teams[1].id, 1)
    with pytest.raises(LockedError):
        allocate_tables(venue_of(event))
    # the team page now shows the table, its members and the seat plan
    page = client.get(f"/t/{rep.token}").get_data(as_text=True)
    assert f"{table.number}卓" in page and "座席表" in page
    for member in table.members:
        assert member.name in page


def test_publish_refused_without_scribe(db, event, tokyo_teams):
    allocation = allocate_tables(venue_of(event), time_limit=5)
    table = allocation.tables[0]
    set_roles(table, table.chair_id, None, None, {})
    with pytest.raises(TableError) as exc:
        publish_allocation(allocation)
    assert f"{table.number}卓" in exc.value.message
    assert db.session.get(GroupTable, table.id).allocation.status == "draft"


def test_only_counted_teams_take_part(db, event, tokyo_teams, make_team):
    declined = make_team(size=2, municipality=municipalities(db, 9)[8])
    declined.status = "declined"
    osaka = make_team(size=2, channel="t2_osaka", municipality=municipalities(db, 10)[9])
    db.session.commit()
    allocation = allocate_tables(venue_of(event), time_limit=5)
    seated = {s.team_id for t in allocation.tables for s in t.seats}
    assert declined.id not in seated and osaka.id not in seated
    assert seated == {t.id for t in tokyo_teams}
    # a team that withdraws after the allocation is flagged, not silently dropped
    tokyo_teams[1].status = "cancelled"
    db.session.commit()
    review = review_allocation(allocation)
    assert [t.id for t in review.gone] == [tokyo_teams[1].id]
