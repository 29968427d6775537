"""The demo's pre-assignments (issue 10 §7, ``flask seed-demo --with-registrants``): 資料２ for
most synthetic teams, so that the table allocation shows 第１希望 and 第２希望, and a few 資料３.

Everything goes through the real services (``save_scene_choice``, ``save_pre_assignment``) as
the 代表者 would submit it; deterministic for a given seed.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from app.core.jpdates import now_utc
from app.events.models import Event
from app.extensions import db
from app.groupwork.assignments import services
from app.groupwork.scenes import SCENE_LABELS
from app.registration.models import Team
from app.registration.rules import TEAM_COUNTED_STATUSES

SCENE_SHARE = 0.85  # teams that hand in 資料２
PRE_ASSIGNMENTS = 6  # 資料３ submitted (by 代表者 of the first teams with 資料２)
# 場面 weights of the 第１希望: 日常の療養支援 and 入退院支援 are the usual favourites.
FIRST_WEIGHTS = {1: 4, 2: 3, 3: 2, 4: 1}

STRENGTHS = [
    "医師会・歯科医師会との定例会議があり、顔の見える関係ができている。",
    "地域包括支援センターと在宅医療・介護連携支援センターの役割分担が明確。",
    "多職種連携研修を毎年開催し、参加者が増えている。",
]
WEAKNESSES = [
    "事業評価の指標が定まっておらず、PDCAが回っていない。",
    "担当者の異動が多く、ノウハウが引き継がれていない。",
    "医療・介護資源の情報が更新されていない。",
]


def seed_submissions(event: Event, seed: int = 2023) -> dict[str, int]:
    """Submit 資料２ for about 85 % of the teams taking part and 資料３ for a few members.

    As the 代表者 while the deadline is ahead; as the secretariat (recorded, audited) when it
    has passed (``seed-demo --as-published``). Returns {"資料２": n, "資料３": n}.
    """
    rng = random.Random(seed)
    teams = db.session.scalars(
        select(Team)
        .where(Team.event_id == event.id, Team.status.in_(TEAM_COUNTED_STATUSES))
        .order_by(Team.id)
    ).all()
    now = now_utc()
    scenes = list(FIRST_WEIGHTS)
    chosen = []
    for team in teams:
        if rng.random() >= SCENE_SHARE:
            continue
        first = rng.choices(scenes, weights=list(FIRST_WEIGHTS.values()))[0]
        second = rng.choice([s for s in scenes if s != first])
        deadline = team.channel.venue.scene_deadline
        staff = deadline is not None and deadline < now
        services.save_scene_choice(team, first, second, staff=staff)
        chosen.append((team, first))
    written = 0
    for team, first in chosen[:PRE_ASSIGNMENTS]:
        member = team.representative
        data = services.initial_data(member)
        data.strengths = rng.choice(STRENGTHS)
        data.weaknesses = rng.choice(WEAKNESSES)
        data.grid = {
            first: {
                "goal": f"{SCENE_LABELS[first]}の場面で、本人・家族が望む暮らしを続けられる。",
                "current": "関係機関の連携は個別対応が中心。",
                "actions": "連携ルールの作成と研修。",
                "issues": "評価指標の設定。",
            }
        }
        deadline = team.channel.venue.assignment_deadline
        actor = "staff" if deadline is not None and deadline < now else "self"
        services.save_pre_assignment(member, data, submit=True, actor=actor)
        written += 1
    return {"資料２": len(chosen), "資料３": written}
