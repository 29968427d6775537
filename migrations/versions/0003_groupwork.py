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
    pass


def downgrade():
    pass
