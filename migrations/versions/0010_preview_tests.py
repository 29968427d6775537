"""is_test on every table of participant data: what a preview sends (issue 10 §2)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = (
    "audit_log",
    "outbox_message",
    "pre_assignment",
    "pre_assignment_scene",
    "registration",
    "scene_choice",
    "survey_response",
    "team",
    "team_file",
    "team_member",
    "waitlist_entry",
)
CHILDREN_FIRST = (
    "pre_assignment_scene",
    "pre_assignment",
    "scene_choice",
    "team_file",
    "team_member",
    "team",
    "waitlist_entry",
    "registration",
    "survey_response",
    "outbox_message",
    "audit_log",
)
# (table, index, columns, partial condition): a test never blocks a participant's row.
UNIQUE_INDEXES = (
    ("registration", "uq_registration_event_email_active", ["event_id", "email_normalized"],
     "status = 'active'"),
    ("team", "uq_team_event_municipality_live", ["event_id", "municipality_code"],
     "status <> 'cancelled'"),
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
    for table, name, columns, where in UNIQUE_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
            batch_op.create_index(
                name,
                [*columns, "is_test"],
                unique=True,
                sqlite_where=sa.text(where),
                postgresql_where=sa.text(where),
            )


def downgrade():
    for table, name, columns, where in UNIQUE_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    # Without the column a test would become real: test rows go first, dependants first.
    for table in CHILDREN_FIRST:
        op.execute(f"DELETE FROM {table} WHERE is_test")
    for table, name, columns, where in UNIQUE_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                name,
                columns,
                unique=True,
                sqlite_where=sa.text(where),
                postgresql_where=sa.text(where),
            )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("is_test")
