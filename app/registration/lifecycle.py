"""The lifecycles of a 研修会議Ⅰ registration and a 研修会議Ⅱ team (pure): states, the actions
allowed from each, and the state each action leads to (issue 9 §1).

No Flask, no SQLAlchemy. The services ask here before they change anything
(``registration_step`` / ``team_step``) and do what the answer says; a refused action raises
``TransitionError`` (a ``RegistrationError``, so the views show its Japanese message).

A registration's state is read from three facts (``registration_state``): its status, its
channel (webinar or YouTube) and its open waiting-list entry (waiting, or offered while the offer
is live). A team's state is its ``status``. Staff actions are marked ``staff=True`` in the tables
and are the ones written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.registration.rules import TEAM_STATUS_LABELS, RegistrationError

# ---------------------------------------------------------------- 研修会議Ⅰ registration

REGISTRATION_STATES: dict[str, str] = {
    "webinar": "ウェビナー参加",
    "youtube": "YouTubeライブ配信",
    "waiting": "YouTube・ウェビナーのキャンセル待ち",
    "offered": "YouTube・ウェビナーの席をご案内中",
    "cancelled": "取消",
}


@dataclass(frozen=True)
class Action:
    """One action on a registration or team: its Japanese label and whether staff take it."""

    label: str
    staff: bool = False


REGISTRATION_ACTIONS: dict[str, Action] = {
    "register_webinar": Action("ウェビナー参加で申込み"),
    "register_youtube": Action("YouTubeライブ配信で申込み"),
    "admit_over_capacity": Action("定員超過で受付", staff=True),
    "join_waitlist": Action("キャンセル待ちに登録"),
    "offer": Action("空席のご案内"),
    "accept_offer": Action("ウェビナー参加に切り替え"),
    "decline_offer": Action("辞退する（YouTubeのまま）"),
    "expire_offer": Action("回答期限切れ"),
    "switch": Action("参加方法の変更"),
    "move": Action("参加方法の変更（事務局）", staff=True),
    "move_over_capacity": Action("定員超過で参加方法を変更（事務局）", staff=True),
    "edit": Action("お申込み内容の変更"),
    "cancel": Action("申込みの取消"),
    "cancel_by_staff": Action("申込みの取消（事務局）", staff=True),
}

# (state, action) → the state after it. A pair not listed is refused.
REGISTRATION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "register_webinar"): "webinar",
    ("new", "register_youtube"): "youtube",
    ("new", "admit_over_capacity"): "webinar",
    ("youtube", "join_waitlist"): "waiting",
    ("waiting", "offer"): "offered",
    ("offered", "accept_offer"): "webinar",
    ("offered", "decline_offer"): "youtube",
    ("offered", "expire_offer"): "youtube",
    # A person may switch; holding a place in the waiting list or an offer ends it.
    ("webinar", "switch"): "youtube",
    ("youtube", "switch"): "webinar",
    ("waiting", "switch"): "webinar",
    ("offered", "switch"): "webinar",
    ("webinar", "move"): "youtube",
    ("youtube", "move"): "webinar",
    ("waiting", "move"): "webinar",
    ("offered", "move"): "webinar",
    ("youtube", "move_over_capacity"): "webinar",
    ("waiting", "move_over_capacity"): "webinar",
    ("offered", "move_over_capacity"): "webinar",
}
for _state in ("webinar", "youtube", "waiting", "offered"):
    REGISTRATION_TRANSITIONS[(_state, "edit")] = _state
    REGISTRATION_TRANSITIONS[(_state, "cancel")] = "cancelled"
    REGISTRATION_TRANSITIONS[(_state, "cancel_by_staff")] = "cancelled"

# Why an action is refused in a state, in Japanese (the most specific first).
_REFUSALS: dict[tuple[str, str], str] = {
    ("cancelled", "cancel"): "既に取り消されています。",
    ("cancelled", "cancel_by_staff"): "既に取り消されています。",
    ("cancelled", "edit"): "取り消されたお申込みは変更できません。",
    ("cancelled", "switch"): "取り消されたお申込みは変更できません。",
    ("cancelled", "move"): "取り消されたお申込みは変更できません。",
    ("cancelled", "move_over_capacity"): "取り消されたお申込みは変更できません。",
    ("cancelled", "*"): "取り消されたお申込みです。",
    ("webinar", "join_waitlist"): "既にウェビナー参加でお申込みいただいています。",
    ("waiting", "join_waitlist"): "既にキャンセル待ちに登録されています。",
    ("offered", "join_waitlist"): "既にキャンセル待ちに登録されています。",
    ("*", "accept_offer"): "有効なご案内がありません（回答期限を過ぎた可能性があります）。",
    ("*", "decline_offer"): "有効なご案内がありません（回答期限を過ぎた可能性があります）。",
}


class TransitionError(RegistrationError):
    """The action is not allowed in the current state (message in Japanese)."""


def registration_state(status: str, channel_kind: str, entry_status: str | None, live: bool) -> str:
    """The lifecycle state of a registration.

    ``status``: ``Registration.status`` (active/cancelled); ``channel_kind``: webinar or youtube;
    ``entry_status``: the open waiting-list entry's status (waiting/offered) or None; ``live``:
    whether that offer is still before its expiry. An offer past its expiry is read as plain
    YouTube (its seat is no longer held).
    """
    if status != "active":
        return "cancelled"
    if channel_kind == "webinar":
        return "webinar"
    if entry_status == "waiting":
        return "waiting"
    if entry_status == "offered" and live:
        return "offered"
    return "youtube"


def registration_step(state: str, action: str) -> str:
    """The state after ``action`` from ``state``; raises ``TransitionError`` when not allowed."""
    if action not in REGISTRATION_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    after = REGISTRATION_TRANSITIONS.get((state, action))
    if after is not None:
        return after
    message = (
        _REFUSALS.get((state, action))
        or _REFUSALS.get((state, "*"))
        or _REFUSALS.get(("*", action))
        or f"現在の状態（{REGISTRATION_STATES.get(state, state)}）では"
        f"「{REGISTRATION_ACTIONS[action].label}」はできません。"
    )
    raise TransitionError(message)


def offers_open(now: datetime, starts_at: datetime) -> bool:
    """Freed webinar seats are offered until the webinar starts (the event day), not after."""
    return now < starts_at


def offer_expiry(now: datetime, hours: int, starts_at: datetime) -> datetime:
    """An offer holds its seat ``hours`` hours (event setting ``waitlist_offer_hours``), never
    past the start of the webinar."""
    return min(now + timedelta(hours=hours), starts_at)


# ---------------------------------------------------------------- 研修会議Ⅱ team

TEAM_STATES = TEAM_STATUS_LABELS  # received 受付済, pending 選定中, accepted 参加決定, …
# States the secretariat has decided: the accepted head count may not grow without a new decision.
DECIDED_STATES = ("accepted", "adjusted")

TEAM_ACTIONS: dict[str, Action] = {
    "apply": Action("団体申込み"),
    "edit": Action("参加者の変更（削除・差し替え）"),
    "add_members": Action("参加者の追加"),
    "decide_accepted": Action("参加決定", staff=True),
    "decide_adjusted": Action("人数調整", staff=True),
    "decide_declined": Action("見送り", staff=True),
    "cancel": Action("申込みの取消"),
    "cancel_by_staff": Action("申込みの取消（事務局）", staff=True),
}

# (state, action) → the state after it; "fit" means: 受付済 if the venue's target still holds
# the team, else 選定中 (rules.team_status_on_apply).
TEAM_TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "apply"): "fit",
    ("received", "edit"): "fit",
    ("received", "add_members"): "fit",
    ("pending", "edit"): "pending",
    ("pending", "add_members"): "pending",
    ("accepted", "edit"): "accepted",
    ("adjusted", "edit"): "adjusted",
}
for _state in ("received", "pending", "accepted", "adjusted", "declined"):
    for _decision in ("accepted", "adjusted", "declined"):
        TEAM_TRANSITIONS[(_state, f"decide_{_decision}")] = _decision
for _state in ("received", "pending", "accepted", "adjusted", "declined"):
    TEAM_TRANSITIONS[(_state, "cancel")] = "cancelled"
    TEAM_TRANSITIONS[(_state, "cancel_by_staff")] = "cancelled"

ADD_AFTER_DECISION = (
    "事務局による選定（{label}）の後は、参加者の追加はできません。"
    "参加者の削除・差し替え（同じ人数以内での入れ替え）はこのページから行えます。"
    "追加を希望される場合は事務局にご連絡ください。"
)


def team_edit_action(state: str, size_before: int, size_after: int) -> str:
    """``add_members`` when the edit grows the team, else ``edit`` (removals, replacements)."""
    return "add_members" if size_after > size_before else "edit"


def team_step(state: str, action: str) -> str:
    """The team state after ``action`` (``"fit"``: the caller decides 受付済 or 選定中 by the
    venue's target); raises ``TransitionError`` when not allowed (decisions.md: issue 9)."""
    if action not in TEAM_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    after = TEAM_TRANSITIONS.get((state, action))
    if after is not None:
        return after
    if action == "add_members" and state in DECIDED_STATES:
        raise TransitionError(ADD_AFTER_DECISION.format(label=TEAM_STATES[state]), field="members")
    if state == "cancelled":
        raise TransitionError(
            "既に取り消されています。" if "cancel" in action else "取り消された申込みです。"
        )
    if state == "declined" and action in ("edit", "add_members"):
        raise TransitionError("このお申込みは変更できません。")
    raise TransitionError(
        f"現在の状態（{TEAM_STATES.get(state, state)}）では「{TEAM_ACTIONS[action].label}」はできません。"
    )
