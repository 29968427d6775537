"""The report's table 「参加人数（事前申込者数）」 and the dashboard figures, from rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from app.core.jpdates import days_until, now_utc
from app.events.models import Event
from app.extensions import db
from app.registration import rules
from app.registration.models import Registration, Team, TeamMember, WaitlistEntry


def applicants_table(event: Event) -> dict:
    """Channel × 参加区分 of active registrations, with totals, as laid out in seed-spec §7.1.

    Returns {"categories": [(code, label)], "rows": [{"label", "counts": {code: n}, "total"}],
    "training2": [{"label", "applied", "decided", "teams"}], "grand_total",
    "stages": ``stages_table``, "attendance": ``attendance_table``} — the dashboard shows the
    three side by side.
    """
    categories = list(rules.CATEGORY_REPORT_LABELS.items())
    counts = dict(
        ((channel_id, category), n)
        for channel_id, category, n in db.session.execute(
            select(Registration.channel_id, Registration.category, func.count())
            .where(Registration.event_id == event.id, Registration.status == "active")
            .group_by(Registration.channel_id, Registration.category)
        )
    )
    rows = []
    t1_counts = dict.fromkeys(rules.CATEGORY_REPORT_LABELS, 0)
    for channel in event.individual_channels:
        per = {code: counts.get((channel.id, code), 0) for code, _ in categories}
        for code, n in per.items():
            t1_counts[code] += n
        rows.append(
            {
                "label": channel.label,
                "short": _short(channel.kind),
                "counts": per,
                "total": sum(per.values()),
            }
        )
    rows.append(
        {
            "label": "研修会議Ⅰ 合計",
            "short": "研修会議Ⅰ",
            "counts": t1_counts,
            "total": sum(t1_counts.values()),
        }
    )
    training2 = []
    for channel in event.venue_channels:
        applied = _members(channel.id, exclude=("cancelled",))
        decided = _members(channel.id, include=rules.TEAM_COUNTED_STATUSES)
        teams = db.session.scalar(
            select(func.count())
            .select_from(Team)
            .where(Team.channel_id == channel.id, Team.status != "cancelled")
        )
        training2.append(
            {
                "label": channel.label,
                "applied": applied,
                "decided": decided,
                "teams": teams,
                "target": channel.capacity,
            }
        )
    return {
        "categories": categories,
        "rows": rows,
        "training2": training2,
        "training1_total": rows[-1]["total"],
        "training2_total": sum(r["applied"] for r in training2),
        "stages": stages_table(event),
        "attendance": attendance_table(event),
    }


#: Attendance is recorded by ``app.reception`` (a feature above this one), which installs its
#: counter here at start-up: event → (attended registrations per (channel id, 参加区分), attended
#: team members per venue channel id). None while nothing records attendance.
attendance_source: Callable[[Event], tuple[dict[tuple[int, str], int], dict[int, int]]] | None = (
    None
)

UNKNOWN = "把握できません"


def _attended(event: Event) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    return attendance_source(event) if attendance_source else ({}, {})


def attendance_table(event: Event) -> dict:
    """参加人数（当日参加者数）: the layout of 事前申込者数 (channel × 参加区分, totals, then the
    venues), counting people who attended: the webinar's report, the venues' reception.

    A YouTube channel's viewers cannot be known: its row has ``known`` False and the table says
    「把握できません」 rather than a number. Returns {"categories", "rows": [{"label", "short",
    "counts", "total", "known"}], "training2": [{"label", "attended"}], "training1_total",
    "training2_total"}.
    """
    categories = list(rules.CATEGORY_REPORT_LABELS.items())
    registrations, members = _attended(event)
    rows = []
    t1 = dict.fromkeys(rules.CATEGORY_REPORT_LABELS, 0)
    for channel in event.individual_channels:
        known = channel.kind == "webinar"
        per = {code: registrations.get((channel.id, code), 0) for code, _ in categories}
        if known:
            for code, n in per.items():
                t1[code] += n
        rows.append(
            {
                "label": channel.label,
                "short": _short(channel.kind),
                "counts": per,
                "total": sum(per.values()),
                "known": known,
            }
        )
    rows.append(
        {
            "label": "研修会議Ⅰ 合計",
            "short": "研修会議Ⅰ 合計（ウェビナー）",
            "counts": t1,
            "total": sum(t1.values()),
            "known": True,
        }
    )
    training2 = [{"label": c.label, "attended": members.get(c.id, 0)} for c in event.venue_channels]
    return {
        "categories": categories,
        "rows": rows,
        "training2": training2,
        "training1_total": rows[-1]["total"],
        "training2_total": sum(r["attended"] for r in training2),
    }


def attended_totals(event: Event) -> tuple[int, int]:
    """(研修会議Ⅰ webinar attendees from its report, 研修会議Ⅱ people checked in at the venues);
    (0, 0) while nothing records attendance. YouTube viewers cannot be known and are in neither."""
    registrations, members = _attended(event)
    webinar = {c.id for c in event.individual_channels if c.kind == "webinar"}
    return (
        sum(n for (cid, _), n in registrations.items() if cid in webinar),
        sum(members.values()),
    )


def stages_table(event: Event) -> list[dict]:
    """申込・決定・参加 side by side, per channel (decisions.md 10).

    研修会議Ⅰ: 申込 = active registrations, 決定 = those holding a seat (every active one: a
    webinar registration is accepted when made; YouTube has no limit), 参加 = the webinar's
    report, None for YouTube (not knowable). 研修会議Ⅱ: 申込 = members of teams not cancelled,
    決定 = members of teams 参加決定・人数調整 (受付済 too when no selection was needed:
    ``TEAM_COUNTED_STATUSES``), 参加 = checked in at the reception.
    Returns [{"label", "applied", "decided", "attended" (int | None)}].
    """
    registrations, members = _attended(event)
    counts = dict(
        db.session.execute(
            select(Registration.channel_id, func.count())
            .where(Registration.event_id == event.id, Registration.status == "active")
            .group_by(Registration.channel_id)
        ).all()
    )
    result = []
    for channel in event.individual_channels:
        attended = None
        if channel.kind == "webinar":
            attended = sum(n for (cid, _), n in registrations.items() if cid == channel.id)
        n = counts.get(channel.id, 0)
        result.append({"label": channel.label, "applied": n, "decided": n, "attended": attended})
    for channel in event.venue_channels:
        result.append(
            {
                "label": channel.label,
                "applied": _members(channel.id, exclude=("cancelled",)),
                "decided": _members(channel.id, include=rules.TEAM_COUNTED_STATUSES),
                "attended": members.get(channel.id, 0),
            }
        )
    return result


def _short(kind: str) -> str:
    return {"webinar": "ウェビナー", "stream": "YouTube"}.get(kind, kind)


def _members(channel_id: int, include=None, exclude=None) -> int:
    stmt = (
        select(func.count())
        .select_from(TeamMember)
        .join(Team)
        .where(Team.channel_id == channel_id, TeamMember.status == "active")
    )
    if include:
        stmt = stmt.where(Team.status.in_(include))
    if exclude:
        stmt = stmt.where(Team.status.not_in(exclude))
    return db.session.scalar(stmt)


def teams_by_state(event: Event) -> list[dict]:
    """Per venue: number of teams and members in each state."""
    result = []
    for channel in event.venue_channels:
        states = {
            status: (teams, members)
            for status, teams, members in db.session.execute(
                select(Team.status, func.count(func.distinct(Team.id)), func.count(TeamMember.id))
                .join(TeamMember, (TeamMember.team_id == Team.id) & (TeamMember.status == "active"))
                .where(Team.channel_id == channel.id)
                .group_by(Team.status)
            )
        }
        result.append({"channel": channel, "states": states})
    return result


def waitlist_counts(event: Event) -> dict[str, int]:
    """People waiting for a webinar seat, and those holding an offer."""
    rows = dict(
        db.session.execute(
            select(WaitlistEntry.status, func.count())
            .join(Registration)
            .where(Registration.event_id == event.id)
            .group_by(WaitlistEntry.status)
        ).all()
    )
    return {"waiting": rows.get("waiting", 0), "offered": rows.get("offered", 0)}


def deadlines(event: Event, now: datetime | None = None) -> list[dict]:
    """Every deadline of the event with the days left (JST calendar days)."""
    now = now or now_utc()
    items = [(f"{c.label} 申込締切", c.closes_at) for c in event.channels]
    for venue in event.venues:
        if venue.scene_deadline:
            items.append((f"{venue.name} 資料２ 提出期限", venue.scene_deadline))
        if venue.assignment_deadline:
            items.append((f"{venue.name} 資料３・４ 提出期限", venue.assignment_deadline))
    if event.survey_closes_at:
        items.append(("アンケート 回答期限", event.survey_closes_at))
    items.sort(key=lambda item: item[1])
    return [
        {"label": label, "at": at, "days": days_until(at, now), "past": at < now}
        for label, at in items
    ]
