"""surveys tables

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import app.core.db  # noqa: F401  (UTCDateTime, used by the tables of this revision)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
