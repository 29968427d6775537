"""Programme editing per training (issue 10 §1): rows added, changed, deleted and moved with
plain POST buttons, each audited; the rows the questionnaire rates lock once it has answers,
and until then the questionnaire follows the programme."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.jpdates import now_utc
from app.core.models import AuditLog
from app.surveys import services as surveys
from tests.surveys.conftest import web_answer


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _audit(db, action: str = "event.programme") -> list[str]:
    query = select(AuditLog.detail).where(AuditLog.action == action).order_by(AuditLog.id)
    return list(db.session.scalars(query))


def _top_programme(client) -> str:
    """The public top page from its first programme table on."""
    html = client.get("/").get_data(as_text=True)
    return html[html.index('class="programme"') :]


def _rows(event, code: str = "t1"):
    return sorted(event.training(code).programme, key=lambda p: p.position)


def _open_survey(db, event):
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()


def test_move_down_by_post_changes_the_order_on_the_public_top_page(client, staff, db, event):
    staff(client)
    t1 = event.training("t1")
    first, second = _rows(event)[1], _rows(event)[2]  # 開会挨拶, then 【行政説明】…
    top = _top_programme(client)
    assert top.index(first.title) < top.index(second.title)
    page = client.get(f"/console/events/{event.id}/trainings/{t1.id}/programme")
    # a plain form button (no script needed): the browser posts step=1 to the move URL
    html = page.get_data(as_text=True)
    assert re.search(
        rf'<form method="post" action="[^"]*/programme/{first.id}/move".*?'
        r'<button type="submit" name="step" value="1"',
        html,
        re.S,
    )
    response = client.post(
        f"/console/events/{event.id}/programme/{first.id}/move", data={"step": "1"}
    )
    assert response.status_code == 302
    top = _top_programme(client)
    assert top.index(second.title) < top.index(first.title)
    assert _audit(db) == ["「開会挨拶」を下へ移動（2行目 → 3行目）"]
    # … and back up
    client.post(f"/console/events/{event.id}/programme/{first.id}/move", data={"step": "-1"})
    top = _top_programme(client)
    assert top.index(first.title) < top.index(second.title)


def test_add_edit_and_delete_a_row_each_audited_and_shown_on_the_top_page(client, staff, db, event):
    staff(client)
    t2 = event.training("t2")
    url = f"/console/events/{event.id}/trainings/{t2.id}/programme"
    bad = client.post(url, data={"time_from": "16：30", "time_to": "16：00", "title": "閉会"})
    assert bad.status_code == 422
    assert "終了時刻は開始時刻より後にしてください。" in _text(bad)
    response = client.post(
        url, data={"time_from": "16:20", "time_to": "16:30", "title": "閉会挨拶", "speaker": ""}
    )
    assert response.status_code == 302
    row = _rows(event, "t2")[-1]
    assert (row.time_label, row.title) == ("16：20～16：30", "閉会挨拶")
    assert "16：20～16：30" in _top_programme(client)
    edit = f"/console/events/{event.id}/programme/{row.id}"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="16：20"' in page and 'value="16：30"' in page  # the label split back
    client.post(edit, data={"time_from": "16：20", "time_to": "16：40", "title": "閉会挨拶"})
    assert "16：20～16：40" in _top_programme(client)
    response = client.post(f"/console/events/{event.id}/programme/{row.id}/delete")
    assert response.status_code == 302, _text(response)
    assert "閉会挨拶" not in _top_programme(client)
    assert _audit(db) == [
        "行を追加：16：20～16：30 閉会挨拶",
        "「閉会挨拶」の時間：16：20～16：30 → 16：20～16：40",
        "行を削除：16：20～16：40 閉会挨拶",
    ]


def test_before_answers_the_questionnaire_follows_the_programme(client, staff, db, event):
    _open_survey(db, event)
    staff(client)
    before = surveys.ensure_survey(event).definition.question("Q1_1").rows
    rated = [r for r in _rows(event) if r.survey_label]
    # the first two rated rows swap: 問1-1's rows follow
    client.post(f"/console/events/{event.id}/programme/{rated[0].id}/move", data={"step": "1"})
    rows = _rows(event)
    if rows.index(rated[0]) < rows.index(rated[1]):  # an unrated row sat between them
        client.post(f"/console/events/{event.id}/programme/{rated[0].id}/move", data={"step": "1"})
    after = surveys.ensure_survey(event).definition.question("Q1_1").rows
    assert after[:2] == (before[1], before[0])


def test_a_rated_row_is_locked_once_an_answer_exists_and_the_page_says_why(
    client, staff, db, event
):
    _open_survey(db, event)
    surveys.submit_response(event, "qr", web_answer())
    staff(client)
    t1 = event.training("t1")
    rated = next(r for r in _rows(event) if r.survey_label)
    unrated = next(r for r in _rows(event) if not r.survey_label)
    edit = f"/console/events/{event.id}/programme/{rated.id}"
    page = _text(client.get(edit))
    assert "既に回答があるため変更できません" in page
    response = client.post(edit, data={"title": "別の題名", "survey_label": rated.survey_label})
    assert "既に回答があるため、変更・削除・評価する行どうしの並べ替えはできません" in _text(
        response
    )
    response = client.post(f"/console/events/{event.id}/programme/{rated.id}/delete")
    assert response.status_code == 302
    listing = _text(client.get(response.headers["Location"]))
    assert "この行はアンケート（問1-1）で評価されています。" in listing
    assert "評価中：変更できません" in listing
    db.session.expire_all()
    assert rated.title != "別の題名" and rated in event.training("t1").programme
    # an unrated row still changes; a new rated row is refused
    response = client.post(
        f"/console/events/{event.id}/programme/{unrated.id}",
        data={"time_from": "9：40", "title": unrated.title},
    )
    assert response.status_code == 302
    response = client.post(
        f"/console/events/{event.id}/trainings/{t1.id}/programme",
        data={"title": "追加の講演", "survey_label": "追加の講演"},
    )
    assert "既に回答があるため、アンケートで評価する行は追加できません" in _text(response)
    assert [d for d in _audit(db) if "別の題名" in d or "追加の講演" in d] == []


def test_notices_appear_on_the_top_page_audited_and_are_not_copied_into_next_year(
    client, staff, db, event
):
    from app.events.services import clone_event

    staff(client)
    data = {
        key: getattr(event, key) or ""
        for key in (
            "name",
            "short_name",
            "theme",
            "organiser",
            "secretariat",
            "contact_email",
            "contact_phone",
            "contact_note",
            "privacy_notice",
            "webinar_url",
            "youtube_url",
            "waitlist_offer_hours",
            "upload_limit_mb",
            "retention_days",
        )
    }
    data["notices"] = "申込締切を延長しました。\n詳しくは事務局へ。\n\n資料を掲載しました。"
    response = client.post(f"/console/events/{event.id}", data=data)
    assert response.status_code == 302, _text(response)
    top = client.get("/").get_data(as_text=True)
    assert '<h2 id="notices-heading">お知らせ</h2>' in top
    assert (
        "<li>申込締切を延長しました。\n詳しくは事務局へ。</li><li>資料を掲載しました。</li>" in top
    )
    assert _audit(db, "event.update")[0].startswith("お知らせ：（なし） → 申込締切を延長しました。")
    clone = clone_event(event, 2024, "fy2024")
    assert clone.notices == "" and event.notice_list


def test_a_past_events_programme_is_shown_but_not_changed(client, staff, db, make_event):
    past = make_event(weeks=0)  # FY2023 as published: every channel has ended
    staff(client)
    t1 = past.training("t1")
    row = _rows(past)[1]
    page = client.get(f"/console/events/{past.id}/trainings/{t1.id}/programme")
    assert "設定は変更できません（表示のみ）" in _text(page)
    assert "行を追加する" not in _text(page) and 'name="step"' not in page.get_data(as_text=True)
    response = client.post(f"/console/events/{past.id}/programme/{row.id}/move", data={"step": "1"})
    assert "終了した研修会議の設定は変更できません" in _text(
        client.get(response.headers["Location"])
    )
    db.session.expire_all()
    assert _rows(past)[1].id == row.id and _audit(db) == []
