"""Seat plan layout (pure): tables on the room's grid, and the 自治体紹介 order."""

from __future__ import annotations

import math
import unicodedata
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


# ---------------------------------------------------------------- text that fits its box

PT_MM = 25.4 / 72  # one point in millimetres


def text_ems(text: str) -> float:
    """Width of ``text`` in em of Noto Sans CJK JP: full-width characters take 1 em; others
    (proportional Latin, digits, half-width space) at most 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def fit_font_size(
    text: str,
    width_mm: float,
    height_mm: float,
    max_pt: float,
    *,
    lines: int = 1,
    line_height: float = 1.3,
    min_pt: float = 4.0,
) -> float:
    """The largest font size (pt, in half points, ``min_pt`` to ``max_pt``) at which ``text``
    fits a box of ``width_mm`` × ``height_mm`` in at most ``lines`` lines.

    Lines are counted as if the text broke anywhere (Japanese does), with 5 % of the width kept
    free for what breaks at a word; one line (a name) is never broken at all.
    """
    usable = width_mm * 0.95
    ems = max(text_ems(text), 1.0)
    size = max_pt
    while size > min_pt:
        em_mm = size * PT_MM
        per_line = math.floor(usable / em_mm)  # full-width characters on one line
        needed = math.ceil(ems / per_line) if per_line else lines + 1
        if needed <= lines and needed * em_mm * line_height <= height_mm:
            return size
        size -= 0.5
    return min_pt
