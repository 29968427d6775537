"""Registration rules (pure): categories, eligibility, deadlines, capacity states, team states.

No Flask, no SQLAlchemy: plain values in, plain values or domain errors out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# 参加区分: the report's eight categories (decisions.md 7), in the report's order.
CATEGORY_LABELS: dict[str, str] = {
    "pref": "都道府県（及び保健所）担当者",
    "muni": "市町村担当者",
    "kouseikyoku": "地方厚生（支）局担当者",
    "kankei_dantai": "地域の関係団体の担当者",
    "senmonshoku": "医療及び介護の専門職",
    "coordinator": "コーディネーター",
    "itaku": "委託業者",
    "other": "その他",
}
# Column heads of the report's table 「参加人数（事前申込者数）」.
CATEGORY_REPORT_LABELS: dict[str, str] = {
    "pref": "都道府県担当者",
    "muni": "市町村担当者",
    "kouseikyoku": "厚生局",
    "kankei_dantai": "地域の関係団体",
    "senmonshoku": "医療・介護の専門職",
    "coordinator": "コーディネーター",
    "itaku": "委託業者",
    "other": "その他",
}
# Categories whose 所属 is a municipality or prefecture from the master list.
GOVERNMENT_CATEGORIES = ("pref", "muni")

TEAM_STATUS_LABELS: dict[str, str] = {
    "received": "受付済",
    "pending": "選定中",
    "accepted": "参加決定",
    "adjusted": "人数調整",
    "declined": "見送り",
    "cancelled": "取消",
}
# Teams whose members count against a venue's target.
TEAM_COUNTED_STATUSES = ("received", "accepted", "adjusted")
# Teams whose active members are registrants (the registrants-only archive): all but those
# declined (見送り) and cancelled.
TEAM_REGISTRANT_STATUSES = ("received", "pending", "accepted", "adjusted")
TEAM_DECISIONS = ("accepted", "adjusted", "declined")


class RegistrationError(Exception):
    """A rule refused the input. ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ClosedError(RegistrationError):
    """The channel is not (or no longer) accepting registrations."""


class IneligibleError(RegistrationError):
    """The category may not use this channel."""


class CapacityFullError(RegistrationError):
    """The channel has no seat left."""


class DuplicateError(RegistrationError):
    """The e-mail (or municipality) is already registered for this event."""


class TeamSizeError(RegistrationError):
    """A team outside 1 to the channel's maximum."""


class RowsRefusedError(RegistrationError):
    """A bulk import refused: one message per refused row, with its row number."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ChannelFacts:
    """What the rules need to know of a channel."""

    code: str
    label: str
    opens_at: datetime
    closes_at: datetime
    capacity: int | None
    capacity_is_target: bool = False
    eligible_categories: tuple[str, ...] | None = None
    max_team_size: int | None = None


def check_open(channel: ChannelFacts, now: datetime) -> None:
    """A channel accepts from ``opens_at`` up to and including the second of ``closes_at``.

    17:00 means 17:00:00 is the last accepted second; 17:00:01 is too late.
    """
    if now < channel.opens_at:
        raise ClosedError(f"{channel.label}の申込受付はまだ始まっていません。")
    if now.replace(microsecond=0) > channel.closes_at:
        raise ClosedError(f"{channel.label}の申込受付は締め切りました。")


def category_names(codes) -> str:
    """参加区分 codes as the documents list them, in ``CATEGORY_LABELS``' order:
    ["muni", "pref"] → 「都道府県（及び保健所）担当者、市町村担当者」 (the order of 対象,
    [SRC 000:L8655-8661])."""
    chosen = set(codes)
    return "、".join(label for code, label in CATEGORY_LABELS.items() if code in chosen)


def check_eligible(channel: ChannelFacts, category: str) -> None:
    """Webinar: 都道府県（及び保健所）担当者 and 市町村担当者 only (as the event's data says)."""
    allowed = channel.eligible_categories
    if allowed is not None and category not in allowed:
        names = category_names(allowed)
        raise IneligibleError(
            f"{channel.label}は{names}のみお申込みいただけます。"
            "YouTubeライブ配信による参加をお選びください。",
            field="channel",
        )


def check_capacity(channel: ChannelFacts, taken: int, over_capacity: bool = False) -> None:
    """A hard cap refuses when every seat is taken, unless the secretariat admits over it."""
    if channel.capacity is None or channel.capacity_is_target or over_capacity:
        return
    if taken >= channel.capacity:
        raise CapacityFullError(f"{channel.label}は定員（{channel.capacity}名）に達しました。")


def channel_state(channel: ChannelFacts, taken: int, now: datetime, few_left_ratio: float) -> str:
    """受付前 / 受付中 / 残りわずか / 満席 / 受付終了 for the public page."""
    if now < channel.opens_at:
        return "受付前"
    if now.replace(microsecond=0) > channel.closes_at:
        return "受付終了"
    if channel.capacity is None or channel.capacity_is_target:
        return "受付中"
    left = channel.capacity - taken
    if left <= 0:
        return "満席"
    if left <= max(1, int(channel.capacity * few_left_ratio)):
        return "残りわずか"
    return "受付中"


def check_team_size(size: int, max_size: int | None) -> None:
    """1 to ``max_size`` people including the 代表者 (decisions.md 3)."""
    if size < 1:
        raise TeamSizeError("参加者を1名以上入力してください。", field="members")
    if max_size is not None and size > max_size:
        raise TeamSizeError(
            f"１自治体の参加者は{max_size}名までです（{size}名が入力されています）。",
            field="members",
        )


def check_representative(category: str) -> None:
    """The 代表者 of a team is a 市町村担当者."""
    if category != "muni":
        raise RegistrationError(
            "代表者は市町村担当者の方としてください。", field="representative_category"
        )


def team_status_on_apply(accepted_headcount: int, team_size: int, target: int | None) -> str:
    """受付済 while the venue's accepted head-count plus the team fits the target, else 選定中."""
    if target is None or accepted_headcount + team_size <= target:
        return "received"
    return "pending"


def check_affiliation(category: str, municipality_code: str | None, organisation: str) -> None:
    """Government staff pick their municipality or prefecture; others name their organisation."""
    if category in GOVERNMENT_CATEGORIES:
        if not municipality_code:
            raise RegistrationError("所属の自治体を選択してください。", field="municipality")
    elif not organisation:
        raise RegistrationError("所属（団体名・機関名）を入力してください。", field="organisation")
