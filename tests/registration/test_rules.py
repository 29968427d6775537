"""Pure registration rules, without an app."""

from datetime import timedelta

import pytest

from app.core.jpdates import jst
from app.registration import rules
from app.registration.rules import ChannelFacts

DEADLINE = jst(2023, 10, 6, 17, 0)
WEBINAR = ChannelFacts(
    "webinar",
    "ウェビナー参加",
    jst(2023, 9, 4),
    DEADLINE,
    450,
    eligible_categories=("pref", "muni"),
)
VENUE = ChannelFacts(
    "t2_tokyo",
    "研修会議Ⅱ（東京会場）",
    jst(2023, 9, 4),
    DEADLINE,
    50,
    capacity_is_target=True,
    max_team_size=6,
)


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (DEADLINE - timedelta(seconds=1), True),
        (DEADLINE, True),
        (DEADLINE + timedelta(milliseconds=999), True),
        (DEADLINE + timedelta(seconds=1), False),
        (jst(2023, 9, 3, 23, 59, 59), False),
    ],
)
def test_deadline_is_the_exact_jst_second(now, open_):
    if open_:
        rules.check_open(WEBINAR, now)
    else:
        with pytest.raises(rules.ClosedError):
            rules.check_open(WEBINAR, now)


@pytest.mark.parametrize(
    "category", ["kouseikyoku", "kankei_dantai", "senmonshoku", "coordinator", "itaku", "other"]
)
def test_only_prefecture_and_municipal_staff_may_take_the_webinar(category):
    with pytest.raises(rules.IneligibleError, match="YouTubeライブ配信による参加をお選びください"):
        rules.check_eligible(WEBINAR, category)
    rules.check_eligible(WEBINAR, "pref")
    rules.check_eligible(WEBINAR, "muni")


def test_capacity_is_hard_for_the_webinar_unless_admitted_over_it():
    rules.check_capacity(WEBINAR, 449)
    with pytest.raises(rules.CapacityFullError, match="定員（450名）"):
        rules.check_capacity(WEBINAR, 450)
    rules.check_capacity(WEBINAR, 450, over_capacity=True)
    rules.check_capacity(VENUE, 80)  # 「50名程度」 is a target, never a refusal


@pytest.mark.parametrize(
    ("taken", "state"),
    [(0, "受付中"), (404, "受付中"), (405, "残りわずか"), (449, "残りわずか"), (450, "満席")],
)
def test_channel_state(taken, state):
    assert rules.channel_state(WEBINAR, taken, DEADLINE - timedelta(days=1), 0.1) == state
    assert rules.channel_state(WEBINAR, taken, DEADLINE + timedelta(seconds=1), 0.1) == "受付終了"


@pytest.mark.parametrize(("size", "ok"), [(0, False), (1, True), (6, True), (7, False)])
def test_team_size_is_one_to_six(size, ok):
    if ok:
        rules.check_team_size(size, 6)
    else:
        with pytest.raises(rules.TeamSizeError):
            rules.check_team_size(size, 6)


@pytest.mark.parametrize(
    ("accepted", "size", "status"),
    [(0, 6, "received"), (44, 6, "received"), (45, 6, "pending"), (50, 1, "pending")],
)
def test_team_is_received_while_the_target_holds_it(accepted, size, status):
    assert rules.team_status_on_apply(accepted, size, 50) == status


def test_representative_must_be_municipal_staff():
    rules.check_representative("muni")
    with pytest.raises(rules.RegistrationError, match="市町村担当者"):
        rules.check_representative("pref")
