"""A small population for the 一斉メール tests: 研修会議Ⅰ registrants on both channels (one
cancelled), teams at both venues in several states, one person in both trainings."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.groupwork.assignments.services import save_scene_choice
from app.registration.models import Registration, Team
from app.registration.services import individual, teams
from app.registration.services.teams import apply_team


@dataclass
class Population:
    webinar: list[Registration]
    youtube: Registration
    cancelled: Registration
    tokyo: Team  # 受付済, 資料２ handed in; its 2nd member is also a webinar registrant
    osaka: Team  # 受付済, no 資料２
    declined: Team  # 見送り


@pytest.fixture
def population(db, event, make_registration, make_person) -> Population:
    w1 = make_registration("webinar", "muni", name="研修 一郎", email="Ichiro@City.example.jp")
    w2 = make_registration("webinar", "pref", name="研修 二郎")
    youtube = make_registration("youtube", "kankei_dantai", name="配信 三郎")
    cancelled = make_registration("webinar", "muni", name="取消 四郎")
    individual.cancel_registration(cancelled)
    tokyo = apply_team(
        event,
        "t2_tokyo",
        "011002",
        [
            make_person("muni", municipality_code="011002", name="東京 代表"),
            # The same person as w1, typed in another case: one mail per address.
            make_person("kankei_dantai", name="研修 一郎", email="ichiro@city.example.jp"),
        ],
    )
    save_scene_choice(tokyo, 1, 2, staff=True)
    osaka = apply_team(
        event,
        "t2_osaka",
        "271004",
        [
            make_person("muni", municipality_code="271004", name="大阪 代表"),
            make_person("kankei_dantai", name="大阪 メンバー"),
        ],
    )
    declined = apply_team(
        event,
        "t2_osaka",
        "272027",
        [make_person("muni", municipality_code="272027", name="見送 代表")],
    )
    declined.status = "pending"
    db.session.commit()
    teams.decide_team(declined, "declined")
    return Population([w1, w2], youtube, cancelled, tokyo, osaka, declined)
