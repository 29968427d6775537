"""staff sessions (a per-account session version, accounts that can be disabled, no lockout);
Reply-To of outbox mails

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(
            sa.Column("reply_to", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("reply_to")
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("locked_until", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.drop_column("active")
        batch.drop_column("session_version")
