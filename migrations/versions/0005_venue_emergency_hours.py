"""venue: 当日の緊急連絡先's 対応時間 without a date (the day is the venue channel's)

Revision ID: 0005
Revises: 0004

Existing rows had the hours typed into ``emergency_contact`` with the day of one year
(「…（※対応時間 10月20日 8：30～17：00）」); the hours move to ``emergency_hours`` and the dated
part leaves the text, so 資料１ writes the day from the venue's 研修会議Ⅱ channel.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# 「（※対応時間 10月20日 8：30～17：00）」 at the end of the text (full- or half-width brackets).
DATED_HOURS = re.compile(r"\s*[（(]※?対応時間\s*\d{1,2}月\d{1,2}日\s*(?P<hours>[^）)]+?)\s*[）)]\s*$")

venue = sa.table(
    "venue",
    sa.column("id", sa.Integer),
    sa.column("emergency_contact", sa.Text),
    sa.column("emergency_hours", sa.String),
)


def split_dated_hours(text: str) -> tuple[str, str]:
    """(text without the dated hours, the hours) — the text unchanged and "" when none."""
    match = DATED_HOURS.search(text or "")
    if match is None:
        return text or "", ""
    return text[: match.start()], match["hours"]


def upgrade():
    with op.batch_alter_table("venue") as batch:
        batch.add_column(
            sa.Column("emergency_hours", sa.String(length=50), server_default="", nullable=False)
        )
    conn = op.get_bind()
    for row in conn.execute(sa.select(venue.c.id, venue.c.emergency_contact)).all():
        contact, hours = split_dated_hours(row.emergency_contact)
        if hours:
            conn.execute(
                venue.update()
                .where(venue.c.id == row.id)
                .values(emergency_contact=contact, emergency_hours=hours)
            )


def downgrade():
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(venue.c.id, venue.c.emergency_contact, venue.c.emergency_hours)
    ).all()
    for row in rows:
        if row.emergency_hours:
            conn.execute(
                venue.update()
                .where(venue.c.id == row.id)
                .values(emergency_contact=f"{row.emergency_contact}（※対応時間 {row.emergency_hours}）")
            )
    with op.batch_alter_table("venue") as batch:
        batch.drop_column("emergency_hours")
