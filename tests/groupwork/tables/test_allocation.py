"""The pure allocation: rules as properties, optimality against brute force, violations."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.groupwork.tables.allocation import (
    Settings,
    TablePlan,
    TeamInput,
    _large_tables,
    evaluate,
    greedy,
    is_large,
    solve,
)

# Generous: small cases prove optimality in well under a second; the limit only guards CI load.
FAST = dict(time_limit=20.0)


@st.composite
def venues(draw, max_teams=14, min_teams=1):
    """Teams of 1–6 people with 第１・第２希望 (sometimes none) and a few prefectures."""
    n = draw(st.integers(min_teams, max_teams))
    teams = []
    for i in range(n):
        first = draw(st.one_of(st.none(), st.integers(1, 4)))
        second = None
        if first is not None:
            second = draw(st.sampled_from([s for s in (1, 2, 3, 4) if s != first]))
        teams.append(
            TeamInput(
                id=100 + i,
                size=draw(st.integers(1, 6)),
                prefecture=draw(st.sampled_from(["01", "13", "27", "40"])),
                first=first,
                second=second,
            )
        )
    bounds = draw(st.sampled_from([(4, 7), (3, 6), (5, 8)]))
    config = Settings(
        large_threshold=draw(st.integers(3, 5)),
        table_min=bounds[0],
        table_max=bounds[1],
        table_count=draw(st.integers(1, 8)),
        **FAST,
    )
    return teams, config


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(venues())
def test_rules_hold_for_generated_venues(venue):
    teams, config = venue
    result = solve(teams, config)
    by_id = {t.id: t for t in teams}
    # never split: every team exactly once
    seated = [tid for table in result.tables for tid in table.team_ids]
    assert sorted(seated) == sorted(by_id)
    # each table discusses one 場面
    assert all(table.scene in (1, 2, 3, 4) for table in result.tables)
    for table in result.tables:
        for tid in table.team_ids:
            team = by_id[tid]
            if is_large(team, config):
                # a 多人数 team has its own table on its 第１希望
                assert table.team_ids == [tid]
                assert table.scene == (team.first or 1)
            if team.first is not None and table.scene != team.first:
                # every team off its 第１希望 is told why
                assert result.reasons[tid].startswith(("第２希望", "第１・第２希望以外"))
    # the stored figures are those of the rules
    check = evaluate(teams, config, result.tables)
    assert check.objective == result.objective
    assert result.bound <= result.objective
    # never worse than the greedy baseline
    assert result.optimal
    assert result.objective <= evaluate(teams, config, greedy(teams, config)).objective


def _partitions(items):
    if not items:
        yield []
        return
    head, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield [*part[:i], [head, *part[i]], *part[i + 1 :]]
        yield [[head], *part]


def brute_force(teams, config):
    """The best objective over every partition of the pooled teams and every 場面 per table."""
    fixed = _large_tables(teams, config)
    small = [t.id for t in teams if not is_large(t, config)]
    best = None
    for blocks in _partitions(small):
        for scenes in itertools.product((1, 2, 3, 4), repeat=len(blocks)):
            plans = fixed + [TablePlan(s, list(b)) for s, b in zip(scenes, blocks, strict=True)]
            value = evaluate(teams, config, plans).objective
            best = value if best is None else min(best, value)
    return best


@settings(
    max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(venues(max_teams=6, min_teams=3))
def test_optimal_against_brute_force(venue):
    teams, config = venue
    result = solve(teams, config)
    assert result.optimal
    assert result.objective == brute_force(teams, config)


def test_known_case_second_choice_with_reason():
    # Scene 1 is wanted by 9 people but a table takes at most 7: one team goes to its 第２希望.
    teams = [
        TeamInput(1, 3, "13", 1, 2, "千代田区"),
        TeamInput(2, 3, "27", 1, 3, "大阪市"),
        TeamInput(3, 3, "01", 1, 2, "札幌市"),
        TeamInput(4, 2, "40", 2, 3, "福岡市"),
    ]
    result = solve(teams, Settings(table_count=2, **FAST))
    assert result.optimal
    assert result.evaluation.violations == []
    assert result.evaluation.stats["first"] == 8
    assert result.evaluation.stats["second"] == 3
    moved = [tid for tid, _ in result.reasons.items()]
    assert len(moved) == 1 and moved[0] in (1, 3)  # those whose 第２希望 is 入退院支援
    assert "上限（7名）" in result.reasons[moved[0]]
    assert "入退院支援" in result.reasons[moved[0]]


def test_prefectures_are_mixed_at_pooled_tables():
    teams = [
        TeamInput(1, 2, "13", 1, 2),
        TeamInput(2, 2, "13", 1, 2),
        TeamInput(3, 2, "27", 1, 2),
        TeamInput(4, 2, "27", 1, 2),
    ]
    result = solve(teams, Settings(table_count=2, **FAST))
    for table in result.tables:
        prefs = [next(t.prefecture for t in teams if t.id == tid) for tid in table.team_ids]
        assert len(set(prefs)) == len(prefs)
    assert result.evaluation.stats["same_prefecture_pairs"] == 0


def test_infeasible_venue_still_answered_with_every_violation():
    # Three 多人数 teams for a room of two tables, and a lone person below the minimum.
    teams = [
        TeamInput(1, 6, "13", 1, 2),
        TeamInput(2, 5, "27", 1, 2),
        TeamInput(3, 4, "01", 2, 3),
        TeamInput(4, 1, "40", 4, 3),
    ]
    result = solve(teams, Settings(table_count=2, table_max=5, **FAST))
    codes = [v.code for v in result.evaluation.violations]
    assert "room" in codes
    assert "size_max" in codes  # the team of 6 on a table of at most 5: never split
    assert "size_min" in codes
    assert sorted(tid for t in result.tables for tid in t.team_ids) == [1, 2, 3, 4]
    messages = " ".join(v.message for v in result.evaluation.violations)
    assert "会場の卓数（2卓）" in messages and "上限（5名）" in messages


def test_same_answer_twice():
    teams = [
        TeamInput(i, 1 + i % 3, f"{10 + i % 4:02d}", 1 + i % 4, 1 + (i + 1) % 4) for i in range(12)
    ]
    config = Settings(table_count=6, **FAST)
    first, second = solve(teams, config), solve(teams, config)
    assert [(t.scene, t.team_ids) for t in first.tables] == [
        (t.scene, t.team_ids) for t in second.tables
    ]
    assert first.objective == second.objective and first.optimal


def test_without_scene_choice_the_team_is_still_seated():
    teams = [TeamInput(1, 2, "13"), TeamInput(2, 3, "27", 3, 4)]
    result = solve(teams, Settings(table_count=3, **FAST))
    assert "資料２" in result.reasons[1]
    assert result.evaluation.stats["none"] == 2
