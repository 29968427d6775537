"""Seat plan layout (pure): tables on the room's grid, and the 自治体紹介 order."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanPerson:
    affiliation: str
    name: str
    occupation: str
    marks: tuple[str, ...] = ()


@dataclass
class PlanTable:
    number: int
    scene: str
    people: list[PlanPerson] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)  # 自治体 names in seating order
    explainers: list[str] = field(default_factory=list)  # 説明者 of each team, same order


def grid(tables: list[PlanTable], rows: int, cols: int) -> list[list[PlanTable | None]]:
    """Tables row by row in number order on a ``rows`` × ``cols`` grid; more tables than cells
    add rows (the printout shows them all, the room setting is a starting point)."""
    cols = max(1, cols)
    ordered = sorted(tables, key=lambda t: t.number)
    rows = max(rows, math.ceil(len(ordered) / cols), 1)
    cells: list[PlanTable | None] = ordered + [None] * (rows * cols - len(ordered))
    return [cells[r * cols : (r + 1) * cols] for r in range(rows)]


def introduction_order(tables: list[PlanTable]) -> list[tuple[int, int, str, str]]:
    """自治体紹介 in seat-plan order: (turn, table, 自治体, 説明者) table by table, team by team."""
    order = []
    for table in sorted(tables, key=lambda t: t.number):
        for team, explainer in zip(table.teams, table.explainers, strict=False):
            order.append((len(order) + 1, table.number, team, explainer))
    return order
