"""Roles and seat-plan layout (pure)."""

from __future__ import annotations

import pytest

from app.groupwork.tables.roles import Roles, Seat, check_roles, default_roles
from app.groupwork.tables.seatplan import (
    PT_MM,
    PlanTable,
    fit_font_size,
    grid,
    introduction_order,
    text_ems,
)


def seats(*spec):
    """spec: (team, category, is_representative) per person, in seating order."""
    return [Seat(i + 1, team, cat, rep) for i, (team, cat, rep) in enumerate(spec)]


def test_pooled_table_chair_municipal_scribe_from_another_team():
    table = seats(
        (1, "kankei_dantai", False), (1, "muni", True), (2, "muni", True), (2, "pref", False)
    )
    roles = default_roles(table)
    assert roles.chair == 2  # the first 市町村担当者
    assert roles.scribe == 4  # another team, not a 代表者 when possible
    assert roles.explainers == {1: 2, 2: 3}  # each team's 代表者
    assert roles.presenter is None
    assert check_roles(table, roles) == []


def test_single_team_table_takes_both_from_the_team():
    table = seats((7, "muni", True), (7, "senmonshoku", False), (7, "muni", False))
    roles = default_roles(table)
    assert roles.chair == 1 and roles.scribe == 2
    assert check_roles(table, roles) == []


def test_one_person_table_reports_the_missing_scribe():
    table = seats((3, "muni", True))
    roles = default_roles(table)
    assert roles.scribe is None
    assert [p.message for p in check_roles(table, roles)] == ["書記が決まっていません。"]


@pytest.mark.parametrize(
    ("roles", "message", "severity"),
    [
        (Roles(1, 2, None, {1: 1, 2: 3}), "別の自治体", "error"),
        (Roles(1, 1, None, {1: 1, 2: 3}), "司会と書記が同じ人です。", "error"),
        (Roles(2, 3, None, {1: 1, 2: 3}), "司会は市町村担当者が望ましい", "warning"),
        (Roles(1, 3, None, {1: 1}), "説明者が決まっていない自治体", "error"),
        (Roles(1, 3, 99, {1: 1, 2: 3}), "発表者がこの卓の参加者ではありません。", "error"),
    ],
)
def test_broken_role_rules_are_reported(roles, message, severity):
    table = seats((1, "muni", True), (1, "kankei_dantai", False), (2, "muni", True))
    problems = check_roles(table, roles)
    assert any(message in p.message and p.severity == severity for p in problems)


def test_grid_places_tables_row_by_row_and_grows_when_the_room_is_short():
    tables = [PlanTable(n, "看取り") for n in (3, 1, 2, 4, 5)]
    cells = grid(tables, rows=1, cols=2)
    assert [[t.number if t else None for t in row] for row in cells] == [[1, 2], [3, 4], [5, None]]
    assert len(grid(tables, rows=3, cols=4)) == 3


def test_introduction_order_follows_the_seat_plan():
    tables = [
        PlanTable(2, "入退院支援", teams=["大阪府大阪市"], explainers=["鈴木"]),
        PlanTable(
            1, "看取り", teams=["北海道札幌市", "東京都千代田区"], explainers=["佐藤", "田中"]
        ),
    ]
    assert introduction_order(tables) == [
        (1, 1, "北海道札幌市", "佐藤"),
        (2, 1, "東京都千代田区", "田中"),
        (3, 2, "大阪府大阪市", "鈴木"),
    ]


@pytest.mark.parametrize(
    ("text", "lines", "expected"),
    [
        ("山田 太郎", 1, 54.0),  # short: the largest size
        ("長谷川 寿限無寿限無五劫の擦り切れ", 1, None),  # 17 characters: smaller, one line
        ("一般社団法人" + "在宅医療介護連携推進協議会" * 7 + "事務局", 3, None),
    ],
)
def test_text_shrinks_until_it_fits_its_box(text, lines, expected):
    width, height = 180, 42
    size = fit_font_size(text, width, height, 54, lines=lines)
    if expected is not None:
        assert size == expected
    em_mm = size * PT_MM
    assert text_ems(text) * em_mm <= width * lines
    assert em_mm * 1.3 * lines <= height or lines == 1
    if size < 54:  # the largest size that fits: half a point more does not
        assert fit_font_size(text, width, height, size + 0.5, lines=lines) == size


def test_text_ems_counts_full_width_characters_as_one():
    assert text_ems("山田") == 2 and text_ems("AB") == pytest.approx(1.2)
