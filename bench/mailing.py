"""How long a 一斉メール takes on the FY2023 population (issue 10 §4): choosing the group,
the preview, and sending (queueing one outbox row per address in one transaction).

    .venv/bin/python bench/mailing.py [DATABASE_URL]

Without an argument a fresh SQLite file in a temporary folder is used; with a PostgreSQL URL
(a database of its own: it is migrated and filled) the same on PostgreSQL. Prints seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else None
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), app.test_request_context():
        upgrade()
        from app.core.municipalities import ensure_master
        from app.events.demo import demo_shift_weeks, seed_fy2023
        from app.mailing.services import RecipientFilter, preview, send_campaign
        from app.registration.population import seed_population

        ensure_master()
        event = seed_fy2023(demo_shift_weeks())
        seed_population(event)
        subject = "【研修会議】明日のご案内（〔氏名〕様）"
        body = "〔氏名〕様\n\n参加URL：〔ウェビナーURL〕\n個人ページ：〔個人ページURL〕\n締切：〔締切〕\n"
        for label, flt in (
            ("ウェビナー参加", RecipientFilter(channels=("webinar",))),
            ("全員", RecipientFilter()),
        ):
            start = time.perf_counter()
            shown = preview(event, flt, subject, body)
            previewed = time.perf_counter() - start
            start = time.perf_counter()
            campaign = send_campaign(
                event, flt, subject, body, staff_id=None, expected_count=len(shown.recipients)
            )
            sent = time.perf_counter() - start
            print(
                f"{label}: {campaign.recipient_count}名  preview {previewed:.2f} s  "
                f"send (queue) {sent:.2f} s"
            )


if __name__ == "__main__":
    main()
