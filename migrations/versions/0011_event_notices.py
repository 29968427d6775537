"""event: お知らせ of the 特設サイト, edited in 「研修会議の設定」 (issue 10 §1)

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("notices", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_column("notices")
