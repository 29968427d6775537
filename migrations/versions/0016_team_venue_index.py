"""ix_team_venue_counted: a venue's counted teams, which its head-count reads

Every 研修会議Ⅱ application counts its venue's head-count twice (before the lock and under it,
``models.team_headcount``): the active members of the venue's teams that are 受付済, 参加決定
or 人数調整. Without an index the count read every team of the venue, and each application
cost more than the one before (issue 12, docs/performance.md: Twelfth pass). A partial index
of the counted teams alone keeps the count as small as the head-count itself.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# models.COUNTED_TEAMS as it stood at this revision.
COUNTED_TEAMS = "status IN ('received', 'accepted', 'adjusted') AND is_test IS false"


def upgrade():
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(
            "ix_team_venue_counted",
            ["channel_id"],
            unique=False,
            sqlite_where=sa.text(COUNTED_TEAMS),
            postgresql_where=sa.text(COUNTED_TEAMS),
        )


def downgrade():
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index("ix_team_venue_counted")
