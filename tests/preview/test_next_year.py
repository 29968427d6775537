"""Preview of next year's event before the 特設サイト shows it (issue 10 §2, attack session):
the secretariat sets up FY2024 with 「前年度から作成」 while FY2023 is still on the site, and
wants to see FY2024's top page and forms as they will look."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.events.models import Event
from app.events.services import training1_day


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _clone_fy2024(client, event):
    """「前年度から作成」: FY2024 from FY2023, its 研修会議Ⅰ a year later."""
    day = training1_day(event) + timedelta(weeks=52)
    return client.post(
        "/console/events/clone",
        data={
            "source": event.id,
            "fiscal_year": 2024,
            "slug": "fy2024",
            "training1_date": day.isoformat(),
        },
    )


def test_next_years_event_can_be_previewed_before_it_is_on_the_site(app, db, event, previewing):
    client = previewing()
    assert _clone_fy2024(client, event).status_code == 302
    fy2024 = db.session.scalar(select(Event).where(Event.slug == "fy2024"))
    fy2024.theme = "令和６年度のテーマ（プレビューで確認）"
    db.session.commit()
    # Still FY2023 on the public site …
    assert fy2024.theme not in _text(app.test_client().get("/"))
    # … and the プレビュー page offers FY2024, whose top page opens in preview.
    page = _text(client.get("/console/preview"))
    assert fy2024.name in page
    started = client.post("/console/preview/on", data={"event_id": fy2024.id})
    assert started.status_code == 302
    assert f"「{fy2024.name}」をプレビュー中です。" in _text(client.get("/console/preview"))
    top = _text(client.get("/"))
    assert fy2024.theme in top and "プレビュー中" in top
    # A test registration goes to FY2024, and the public still sees FY2023.
    public = _text(app.test_client().get("/"))
    assert fy2024.theme not in public and event.name in public


def test_a_test_registration_in_next_years_preview_goes_to_next_years_event(
    app, db, event, previewing
):
    """The 研修会議Ⅰ form in preview of FY2024 shows FY2024's deadline and stores the test
    registration in FY2024 (it took FY2023's channels before the event kept per worker,
    app.events.snapshot, went through ``previewed_event``)."""
    from app.core import preview
    from app.core.jpdates import format_datetime as jdatetime
    from app.registration.models import Registration
    from tests.preview.conftest import TEST_NAME, person_form

    client = previewing()
    _clone_fy2024(client, event)
    fy2024 = db.session.scalar(select(Event).where(Event.slug == "fy2024"))
    deadline = jdatetime(fy2024.channel("webinar").closes_at)
    fy2024_id = fy2024.id
    assert client.post("/console/preview/on", data={"event_id": fy2024_id}).status_code == 302
    assert deadline in _text(client.get("/register"))
    response = client.post("/register", data=person_form(TEST_NAME, "next@example.jp"))
    assert response.status_code == 302, _text(response)[:300]
    db.session.remove()
    stored = db.session.scalar(
        select(Registration)
        .where(Registration.name == TEST_NAME)
        .execution_options(**{preview.INCLUDE_TESTS: True})
    )
    assert stored.event_id == fy2024_id and stored.is_test is True
