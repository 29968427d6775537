"""一斉メール (issue 10 §4): choose a group by filter, fill the 〔placeholders〕 per person,
preview for one, send through the outbox; and 「個人ページのURLを再送」 on the 特設サイト.

Each public function is one use case; the sending ones commit. The words around a campaign's
text are the template's (``mail/campaign.txt``); the text itself is the secretariat's.

Who is chosen (``select_recipients``):

- 研修会議Ⅰ registrants (active; cancelled ones only with ``include_cancelled``) on the chosen
  channels, and members of 研修会議Ⅱ teams at the chosen venues;
- teams in the chosen states, by default those still applying or taking part (受付済・選定中・
  参加決定・人数調整): 見送り and 取消 only when chosen (or, with no state chosen, with
  ``include_cancelled``); members removed from their team only with ``include_cancelled``;
- 団体の状態, 代表者のみ and 資料２未提出 are about teams: with any of them, no 研修会議Ⅰ
  registrant is chosen;
- one mail per address (normalised): the first occurrence wins, 研修会議Ⅰ before 研修会議Ⅱ.

Every statement is bounded: the registrants and the members are one query each (their channel,
venue, team and municipality loaded with them), the deadline extensions and 資料２ of the
chosen teams one query each, whatever the number of people.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.jpdates import format_date, format_datetime
from app.core.mail import render_mail, send_mail
from app.core.models import OutboxMessage
from app.core.text import normalise_email
from app.core.urls import external_url
from app.events.models import Channel, Event
from app.extensions import db
from app.groupwork.assignments.models import DeadlineExtension, SceneChoice
from app.groupwork.assignments.rules import effective_deadline
from app.mailing import placeholders
from app.mailing.models import Campaign, CampaignRecipient
from app.registration.models import Registration, Team, TeamMember
from app.registration.rules import (
    CATEGORY_LABELS,
    TEAM_REGISTRANT_STATUSES,
    TEAM_STATUS_LABELS,
)

AUDIT_ACTIONS = audit.actions({"mailing.send": "一斉メールの送信"})
CAMPAIGN_TEMPLATE = "campaign.txt"


class MailingError(Exception):
    """A refusal shown next to a field (``field``) or above the form (None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class RecipientFilter:
    """The group of a 一斉メール. Empty tuples mean "every": every channel, every 参加区分;
    for team states, the teams still applying or taking part."""

    channels: tuple[str, ...] = ()  # channel codes: webinar, youtube, t2_tokyo …
    categories: tuple[str, ...] = ()  # 参加区分 codes
    team_statuses: tuple[str, ...] = ()
    representatives_only: bool = False
    scene_missing: bool = False  # teams that have not handed in 資料２
    include_cancelled: bool = False

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @property
    def teams_only(self) -> bool:
        return bool(self.representatives_only or self.scene_missing or self.team_statuses)

    def describe(self, event: Event) -> str:
        """The filter in Japanese words, as the campaign's history shows it."""
        labels = {c.code: c.label for c in event.channels}
        parts = [
            "参加方法・会場："
            + ("、".join(labels.get(c, c) for c in self.channels) if self.channels else "すべて")
        ]
        if self.categories:
            parts.append(
                "参加区分：" + "、".join(CATEGORY_LABELS.get(c, c) for c in self.categories)
            )
        if self.team_statuses:
            parts.append(
                "団体の状態：" + "、".join(TEAM_STATUS_LABELS.get(s, s) for s in self.team_statuses)
            )
        if self.representatives_only:
            parts.append("代表者のみ")
        if self.scene_missing:
            parts.append("資料２未提出の団体のみ")
        if self.include_cancelled:
            parts.append("取消・除外された方を含む")
        return "／".join(parts)


@dataclass
class Recipient:
    """One person a campaign goes to, with the values of every placeholder."""

    key: str  # r<id> for a registration, m<id> for a team member (the preview's choice)
    name: str
    email: str
    role: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def email_normalized(self) -> str:
        return normalise_email(self.email)


def _when(value: datetime | None, formatter) -> str:
    return formatter(value) if value else ""


def _common(event: Event) -> dict[str, str]:
    return {
        "ウェビナーURL": event.webinar_url,
        "YouTubeURL": event.youtube_url,
        "問合せ先": f"{event.secretariat} E-mail: {event.contact_email}".strip(),
    }


def _registration_recipient(event: Event, r: Registration) -> Recipient:
    channel = r.channel
    return Recipient(
        key=f"r{r.id}",
        name=r.name,
        email=r.email,
        role=f"研修会議Ⅰ {channel.label}" + ("（取消）" if r.status != "active" else ""),
        values={
            **_common(event),
            "氏名": r.name,
            "所属": r.affiliation,
            "個人ページURL": external_url("registration.personal", token=r.token),
            "参加方法": channel.label,
            "会場": "オンライン開催",
            "開催日": _when(channel.starts_at, format_date),
        },
    )


def _member_recipient(
    event: Event,
    m: TeamMember,
    extensions: dict[tuple[int, str], datetime],
    scene_done: set[int],
) -> Recipient:
    team = m.team
    channel = team.channel
    venue = channel.venue
    scene = effective_deadline(
        venue.scene_deadline if venue else None, extensions.get((team.id, "scene"))
    )
    assignment = effective_deadline(
        venue.assignment_deadline if venue else None, extensions.get((team.id, "assignment"))
    )
    role = f"{channel.heading} {team.municipality.full_name}"
    role += "（代表者）" if m.is_representative else ""
    if team.status not in TEAM_REGISTRANT_STATUSES or m.status != "active":
        role += f"（{team.status_label if m.status == 'active' else m.status_label}）"
    return Recipient(
        key=f"m{m.id}",
        name=m.name,
        email=m.email,
        role=role,
        values={
            **_common(event),
            "氏名": m.name,
            "所属": m.affiliation,
            "個人ページURL": external_url("registration.team_page", token=m.token),
            "参加方法": channel.label,
            "会場": f"{venue.facility} {venue.room}".strip() if venue else channel.label,
            "開催日": _when(channel.starts_at, format_date),
            "資料２締切": _when(scene, format_datetime),
            "資料３・４締切": _when(assignment, format_datetime),
            "締切": _when(assignment if team.id in scene_done else scene, format_datetime),
        },
    )


def _registrations(event: Event, flt: RecipientFilter) -> list[Registration]:
    if flt.teams_only:
        return []
    channel_ids = [c.id for c in event.individual_channels if c.code in flt.channels]
    if flt.channels and not channel_ids:
        return []
    stmt = (
        select(Registration)
        .options(joinedload(Registration.channel), joinedload(Registration.municipality))
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    )
    if not flt.include_cancelled:
        stmt = stmt.where(Registration.status == "active")
    if channel_ids:
        stmt = stmt.where(Registration.channel_id.in_(channel_ids))
    if flt.categories:
        stmt = stmt.where(Registration.category.in_(flt.categories))
    return list(db.session.scalars(stmt))


def _members(event: Event, flt: RecipientFilter) -> list[TeamMember]:
    channel_ids = [c.id for c in event.venue_channels if c.code in flt.channels]
    if flt.channels and not channel_ids:
        return []
    if flt.team_statuses:
        statuses = tuple(flt.team_statuses)
    elif flt.include_cancelled:
        statuses = tuple(TEAM_STATUS_LABELS)
    else:
        statuses = TEAM_REGISTRANT_STATUSES
    stmt = (
        select(TeamMember)
        .join(Team, TeamMember.team)
        .options(
            joinedload(TeamMember.team).joinedload(Team.channel).joinedload(Channel.venue),
            joinedload(TeamMember.team).joinedload(Team.municipality),
            joinedload(TeamMember.municipality),
        )
        .where(Team.event_id == event.id, Team.status.in_(statuses))
        .order_by(Team.channel_id, Team.id, TeamMember.position, TeamMember.id)
    )
    if not flt.include_cancelled:
        stmt = stmt.where(TeamMember.status == "active")
    if channel_ids:
        stmt = stmt.where(Team.channel_id.in_(channel_ids))
    if flt.categories:
        stmt = stmt.where(TeamMember.category.in_(flt.categories))
    if flt.representatives_only:
        stmt = stmt.where(TeamMember.is_representative.is_(True))
    if flt.scene_missing:
        stmt = stmt.where(~exists().where(SceneChoice.team_id == Team.id))
    return list(db.session.scalars(stmt).unique())


def select_recipients(event: Event, flt: RecipientFilter) -> list[Recipient]:
    """The people the filter chooses, one per address (module docstring), in a stable order."""
    registrations = _registrations(event, flt)
    members = _members(event, flt)
    team_ids = sorted({m.team_id for m in members})
    extensions: dict[tuple[int, str], datetime] = {}
    scene_done: set[int] = set()
    if team_ids:
        for ext in db.session.scalars(
            select(DeadlineExtension).where(DeadlineExtension.team_id.in_(team_ids))
        ):
            extensions[(ext.team_id, ext.item)] = ext.deadline
        scene_done = set(
            db.session.scalars(select(SceneChoice.team_id).where(SceneChoice.team_id.in_(team_ids)))
        )
    chosen: dict[str, Recipient] = {}
    people = [_registration_recipient(event, r) for r in registrations] + [
        _member_recipient(event, m, extensions, scene_done) for m in members
    ]
    for person in people:
        chosen.setdefault(person.email_normalized, person)
    return list(chosen.values())


def render_for(event: Event, recipient: Recipient, subject: str, body: str) -> tuple[str, str]:
    """(subject, body) of the mail as this recipient receives it (the campaign template
    around the filled-in text). Nothing is queued."""
    return render_mail(
        CAMPAIGN_TEMPLATE,
        event=event,
        campaign_subject=placeholders.render(subject, recipient.values),
        campaign_body=placeholders.render(body, recipient.values),
    )


def _check_text(subject: str, body: str) -> None:
    try:
        placeholders.check(subject, body)
    except placeholders.PlaceholderError as exc:
        raise MailingError(exc.message, exc.field) from None


@dataclass
class Preview:
    recipients: list[Recipient]
    chosen: Recipient | None
    subject: str
    body: str


def preview(event: Event, flt: RecipientFilter, subject: str, body: str, key: str = "") -> Preview:
    """The recipients and the mail as one of them (``key``, else the first) would receive it.
    MailingError for an unknown placeholder; nothing is written."""
    _check_text(subject, body)
    recipients = select_recipients(event, flt)
    chosen = next((r for r in recipients if r.key == key), recipients[0] if recipients else None)
    rendered = render_for(event, chosen, subject, body) if chosen else ("", "")
    return Preview(recipients, chosen, *rendered)


def send_campaign(
    event: Event,
    flt: RecipientFilter,
    subject: str,
    body: str,
    *,
    staff_id: int | None,
    expected_count: int | None,
) -> Campaign:
    """Queue one mail per address of the group, in one transaction with the campaign and its
    recipients (commits, audited). ``expected_count`` is the number the preview showed: when
    the group has changed since, nothing is sent (MailingError), so what was confirmed is
    what goes out. The sender (``flask send-mail``) delivers them afterwards."""
    _check_text(subject, body)
    recipients = select_recipients(event, flt)
    if not recipients:
        raise MailingError("条件に合う送信先がありません。条件を見直してください。")
    if expected_count is None or expected_count != len(recipients):
        raise MailingError(
            f"確認した後に送信先が変わりました（{len(recipients)}名）。"
            "もう一度「送信先と文面を確認」を押してから送信してください。"
        )
    campaign = Campaign(
        event_id=event.id,
        subject=subject,
        body=body,
        filter_data=flt.as_dict(),
        filter_description=flt.describe(event),
        recipient_count=len(recipients),
        staff_id=staff_id,
    )
    db.session.add(campaign)
    for person in recipients:
        message = send_mail(
            person.email,
            CAMPAIGN_TEMPLATE,
            event_id=event.id,
            kind="campaign",
            event=event,
            campaign_subject=placeholders.render(subject, person.values),
            campaign_body=placeholders.render(body, person.values),
        )
        db.session.add(
            CampaignRecipient(
                campaign=campaign,
                message=message,
                name=person.name[:100],
                email=person.email,
                email_normalized=person.email_normalized,
                role=person.role[:200],
            )
        )
    audit.record(
        "mailing.send",
        subject[:100],
        f"{len(recipients)}名：{campaign.filter_description}",
        event.id,
    )
    db.session.commit()
    return campaign


# ---------------------------------------------------------------- history and progress


def progress(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {outbox status: count}} of the given campaigns, in one statement."""
    result: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return result
    rows = db.session.execute(
        select(CampaignRecipient.campaign_id, OutboxMessage.status, func.count())
        .join(OutboxMessage, CampaignRecipient.message)
        .where(CampaignRecipient.campaign_id.in_(campaign_ids))
        .group_by(CampaignRecipient.campaign_id, OutboxMessage.status)
    )
    for campaign_id, status, count in rows:
        result[campaign_id][status] = count
    return result


def campaigns(event: Event) -> Select:
    """The event's campaigns, newest first, with who sent them (for ``core.paging``)."""
    return (
        select(Campaign)
        .where(Campaign.event_id == event.id)
        .options(joinedload(Campaign.staff))
        .order_by(Campaign.id.desc())
    )


def recipients(campaign: Campaign) -> Select:
    """A campaign's recipients with their messages, in the order they were chosen (for
    ``core.paging``)."""
    return (
        select(CampaignRecipient)
        .options(joinedload(CampaignRecipient.message))
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id)
    )


# ---------------------------------------------------------------- 個人ページのURLを再送


def send_personal_links(event: Event, email: str) -> bool:
    """Mail the personal links of the event held by this address, if any (commits).

    Every 研修会議Ⅰ registration of the address (a cancelled one's page still shows its state)
    and every team it is an active member of, in one mail to the address as registered (never
    the variant typed here). Returns whether a mail was queued; the page must not tell."""
    key = normalise_email(email)
    if not key:
        return False
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.email_normalized == key)
        .order_by(Registration.id)
    ).all()
    members = db.session.scalars(
        select(TeamMember)
        .join(Team, TeamMember.team)
        .where(
            Team.event_id == event.id,
            TeamMember.email_normalized == key,
            TeamMember.status == "active",
        )
        .order_by(TeamMember.id)
    ).all()
    if not registrations and not members:
        return False
    to = (registrations[0] if registrations else members[0]).email
    send_mail(
        to,
        "personal_links.txt",
        event_id=event.id,
        kind="personal_links",
        event=event,
        registrations=registrations,
        members=members,
    )
    db.session.commit()
    return True
