"""groupwork: pre-assignment tables (資料２・３・４)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import app.core.db  # noqa: F401  (UTCDateTime, used by the tables of this revision)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scene_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("first_scene", sa.Integer(), nullable=False),
        sa.Column("second_scene", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "first_scene BETWEEN 1 AND 4", name=op.f("ck_scene_choice_first_scene_range")
        ),
        sa.CheckConstraint(
            "second_scene BETWEEN 1 AND 4", name=op.f("ck_scene_choice_second_scene_range")
        ),
        sa.CheckConstraint(
            "first_scene <> second_scene", name=op.f("ck_scene_choice_scenes_differ")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_scene_choice_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scene_choice")),
        sa.UniqueConstraint("team_id", name=op.f("uq_scene_choice_team_id")),
    )
    op.create_table(
        "pre_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("municipality_name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("occupation", sa.String(length=100), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("aging_rate", sa.Double(), nullable=True),
        sa.Column("city_count", sa.Integer(), nullable=True),
        sa.Column("town_count", sa.Integer(), nullable=True),
        sa.Column("village_count", sa.Integer(), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("weaknesses", sa.Text(), nullable=False),
        sa.Column("organisation_needs", sa.Text(), nullable=False),
        sa.Column("want_to_learn", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("submitted_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.String(length=20), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted')", name=op.f("ck_pre_assignment_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_pre_assignment_member_id_team_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_pre_assignment_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_assignment")),
        sa.UniqueConstraint("member_id", name=op.f("uq_pre_assignment_member_id")),
    )
    with op.batch_alter_table("pre_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pre_assignment_team_id"), ["team_id"], unique=False)

    op.create_table(
        "pre_assignment_scene",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("scene", sa.Integer(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("current", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.Column("self_set", sa.Boolean(), nullable=False),
        sa.CheckConstraint("scene BETWEEN 1 AND 4", name=op.f("ck_pre_assignment_scene_scene_range")),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["pre_assignment.id"],
            name=op.f("fk_pre_assignment_scene_assignment_id_pre_assignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_assignment_scene")),
        sa.UniqueConstraint(
            "assignment_id", "scene", name="uq_pre_assignment_scene_assignment_scene"
        ),
    )
    op.create_table(
        "team_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("extension", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "kind IN ('overview', 'orgchart')", name=op.f("ck_team_file_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_team_file_member_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_file_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_file")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_team_file_stored_name")),
    )
    with op.batch_alter_table("team_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_file_team_id"), ["team_id"], unique=False)

    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=12), nullable=False),
        sa.Column("deadline", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "item IN ('scene', 'assignment')", name=op.f("ck_deadline_extension_item_known")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_deadline_extension_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_deadline_extension_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extension")),
        sa.UniqueConstraint("team_id", "item", name="uq_deadline_extension_team_item"),
    )


def downgrade():
    op.drop_table("deadline_extension")
    with op.batch_alter_table("team_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_file_team_id"))
    op.drop_table("team_file")
    op.drop_table("pre_assignment_scene")
    with op.batch_alter_table("pre_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pre_assignment_team_id"))
    op.drop_table("pre_assignment")
    op.drop_table("scene_choice")
