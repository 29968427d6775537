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


# ---------------------------------------------------------------- the questionnaire (issue 10 §6)


def _open_survey(db, *events):
    from datetime import timedelta

    from app.core.jpdates import now_utc

    for e in events:
        e.survey_opens_at = now_utc() - timedelta(days=1)
        e.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()


def _expected(db, target, qid: str, title: str) -> tuple[float, float] | None:
    """(肯定的評価 %, mean) of one programme row, computed here from the stored answers: the
    share of the top two (1 参考になった, 2 やや参考になった) among valid answers 1–5 and the
    mean with 参考になった = 5 … 1."""
    from sqlalchemy import select

    from app.surveys.models import Survey, SurveyResponse

    survey = db.session.scalar(select(Survey).where(Survey.event_id == target.id))
    rows = survey.definition.question(qid).rows
    if title not in rows:
        return None
    key = f"{qid}_{rows.index(title) + 1}_c"
    answers = db.session.scalars(
        select(SurveyResponse.answers).where(SurveyResponse.event_id == target.id)
    )
    codes = [int(a[key]) for a in answers if str(a.get(key)) in {"1", "2", "3", "4", "5"}]
    if not codes:
        return None
    positive = 100 * sum(1 for c in codes if c <= 2) / len(codes)
    return positive, sum(6 - c for c in codes) / len(codes)


def test_questionnaire_figures_are_matched_by_programme_title(
    client, staff, db, event, make_registration
):
    from sqlalchemy import select

    from app.events.models import ProgrammeItem
    from app.surveys.services import ensure_survey, submit_response
    from tests.surveys.conftest import web_answer

    clone = clone_event(event, 2024, "fy2024")
    renamed = db.session.scalar(
        select(ProgrammeItem).where(
            ProgrammeItem.training_id == clone.training("t1").id,
            ProgrammeItem.survey_label == "行政説明（老健局）",
        )
    )
    renamed.survey_label = "行政説明（老健局・新）"
    db.session.commit()
    _open_survey(db, event, clone)
    clone.channel("webinar").opens_at = event.channel("webinar").opens_at
    db.session.commit()
    for _ in range(4):
        make_registration("webinar")
    for _ in range(5):
        make_registration("webinar", target_event=clone)
    # 令和5年度: three answers; 令和6年度: two, row 1 of 問1-1 has another title
    for c in ("1", "3", "2"):
        submit_response(event, "web", web_answer(Q1_1_1_c=c, Q1_1_2_c="4", Q1_2_5_c=c))
    for c in ("5", "1"):
        submit_response(clone, "qr", web_answer(Q1_1_1_c=c, Q1_1_2_c="2", Q1_2_5_c="1"))
    assert ensure_survey(clone).definition.question("Q1_1").rows[0] == "行政説明（老健局・新）"

    staff(client, "analyst")
    page = _text(client.get("/console/events/compare"))
    assert "回収数（回答数） 3 2" in page
    # 回収率 over distinct registrants: 3 of 4 and 2 of 5
    assert "回収率%（申込者全体（重複を除く）） 75.0 40.0" in page
    old = _expected(db, event, "Q1_1", "行政説明（老健局）")
    new = _expected(db, clone, "Q1_1", "行政説明（老健局・新）")
    assert old == (200 / 3, 4.0) and new == (50.0, 3.0)
    # each title its own row, the year without it shown 「—」
    assert f"研修会議Ⅰ 行政説明（老健局） {old[0]:.1f} — {old[1]:.2f} —" in page
    assert f"研修会議Ⅰ 行政説明（老健局・新） — {new[0]:.1f} — {new[1]:.2f}" in page
    # a row both years have is matched by its title
    q = ensure_survey(event).definition.question("Q1_1")
    second = q.rows[1]
    a, b = _expected(db, event, "Q1_1", second), _expected(db, clone, "Q1_1", second)
    assert f"{second} {a[0]:.1f} {b[0]:.1f} {a[1]:.2f} {b[1]:.2f}" in page
    row5 = ensure_survey(event).definition.question("Q1_2").rows[4]
    a, b = _expected(db, event, "Q1_2", row5), _expected(db, clone, "Q1_2", row5)
    assert f"研修会議Ⅱ {row5} {a[0]:.1f} {b[0]:.1f} {a[1]:.2f} {b[1]:.2f}" in page

    book = load_workbook(io.BytesIO(client.get("/console/events/compare.xlsx").data))
    rates = [[c.value for c in row] for row in book["アンケート 回収率"].iter_rows()]
    assert ["回収数（回答数）", 3, 2] in rates
    ratings = [[c.value for c in row] for row in book["アンケート 評価"].iter_rows()]
    assert ["研修会議Ⅰ", "行政説明（老健局）", round(old[0], 1), None, 4.0, None] in ratings


def test_a_year_without_a_questionnaire_is_blank_and_not_created(client, staff, db, event):
    from sqlalchemy import func, select

    from app.surveys.models import Survey

    clone_event(event, 2024, "fy2024")
    staff(client, "secretariat")
    page = _text(client.get("/console/events/compare"))
    assert "回収数" not in page  # no questionnaire in any year: no survey tables
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0
