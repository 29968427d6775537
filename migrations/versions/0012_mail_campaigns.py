"""一斉メール: campaigns and their recipients; an index on the outbox's recipient address
(issue 10 §4, issue 12)

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import app.core.db

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filter_data", sa.JSON(), nullable=False),
        sa.Column("filter_description", sa.Text(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_mail_campaign_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_mail_campaign_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_campaign")),
    )
    op.create_index(op.f("ix_mail_campaign_event_id"), "mail_campaign", ["event_id"])
    op.create_table(
        "mail_campaign_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_normalized", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["mail_campaign.id"],
            name=op.f("fk_mail_campaign_recipient_campaign_id_mail_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_mail_campaign_recipient_message_id_outbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_campaign_recipient")),
        sa.UniqueConstraint(
            "campaign_id",
            "email_normalized",
            name=op.f("uq_mail_campaign_recipient_campaign_id"),
        ),
    )
    op.create_index(
        op.f("ix_mail_campaign_recipient_campaign_id"), "mail_campaign_recipient", ["campaign_id"]
    )
    op.create_index(
        op.f("ix_mail_campaign_recipient_message_id"), "mail_campaign_recipient", ["message_id"]
    )
    op.create_index(op.f("ix_outbox_message_to_addr"), "outbox_message", ["to_addr"])


def downgrade():
    op.drop_index(op.f("ix_outbox_message_to_addr"), table_name="outbox_message")
    op.drop_index(
        op.f("ix_mail_campaign_recipient_message_id"), table_name="mail_campaign_recipient"
    )
    op.drop_index(
        op.f("ix_mail_campaign_recipient_campaign_id"), table_name="mail_campaign_recipient"
    )
    op.drop_table("mail_campaign_recipient")
    op.drop_index(op.f("ix_mail_campaign_event_id"), table_name="mail_campaign")
    op.drop_table("mail_campaign")
