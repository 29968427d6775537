"""event_revision: a token per event that changes with every change to the event, its channels,
venues or trainings, so a worker can keep the event it serves on the public forms and know, with
one small SELECT, whether it is still current (issue 12, docs/performance.md: The event each
worker keeps)

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
    table = op.create_table(
        "event_revision",
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("event.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("token", sa.String(32), nullable=False),
    )
    bind = op.get_bind()
    events = bind.execute(sa.text("SELECT id FROM event")).scalars().all()
    if events:
        op.bulk_insert(table, [{"event_id": e, "token": uuid.uuid4().hex} for e in events])


def downgrade():
    op.drop_table("event_revision")
