"""Pre-assignment use cases (資料２・３・４): one function per use case; the only place that commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit, preview
from app.core.jpdates import format_datetime, now_utc
from app.core.mail import queue_mail, render_mail
from app.events.models import Channel, Event
from app.extensions import db
from app.groupwork.assignments import rules
from app.groupwork.assignments.models import (
    DeadlineExtension,
    PreAssignment,
    SceneChoice,
    TeamFile,
)
from app.groupwork.assignments.rules import (
    GRID_ROWS,
    AssignmentError,
    NotParticipatingError,
)
from app.groupwork.assignments.uploads import (
    new_stored_name,
    remove_quietly,
    team_file_path,
    write_bytes,
)
from app.groupwork.audit_names import member_name, team_name
from app.groupwork.scenes import SCENE_LABELS
from app.registration.models import Team, TeamMember
from app.registration.rules import TEAM_COUNTED_STATUSES

# ---------------------------------------------------------------- deadlines and state


AUDIT_ACTIONS = audit.actions(
    {
        "scene_choice.record": "資料２の事務局入力",
        "pre_assignment.record": "資料３の事務局入力",
        "team_file.upload": "資料４・組織図の事務局登録",
        "team_file.delete": "資料４・組織図の削除",
        "deadline.extend": "提出期限の延長",
        "assignment.remind": "督促メールの送信",
    }
)


def is_participating(team: Team) -> bool:
    """Teams submit from acceptance on: 受付済, 参加決定 or 人数調整."""
    return team.status in TEAM_COUNTED_STATUSES


def check_participating(team: Team) -> None:
    """Refuse pre-assignment work for a 選定中, 見送り or 取消 team."""
    if not is_participating(team):
        raise NotParticipatingError(
            f"このお申込みは現在「{team.status_label}」のため、事前課題は提出できません。"
        )


def venue_deadline(team: Team, item: str) -> datetime | None:
    """The venue's published deadline: scene → 資料２, assignment → 資料３・４."""
    venue = team.channel.venue
    if venue is None:
        return None
    return venue.scene_deadline if item == "scene" else venue.assignment_deadline


def extension_for(team: Team, item: str) -> DeadlineExtension | None:
    return db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.team_id == team.id, DeadlineExtension.item == item
        )
    )


def team_deadline(team: Team, item: str) -> datetime | None:
    """The deadline that binds this team: its extension if any, else the venue's."""
    ext = extension_for(team, item)
    return rules.effective_deadline(venue_deadline(team, item), ext.deadline if ext else None)


def is_open_for(team: Team, item: str, now: datetime | None = None) -> bool:
    """True while participants may still change this material (always on a preview page)."""
    if preview.is_on():
        return True
    return rules.is_open(team_deadline(team, item), now or now_utc())


def _guard(team: Team, item: str, *, staff: bool, now: datetime) -> bool:
    """Common checks for every change; returns whether the change is 期限後提出."""
    check_participating(team)
    # A preview page may try the forms after the deadline too (issue 10 §2).
    open_anyway = staff or preview.is_on()
    rules.check_open(team_deadline(team, item), now, rules.ITEM_LABELS[item], staff=open_anyway)
    return rules.is_late(venue_deadline(team, item), now)


# ---------------------------------------------------------------- 資料２


def scene_choice_for(team: Team) -> SceneChoice | None:
    return db.session.scalar(select(SceneChoice).where(SceneChoice.team_id == team.id))


def save_scene_choice(
    team: Team,
    first: int | None,
    second: int | None,
    note: str = "",
    *,
    staff: bool = False,
    now: datetime | None = None,
) -> SceneChoice:
    """The 代表者 (or the secretariat) submits 資料２: two different scenes, before the deadline.

    Participants are locked out after the team's deadline; the secretariat may still record,
    and anything saved after the venue's deadline is marked 期限後提出 (commits).
    """
    now = now or now_utc()
    late = _guard(team, "scene", staff=staff, now=now)
    rules.check_scene_choice(first, second)
    choice = scene_choice_for(team)
    if choice is None:
        choice = SceneChoice(team_id=team.id)
        db.session.add(choice)
    choice.first_scene, choice.second_scene = first, second
    choice.note = (note or "").strip()
    choice.submitted_at = now
    choice.late = late
    choice.entered_by = "staff" if staff else "member"
    if staff:
        audit.record(
            "scene_choice.record",
            team_name(team),
            f"第１希望：{SCENE_LABELS[first]}　第２希望：{SCENE_LABELS[second]}",
            team.event_id,
        )
    db.session.commit()
    return choice


# ---------------------------------------------------------------- 資料３


@dataclass
class PreAssignmentData:
    """The answers of one 資料３, as typed (blank cells allowed)."""

    municipality_name: str = ""
    department: str = ""
    name: str = ""
    occupation: str = ""
    population: int | None = None
    aging_rate: float | None = None
    city_count: int | None = None
    town_count: int | None = None
    village_count: int | None = None
    strengths: str = ""
    weaknesses: str = ""
    organisation_needs: str = ""
    want_to_learn: str = ""
    # scene no → {goal, current, actions, issues: str; self_set: bool}
    grid: dict[int, dict] = field(default_factory=dict)


def pre_assignment_for(member: TeamMember) -> PreAssignment | None:
    return db.session.scalar(select(PreAssignment).where(PreAssignment.member_id == member.id))


def initial_data(member: TeamMember) -> PreAssignmentData:
    """Block A prefilled from the application (自治体名 is the team's municipality)."""
    return PreAssignmentData(
        municipality_name=member.team.municipality.full_name,
        department=member.organisation
        if member.category not in ("pref", "muni") and member.organisation
        else member.department,
        name=member.name,
        occupation=member.occupation,
    )


def save_pre_assignment(
    member: TeamMember,
    data: PreAssignmentData,
    *,
    submit: bool,
    actor: str = "self",
    now: datetime | None = None,
) -> PreAssignment:
    """Save a member's 資料３ as a draft, or submit it (actor: self | representative | staff).

    A submitted 資料３ stays submitted when edited again before the deadline. Blank cells are
    allowed; only 氏名 is needed to submit. Participants are locked out after the deadline
    (commits).
    """
    now = now or now_utc()
    team = member.team
    if member.status != "active":
        raise AssignmentError("この参加者は現在登録されていません。")
    late = _guard(team, "assignment", staff=actor == "staff", now=now)
    if submit and not data.name.strip():
        raise AssignmentError("氏名を入力してください。", field="name")
    pa = pre_assignment_for(member)
    if pa is None:
        pa = PreAssignment(team_id=team.id, member_id=member.id, status="draft")
        db.session.add(pa)
    for attr in (
        "municipality_name",
        "department",
        "name",
        "occupation",
        "population",
        "aging_rate",
        "strengths",
        "weaknesses",
        "organisation_needs",
        "want_to_learn",
    ):
        value = getattr(data, attr)
        setattr(pa, attr, value.strip() if isinstance(value, str) else value)
    # 構成市町村数 is asked of 都道府県担当者 only.
    is_pref = member.category == "pref"
    for attr in ("city_count", "town_count", "village_count"):
        setattr(pa, attr, getattr(data, attr) if is_pref else None)
    for no in SCENE_LABELS:
        answers = data.grid.get(no, {})
        row = pa.scene_row(no)
        for key, _ in GRID_ROWS:
            setattr(row, key, (answers.get(key) or "").strip())
        row.self_set = bool(answers.get("self_set"))
    pa.entered_by = actor
    if submit or pa.is_submitted:
        pa.status = "submitted"
        pa.submitted_at = now
        pa.late = late
    if actor == "staff":
        audit.record("pre_assignment.record", member_name(member), pa.status_label, team.event_id)
    db.session.commit()
    return pa


@dataclass
class MemberProgress:
    member: TeamMember
    assignment: PreAssignment | None

    @property
    def status_label(self) -> str:
        if self.assignment is None:
            return "未着手"
        if self.assignment.is_submitted:
            return "提出済み" + ("（期限後提出）" if self.assignment.late else "")
        return "下書き"


def team_progress(team: Team) -> list[MemberProgress]:
    """Each active member and his or her 資料３ (what the 代表者 sees)."""
    by_member = {
        pa.member_id: pa
        for pa in db.session.scalars(select(PreAssignment).where(PreAssignment.team_id == team.id))
    }
    return [MemberProgress(m, by_member.get(m.id)) for m in team.active_members]


# ---------------------------------------------------------------- 資料４ and 組織図


def team_files(team: Team, kind: str, member: TeamMember | None = None) -> list[TeamFile]:
    query = select(TeamFile).where(TeamFile.team_id == team.id, TeamFile.kind == kind)
    if member is not None:
        query = query.where(TeamFile.member_id == member.id)
    return list(db.session.scalars(query.order_by(TeamFile.uploaded_at, TeamFile.id)))


def store_team_file(
    team: Team,
    kind: str,
    filename: str | None,
    data: bytes,
    *,
    member: TeamMember | None = None,
    staff: bool = False,
    now: datetime | None = None,
) -> TeamFile:
    """Keep an uploaded 資料４ (kind overview) or 組織図 (kind orgchart, of ``member``).

    The name must be a plain file name with an accepted extension, the size within the event's
    limit, and the content must be what the extension says (checked by its bytes). The file is
    stored under a random name outside any static folder (commits).
    """
    now = now or now_utc()
    late = _guard(team, "assignment", staff=staff, now=now)
    name, extension = rules.check_filename(filename)
    rules.check_size(len(data), team.event.upload_limit_mb)
    content_type = rules.check_content(extension, data)
    stored = new_stored_name()
    path = write_bytes(stored, data)
    try:
        team_file = TeamFile(
            team_id=team.id,
            member=member,
            kind=kind,
            original_name=name,
            stored_name=stored,
            content_type=content_type,
            extension=extension,
            size=len(data),
            uploaded_at=now,
            late=late,
            entered_by="staff" if staff else "member",
        )
        db.session.add(team_file)
        if staff:
            audit.record(
                "team_file.upload",
                team_name(team),
                f"{team_file.kind_label}：{name}",
                team.event_id,
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_quietly(path)
        raise
    return team_file


def delete_team_file(team_file: TeamFile, *, staff: bool = False) -> None:
    """Remove an upload (participants: before the deadline only); the bytes go after the commit."""
    team = team_file.team
    _guard(team, "assignment", staff=staff, now=now_utc())
    path = team_file_path(team_file)
    if staff:
        audit.record(
            "team_file.delete",
            team_name(team),
            f"{team_file.kind_label}：{team_file.original_name}",
            team.event_id,
        )
    db.session.delete(team_file)
    db.session.commit()
    remove_quietly(path)


def download_name(team_file: TeamFile) -> str:
    """「（市町村名）自治体概要資料」 (numbered by upload order), 組織図 with the person's name."""
    municipality = team_file.team.municipality.name
    if team_file.kind == "orgchart":
        person = team_file.member.name if team_file.member else ""
        return rules.orgchart_download_name(municipality, person, team_file.extension)
    files = team_files(team_file.team, "overview")
    index = next((i for i, f in enumerate(files, start=1) if f.id == team_file.id), 1)
    return rules.overview_download_name(municipality, team_file.extension, index)


# ---------------------------------------------------------------- secretariat


def extend_deadline(
    team: Team, item: str, deadline: datetime, reason: str = ""
) -> DeadlineExtension:
    """The secretariat moves one team's deadline for 資料２ or 資料３・４ (audited; commits)."""
    if item not in rules.ITEM_LABELS:
        raise AssignmentError("対象の資料を選択してください。", field="item")
    if deadline.tzinfo is None:
        raise AssignmentError("期限の日時が正しくありません。", field="deadline_date")
    ext = extension_for(team, item)
    if ext is None:
        ext = DeadlineExtension(team_id=team.id, item=item, deadline=deadline)
        db.session.add(ext)
    ext.deadline = deadline
    ext.reason = (reason or "").strip()
    from flask_login import current_user

    ext.staff_id = current_user.id if getattr(current_user, "is_authenticated", False) else None
    reason = f"（{ext.reason}）" if ext.reason else ""
    audit.record(
        "deadline.extend",
        team_name(team),
        f"{rules.ITEM_LABELS[item]}：{format_datetime(deadline)}まで{reason}",
        team.event_id,
    )
    db.session.commit()
    return ext


@dataclass
class TrackerRow:
    """One team in the secretariat's tracker."""

    team: Team
    scene: SceneChoice | None
    scene_deadline: datetime | None
    scene_extended: bool
    submitted: int
    members: int
    late_assignments: int
    overview_files: int
    late_files: bool
    assignment_deadline: datetime | None
    assignment_extended: bool
    now: datetime
    submitted_ids: frozenset[int] = frozenset()  # active members whose 資料３ is submitted

    @property
    def scene_missing(self) -> bool:
        return self.scene is None

    @property
    def scene_overdue(self) -> bool:
        return self.scene is None and not rules.is_open(self.scene_deadline, self.now)

    @property
    def assignments_missing(self) -> bool:
        return self.submitted < self.members

    @property
    def assignments_overdue(self) -> bool:
        return self.assignments_missing and not rules.is_open(self.assignment_deadline, self.now)

    @property
    def overview_missing(self) -> bool:
        return self.overview_files == 0

    @property
    def overview_overdue(self) -> bool:
        return self.overview_missing and not rules.is_open(self.assignment_deadline, self.now)


def participating_teams(event: Event, venue_code: str | None = None) -> list[Team]:
    """Teams taking part (at one venue), with what the console shows of them loaded at once
    (channel and venue, municipality, members): no query per team (issue 12)."""
    teams = db.session.scalars(
        select(Team)
        .where(Team.event_id == event.id, Team.status.in_(TEAM_COUNTED_STATUSES))
        .order_by(Team.channel_id, Team.municipality_code)
        .options(
            joinedload(Team.channel).joinedload(Channel.venue),
            joinedload(Team.municipality),
            selectinload(Team.members),
        )
    )
    return [
        t
        for t in teams
        if venue_code is None
        or (t.channel.venue is not None and t.channel.venue.code == venue_code)
    ]


def tracker_rows(event: Event, venue_code: str | None = None) -> list[TrackerRow]:
    """Team × 資料２ / 資料３ (n of m members) / 資料４, with late and missing work."""
    now = now_utc()
    teams = participating_teams(event, venue_code)
    ids = [t.id for t in teams]
    scenes = {
        s.team_id: s
        for s in db.session.scalars(select(SceneChoice).where(SceneChoice.team_id.in_(ids)))
    }
    assignments: dict[int, list[PreAssignment]] = {}
    for pa in db.session.scalars(select(PreAssignment).where(PreAssignment.team_id.in_(ids))):
        assignments.setdefault(pa.team_id, []).append(pa)
    files: dict[int, list[TeamFile]] = {}
    for tf in db.session.scalars(
        select(TeamFile).where(TeamFile.team_id.in_(ids), TeamFile.kind == "overview")
    ):
        files.setdefault(tf.team_id, []).append(tf)
    extensions = {
        (e.team_id, e.item): e
        for e in db.session.scalars(
            select(DeadlineExtension).where(DeadlineExtension.team_id.in_(ids))
        )
    }
    rows = []
    for team in teams:
        active = {m.id for m in team.active_members}
        done = [
            pa for pa in assignments.get(team.id, []) if pa.is_submitted and pa.member_id in active
        ]
        scene_ext = extensions.get((team.id, "scene"))
        assign_ext = extensions.get((team.id, "assignment"))
        rows.append(
            TrackerRow(
                team=team,
                scene=scenes.get(team.id),
                scene_deadline=rules.effective_deadline(
                    venue_deadline(team, "scene"), scene_ext.deadline if scene_ext else None
                ),
                scene_extended=scene_ext is not None,
                submitted=len(done),
                members=len(active),
                late_assignments=sum(1 for pa in done if pa.late),
                overview_files=len(files.get(team.id, [])),
                late_files=any(f.late for f in files.get(team.id, [])),
                assignment_deadline=rules.effective_deadline(
                    venue_deadline(team, "assignment"),
                    assign_ext.deadline if assign_ext else None,
                ),
                assignment_extended=assign_ext is not None,
                now=now,
                submitted_ids=frozenset(pa.member_id for pa in done),
            )
        )
    return rows


REMINDER_ITEMS = {
    "scene": "資料２ 検討希望場面",
    "assignment": "資料３ 事前課題",
    "overview": "資料４ 自治体概要資料",
}


@dataclass
class Reminder:
    """A reminder mail as previewed: the key ties the preview to what is sent."""

    key: str
    team: Team
    to: str
    name: str
    subject: str
    body: str


def reminder_candidates(event: Event, item: str, venue_code: str | None = None) -> list[Reminder]:
    """Reminders to those still missing ``item``: 資料２・４ to the 代表者, 資料３ to each member."""
    if item not in REMINDER_ITEMS:
        raise AssignmentError("督促する資料を選択してください。", field="item")
    label = REMINDER_ITEMS[item]
    reminders = []
    for row in tracker_rows(event, venue_code):
        team = row.team
        deadline_item = "scene" if item == "scene" else "assignment"
        deadline = row.scene_deadline if item == "scene" else row.assignment_deadline
        if item == "assignment":
            targets = [m for m in team.active_members if m.id not in row.submitted_ids]
        elif (item == "scene" and row.scene_missing) or (
            item == "overview" and row.overview_missing
        ):
            targets = [team.representative]
        else:
            targets = []
        for member in targets:
            subject, body = render_mail(
                "assignment_reminder.txt",
                event=event,
                team=team,
                member=member,
                label=label,
                deadline=deadline,
            )
            reminders.append(
                Reminder(
                    key=f"{deadline_item}:{item}:{member.id}",
                    team=team,
                    to=member.email,
                    name=member.name,
                    subject=subject,
                    body=body,
                )
            )
    return reminders


def send_reminders(event: Event, item: str, keys: list[str], venue_code: str | None = None) -> int:
    """Queue the previewed reminders that were ticked and are still missing (audited; commits)."""
    wanted = set(keys)
    chosen = [r for r in reminder_candidates(event, item, venue_code) if r.key in wanted]
    if not chosen:
        raise AssignmentError("送信する宛先を選択してください。", field="keys")
    for reminder in chosen:
        queue_mail(
            reminder.to,
            reminder.subject,
            reminder.body,
            event_id=event.id,
            kind="assignment_reminder",
        )
    venue = next((v for v in event.venues if v.code == venue_code), None)
    where = f"（{venue.name}）" if venue else "（全会場）"
    audit.record("assignment.remind", REMINDER_ITEMS[item] + where, f"{len(chosen)}件", event.id)
    db.session.commit()
    return len(chosen)
