"""申込・決定・参加 apart in the exports too (issue 11 §3): the registrations and teams workbooks
carry when each person attended, as a date cell, blank for those who did not."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from app.reception import services
from tests.reception.test_desk import scan
from tests.reception.test_webinar_import import upload, zoom_report


def _column(ws, title: str) -> list:
    heads = [c.value for c in ws[1]]
    col = heads.index(title) + 1
    return [ws.cell(r, col) for r in range(2, ws.max_row + 1)]


def test_exports_show_who_attended_and_when(db, desk, tokyo, make_team, make_registration):
    came, absent = make_registration("webinar"), make_registration("webinar")
    upload(desk, zoom_report([("はい", came.name, came.email, "120")]))
    team = make_team(size=2)
    scan(desk, tokyo, services.checkin_code(team.members[1].id))
    registrations = load_workbook(
        io.BytesIO(desk.get("/console/export/registrations.xlsx").data)
    ).active
    attended = dict(
        zip(
            [c.value for c in _column(registrations, "受付番号")],
            _column(registrations, "参加（当日）"),
            strict=True,
        )
    )
    assert attended[came.id].is_date and isinstance(attended[came.id].value, datetime)
    assert attended[absent.id].value is None
    teams = load_workbook(io.BytesIO(desk.get("/console/export/teams.xlsx").data)).active
    names = [c.value for c in _column(teams, "氏名")]
    times = _column(teams, "参加（当日）")
    by_name = dict(zip(names, times, strict=True))
    assert by_name[team.members[1].name].is_date
    assert by_name[team.members[0].name].value is None
