"""How groupwork names what it changed in the 操作履歴 (audit ``target``): what a person reads,
never an id or a code — the 会場, the municipality, the person, 「東京会場 3卓」."""

from __future__ import annotations

# AuditLog.target is String(100).
TARGET_LENGTH = 100


def fit(text: str) -> str:
    """``text`` cut to the audit target's length (…  marks a cut)."""
    text = " ".join(text.split())
    return text if len(text) <= TARGET_LENGTH else text[: TARGET_LENGTH - 1] + "…"


def venue_name(venue) -> str:
    """「東京会場」."""
    return fit(venue.name)


def team_name(team) -> str:
    """「北海道札幌市」: a team is one municipality (its full name, as the console lists it)."""
    return fit(team.municipality.full_name)


def member_name(member) -> str:
    """「山田 太郎（北海道札幌市）」: the person and the team's municipality."""
    return fit(f"{member.name}（{member.team.municipality.full_name}）")


def table_name(table) -> str:
    """「東京会場 3卓」."""
    return fit(f"{table.allocation.venue.name} {table.number}卓")
