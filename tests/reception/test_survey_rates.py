"""Response rates of the questionnaire can be taken against attendees (issue 11 §3): once the
webinar's report is imported and people are checked in, the rates table has rows over them."""

from __future__ import annotations

from datetime import timedelta

from app.core.jpdates import now_utc
from app.reception import services as reception
from app.surveys import services as surveys
from tests.core.test_labels import visible_text
from tests.reception.test_desk import scan
from tests.reception.test_webinar_import import upload, zoom_report
from tests.surveys.conftest import web_answer


def test_rates_against_attendees_appear_once_attendance_is_recorded(
    db, desk, event, tokyo, make_registration, make_team
):
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    webinar = [make_registration("webinar") for _ in range(4)]
    team = make_team(size=3)
    surveys.submit_response(event, "qr", web_answer())  # a 研修会議Ⅰ answer (F3 = 1)
    before = visible_text(desk.get("/console/surveys/results").text)
    assert "当日参加者" not in before  # nothing recorded yet: no such base
    upload(desk, zoom_report([("はい", p.name, p.email, "100") for p in webinar[:2]]))
    for member in team.members[:2]:
        scan(desk, tokyo, reception.checkin_code(member.id))
    after = visible_text(desk.get("/console/surveys/results").text)
    assert "研修会議Ⅰ当日参加者（ウェビナー）" in after
    assert "研修会議Ⅱ当日参加者" in after
    lines = [line.strip() for line in after.splitlines() if line.strip()]
    row = lines.index("研修会議Ⅰ当日参加者（ウェビナー）")
    assert lines[row + 1 : row + 4] == ["1", "2", "50.0"]  # 1 answer over 2 attendees
