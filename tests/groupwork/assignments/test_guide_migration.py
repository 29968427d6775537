"""Migration 0005: a venue's emergency hours typed with a date move to their own column."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.config import TestConfig

OLD_TEXT = (
    "都道府県・市町村担当者等研修会議事務局 株式会社富士通総研行政経営グループ 担当：金 "
    "TEL:070-3159-6309（※対応時間 10月20日 8：30～17：00）"
)


def test_migration_0005_moves_dated_hours_out_of_the_emergency_contact(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, instance_path=str(tmp_path))
    with app.app_context():
        from app.events.demo import seed_fy2023
        from app.extensions import db

        upgrade()
        seed_fy2023(0)
        db.session.remove()
        downgrade(revision="0004")
        with db.engine.begin() as conn:
            # as FY2023 was entered before 0005: the hours with the day in the free text
            conn.execute(text("UPDATE venue SET emergency_contact = :t"), {"t": OLD_TEXT})
            conn.execute(
                text("UPDATE venue SET emergency_contact = 'TEL:03-0000-0000' WHERE code = 'osaka'")
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = dict(
                (code, (contact, hours))
                for code, contact, hours in conn.execute(
                    text("SELECT code, emergency_contact, emergency_hours FROM venue")
                )
            )
        db.engine.dispose()
    assert rows["tokyo"] == (OLD_TEXT.split("（※")[0], "8：30～17：00")
    assert rows["osaka"] == ("TEL:03-0000-0000", "")  # nothing to move
