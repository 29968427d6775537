"""「会場を追加」 (issue 10 §1): a 研修会議Ⅱ venue added in the console is on the top page, in
the team application, in 資料１ and in the questionnaire's F3 — rebuilt in event order before
the first answer, appended at the end after it (old options and answers unchanged, the console
names the change) — and an answer for the new option is tabulated. Channel eligibility and
the venue's target are edited with their audit entries."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from app.core.jpdates import format_date, now_utc, to_jst
from app.core.models import AuditLog
from app.groupwork.assignments.pdf import venue_guide_pdf
from app.registration.models import Registration, Team
from app.surveys import services as surveys
from app.surveys.models import SurveyResponse
from tests.groupwork.assignments.test_console import _pdf_text
from tests.registration.test_views import _form, _member, _team_form
from tests.surveys.conftest import web_answer
from tests.surveys.test_excel_sheet import as_dropdown, fill


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _local(value) -> str:
    return to_jst(value).strftime("%Y-%m-%dT%H:%M")


def _audit(db, action: str) -> list[str]:
    query = select(AuditLog.detail).where(AuditLog.action == action).order_by(AuditLog.id)
    return list(db.session.scalars(query))


def new_venue_data(event, **overrides) -> dict:
    """The 「会場を追加」 form filled for 名古屋会場, two weeks after 東京会場."""
    tokyo = event.channel("t2_tokyo")
    data = {
        "name": "名古屋会場",
        "facility": "名古屋国際会議場",
        "room": "会議室131",
        "postal_code": "456-0036",
        "address": "愛知県名古屋市熱田区熱田西町1-1",
        "address_note": "",
        "url": "",
        "access": "名古屋市営地下鉄名城線「西高蔵駅」2番出口 徒歩5分",
        "emergency_contact": "研修会議事務局 TEL:070-3159-6309",
        "emergency_hours": "8：30～17：00",
        "room_rows": "3",
        "room_cols": "4",
        "table_count": "10",
        "table_min": "4",
        "table_max": "7",
        "large_team_threshold": "4",
        "scene_deadline": "",
        "assignment_deadline": "",
        "starts_at": _local(tokyo.starts_at + timedelta(weeks=2)),
        "ends_at": _local(tokyo.ends_at + timedelta(weeks=2)),
        "opens_at": _local(tokyo.opens_at),
        "closes_at": _local(tokyo.closes_at),
        "capacity": "40",
        "capacity_is_target": "y",
        "max_team_size": "6",
        "reception_label": "10時00分受付",
    }
    data.update(overrides)
    return data


def _add(client, event, **overrides):
    return client.post(
        f"/console/events/{event.id}/venues/new", data=new_venue_data(event, **overrides)
    )


def _open_survey(db, event):
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()


def _f3(event) -> list[str]:
    return [o.label for o in surveys.ensure_survey(event).definition.question("F3").options]


def test_added_venue_is_on_the_top_page_the_team_form_and_in_its_guide(client, staff, db, event):
    staff(client)
    page = client.get(f"/console/events/{event.id}/venues/new")
    assert page.status_code == 200 and "研修会議Ⅱの会場を追加" in _text(page)
    bad = _add(client, event, closes_at=new_venue_data(event)["ends_at"])
    assert "申込締切日時は開始日時までにしてください。" in _text(bad)
    bad = _add(client, event, emergency_contact="当日（10月20日）は事務局 金まで")
    assert "日付は書かないでください。" in _text(bad)
    assert len(event.venues) == 2
    response = _add(client, event)
    assert response.status_code == 302, _text(response)
    # 研修会議Ⅱ's 開催形式 names 東京会場・大阪会場 only: the console asks to update it
    assert "研修会議Ⅱの開催形式・注記に「名古屋会場」が書かれていません。" in _text(
        client.get(response.headers["Location"])
    )
    db.session.expire_all()
    venue = event.venues[-1]
    channel = event.venue_channels[-1]
    assert (venue.name, channel.label) == ("名古屋会場", "研修会議Ⅱ（名古屋会場）")
    assert channel.capacity_is_target and channel.capacity == 40
    top = _text(client.get("/"))
    assert "名古屋会場：名古屋国際会議場 会議室131" in top and "40名程度" in top
    form = client.get("/team/apply").get_data(as_text=True)
    assert re.search(rf'value="{channel.code}"[^>]*>\s*研修会議Ⅱ（名古屋会場）', form)
    response = client.post("/team/apply", data=_team_form([_member(1)], channel=channel.code))
    assert response.status_code == 302, _text(response)
    assert db.session.scalars(select(Team)).one().channel.venue.name == "名古屋会場"
    text, _ = _pdf_text(venue_guide_pdf(event, venue))
    flat = text.replace("\n", "").replace(" ", "")
    assert "愛知県名古屋市熱田区熱田西町1-1" in flat
    assert f"（※対応時間{format_date(channel.starts_at)}8：30～17：00）" in flat
    assert _audit(db, "event.venue_add") == [
        f"名古屋会場を追加（開催日時：{_text_date(channel.starts_at)}、定員：40名程度）"
    ]


def _text_date(value) -> str:
    from app.core.jpdates import format_datetime

    return format_datetime(value)


def test_before_any_answer_f3_is_rebuilt_in_the_events_order(client, staff, db, event):
    _open_survey(db, event)
    assert _f3(event)[1:3] == ["研修会議Ⅱ（東京会場）のみ参加", "研修会議Ⅱ（大阪会場）のみ参加"]
    staff(client)
    _add(client, event)
    assert _f3(event) == [
        "研修会議Ⅰのみ参加",
        "研修会議Ⅱ（東京会場）のみ参加",
        "研修会議Ⅱ（大阪会場）のみ参加",
        "研修会議Ⅱ（名古屋会場）のみ参加",
        "研修会議Ⅰと研修会議Ⅱ（東京会場）に参加",
        "研修会議Ⅰと研修会議Ⅱ（大阪会場）に参加",
        "研修会議Ⅰと研修会議Ⅱ（名古屋会場）に参加",
    ]
    assert "F3の選択肢の最後に追加" not in _text(client.get("/console/surveys/"))


def test_after_answers_the_new_venue_is_appended_and_its_answers_tabulated(
    client, staff, db, event
):
    _open_survey(db, event)
    old = _f3(event)
    surveys.submit_response(event, "qr", web_answer(F3="4"))  # Ⅰ and Ⅱ東京
    definition = surveys.ensure_survey(event).definition
    mailed = fill(surveys.survey_sheet(event), as_dropdown(definition, web_answer(F3="2")))
    staff(client)
    _add(client, event)
    f3 = _f3(event)
    assert f3[: len(old)] == old  # nothing reordered or removed
    assert f3[len(old) :] == [
        "研修会議Ⅱ（名古屋会場）のみ参加",
        "研修会議Ⅰと研修会議Ⅱ（名古屋会場）に参加",
    ]
    overview = _text(client.get("/console/surveys/"))
    assert "会場「名古屋会場」をF3の選択肢の最後に追加しました。" in overview
    surveys.submit_response(event, "qr", web_answer(F3=str(len(f3))))  # Ⅰ and Ⅱ名古屋
    _, _, tab = surveys.tabulate_event(event)
    rows = {r[0]: r[1] for r in tab.table("F3").rows}
    assert rows[f"{len(f3)}. 研修会議Ⅰと研修会議Ⅱ（名古屋会場）に参加"] == 1
    assert rows["4. 研修会議Ⅰと研修会議Ⅱ（東京会場）に参加"] == 1  # the old answer as it was
    # a sheet mailed before the venue was added is still read, its F3 meaning the same
    response = client.post(
        "/console/surveys/import",
        data={"files": [(io.BytesIO(mailed), "回答.xlsx")]},
        content_type="multipart/form-data",
    )
    assert "古いExcelシート" not in _text(response)
    _, _, tab = surveys.tabulate_event(event)
    assert {r[0]: r[1] for r in tab.table("F3").rows}["2. 研修会議Ⅱ（東京会場）のみ参加"] == 1
    assert len(_audit(db, "survey.append")) == 1
    assert _f3(event) == f3  # read again: appended once


def test_eligibility_change_refuses_a_now_ineligible_category_on_register(client, staff, db, event):
    staff(client)
    webinar = event.channel("webinar")
    url = f"/console/events/{event.id}/channels/{webinar.id}"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="pref"|value="pref"[^>]*checked', page)
    data = {
        "capacity": str(webinar.capacity),
        "opens_at": _local(webinar.opens_at),
        "closes_at": _local(webinar.closes_at),
        "eligibility_note": "※市町村担当者のみ。",
        "reason": "",
    }
    refused = client.post(url, data={**data, "eligible_categories": []})
    assert "申込できる参加区分を1つ以上選んでください。" in _text(refused)
    response = client.post(url, data={**data, "eligible_categories": ["muni"]})
    assert response.status_code == 302, _text(response)
    assert _audit(db, "event.channel") == [
        "申込できる参加区分：都道府県（及び保健所）担当者、市町村担当者 → 市町村担当者",
        "対象の説明：※都道府県（及び保健所）担当者、市町村担当者のみ。 → ※市町村担当者のみ。",
    ]
    client.post("/console/logout")
    html = _text(client.post("/register", data=_form(category="pref")))
    assert "ウェビナー参加は市町村担当者のみお申込みいただけます。" in html
    assert db.session.scalars(select(Registration)).first() is None
    assert "※市町村担当者のみ。" in _text(client.get("/"))


def test_a_venue_target_becomes_a_cap_with_its_audit_entry(client, staff, db, event):
    staff(client)
    tokyo = event.channel("t2_tokyo")
    url = f"/console/events/{event.id}/channels/{tokyo.id}"
    data = {
        "capacity": "50",
        "opens_at": _local(tokyo.opens_at),
        "closes_at": _local(tokyo.closes_at),
        "eligibility_note": tokyo.eligibility_note,
    }
    response = client.post(url, data=data)  # the box left unticked: a cap
    assert response.status_code == 302
    assert not tokyo.capacity_is_target
    assert _audit(db, "event.channel") == [
        "定員の扱い：目安（〇名程度。受付済／選定中を決める） → 上限（満席で受付終了）"
    ]
    before = event.channel("t2_osaka")
    assert before.capacity_is_target
    assert _text(client.get("/")).count("50名程度") == 1  # 大阪会場 only


def test_an_answer_sent_after_a_venue_was_added_is_checked_against_the_new_f3(
    client, staff, db, event
):
    """The submit keeps the parsed questionnaire per process and version (issue 12): a venue
    added after the first answers gives F3 new options, and the next answer sent by the web
    form may choose them."""
    _open_survey(db, event)
    slug, event_id = event.slug, event.id
    url = f"/survey/{slug}?ch=qr"
    assert client.get(url).status_code == 200
    first = client.post(url, data=web_answer(F3="4"))  # kept: the questionnaire as it was
    assert first.status_code == 302, _text(first)[:300]
    old = len(_f3(event))
    staff(client)
    assert _add(client, event).status_code == 302
    assert client.get(url).status_code == 200  # the page follows the event: F3 appended
    event = db.session.get(type(event), event_id)
    newest = len(_f3(event))
    assert newest == old + 2

    answer = client.post(url, data=web_answer(F3=str(newest)))

    assert answer.status_code == 302, _text(answer)[:300]
    stored = db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.event_id == event_id)
        .order_by(SurveyResponse.id.desc())
    ).first()
    assert stored.answers["F3"] == newest
