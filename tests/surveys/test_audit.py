"""The 操作履歴 of the questionnaire names its targets as a person reads them: the event's name,
「用紙番号 112」, never an internal ``event:3`` or ``paper:112``."""

import io
import re

from app.surveys import services
from app.surveys.services import AUDIT_ACTIONS
from tests.core.test_labels import visible_text
from tests.events.test_venues import new_venue_data
from tests.surveys.conftest import web_answer
from tests.surveys.test_excel_sheet import as_dropdown, fill
from tests.surveys.test_paper import entry

INTERNAL = re.compile(r"^[a-z_]+:\S+$")


def audit_rows(client) -> list[list[str]]:
    page = client.get("/console/audit").text
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page, re.S)
    return [[visible_text(c).strip() for c in row.split("</td><td>")] for row in rows]


def test_every_questionnaire_action_names_its_target_in_words(app, client, staff, open_event):
    with app.test_request_context():
        services.regenerate_survey(open_event)
        # before the first answer the questionnaire follows the programme
        rated = next(p for p in open_event.trainings[0].programme if p.survey_label)
        rated.survey_label += "（改）"
        services.ensure_survey(open_event)
    staff(client, "admin")
    client.post("/console/surveys/entry", data=entry(paper_no="112"))
    # after it, a venue added to the event is appended to F3
    client.post(f"/console/events/{open_event.id}/venues/new", data=new_venue_data(open_event))
    definition = services.ensure_survey(open_event).definition
    sheet = fill(services.survey_sheet(open_event), as_dropdown(definition, web_answer()))
    client.post(
        "/console/surveys/import",
        data={"files": [(io.BytesIO(sheet), "回答_山田.xlsx")]},
        content_type="multipart/form-data",
    )
    client.post("/console/surveys/mail", data={"confirmed": "1"})
    rows = {row[2]: row for row in audit_rows(client)}
    # every action the questionnaire declares was written, so none escapes the check below
    assert set(AUDIT_ACTIONS.values()) <= set(rows)
    for label in AUDIT_ACTIONS.values():
        target = rows[label][3]
        assert target and not INTERNAL.match(target), (label, target)
    event_target = f"{open_event.name}　参加者アンケート"
    assert rows["紙のアンケートの入力"][3] == "用紙番号 112"
    assert rows["アンケート設問の再作成"][3] == event_target
    assert rows["アンケートExcelの取込"][3:] == [event_target, "1件のExcelシート：回答_山田.xlsx"]
    assert rows["アンケート依頼メールの送信"][3] == event_target
    assert rows["アンケートF3の選択肢の追加"][3:] == [
        event_target,
        "会場「名古屋会場」をF3の選択肢に追加（回答があるため最後に追加）",
    ]
