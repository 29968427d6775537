"""groupwork: tables, roles, seat plans, worksheets and まとめ

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "table_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("objective", sa.Integer(), nullable=False),
        sa.Column("bound", sa.Integer(), nullable=False),
        sa.Column("optimal", sa.Boolean(), nullable=False),
        sa.Column("solver_status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("solve_seconds", sa.Double(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("matome_sent_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_table_allocation_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venue.id"],
            name=op.f("fk_table_allocation_venue_id_venue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_table_allocation")),
        sa.UniqueConstraint("venue_id", name=op.f("uq_table_allocation_venue_id")),
    )
    op.create_table(
        "group_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("scene", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.Column("scribe_id", sa.Integer(), nullable=True),
        sa.Column("presenter_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("worksheet", sa.JSON(), nullable=False),
        sa.Column("worksheet_updated_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worksheet_updated_by", sa.String(length=20), nullable=False),
        sa.Column("photo_filename", sa.String(length=200), nullable=False),
        sa.Column("photo_content_type", sa.String(length=100), nullable=False),
        sa.Column("photo_data", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["table_allocation.id"],
            name=op.f("fk_group_table_allocation_id_table_allocation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"],
            ["team_member.id"],
            name=op.f("fk_group_table_chair_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["presenter_id"],
            ["team_member.id"],
            name=op.f("fk_group_table_presenter_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scribe_id"],
            ["team_member.id"],
            name=op.f("fk_group_table_scribe_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_table")),
        sa.UniqueConstraint("allocation_id", "number", name=op.f("uq_group_table_allocation_id")),
        sa.UniqueConstraint("token", name=op.f("uq_group_table_token")),
    )
    op.create_table(
        "table_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("explainer_id", sa.Integer(), nullable=True),
        sa.Column("moved_by_hand", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["explainer_id"],
            ["team_member.id"],
            name=op.f("fk_table_team_explainer_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["group_table.id"],
            name=op.f("fk_table_team_table_id_group_table"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_table_team_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_table_team")),
        sa.UniqueConstraint("team_id", name=op.f("uq_table_team_team_id")),
    )


def downgrade():
    op.drop_table("table_team")
    op.drop_table("group_table")
    op.drop_table("table_allocation")
