"""Fixtures of the questionnaire tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.jpdates import now_utc


@pytest.fixture
def open_event(event, db):
    """The FY2023 event with the questionnaire open now."""
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    return event


@pytest.fixture
def definition(open_event):
    from app.surveys.services import ensure_survey

    return ensure_survey(open_event).definition


def web_answer(**overrides) -> dict:
    """A complete answer as the web form posts it (F3 = 4: 研修会議Ⅰ and Ⅱ東京)."""
    data = {
        "F1": "4",
        "F2": ["4", "9"],
        "F2_other": "社会福祉士",
        "F3": "4",
        "Q1_1_1_c": "1",
        "Q1_1_1_t": "3",
        "Q1_1_2_c": "2",
        "Q1_1_2_t": "2",
        "Q1_1_1": "行政説明が分かりやすかった。",
        "Q1_1_1_row": "1",
        "Q1_2_5_c": "1",
        "Q1_2_5_t": "4",
        "Q1_2_1": "グループワークの時間がもう少し欲しい。",
        "Q2_months": ["9", "10"],
        "Q2_reason": "予算編成前に参加したい。",
        "Q3_1": "2",
        "Q3_2": "1",
        "Q4": "2",
        "Q5": "2",
        "Q6_1": "PDCAサイクル",
        "Q8": "ありがとうございました。",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
