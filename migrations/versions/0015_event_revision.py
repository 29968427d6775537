"""event.revision: a token that changes with every change to an event, its channels, venues or
trainings, so a worker can keep the event it serves on the public forms and know, with one
small SELECT, whether it is still current (issue 12, docs/performance.md: The event snapshot)

Revision ID: 0015
Revises: 0014
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch copy: on SQLite a copy of the event table would drop the
    # original and, by ON DELETE CASCADE, every venue and channel with it (as in 0011).
    op.add_column("event", sa.Column("revision", sa.String(32), nullable=False, server_default=""))
    bind = op.get_bind()
    event = sa.table("event", sa.column("id"), sa.column("revision"))
    for (event_id,) in bind.execute(sa.select(event.c.id)).all():
        bind.execute(event.update().where(event.c.id == event_id).values(revision=uuid.uuid4().hex))


def downgrade():
    op.drop_column("event", "revision")  # in place (SQLite ≥ 3.35), for the reason above
