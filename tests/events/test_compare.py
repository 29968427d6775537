"""「年度比較」 (issue 10 §6): the years side by side on the page and in the workbook, read back
with openpyxl; a venue one year does not have is blank, never 0."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from app.events.models import Channel, Venue
from app.events.services import clone_event


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _two_years(db, event, make_registration, make_team):
    for _ in range(3):
        make_registration("webinar", "muni")
    make_registration("youtube", "pref")
    make_team(size=3)
    clone = clone_event(event, 2024, "fy2024")
    tokyo = clone.venues[0]
    block = Venue(code="kyushu", name="九州会場", position=9)
    clone.venues.append(block)
    db.session.flush()
    source = clone.channel("t2_tokyo")
    clone.channels.append(
        Channel(
            code="t2_kyushu",
            kind="venue",
            label="研修会議Ⅱ（九州会場）",
            training=source.training,
            venue=block,
            capacity=30,
            opens_at=source.opens_at,
            closes_at=source.closes_at,
            starts_at=source.starts_at,
            ends_at=source.ends_at,
            position=9,
        )
    )
    db.session.commit()
    assert tokyo.name
    return clone


def test_the_comparison_page_puts_the_years_side_by_side(
    client, staff, db, event, make_registration, make_team
):
    _two_years(db, event, make_registration, make_team)
    staff(client, "analyst")
    text = _text(client.get("/console/events/compare"))
    assert "令和5年度 令和6年度" in text
    assert "ウェビナー 市町村担当者 3 0" in text
    assert "YouTube 都道府県担当者 1 0" in text
    assert "ウェビナー 計 3 0" in text
    assert "研修会議Ⅱ（東京会場） 申込団体数 1 0" in text
    assert "研修会議Ⅱ（東京会場） 申込人数 3 0" in text
    assert "研修会議Ⅱ（九州会場） 申込団体数 — 0" in text


def test_the_comparison_workbook_holds_the_same_figures(
    client, staff, db, event, make_registration, make_team
):
    _two_years(db, event, make_registration, make_team)
    staff(client, "secretariat")
    response = client.get("/console/events/compare.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["申込者数（参加方法×参加区分）"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(["参加方法", "参加区分", "令和5年度", "令和6年度"])
    assert ["ウェビナー", "市町村担当者", 3, 0] in rows[header + 1 :]
    venues = [[c.value for c in row] for row in book["研修会議Ⅱ 会場別"].iter_rows()]
    assert ["研修会議Ⅱ（九州会場）", "申込団体数", None, 0] in venues
    assert ["研修会議Ⅱ（東京会場）", "申込人数", 3, 0] in venues
