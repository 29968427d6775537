"""Models of the pre-assignments (資料２・３・４): scene choices, 事前課題, uploads, extensions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.jpdates import now_utc
from app.core.models import StaffUser
from app.core.preview import TestMarked
from app.extensions import db
from app.groupwork.assignments.rules import GRID_ROWS
from app.registration.models import Team, TeamMember


class SceneChoice(TestMarked, db.Model):
    """資料２ 検討希望場面: one per team, 第１希望 and 第２希望 (different), その他連絡事項."""

    __tablename__ = "scene_choice"
    TEST_LABEL = "資料２（検討希望場面）"
    __table_args__ = (
        CheckConstraint("first_scene BETWEEN 1 AND 4", name="first_scene_range"),
        CheckConstraint("second_scene BETWEEN 1 AND 4", name="second_scene_range"),
        CheckConstraint("first_scene <> second_scene", name="scenes_differ"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    first_scene: Mapped[int]
    second_scene: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # 期限後提出: recorded after the venue's published deadline (by extension or the secretariat).
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # member | staff: who last saved it.
    entered_by: Mapped[str] = mapped_column(String(10), default="member")

    team: Mapped[Team] = relationship()


class PreAssignment(TestMarked, db.Model):
    """資料３ 事前課題: one per team member; a draft until submitted."""

    __tablename__ = "pre_assignment"
    TEST_LABEL = "資料３（事前課題）"
    __table_args__ = (CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("team_member.id", ondelete="CASCADE"), unique=True
    )
    # Block A 回答者 (prefilled from the member, editable).
    municipality_name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(100), default="")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    # Block B 自治体の概要.
    population: Mapped[int | None] = mapped_column(Integer)
    aging_rate: Mapped[float | None]
    city_count: Mapped[int | None] = mapped_column(Integer)
    town_count: Mapped[int | None] = mapped_column(Integer)
    village_count: Mapped[int | None] = mapped_column(Integer)
    strengths: Mapped[str] = mapped_column(Text, default="")
    weaknesses: Mapped[str] = mapped_column(Text, default="")
    organisation_needs: Mapped[str] = mapped_column(Text, default="")
    # Block D その他.
    want_to_learn: Mapped[str] = mapped_column(Text, default="")
    STATUSES = {"draft": "下書き", "submitted": "提出済"}
    status: Mapped[str] = mapped_column(String(10), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # self | representative | staff: who last saved it.
    entered_by: Mapped[str] = mapped_column(String(20), default="self")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    team: Mapped[Team] = relationship()
    member: Mapped[TeamMember] = relationship()
    scenes: Mapped[list[PreAssignmentScene]] = relationship(
        back_populates="assignment",
        order_by="PreAssignmentScene.scene",
        cascade="all, delete-orphan",
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == "submitted"

    @property
    def status_label(self) -> str:
        return self.STATUSES[self.status]

    def scene_row(self, no: int) -> PreAssignmentScene:
        """The grid column of scene ``no`` (1–4), created empty when missing."""
        for row in self.scenes:
            if row.scene == no:
                return row
        row = PreAssignmentScene(scene=no)
        self.scenes.append(row)
        return row

    def answers_for_scene(self, no: int) -> dict[str, str | bool]:
        """Block C for one scene: {goal, current, actions, issues, self_set}."""
        row = next((r for r in self.scenes if r.scene == no), None)
        answers: dict[str, str | bool] = {
            key: (getattr(row, key) if row else "") for key, _ in GRID_ROWS
        }
        answers["self_set"] = bool(row and row.self_set)
        return answers

    @property
    def filled_cells(self) -> int:
        """How many of the 16 grid cells hold text (completeness is shown, not enforced)."""
        return sum(1 for r in self.scenes for key, _ in GRID_ROWS if getattr(r, key).strip())


class PreAssignmentScene(TestMarked, db.Model):
    """One 場面 column of 資料３ Block C: the four rows and the 「自身で設定」 mark."""

    __tablename__ = "pre_assignment_scene"
    TEST_LABEL = "資料３の場面"
    __table_args__ = (
        UniqueConstraint("assignment_id", "scene", name="uq_pre_assignment_scene_assignment_scene"),
        CheckConstraint("scene BETWEEN 1 AND 4", name="scene_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("pre_assignment.id", ondelete="CASCADE"))
    scene: Mapped[int]
    goal: Mapped[str] = mapped_column(Text, default="")  # （１）【目的】
    current: Mapped[str] = mapped_column(Text, default="")  # （２）【現状把握】
    actions: Mapped[str] = mapped_column(Text, default="")  # （３）取り組み
    issues: Mapped[str] = mapped_column(Text, default="")  # （４）課題
    self_set: Mapped[bool] = mapped_column(Boolean, default=False)  # 自身で設定 ○

    assignment: Mapped[PreAssignment] = relationship(back_populates="scenes")


class TeamFile(TestMarked, db.Model):
    """An upload: 資料４ 自治体概要資料 (kind overview) or a member's 組織図 (kind orgchart).

    The bytes live under UPLOAD_FOLDER as ``stored_name`` (random); never under static.
    """

    __tablename__ = "team_file"
    TEST_LABEL = "資料４・組織図のファイル"
    __table_args__ = (CheckConstraint("kind IN ('overview', 'orgchart')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("team_member.id", ondelete="SET NULL"))
    KINDS = {"overview": "資料４（自治体概要資料）", "orgchart": "組織図"}
    kind: Mapped[str] = mapped_column(String(10))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    extension: Mapped[str] = mapped_column(String(10))  # .pdf, .docx … (checked against content)
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_by: Mapped[str] = mapped_column(String(20), default="member")

    team: Mapped[Team] = relationship()
    member: Mapped[TeamMember | None] = relationship()

    def test_cleanup(self):
        """A deleted test upload takes its bytes with it."""
        from app.groupwork.assignments.uploads import remove_quietly, team_file_path

        path = team_file_path(self)
        return lambda: remove_quietly(path)

    @property
    def kind_label(self) -> str:
        """「資料４（自治体概要資料）」, or 「組織図（氏名）」 with the person it belongs to."""
        if self.kind == "orgchart" and self.member is not None:
            return f"{self.KINDS[self.kind]}（{self.member.name}）"
        return self.KINDS[self.kind]


class DeadlineExtension(db.Model):
    """The secretariat's extension of one team's deadline for 資料２ (scene) or 資料３・４."""

    __tablename__ = "deadline_extension"
    __table_args__ = (
        UniqueConstraint("team_id", "item", name="uq_deadline_extension_team_item"),
        CheckConstraint("item IN ('scene', 'assignment')", name="item_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(12))  # scene (資料２) | assignment (資料３・４)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    team: Mapped[Team] = relationship()
    staff: Mapped[StaffUser | None] = relationship()


__all__ = ["DeadlineExtension", "PreAssignment", "PreAssignmentScene", "SceneChoice", "TeamFile"]
