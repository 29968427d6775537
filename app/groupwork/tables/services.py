"""Use cases of the tables half: allocate, move, roles, publish, worksheets, まとめ (commits here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core import audit
from app.core.jpdates import format_datetime, now_utc
from app.core.mail import send_mail
from app.events.models import Channel, Venue
from app.extensions import db
from app.groupwork.assignments.models import SceneChoice
from app.groupwork.audit_names import table_name, team_name, venue_name
from app.groupwork.scenes import SCENE_LABELS
from app.groupwork.tables import allocation as alloc
from app.groupwork.tables.models import GroupTable, TableAllocation, TableTeam
from app.groupwork.tables.roles import ROLE_LABELS, Roles, Seat, check_roles, default_roles
from app.groupwork.tables.worksheet import WORKSHEET_FIELDS
from app.registration.models import Team
from app.registration.rules import TEAM_COUNTED_STATUSES

AUDIT_ACTIONS = audit.actions(
    {
        "tables.allocate": "卓の割り当て",
        "tables.scene": "卓の場面の変更",
        "tables.move": "団体の卓の移動",
        "tables.roles": "役割の設定",
        "tables.worksheet": "グループワークシートの入力",
        "tables.photo": "写真の登録",
        "tables.publish": "グループ・座席の確定と公開",
        "tables.matome": "まとめの送付",
        "tables.reopen": "グループ・座席の公開の取消し",
    }
)


class TableError(Exception):
    """A refused change; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class LockedError(TableError):
    """The allocation is published: it no longer changes."""


# ---------------------------------------------------------------- input


# What the allocation's pages read of a team, loaded with it: no query per team (issue 12).
_TEAM_SHOWN = (joinedload(Team.municipality), selectinload(Team.members))


def venue_teams(venue: Venue) -> list[Team]:
    """Teams of the venue that take part (受付済・参加決定・人数調整) with at least one member."""
    teams = db.session.scalars(
        select(Team)
        .join(Channel, Team.channel_id == Channel.id)
        .where(
            Channel.venue_id == venue.id,
            Team.status.in_(TEAM_COUNTED_STATUSES),
        )
        .order_by(Team.id)
        .options(*_TEAM_SHOWN)
    )
    return [t for t in teams if t.size > 0]


def team_inputs(teams: list[Team]) -> list[alloc.TeamInput]:
    """The allocation's view of the teams: size, prefecture, 資料２ (第１・第２希望)."""
    choices = {
        c.team_id: c
        for c in db.session.scalars(
            select(SceneChoice).where(SceneChoice.team_id.in_([t.id for t in teams]))
        )
    }
    inputs = []
    for team in teams:
        choice = choices.get(team.id)
        inputs.append(
            alloc.TeamInput(
                id=team.id,
                size=team.size,
                prefecture=team.municipality.prefecture_code,
                first=choice.first_scene if choice else None,
                second=choice.second_scene if choice else None,
                name=team.municipality.full_name,
            )
        )
    return inputs


def venue_settings(venue: Venue, time_limit: float = 10.0) -> alloc.Settings:
    return alloc.Settings(
        large_threshold=venue.large_team_threshold,
        table_min=venue.table_min,
        table_max=venue.table_max,
        table_count=venue.table_count,
        time_limit=time_limit,
    )


def allocation_for(venue: Venue) -> TableAllocation | None:
    """The venue's allocation with its tables, seats and seated teams (one query per level)."""
    return allocation_of_venue(venue.id)


def allocation_of_venue(venue_id: int) -> TableAllocation | None:
    """``allocation_for`` by the venue's id: everything a page shows of it loaded at once."""
    allocation = db.session.scalar(
        select(TableAllocation)
        .where(TableAllocation.venue_id == venue_id)
        .options(
            selectinload(TableAllocation.tables)
            .selectinload(GroupTable.seats)
            .joinedload(TableTeam.team)
            .options(*_TEAM_SHOWN)
        )
    )
    if allocation is not None:
        # Each table holds its allocation: the session's identity map keeps only weak
        # references, and a page holding a table alone would load the allocation again,
        # without its tables, then each table's seats one by one.
        for table in allocation.tables:
            set_committed_value(table, "allocation", allocation)
    return allocation


def _guard(allocation: TableAllocation) -> None:
    if allocation.is_published:
        raise LockedError("公開済みのため変更できません。")


def _seats(table: GroupTable) -> list[Seat]:
    return [
        Seat(m.id, m.team_id, m.category, m.is_representative)
        for seat in table.seats
        for m in seat.team.active_members
    ]


def _apply_roles(table: GroupTable, roles: Roles) -> None:
    table.chair_id, table.scribe_id, table.presenter_id = roles.chair, roles.scribe, roles.presenter
    for seat in table.seats:
        seat.explainer_id = roles.explainers.get(seat.team_id)


def _roles_of(table: GroupTable) -> Roles:
    return Roles(
        chair=table.chair_id,
        scribe=table.scribe_id,
        presenter=table.presenter_id,
        explainers={s.team_id: s.explainer_id for s in table.seats if s.explainer_id},
    )


# ---------------------------------------------------------------- allocate


def allocate_tables(venue: Venue, time_limit: float = 10.0) -> TableAllocation:
    """Solve the venue's allocation and store it with its parameters, replacing a draft.

    Roles get their defaults (司会・書記・説明者). A published allocation is never replaced.
    """
    existing = allocation_for(venue)
    if existing is not None:
        _guard(existing)
    teams = venue_teams(venue)
    if not teams:
        raise TableError("この会場には参加する自治体がありません。")
    inputs = team_inputs(teams)
    settings = venue_settings(venue, time_limit)
    result = alloc.solve(inputs, settings)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    allocation = TableAllocation(
        event_id=venue.event_id,
        venue_id=venue.id,
        params=settings.as_dict(),
        inputs=[
            {
                "id": t.id,
                "size": t.size,
                "prefecture": t.prefecture,
                "first": t.first,
                "second": t.second,
                "name": t.name,
            }
            for t in inputs
        ],
        objective=result.objective,
        bound=result.bound,
        optimal=result.optimal,
        solver_status=result.status,
        method=result.method,
        solve_seconds=round(result.solve_seconds, 3),
        stats=result.evaluation.stats,
        reasons={str(k): v for k, v in result.reasons.items()},
    )
    db.session.add(allocation)
    by_id = {t.id: t for t in teams}
    for number, plan in enumerate(result.tables, 1):
        table = GroupTable(number=number, scene=plan.scene)
        allocation.tables.append(table)
        for position, team_id in enumerate(plan.team_ids):
            table.seats.append(TableTeam(team_id=team_id, team=by_id[team_id], position=position))
        _apply_roles(table, default_roles(_seats(table)))
    audit.record(
        "tables.allocate",
        venue_name(venue),
        f"目的関数 {result.objective}（{alloc.SOLVER_STATUS_LABELS.get(result.status, result.status)}）",
        venue.event_id,
    )
    db.session.commit()
    return allocation


# ---------------------------------------------------------------- review


@dataclass
class TableReview:
    table: GroupTable
    problems: list  # RoleProblem and allocation.Violation, each with .message and .severity


@dataclass
class Review:
    """The rules re-checked on the allocation as it stands (after any change by hand)."""

    evaluation: alloc.Evaluation
    tables: list[TableReview]
    general: list[alloc.Violation]
    reasons: dict[int, str]
    unseated: list[Team] = field(default_factory=list)
    gone: list[Team] = field(default_factory=list)

    @property
    def errors(self) -> int:
        items = [p for t in self.tables for p in t.problems] + self.general
        return sum(1 for p in items if p.severity == "error") + len(self.unseated)


def review_allocation(allocation: TableAllocation) -> Review:
    """Re-check every rule: sizes, room, 多人数, prefectures, roles; unseated or withdrawn teams;
    and why each team is not on its 第１希望 (事務局による変更 for teams moved by hand).
    """
    venue = allocation.venue
    counted = venue_teams(venue)
    counted_ids = {t.id for t in counted}
    seated = {s.team_id for t in allocation.tables for s in t.seats}
    inputs = [i for i in team_inputs(counted) if i.id in seated]
    plans = [
        alloc.TablePlan(t.scene, [s.team_id for s in t.seats if s.team_id in counted_ids])
        for t in allocation.tables
    ]
    settings = venue_settings(venue)
    evaluation = alloc.evaluate(inputs, settings, plans)
    reasons = alloc.explain(inputs, settings, plans)
    for table in allocation.tables:
        for seat in table.seats:
            if seat.moved_by_hand and seat.team_id in reasons:
                scene = SCENE_LABELS[table.scene]
                reasons[seat.team_id] = f"事務局が{table.number}卓（{scene}）に移しました。"
    by_number = {n: [] for n in range(1, len(plans) + 1)}
    general = []
    for v in evaluation.violations:
        (by_number[v.table] if v.table else general).append(v)
    tables = [
        TableReview(t, by_number[n] + check_roles(_seats(t), _roles_of(t)))
        for n, t in enumerate(allocation.tables, 1)
    ]
    return Review(
        evaluation=evaluation,
        tables=tables,
        general=general,
        reasons=reasons,
        unseated=[t for t in counted if t.id not in seated],
        gone=[s.team for t in allocation.tables for s in t.seats if s.team_id not in counted_ids],
    )


# ---------------------------------------------------------------- changes by hand


def _renumber(allocation: TableAllocation) -> None:
    """Drop empty tables and number the others 1, 2, … in their order."""
    for table in [t for t in allocation.tables if not t.seats]:
        allocation.tables.remove(table)
    db.session.flush()
    ordered = sorted(allocation.tables, key=lambda t: t.number)
    for offset, table in enumerate(ordered):
        table.number = 10_000 + offset  # two steps: the numbers are unique per allocation
    db.session.flush()
    for n, table in enumerate(ordered, 1):
        table.number = n


def move_team(allocation: TableAllocation, team_id: int, number: int) -> None:
    """Move a whole team to table ``number`` (a number after the last opens a new table on the
    team's 第１希望). Roles held by its members at the old table are cleared.
    """
    _guard(allocation)
    seat = next((s for t in allocation.tables for s in t.seats if s.team_id == team_id), None)
    team = db.session.get(Team, team_id)
    if team is None:
        raise TableError("自治体が見つかりません。", "team")
    last = max((t.number for t in allocation.tables), default=0)
    target = allocation.table(number)
    if target is None and number != last + 1:
        raise TableError(f"卓番号は1から{last + 1}の間で指定してください。", "table")
    if seat is not None and target is not None and seat.table_id == target.id:
        raise TableError("すでにその卓にいます。", "table")
    if target is None:
        choice = db.session.scalar(select(SceneChoice).where(SceneChoice.team_id == team_id))
        target = GroupTable(number=number, scene=choice.first_scene if choice else 1)
        allocation.tables.append(target)
    member_ids = {m.id for m in team.members}
    origin = f"{seat.table.number}卓" if seat is not None else "未配置"
    if seat is None:
        seat = TableTeam(team_id=team_id)
    else:
        old = seat.table
        for key in ("chair_id", "scribe_id", "presenter_id"):
            if getattr(old, key) in member_ids:
                setattr(old, key, None)
        old.seats.remove(seat)
        seat = TableTeam(team_id=team_id, explainer_id=seat.explainer_id)
        db.session.flush()
    seat.position = max((s.position for s in target.seats), default=-1) + 1
    seat.moved_by_hand = True
    if seat.explainer_id is None:
        seat.explainer_id = (
            team.representative.id if any(m.is_representative for m in team.members) else None
        )
    target.seats.append(seat)
    db.session.flush()
    _renumber(allocation)
    audit.record(
        "tables.move",
        team_name(team),
        f"{allocation.venue.name} {origin} → {target.number}卓",  # as numbered now
        allocation.event_id,
    )
    db.session.commit()


def change_scene(table: GroupTable, scene: int) -> None:
    """Set the 場面 a table discusses."""
    _guard(table.allocation)
    if scene not in SCENE_LABELS:
        raise TableError("場面を選んでください。", "scene")
    before = table.scene_label
    table.scene = scene
    audit.record(
        "tables.scene",
        table_name(table),
        f"{before} → {SCENE_LABELS[scene]}",
        table.allocation.event_id,
    )
    db.session.commit()


def set_roles(
    table: GroupTable,
    chair: int | None,
    scribe: int | None,
    presenter: int | None,
    explainers: dict[int, int | None],
) -> None:
    """Set the table's roles by hand; every person named must sit at this table (the rules are
    re-checked on the allocation page, not refused here, except a person from elsewhere)."""
    _guard(table.allocation)
    seats = {s.member_id: s for s in _seats(table)}
    for key, member in (("chair", chair), ("scribe", scribe), ("presenter", presenter)):
        if member is not None and member not in seats:
            raise TableError(f"{ROLE_LABELS[key]}はこの卓の参加者から選んでください。", key)
    for team_id, member in explainers.items():
        if member is not None and (member not in seats or seats[member].team_id != team_id):
            raise TableError("説明者はその自治体の参加者から選んでください。", "explainers")
    roles = Roles(chair, scribe, presenter, {k: v for k, v in explainers.items() if v})
    _apply_roles(table, roles)
    audit.record("tables.roles", table_name(table), _roles_text(table), table.allocation.event_id)
    db.session.commit()


def _roles_text(table: GroupTable) -> str:
    """「司会：山田 太郎、書記：…、発表者：…、説明者：…（北海道札幌市）」 (set roles only)."""
    people = {m.id: m for m in table.members}
    parts = [
        f"{ROLE_LABELS[key]}：{people[member_id].name}"
        for key, member_id in (
            ("chair", table.chair_id),
            ("scribe", table.scribe_id),
            ("presenter", table.presenter_id),
        )
        if member_id in people
    ]
    parts += [
        f"{ROLE_LABELS['explainer']}：{people[s.explainer_id].name}"
        f"（{s.team.municipality.full_name}）"
        for s in table.seats
        if s.explainer_id in people
    ]
    return "、".join(parts) or "なし"


# ---------------------------------------------------------------- publish


def member_roles(table: GroupTable) -> dict[int, list[str]]:
    """member id → role labels (司会・書記・説明者・発表者) at this table."""
    marks: dict[int, list[str]] = {}
    for key, member_id in (("chair", table.chair_id), ("scribe", table.scribe_id)):
        if member_id:
            marks.setdefault(member_id, []).append(ROLE_LABELS[key])
    for seat in table.seats:
        if seat.explainer_id:
            marks.setdefault(seat.explainer_id, []).append(ROLE_LABELS["explainer"])
    if table.presenter_id:
        marks.setdefault(table.presenter_id, []).append(ROLE_LABELS["presenter"])
    return marks


def publish_allocation(allocation: TableAllocation) -> int:
    """Lock and publish: refused while a team is unseated or a table lacks its 司会 or 書記.

    Each 代表者 is mailed the team's table, its members and the link to the team page, where
    the seat plan is shown from now on. Returns the number of mails queued.
    """
    _guard(allocation)
    review = review_allocation(allocation)
    if review.unseated:
        raise TableError("卓に配置されていない自治体があります。")
    missing = [
        t.table.number
        for t in review.tables
        if any(
            p.message in ("司会が決まっていません。", "書記が決まっていません。")
            for p in t.problems
        )
    ]
    if missing:
        raise TableError(
            "司会・書記が決まっていない卓があります（"
            + "、".join(f"{n}卓" for n in missing)
            + "）。"
        )
    allocation.status = "published"
    allocation.published_at = now_utc()
    event, venue = allocation.event, allocation.venue
    sent = 0
    for table in allocation.tables:
        marks = member_roles(table)
        for seat in table.seats:
            team = seat.team
            if team.status not in TEAM_COUNTED_STATUSES:
                continue
            send_mail(
                team.representative.email,
                "tables_published.txt",
                event_id=event.id,
                kind="tables_published",
                event=event,
                venue=venue,
                table=table,
                team=team,
                marks=marks,
            )
            sent += 1
    audit.record("tables.publish", venue_name(venue), f"代表者{sent}名にメール", event.id)
    db.session.commit()
    return sent


def publish_gaps(allocation: TableAllocation) -> list[str]:
    """What is still missing before publishing, as sentences for the confirmation page.

    資料２ 未提出 n/N over the teams taking part, and the 資料２ deadline when it has not passed
    yet (a team may still hand in a choice the published plan would ignore). Empty when
    nothing is missing; publishing is not refused for these, the secretariat confirms.
    """
    teams = venue_teams(allocation.venue)
    inputs = team_inputs(teams)
    missing = [i for i in inputs if i.first is None]
    gaps = []
    if missing:
        names = "、".join(i.name for i in missing[:10]) + ("ほか" if len(missing) > 10 else "")
        gaps.append(f"資料２ 未提出 {len(missing)}/{len(inputs)}団体（{names}）")
    deadline = allocation.venue.scene_deadline
    if deadline is not None and now_utc() <= deadline:
        gaps.append(f"資料２の提出期限（{format_datetime(deadline)}）がまだ来ていません")
    return gaps


def _representatives(allocation: TableAllocation):
    """(table, team) of every seated team taking part, in seat-plan order."""
    for table in allocation.tables:
        for seat in table.seats:
            if seat.team.status in TEAM_COUNTED_STATUSES:
                yield table, seat.team


def reopen_allocation(allocation: TableAllocation, reason: str, by: str) -> int:
    """Take a published plan back to 案 (管理者 only, checked by the view) with a reason.

    Each 代表者 is mailed that the plan is being revised (the team page stops showing it until
    it is published again); the reason is kept in the audit entry, not mailed. Returns the
    number of mails queued.
    """
    if not allocation.is_published:
        raise TableError("確定・公開されていないため、取り消す必要はありません。")
    reason = (reason or "").strip()
    if not reason:
        raise TableError("理由を入力してください。", "reason")
    allocation.status = "draft"
    allocation.published_at = None
    event, venue = allocation.event, allocation.venue
    sent = 0
    for _table, team in _representatives(allocation):
        send_mail(
            team.representative.email,
            "tables_reopened.txt",
            event_id=event.id,
            kind="tables_reopened",
            event=event,
            venue=venue,
            team=team,
        )
        sent += 1
    audit.record(
        "tables.reopen", venue_name(venue), f"{reason}（{by}、代表者{sent}名にメール）", event.id
    )
    db.session.commit()
    return sent


def matome_gaps(allocation: TableAllocation) -> list[str]:
    """Before sending the まとめ: tables whose まとめ (step 8) is blank, and an earlier sending."""
    blank = [t.number for t in allocation.tables if not (t.worksheet or {}).get("step8")]
    gaps = []
    if blank:
        numbers = "、".join(f"{n}卓" for n in blank)
        gaps.append(f"まとめ 未入力 {len(blank)}/{len(allocation.tables)}卓（{numbers}）")
    if allocation.matome_sent_at:
        gaps.append(
            f"{format_datetime(allocation.matome_sent_at)}に送付済みです（もう一度全員に送られます）"
        )
    return gaps


def table_for_team(team: Team) -> GroupTable | None:
    seat = db.session.scalar(select(TableTeam).where(TableTeam.team_id == team.id))
    return seat.table if seat else None


# ---------------------------------------------------------------- worksheet and まとめ


def table_by_token(token: str) -> GroupTable | None:
    return db.session.scalar(select(GroupTable).where(GroupTable.token == token))


def save_worksheet(table: GroupTable, values: dict[str, str], by: str) -> None:
    """Store the 8 steps (step 5 as 短期目標 and 長期目標) typed by the 書記 or the 事務局."""
    table.worksheet = {key: (values.get(key) or "").strip() for key, _ in WORKSHEET_FIELDS}
    table.worksheet_updated_at = now_utc()
    table.worksheet_updated_by = by
    if by == "事務局":
        audit.record("tables.worksheet", table_name(table), "", table.allocation.event_id)
    db.session.commit()


PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
PHOTO_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG", "application/pdf": b"%PDF"}


def attach_sheet_photo(table: GroupTable, filename: str, data: bytes) -> None:
    """Keep a photo (JPEG, PNG) or scan (PDF) of the paper worksheet; the content is checked."""
    kind = next((k for k, magic in PHOTO_MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise TableError("JPEG・PNG画像またはPDFを選んでください。", "photo")
    limit = table.allocation.event.upload_limit_mb * 1024 * 1024
    if len(data) > limit:
        raise TableError(
            f"ファイルが大きすぎます（上限{table.allocation.event.upload_limit_mb}MB）。", "photo"
        )
    table.photo_filename = f"{table.number}卓_グループワークシート{PHOTO_TYPES[kind]}"
    table.photo_content_type = kind
    table.photo_data = data
    audit.record("tables.photo", table_name(table), filename[:80], table.allocation.event_id)
    db.session.commit()


def send_matome(allocation: TableAllocation, pdf: bytes) -> int:
    """Mail the compiled まとめ (PDF) of all tables of the venue to every 代表者 (never public)."""
    event, venue = allocation.event, allocation.venue
    if not any(t.worksheet for t in allocation.tables):
        raise TableError("まとめが入力された卓がありません。")
    sent = 0
    for table in allocation.tables:
        for seat in table.seats:
            team = seat.team
            if team.status not in TEAM_COUNTED_STATUSES:
                continue
            send_mail(
                team.representative.email,
                "matome.txt",
                event_id=event.id,
                kind="matome",
                attachments=[(f"{venue.name}_グループワークまとめ.pdf", "application/pdf", pdf)],
                event=event,
                venue=venue,
                team=team,
            )
            sent += 1
    allocation.matome_sent_at = now_utc()
    audit.record("tables.matome", venue_name(venue), f"代表者{sent}名にメール", event.id)
    db.session.commit()
    return sent
