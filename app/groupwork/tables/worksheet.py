"""The グループワークシート's fields (pure): the 8 steps verbatim, step (5) split in two."""

from __future__ import annotations

from app.groupwork.scenes import GROUPWORK_STEPS

# (key, label): step (5) is followed by its two parts; step (8) is the まとめ.
WORKSHEET_FIELDS: list[tuple[str, str]] = [
    ("step1", GROUPWORK_STEPS[0]),
    ("step2", GROUPWORK_STEPS[1]),
    ("step3", GROUPWORK_STEPS[2]),
    ("step4", GROUPWORK_STEPS[3]),
    ("goal_short", "短期目標"),
    ("goal_long", "長期目標"),
    ("step6", GROUPWORK_STEPS[5]),
    ("step7", GROUPWORK_STEPS[6]),
    ("step8", GROUPWORK_STEPS[7]),
]
STEP5_LABEL = GROUPWORK_STEPS[4]


def worksheet_sections(values: dict[str, str] | None) -> list[dict]:
    """The 8 steps in order for display and print: step (5) carries 短期目標 and 長期目標."""
    values = values or {}
    sections = []
    for number, label in enumerate(GROUPWORK_STEPS, 1):
        if number == 5:
            parts = [
                ("短期目標", values.get("goal_short", "")),
                ("長期目標", values.get("goal_long", "")),
            ]
            sections.append({"label": label, "parts": parts, "text": None})
        else:
            sections.append(
                {"label": label, "parts": None, "text": values.get(f"step{number}", "")}
            )
    return sections
