"""Roles at a table (pure): 司会, 書記, 説明者 per team, optional 発表者.

Rules (decisions.md 21, 22, 24): a 司会 preferably a 市町村担当者; at a pooled table (several
teams) 司会 and 書記 come from different teams; each team's 説明者 is its 代表者 by default;
the 発表者 is optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_LABELS = {"chair": "司会", "scribe": "書記", "explainer": "説明者", "presenter": "発表者"}
MUNICIPAL = "muni"


@dataclass(frozen=True)
class Seat:
    """A person at the table, in seating order (team by team)."""

    member_id: int
    team_id: int
    category: str
    is_representative: bool


@dataclass
class Roles:
    chair: int | None = None
    scribe: int | None = None
    presenter: int | None = None
    explainers: dict[int, int] = field(default_factory=dict)  # team id → member id


@dataclass(frozen=True)
class RoleProblem:
    message: str
    severity: str = "error"  # error | warning


def default_roles(seats: list[Seat]) -> Roles:
    """Suggested roles: 司会 the first 市町村担当者 (else the first person); 書記 the first person of
    another team at a pooled table (else of the same team), preferring one who is not a 代表者;
    each team's 代表者 is its 説明者; no 発表者.
    """
    roles = Roles()
    if not seats:
        return roles
    chair = next((s for s in seats if s.category == MUNICIPAL), seats[0])
    roles.chair = chair.member_id
    pooled = len({s.team_id for s in seats}) > 1
    candidates = [
        s
        for s in seats
        if s.member_id != chair.member_id and (not pooled or s.team_id != chair.team_id)
    ]
    candidates.sort(key=lambda s: s.is_representative)  # stable: seating order otherwise
    if candidates:
        roles.scribe = candidates[0].member_id
    for s in seats:
        if s.is_representative:
            roles.explainers.setdefault(s.team_id, s.member_id)
    for s in seats:
        roles.explainers.setdefault(s.team_id, s.member_id)
    return roles


def check_roles(seats: list[Seat], roles: Roles) -> list[RoleProblem]:
    """Everything that breaks the role rules at one table (empty when all is well)."""
    problems: list[RoleProblem] = []
    by_id = {s.member_id: s for s in seats}
    for key in ("chair", "scribe", "presenter"):
        member = getattr(roles, key)
        if member is not None and member not in by_id:
            problems.append(RoleProblem(f"{ROLE_LABELS[key]}がこの卓の参加者ではありません。"))
    chair, scribe = by_id.get(roles.chair), by_id.get(roles.scribe)
    if chair is None:
        problems.append(RoleProblem("司会が決まっていません。"))
    if scribe is None:
        problems.append(RoleProblem("書記が決まっていません。"))
    if chair and scribe and chair.member_id == scribe.member_id:
        problems.append(RoleProblem("司会と書記が同じ人です。"))
    pooled = len({s.team_id for s in seats}) > 1
    if pooled and chair and scribe and chair.team_id == scribe.team_id:
        problems.append(
            RoleProblem("複数の自治体の卓では、司会と書記を別の自治体から選んでください。")
        )
    if chair and chair.category != MUNICIPAL and any(s.category == MUNICIPAL for s in seats):
        problems.append(
            RoleProblem(
                "司会は市町村担当者が望ましいです（この卓には市町村担当者がいます）。", "warning"
            )
        )
    for team_id in dict.fromkeys(s.team_id for s in seats):
        explainer = by_id.get(roles.explainers.get(team_id))
        if explainer is None or explainer.team_id != team_id:
            problems.append(RoleProblem("説明者が決まっていない自治体があります。"))
            break
    return problems
