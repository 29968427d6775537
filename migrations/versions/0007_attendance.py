"""attendance on the day: reception check-ins at the venues and the webinar's report

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("team_member_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("attended_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(team_member_id IS NULL) <> (registration_id IS NULL)",
            name="ck_attendance_one_person",
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_member_id"], ["team_member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_attendance_member", "attendance", ["team_member_id"], unique=True)
    op.create_index("uq_attendance_registration", "attendance", ["registration_id"], unique=True)
    op.create_index("ix_attendance_channel", "attendance", ["channel_id"])


def downgrade():
    op.drop_index("ix_attendance_channel", table_name="attendance")
    op.drop_index("uq_attendance_registration", table_name="attendance")
    op.drop_index("uq_attendance_member", table_name="attendance")
    op.drop_table("attendance")
