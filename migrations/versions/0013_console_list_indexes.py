"""indexes of the foreign keys the console pages load a page of rows by (issue 12)

The registrations page loads the waiting-list entries of its 100 rows in one query, the teams
list and the groupwork pages the members of their teams, the allocation pages the seats of
their tables: ``WHERE <fk> IN (…)``, which without these indexes scans the whole table.

Revision ID: 0013
Revises: 0009
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_registration_id"), ["registration_id"], unique=False
        )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_team_id"), ["team_id"], unique=False)
    with op.batch_alter_table("table_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_table_team_table_id"), ["table_id"], unique=False)


def downgrade():
    with op.batch_alter_table("table_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_table_team_table_id"))
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_team_id"))
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_registration_id"))
