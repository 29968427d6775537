"""one-time submission keys of POST forms; the matching key (search_key) of registrants and
team members, filled from what is stored (issue 9 §2, §5)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import app.core.db
from app.core.text import search_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PEOPLE = ("registration", "team_member")


def upgrade():
    op.create_table(
        "submission_key",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("flashes", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_submission_key_created_at", "submission_key", ["created_at"])
    for table in PEOPLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("search_key", sa.String(length=1000), nullable=False, server_default="")
            )
    bind = op.get_bind()
    for name in PEOPLE:
        table = sa.table(
            name,
            sa.column("id"),
            sa.column("name"),
            sa.column("kana"),
            sa.column("email"),
            sa.column("organisation"),
            sa.column("department"),
            sa.column("search_key"),
        )
        rows = bind.execute(
            sa.select(
                table.c.id,
                table.c.name,
                table.c.kana,
                table.c.email,
                table.c.organisation,
                table.c.department,
            )
        ).all()
        for row in rows:
            key = search_key(row.name, row.kana, row.email, row.organisation, row.department)
            bind.execute(sa.update(table).where(table.c.id == row.id).values(search_key=key))


def downgrade():
    for table in PEOPLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_key")
    op.drop_index("ix_submission_key_created_at", table_name="submission_key")
    op.drop_table("submission_key")
