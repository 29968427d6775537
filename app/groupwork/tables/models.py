"""Tables of 研修会議Ⅱ: a venue's stored allocation, its tables (卓), teams per table, roles,
and each table's worksheet (グループワークシート) with its まとめ."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.tokens import new_token
from app.events.models import Event, Venue
from app.extensions import db
from app.groupwork.scenes import SCENE_LABELS
from app.groupwork.tables.allocation import METHOD_LABELS, SETTING_LABELS, SOLVER_STATUS_LABELS
from app.registration.models import Team, TeamMember


class TableAllocation(db.Model):
    """座席・グループ: the allocation of one venue, stored with the parameters it was solved with.

    draft → published (locked: the 代表者 were mailed and see it on the team page).
    """

    __tablename__ = "table_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"), unique=True)
    STATUSES = {"draft": "案", "published": "確定・公開済み"}
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Settings and input (team sizes, prefectures, 第１・第２希望) as solved.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    inputs: Mapped[list] = mapped_column(JSON, default=list)
    objective: Mapped[int] = mapped_column(default=0)
    bound: Mapped[int] = mapped_column(default=0)
    optimal: Mapped[bool] = mapped_column(Boolean, default=False)
    solver_status: Mapped[str] = mapped_column(String(20), default="")
    method: Mapped[str] = mapped_column(String(20), default="")
    solve_seconds: Mapped[float] = mapped_column(default=0.0)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)  # team id (str) → why not 第１希望
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    venue: Mapped[Venue] = relationship()
    tables: Mapped[list[GroupTable]] = relationship(
        back_populates="allocation", order_by="GroupTable.number", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    @property
    def solver_status_label(self) -> str:
        return SOLVER_STATUS_LABELS.get(self.solver_status, self.solver_status)

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    @property
    def settings_labelled(self) -> list[tuple[str, object]]:
        """The stored parameters as (Japanese label, value), in the order of SETTING_LABELS."""
        return [
            (label, self.params[key]) for key, label in SETTING_LABELS.items() if key in self.params
        ]

    def table(self, number: int) -> GroupTable | None:
        return next((t for t in self.tables if t.number == number), None)


class GroupTable(db.Model):
    """卓: one table of a venue, its 場面, its roles (司会・書記・発表者) and its worksheet.

    ``token`` is the secret link of its 書記 (/gw/<token>).
    """

    __tablename__ = "group_table"
    __table_args__ = (UniqueConstraint("allocation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("table_allocation.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    scene: Mapped[int]
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("team_member.id", ondelete="SET NULL"))
    scribe_id: Mapped[int | None] = mapped_column(ForeignKey("team_member.id", ondelete="SET NULL"))
    presenter_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_member.id", ondelete="SET NULL")
    )
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # step1 … step8 with step5 split into goal_short / goal_long; step8 is the まとめ.
    worksheet: Mapped[dict] = mapped_column(JSON, default=dict)
    worksheet_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worksheet_updated_by: Mapped[str] = mapped_column(String(20), default="")  # 書記 | 事務局
    photo_filename: Mapped[str] = mapped_column(String(200), default="")
    photo_content_type: Mapped[str] = mapped_column(String(100), default="")
    photo_data: Mapped[bytes | None] = mapped_column(LargeBinary)

    allocation: Mapped[TableAllocation] = relationship(back_populates="tables")
    chair: Mapped[TeamMember | None] = relationship(foreign_keys=[chair_id])
    scribe: Mapped[TeamMember | None] = relationship(foreign_keys=[scribe_id])
    presenter: Mapped[TeamMember | None] = relationship(foreign_keys=[presenter_id])
    seats: Mapped[list[TableTeam]] = relationship(
        back_populates="table", order_by="TableTeam.position", cascade="all, delete-orphan"
    )

    @property
    def scene_label(self) -> str:
        return SCENE_LABELS.get(self.scene, "")

    @property
    def teams(self) -> list[Team]:
        return [seat.team for seat in self.seats]

    @property
    def members(self) -> list[TeamMember]:
        """Everyone at the table, team by team in seating order."""
        return [m for seat in self.seats for m in seat.team.active_members]

    @property
    def size(self) -> int:
        return len(self.members)


class TableTeam(db.Model):
    """A team's seat at a table; ``position`` is also its turn in the 自治体紹介."""

    __tablename__ = "table_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(
        ForeignKey("group_table.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    explainer_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_member.id", ondelete="SET NULL")
    )
    moved_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)

    table: Mapped[GroupTable] = relationship(back_populates="seats")
    team: Mapped[Team] = relationship()
    explainer: Mapped[TeamMember | None] = relationship(foreign_keys=[explainer_id])


__all__ = ["GroupTable", "TableAllocation", "TableTeam"]
