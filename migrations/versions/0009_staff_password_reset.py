"""one-time password-reset links of staff accounts (issue 10 §3)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_password_reset_staff_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_password_reset_token_hash")),
    )


def downgrade():
    op.drop_table("staff_password_reset")
