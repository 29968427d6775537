"""Fixtures of the preview tests: a staff member's client with preview mode on, and the forms
a participant posts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.jpdates import now_utc

TEST_NAME = "試験　プレビュー太郎"
REAL_NAME = "本番　申込花子"


@pytest.fixture
def not_yet_open(event, db):
    """The FY2023 event with registration and the questionnaire opening in two weeks."""
    later = now_utc() + timedelta(days=14)
    for channel in event.channels:
        channel.opens_at = later
        channel.closes_at = later + timedelta(days=30)
    event.survey_opens_at = later
    event.survey_closes_at = later + timedelta(days=30)
    db.session.commit()
    return event


@pytest.fixture
def previewing(app, staff):
    """previewing() → a logged-in 事務局's client with preview mode switched on."""

    def make(role: str = "secretariat"):
        client = staff(app.test_client(), role)
        response = client.post("/console/preview/on")
        assert response.status_code == 302
        return client

    return make


def webinar_of(db, event, seats: int):
    """The event's webinar with ``seats`` seats, committed."""
    webinar = event.channel("webinar")
    webinar.capacity = seats
    db.session.commit()
    return webinar


def person_form(name: str, email: str, channel: str = "webinar", **overrides) -> dict:
    data = {
        "channel": channel,
        "name": name,
        "kana": "しけん たろう",
        "email": email,
        "email_confirm": email,
        "phone": "",
        "category": "pref",
        "municipality": "130001",
        "organisation": "",
        "department": "福祉保健局",
        "occupation": "保健師",
        "consent": "y",
    }
    data.update(overrides)
    return data


def team_form(name: str, email: str, municipality: str = "011002") -> dict:
    data = {"channel": "t2_tokyo", "team_municipality": municipality, "note": "", "consent": "y"}
    member = {
        "name": name,
        "kana": "しけん たろう",
        "email": email,
        "phone": "09012345678",
        "category": "muni",
        "municipality": "same",
        "organisation": "",
        "department": "保健福祉局",
        "occupation": "事務職",
        "category_other": "",
    }
    for key, value in member.items():
        data[f"members-0-{key}"] = value
    return data
