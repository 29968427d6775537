"""event: お知らせ of the 特設サイト, edited in 「研修会議の設定」 (issue 10 §1)

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("event", sa.Column("notices", sa.Text(), server_default="", nullable=False))


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of the event table
    # would drop the original, and with it, by ON DELETE CASCADE, every venue and channel.
    op.drop_column("event", "notices")
