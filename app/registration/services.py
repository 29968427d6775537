"""Registration use cases. Each public function is one transaction and the only place that commits.

Capacity is taken under the channel lock (``Channel.lock``: an UPDATE of the channel row) in the
same transaction that inserts, so a webinar seat is never sold twice, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.jpdates import format_date, format_datetime, format_time, now_utc
from app.core.mail import queue_mail
from app.core.models import Municipality
from app.core.text import normalise_email, normalise_phone, normalise_text, to_katakana
from app.core.urls import external_url
from app.events.models import Channel, Event
from app.extensions import db
from app.registration import rules
from app.registration.models import (
    Registration,
    Team,
    TeamMember,
    WaitlistEntry,
    venue_headcount,
    webinar_seats_taken,
)
from app.registration.rules import ChannelFacts, DuplicateError, RegistrationError

# A test may set this to stretch the window between counting and inserting (race proofs).
_after_count_hook = None


@dataclass
class PersonData:
    """What a registrant or team member enters (decisions.md 9), before normalisation."""

    name: str
    kana: str
    email: str
    category: str
    prefecture_code: str = ""
    municipality_code: str = ""
    organisation: str = ""
    department: str = ""
    occupation: str = ""
    phone: str = ""
    category_other: str = ""

    def normalised(self) -> PersonData:
        """NFKC everywhere, kana to katakana, e-mail folded, phone digits and hyphens."""
        return PersonData(
            name=normalise_text(self.name),
            kana=to_katakana(self.kana),
            email=normalise_text(self.email).replace(" ", ""),
            category=self.category,
            prefecture_code=(self.prefecture_code or "").strip(),
            municipality_code=(self.municipality_code or "").strip(),
            organisation=normalise_text(self.organisation),
            department=normalise_text(self.department),
            occupation=normalise_text(self.occupation),
            phone=normalise_phone(self.phone),
            category_other=normalise_text(self.category_other),
        )


def facts(channel: Channel) -> ChannelFacts:
    """The rules' view of a channel."""
    return ChannelFacts(
        code=channel.code,
        label=channel.label,
        opens_at=channel.opens_at,
        closes_at=channel.closes_at,
        capacity=channel.capacity,
        capacity_is_target=channel.capacity_is_target,
        eligible_categories=tuple(channel.eligible_categories)
        if channel.eligible_categories is not None
        else None,
        max_team_size=channel.max_team_size,
    )


def _check_person(data: PersonData) -> Municipality | None:
    """Category and 所属 rules; returns the municipality when one is chosen."""
    if data.category not in rules.CATEGORY_LABELS:
        raise RegistrationError("参加区分を選択してください。", field="category")
    rules.check_affiliation(data.category, data.municipality_code or None, data.organisation)
    if not data.municipality_code:
        return None
    municipality = db.session.get(Municipality, data.municipality_code)
    if municipality is None:
        raise RegistrationError("所属の自治体が一覧にありません。", field="municipality")
    return municipality


def _apply_person(target, data: PersonData, municipality: Municipality | None) -> None:
    for f in fields(PersonData):
        if f.name != "municipality_code":
            setattr(target, f.name, getattr(data, f.name))
    target.email_normalized = normalise_email(data.email)
    target.municipality_code = municipality.code if municipality else None
    if municipality:
        target.prefecture_code = municipality.prefecture_code


def seats_taken(channel: Channel, now: datetime | None = None) -> int:
    return webinar_seats_taken(channel.id, now or now_utc())


def channel_overview(event: Event, now: datetime | None = None) -> list[dict]:
    """Each channel with its state (受付中 / 残りわずか / 満席 / 受付終了), seats taken and left."""
    now = now or now_utc()
    rows = []
    for channel in event.channels:
        if channel.kind == "venue":
            taken = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES)
        else:
            taken = seats_taken(channel, now)
        left = None if channel.capacity is None else channel.capacity - taken
        rows.append(
            {
                "channel": channel,
                "state": rules.channel_state(facts(channel), taken, now, event.few_left_ratio),
                "taken": taken,
                "left": left,
            }
        )
    return rows


# ---------------------------------------------------------------- 研修会議Ⅰ


def register_for_training1(
    event: Event,
    channel_code: str,
    data: PersonData,
    *,
    now: datetime | None = None,
    join_waitlist: bool = False,
    source: str = "web",
    over_capacity_reason: str = "",
) -> Registration:
    """Register one person for 研修会議Ⅰ on the webinar or YouTube (commits).

    Rules: the channel is open (web only; the secretariat may record late ones), the category
    is eligible, one active registration per e-mail and event, and a webinar seat is free, or
    the secretariat admits over capacity with a reason. With ``join_waitlist`` a YouTube
    registrant also queues for a webinar seat.
    """
    registration = _register(
        event,
        channel_code,
        data,
        now=now or now_utc(),
        join_waitlist=join_waitlist,
        source=source,
        over_capacity_reason=over_capacity_reason,
    )
    db.session.commit()
    return registration


def register_many(
    event: Event, rows: list[tuple[int, str, PersonData]], *, source: str, label: str = ""
) -> int:
    """Register every row or none (one transaction); refusals are collected per row number."""
    now = now_utc()
    errors: list[str] = []
    for number, channel_code, data in rows:
        try:
            _register(event, channel_code, data, now=now, source=source)
        except RegistrationError as exc:
            errors.append(f"{number}行目：{exc.message}")
    if errors:
        db.session.rollback()
        raise rules.RowsRefusedError(errors)
    audit.record("import_registrations", label, f"{len(rows)}件", event_id=event.id)
    db.session.commit()
    return len(rows)


def _register(
    event: Event,
    channel_code: str,
    data: PersonData,
    *,
    now: datetime,
    join_waitlist: bool = False,
    source: str = "web",
    over_capacity_reason: str = "",
) -> Registration:
    """The registration without its commit: checks, seat, row, waiting list, mail."""
    data = data.normalised()
    channel = _individual_channel(event, channel_code)
    if source == "web":
        rules.check_open(facts(channel), now)
    rules.check_eligible(facts(channel), data.category)
    municipality = _check_person(data)
    _refuse_duplicate_email(event, data.email)
    registration = Registration(event=event, channel=channel, source=source, consented_at=now)
    _apply_person(registration, data, municipality)
    if channel.capacity is not None:
        channel.lock()
        taken = _take_seat(channel, now, over_capacity=bool(over_capacity_reason))
        registration.over_capacity = taken >= channel.capacity
    db.session.add(registration)
    if join_waitlist:
        _queue_for_webinar(event, registration, now)
    if over_capacity_reason:
        audit.record(
            "admit_over_capacity",
            f"{channel.label} {data.name}",
            over_capacity_reason,
            event_id=event.id,
        )
    _flush_or_duplicate()
    _mail_registration(registration, "お申込みを受け付けました")
    return registration


def _individual_channel(event: Event, code: str) -> Channel:
    try:
        channel = event.channel(code)
    except KeyError:
        raise RegistrationError("参加方法を選択してください。", field="channel") from None
    if channel.kind == "venue":
        raise RegistrationError(
            "研修会議Ⅱは団体申込のページからお申込みください。", field="channel"
        )
    return channel


def _take_seat(channel: Channel, now: datetime, over_capacity: bool = False) -> int:
    """Count under the lock and refuse when full (the caller holds ``channel.lock()``);
    returns the seats taken before this one."""
    taken = seats_taken(channel, now)
    if _after_count_hook is not None:
        _after_count_hook()
    rules.check_capacity(facts(channel), taken, over_capacity=over_capacity)
    return taken


def _refuse_duplicate_email(event: Event, email: str, exclude_id: int | None = None) -> None:
    stmt = select(Registration.id).where(
        Registration.event_id == event.id,
        Registration.email_normalized == normalise_email(email),
        Registration.status == "active",
    )
    if exclude_id is not None:
        stmt = stmt.where(Registration.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DuplicateError(
            "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。"
            "お申込み内容の確認・変更は、受付メールに記載の個人ページから行ってください。",
            field="email",
        )


def _flush_or_duplicate() -> None:
    """Flush; a unique index that fires (a concurrent twin) becomes a DuplicateError."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        text = str(exc.orig)
        if "municipality" in text:
            raise DuplicateError(
                "この自治体からは既に研修会議Ⅱへの申込みがあります（１自治体１団体）。",
                field="municipality",
            ) from None
        raise DuplicateError(
            "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。", field="email"
        ) from None


def _queue_for_webinar(event: Event, registration: Registration, now: datetime) -> WaitlistEntry:
    webinar = next(c for c in event.channels if c.kind == "webinar")
    rules.check_open(facts(webinar), now)
    rules.check_eligible(facts(webinar), registration.category)
    entry = WaitlistEntry(registration=registration, channel=webinar, created_at=now)
    db.session.add(entry)
    return entry


def join_waitlist(registration: Registration, now: datetime | None = None) -> WaitlistEntry:
    """Queue a YouTube registrant for the webinar (commits)."""
    now = now or now_utc()
    if not registration.is_active:
        raise RegistrationError("取り消されたお申込みです。")
    if registration.channel.kind == "webinar":
        raise RegistrationError("既にウェビナー参加でお申込みいただいています。")
    if registration.open_waitlist_entry is not None:
        raise RegistrationError("既にキャンセル待ちに登録されています。")
    entry = _queue_for_webinar(registration.event, registration, now)
    db.session.flush()
    position = waitlist_position(entry)
    queue_mail(
        registration.email,
        f"【{registration.event.short_name}】ウェビナーのキャンセル待ちに登録しました",
        _person_summary(registration) + f"\nキャンセル待ちの順番：{position}番目\n"
        "席が空いた場合は、順番にメールでご案内します（ご案内には回答期限があります）。\n"
        "それまではYouTubeライブ配信による参加でお申込みいただいています。\n",
        event_id=registration.event_id,
        kind="waitlist",
    )
    db.session.commit()
    return entry


def waitlist_position(entry: WaitlistEntry) -> int:
    """1 for the first in line among those still waiting."""
    return db.session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.channel_id == entry.channel_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.id <= entry.id,
        )
    )


def offer_freed_seats(channel: Channel, now: datetime) -> int:
    """Offer every free seat to the first waiting in line (the caller holds the lock and commits).

    Each offer holds its seat until it expires (event setting, default 48 hours).
    """
    if channel.capacity is None:
        return 0
    free = channel.capacity - seats_taken(channel, now)
    if free <= 0:
        return 0
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.channel_id == channel.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
        .limit(free)
    ).all()
    hours = channel.event.waitlist_offer_hours
    for entry in waiting:
        entry.status = "offered"
        entry.offered_at = now
        entry.offer_expires_at = now + timedelta(hours=hours)
        registration = entry.registration
        queue_mail(
            registration.email,
            f"【{channel.event.short_name}】ウェビナー参加の席をご用意できます（回答期限あり）",
            f"{registration.name} 様\n\nキャンセル待ちに登録いただいていたウェビナー参加に空きが出ました。\n"
            f"{format_datetime(entry.offer_expires_at)}までに、下記の個人ページで"
            "「ウェビナー参加に切り替える」を押してください。\n"
            "期限を過ぎると、次にお待ちの方へご案内します。\n\n" + _person_summary(registration),
            event_id=channel.event_id,
            kind="waitlist_offer",
        )
    return len(waiting)


def accept_offer(registration: Registration, now: datetime | None = None) -> Registration:
    """Take the seat held by a live offer: the registration moves to the webinar (commits)."""
    now = now or now_utc()
    entry = registration.open_waitlist_entry
    if entry is None or not entry.offer_is_live(now):
        raise RegistrationError("有効なご案内がありません（回答期限を過ぎた可能性があります）。")
    channel = entry.channel
    channel.lock()
    entry.status = "accepted"
    registration.channel = channel
    db.session.flush()
    _mail_registration(registration, "ウェビナー参加に切り替えました")
    db.session.commit()
    return registration


def expire_offers(now: datetime | None = None) -> int:
    """Expire offers past their time and pass the seats on (commits); returns the count."""
    now = now or now_utc()
    expired = db.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now
        )
    ).all()
    channels = {e.channel for e in expired}
    for channel in channels:
        channel.lock()
    for entry in expired:
        entry.status = "expired"
    db.session.flush()
    for channel in channels:
        offer_freed_seats(channel, now)
    db.session.commit()
    return len(expired)


def update_registration(
    registration: Registration, data: PersonData, now: datetime | None = None
) -> Registration:
    """Change one's own details until the channel's deadline (commits)."""
    now = now or now_utc()
    data = data.normalised()
    if not registration.is_active:
        raise RegistrationError("取り消されたお申込みは変更できません。")
    rules.check_open(facts(registration.channel), now)
    rules.check_eligible(facts(registration.channel), data.category)
    municipality = _check_person(data)
    _refuse_duplicate_email(registration.event, data.email, exclude_id=registration.id)
    _apply_person(registration, data, municipality)
    _flush_or_duplicate()
    _mail_registration(registration, "お申込み内容を変更しました")
    db.session.commit()
    return registration


def switch_channel(
    registration: Registration,
    channel_code: str,
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    over_capacity_reason: str = "",
) -> Registration:
    """Move a registration between webinar and YouTube: a change, not a new registration.

    A person switches while the target channel is open; the secretariat at any time, and may
    admit over capacity with a reason. A seat left on the webinar is offered to the waiting list.
    """
    now = now or now_utc()
    if not registration.is_active:
        raise RegistrationError("取り消されたお申込みは変更できません。")
    target = _individual_channel(registration.event, channel_code)
    source = registration.channel
    if target.id == source.id:
        raise RegistrationError(f"既に{target.label}でお申込みいただいています。", field="channel")
    if not by_staff:
        rules.check_open(facts(target), now)
    rules.check_eligible(facts(target), registration.category)
    for ch in sorted((source, target), key=lambda c: c.id):  # fixed lock order
        if ch.capacity is not None:
            ch.lock()
    if target.capacity is not None:
        taken = _take_seat(target, now, over_capacity=bool(over_capacity_reason))
        registration.over_capacity = taken >= target.capacity
        entry = registration.open_waitlist_entry
        if entry is not None:
            entry.status = "withdrawn"
    registration.channel = target
    db.session.flush()
    if source.capacity is not None:
        registration.over_capacity = False
        offer_freed_seats(source, now)
    if by_staff:
        audit.record(
            "move_channel",
            f"{registration.name}",
            f"{source.label} → {target.label} {over_capacity_reason}".strip(),
            event_id=registration.event_id,
        )
    _mail_registration(registration, f"参加方法を{target.label}に変更しました")
    db.session.commit()
    return registration


def cancel_registration(
    registration: Registration,
    *,
    now: datetime | None = None,
    by_staff: bool = False,
    reason: str = "",
) -> Registration:
    """Cancel; a freed webinar seat goes to the first in the waiting list (commits)."""
    now = now or now_utc()
    if not registration.is_active:
        raise RegistrationError("既に取り消されています。")
    channel = registration.channel
    if channel.capacity is not None:
        channel.lock()
    registration.status = "cancelled"
    registration.cancelled_at = now
    entry = registration.open_waitlist_entry
    if entry is not None:
        entry.status = "withdrawn"
    db.session.flush()
    if channel.capacity is not None:
        offer_freed_seats(channel, now)
    if by_staff:
        audit.record(
            "cancel_registration", registration.name, reason, event_id=registration.event_id
        )
    queue_mail(
        registration.email,
        f"【{registration.event.short_name}】お申込みを取り消しました",
        f"{registration.name} 様\n\n研修会議Ⅰ（{channel.label}）のお申込みを取り消しました。\n"
        "再度参加を希望される場合は、特設サイトからお申込みください。\n",
        event_id=registration.event_id,
        kind="cancel",
    )
    db.session.commit()
    return registration


def raise_capacity(
    channel: Channel, capacity: int, reason: str, now: datetime | None = None
) -> int:
    """The secretariat changes a capacity; new seats go to the waiting list (commits)."""
    now = now or now_utc()
    if not reason.strip():
        raise RegistrationError("理由を入力してください。", field="reason")
    channel.lock()
    taken = seats_taken(channel, now)
    # A venue's 「50名程度」 is a target for selection: lowering it un-accepts nobody.
    if not channel.capacity_is_target and capacity < taken:
        raise RegistrationError(
            f"既に{taken}名が申し込んでいるため、{taken}名未満にはできません。", field="capacity"
        )
    old = channel.capacity
    channel.capacity = capacity
    db.session.flush()
    offered = offer_freed_seats(channel, now)
    audit.record(
        "change_capacity", channel.label, f"{old} → {capacity}：{reason}", channel.event_id
    )
    db.session.commit()
    return offered


# ---------------------------------------------------------------- 研修会議Ⅱ


def _venue_channel(event: Event, code: str) -> Channel:
    try:
        channel = event.channel(code)
    except KeyError:
        raise RegistrationError("会場を選択してください。", field="channel") from None
    if channel.kind != "venue":
        raise RegistrationError("会場を選択してください。", field="channel")
    return channel


def _check_team(channel: Channel, team_municipality: str, members: list[PersonData]):
    """Size, 代表者, municipality and member rules of a team; returns the municipality and
    each member's municipality (or None)."""
    rules.check_team_size(len(members), channel.max_team_size)
    municipality = db.session.get(Municipality, team_municipality or "")
    if municipality is None or municipality.is_prefecture:
        raise RegistrationError("申込む市町村を選択してください。", field="municipality")
    rules.check_representative(members[0].category)
    member_municipalities = []
    seen: set[str] = set()
    for index, member in enumerate(members):
        try:
            member_municipalities.append(_check_person(member))
        except RegistrationError as exc:
            raise RegistrationError(f"{index + 1}人目：{exc.message}", field="members") from None
        key = normalise_email(member.email)
        if key in seen:
            raise RegistrationError(
                f"{index + 1}人目：同じメールアドレスが複数の参加者に入力されています。",
                field="members",
            )
        seen.add(key)
    return municipality, member_municipalities


def apply_team(
    event: Event,
    channel_code: str,
    municipality_code: str,
    members: list[PersonData],
    *,
    now: datetime | None = None,
    note: str = "",
) -> Team:
    """A 代表者 applies for a municipality's team at one venue (commits).

    1 to 6 people including the 代表者 (a 市町村担当者, listed first); one team per municipality
    and event; 受付済 while the venue's accepted head-count plus the team fits the target,
    otherwise 選定中. Every member is mailed a personal link.
    """
    now = now or now_utc()
    members = [m.normalised() for m in members]
    channel = _venue_channel(event, channel_code)
    rules.check_open(facts(channel), now)
    municipality, member_municipalities = _check_team(channel, municipality_code, members)
    existing = db.session.scalar(
        select(Team).where(
            Team.event_id == event.id,
            Team.municipality_code == municipality.code,
            Team.status != "cancelled",
        )
    )
    if existing is not None:
        raise DuplicateError(
            f"{municipality.full_name}からは既に研修会議Ⅱ（{existing.channel.label}）への申込みがあります"
            "（１自治体１団体）。メンバーの変更は代表者の個人ページから行ってください。",
            field="municipality",
        )
    channel.lock()
    accepted = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES)
    status = rules.team_status_on_apply(accepted, len(members), channel.capacity)
    team = Team(event=event, channel=channel, municipality=municipality, status=status, note=note)
    for position, (data, member_municipality) in enumerate(
        zip(members, member_municipalities, strict=True)
    ):
        member = TeamMember(position=position, is_representative=position == 0)
        _apply_person(member, data, member_municipality)
        team.members.append(member)
    db.session.add(team)
    _flush_or_duplicate()
    for member in team.members:
        _mail_team_member(team, member, "研修会議Ⅱのお申込みを受け付けました")
    db.session.commit()
    return team


def update_team(team: Team, members: list[PersonData], now: datetime | None = None) -> Team:
    """The 代表者 changes the members until the deadline (commits).

    Members are matched by e-mail: a kept member keeps his or her personal link, a new one is
    mailed, a removed one is told. A 受付済 team that no longer fits the target becomes 選定中.
    """
    now = now or now_utc()
    members = [m.normalised() for m in members]
    channel = team.channel
    if team.status in ("declined", "cancelled"):
        raise RegistrationError("このお申込みは変更できません。")
    rules.check_open(facts(channel), now)
    _, member_municipalities = _check_team(channel, team.municipality_code, members)
    channel.lock()
    current = {m.email_normalized: m for m in team.active_members}
    kept_or_new: list[TeamMember] = []
    for position, (data, municipality) in enumerate(
        zip(members, member_municipalities, strict=True)
    ):
        member = current.pop(normalise_email(data.email), None)
        if member is None:
            member = TeamMember(team=team)
            db.session.add(member)
        _apply_person(member, data, municipality)
        member.position = position
        member.is_representative = position == 0
        kept_or_new.append(member)
    for removed in current.values():
        removed.status = "removed"
        removed.is_representative = False
        queue_mail(
            removed.email,
            f"【{team.event.short_name}】研修会議Ⅱの参加者から外れました",
            f"{removed.name} 様\n\n代表者により、{team.municipality.full_name}の研修会議Ⅱ"
            f"（{channel.label}）の参加者から外れました。\n",
            event_id=team.event_id,
            kind="team_removed",
        )
    db.session.flush()
    if team.status == "received":
        others = venue_headcount(channel.id, rules.TEAM_COUNTED_STATUSES) - len(kept_or_new)
        team.status = rules.team_status_on_apply(others, len(kept_or_new), channel.capacity)
    for member in kept_or_new:
        _mail_team_member(team, member, "研修会議Ⅱの参加者を変更しました")
    db.session.commit()
    return team


def decide_team(
    team: Team, decision: str, *, keep_member_ids: list[int] | None = None, reason: str = ""
) -> Team:
    """The secretariat decides a 選定中 team: 参加決定, 人数調整 (naming who stays) or 見送り.

    The 代表者 is mailed the decision; the action is written to the audit log (commits).
    """
    if decision not in rules.TEAM_DECISIONS:
        raise RegistrationError("決定内容を選択してください。", field="decision")
    if team.status in ("cancelled",):
        raise RegistrationError("取り消された申込みです。")
    team.channel.lock()
    if decision == "adjusted":
        keep = set(keep_member_ids or [])
        staying = [m for m in team.active_members if m.id in keep]
        if not staying or len(staying) == len(team.active_members):
            raise RegistrationError(
                "人数調整では、参加いただく方を1名以上、全員より少なく選んでください。",
                field="keep",
            )
        if team.representative.id not in keep:
            raise RegistrationError("代表者は参加者に含めてください。", field="keep")
        for member in team.active_members:
            if member.id not in keep:
                member.status = "removed"
    team.status = decision
    team.decided_at = now_utc()
    db.session.flush()
    label = rules.TEAM_STATUS_LABELS[decision]
    audit.record(
        "decide_team", team.municipality.full_name, f"{label} {reason}".strip(), team.event_id
    )
    rep = team.representative
    text = {
        "accepted": "研修会議Ⅱへの参加が決定しました。",
        "adjusted": "申込者多数のため人数調整をさせていただき、下記の方の参加が決定しました。",
        "declined": "申込者多数のため、誠に恐れ入りますが今回は参加を見送らせていただくこととなりました。"
        "研修会議Ⅰ（オンライン）への御参加を御検討ください。",
    }[decision]
    queue_mail(
        rep.email,
        f"【{team.event.short_name}】研修会議Ⅱ 参加可否のお知らせ（{label}）",
        f"{rep.name} 様\n\n{text}\n\n"
        + _team_summary(team)
        + (f"\n事務局より：{reason}\n" if reason else ""),
        event_id=team.event_id,
        kind="team_decision",
    )
    db.session.commit()
    return team


def cancel_team(team: Team, *, by_staff: bool = False, reason: str = "") -> Team:
    """Withdraw a team's application (commits); every member is told."""
    if team.status == "cancelled":
        raise RegistrationError("既に取り消されています。")
    team.channel.lock()
    team.status = "cancelled"
    if by_staff:
        audit.record("cancel_team", team.municipality.full_name, reason, team.event_id)
    for member in team.active_members:
        queue_mail(
            member.email,
            f"【{team.event.short_name}】研修会議Ⅱのお申込みを取り消しました",
            f"{member.name} 様\n\n{team.municipality.full_name}の研修会議Ⅱ（{team.channel.label}）の"
            "お申込みを取り消しました。\n",
            event_id=team.event_id,
            kind="cancel",
        )
    db.session.commit()
    return team


# ---------------------------------------------------------------- mails


def _person_summary(registration: Registration) -> str:
    event = registration.event
    channel = registration.channel
    lines = [
        f"{registration.name} 様",
        "",
        f"■ {event.name}",
        f"■ 研修会議Ⅰ：{format_date(channel.starts_at)} {format_time(channel.starts_at)}～"
        f"{format_time(channel.ends_at)}（オンライン開催）",
        f"■ 参加方法：{channel.label}",
        f"■ 氏名：{registration.name}（{registration.kana}）",
        f"■ 参加区分：{registration.category_label}",
        f"■ 所属：{registration.affiliation}",
        f"■ 部署名：{registration.department}",
        f"■ 職種：{registration.occupation}",
        f"■ メールアドレス：{registration.email}",
    ]
    if registration.phone:
        lines.append(f"■ 電話番号：{registration.phone}")
    lines += [
        "",
        "お申込み内容の確認・変更・取消、参加方法の変更は、下記の個人ページから行えます。",
        "（このURLはご本人専用です。他の方に転送しないでください。）",
        external_url("registration.personal", token=registration.token),
        "",
        f"問合せ先：{event.secretariat} E-mail: {event.contact_email}",
    ]
    return "\n".join(lines) + "\n"


def _mail_registration(registration: Registration, headline: str) -> None:
    channel = registration.channel
    url_note = ""
    if channel.kind == "webinar" and registration.event.webinar_url:
        url_note = f"\n■ ウェビナー参加URL：{registration.event.webinar_url}\n"
    elif channel.kind == "stream" and registration.event.youtube_url:
        url_note = f"\n■ YouTubeライブ配信URL：{registration.event.youtube_url}\n"
    queue_mail(
        registration.email,
        f"【{registration.event.short_name}】{headline}",
        f"{headline}。\n\n" + _person_summary(registration) + url_note,
        event_id=registration.event_id,
        kind="registration",
    )


def _team_summary(team: Team) -> str:
    channel = team.channel
    venue = channel.venue
    lines = [
        f"■ {team.event.name}",
        f"■ 研修会議Ⅱ：{channel.label} {format_date(channel.starts_at)}",
        f"■ 会場：{venue.facility} {venue.room}（{venue.postal_code} {venue.address}）"
        if venue
        else "",
        f"■ 申込自治体：{team.municipality.full_name}",
        f"■ 状態：{team.status_label}",
        "■ 参加者：",
    ]
    for member in team.active_members:
        role = "（代表者）" if member.is_representative else ""
        lines.append(
            f"　{member.position + 1}. {member.name}{role} {member.category_label} "
            f"{member.affiliation} {member.department} {member.occupation}"
        )
    return "\n".join(line for line in lines if line) + "\n"


def _mail_team_member(team: Team, member: TeamMember, headline: str) -> None:
    note = ""
    if team.status == "pending":
        note = (
            "\n※申込者多数のため、現在「選定中」です。事務局による選定及び人数調整等の結果は、"
            "代表者の方にメールでお知らせします。\n"
        )
    queue_mail(
        member.email,
        f"【{team.event.short_name}】{headline}",
        f"{member.name} 様\n\n{headline}。{note}\n"
        + _team_summary(team)
        + "\nチームの情報・資料は、下記の個人ページから確認できます（ご本人専用のURLです）。\n"
        + external_url("registration.team_page", token=member.token)
        + f"\n\n問合せ先：{team.event.secretariat} E-mail: {team.event.contact_email}\n",
        event_id=team.event_id,
        kind="team",
    )


# ---------------------------------------------------------------- materials and retention

OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def add_material(event: Event, title: str, filename: str, data: bytes, registrants_only: bool):
    """A download for the 特設サイト (public) or the registrants' archive (commits).

    PDF or Office Open XML only, recognised by content; the name keeps only its last part.
    """
    from pathlib import PurePosixPath, PureWindowsPath

    from app.events.models import Material

    name = PureWindowsPath(PurePosixPath(filename).name).name.strip() or "資料"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if data.startswith(b"%PDF-"):
        content_type = "application/pdf"
    elif data.startswith(b"PK\x03\x04") and suffix in OFFICE_TYPES:
        content_type = OFFICE_TYPES[suffix]
    else:
        raise RegistrationError(
            "PDF・Word・Excel・PowerPointのファイルを選択してください。", field="file"
        )
    if not title.strip():
        raise RegistrationError("資料名を入力してください。", field="title")
    position = len(event.materials)
    material = Material(
        event=event,
        title=title.strip(),
        filename=name,
        content_type=content_type,
        data=data,
        registrants_only=registrants_only,
        position=position,
    )
    db.session.add(material)
    audit.record("add_material", title, "登録者限定" if registrants_only else "公開", event.id)
    db.session.commit()
    return material


def remove_material(material) -> None:
    """Delete a download (commits)."""
    audit.record("remove_material", material.title, "", material.event_id)
    db.session.delete(material)
    db.session.commit()


ANONYMISED = "（削除済み）"


def anonymise_event(event: Event) -> int:
    """Erase the personal data of an event's registrants and team members (commits).

    Names, kana, e-mail, phone, department and occupation are blanked; categories, channels,
    municipalities and states stay, so the figures of the report stay reproducible.
    Returns the number of people anonymised.
    """
    people = list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)))
    people += list(
        db.session.scalars(select(TeamMember).join(Team).where(Team.event_id == event.id))
    )
    for person in people:
        person.name = person.kana = ANONYMISED
        person.email = person.email_normalized = (
            f"deleted-{type(person).__name__.lower()}-{person.id}@invalid"
        )
        person.phone = person.department = person.occupation = person.category_other = ""
    audit.record("anonymise_event", event.slug, f"{len(people)}名", event.id)
    db.session.commit()
    return len(people)
