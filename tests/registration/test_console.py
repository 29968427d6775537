"""The 事務局 console: login, the report's table, actions with audit, exports and import."""

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.core.models import AuditLog, OutboxMessage
from app.registration.models import Registration, Team


def test_console_requires_login_and_role(client, staff, event):
    assert client.get("/console/").status_code == 302
    analyst = staff(client, "analyst")
    assert analyst.get("/console/").status_code == 200
    assert analyst.get("/console/registrations").status_code == 403


def test_login_ignores_an_external_next_url(client, db):
    from app.core.auth import create_staff

    create_staff("jimu2", "事務局 次郎", "secretariat", "correct horse battery")
    response = client.post(
        "/console/login?next=https://evil.example/x",
        data={"login": "jimu2", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/console/"


@pytest.mark.slow
def test_dashboard_reproduces_the_reports_table_from_the_fy2023_population(
    client, staff, db, event
):
    from app.registration.population import seed_population

    seed_population(event)
    html = staff(client).get("/console/").get_data(as_text=True)
    table = html[
        html.index('id="applicants-table"') : html.index(
            "</table>", html.index('id="applicants-table"')
        )
    ]
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [
                re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            ]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        )
    }
    assert rows["ウェビナー"] == ["90", "362", "0", "0", "0", "0", "0", "0", "452"]
    assert rows["YouTube"] == ["159", "391", "4", "81", "180", "180", "29", "57", "1,081"]
    assert rows["研修会議Ⅰ"] == ["249", "753", "4", "81", "180", "180", "29", "57", "1,533"]
    assert rows["研修会議Ⅱ（東京会場）"][-1] == "65"
    assert rows["研修会議Ⅱ（大阪会場）"][-1] == "38"
    assert "研修会議Ⅰ：1,533 名" in html
    # Two over the 450 seats, each with its logged override, as in FY2023.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "admit_over_capacity")
        )
        == 2
    )
    # The export opens and holds the 1,533 rows.
    response = client.get("/console/export/registrations.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 1 + 1533
    assert [c.value for c in sheet[1]][:4] == ["受付番号", "参加方法", "状態", "氏名"]


def test_move_a_person_over_capacity_with_a_logged_reason(
    client, staff, db, event, make_registration
):
    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    person = make_registration("youtube", category="pref")
    console = staff(client)
    html = console.post(
        f"/console/registrations/{person.id}", data={"move-channel": "webinar"}
    ).get_data(as_text=True)
    assert "定員（1名）に達しました" in html
    html = console.post(
        f"/console/registrations/{person.id}",
        data={"move-channel": "webinar", "move-over_capacity": "y"},
    ).get_data(as_text=True)
    assert "定員を超えて受け付ける理由を入力してください。" in html
    console.post(
        f"/console/registrations/{person.id}",
        data={"move-channel": "webinar", "move-over_capacity": "y", "move-reason": "厚生局依頼"},
    )
    db.session.expire_all()
    moved = db.session.get(Registration, person.id)
    assert moved.channel.code == "webinar" and moved.over_capacity
    audit = console.get("/console/audit").get_data(as_text=True)
    assert "参加方法の変更" in audit and "厚生局依頼" in audit


def test_raise_capacity_from_the_dashboard(
    client, staff, db, event, make_registration, make_person
):
    from app.registration.services.individual import register_for_training1

    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    waiting = register_for_training1(event, "youtube", make_person("muni"), join_waitlist=True)
    console = staff(client)
    console.post(
        f"/console/channels/{event.channel('webinar').id}/capacity",
        data={"capacity": "2", "reason": "増席"},
    )
    db.session.expire_all()
    assert event.channel("webinar").capacity == 2
    assert db.session.get(Registration, waiting.id).open_waitlist_entry.status == "offered"


def test_decide_a_pending_team_with_adjustment(client, staff, db, event, make_team):
    event.channel("t2_tokyo").capacity = 2
    db.session.commit()
    team = make_team(size=4)
    assert team.status == "pending"
    console = staff(client)
    keep = [team.members[0].id, team.members[1].id]
    html = console.post(
        f"/console/teams/{team.id}",
        data={"decision": "adjusted", "keep_member": [team.members[3].id]},
    ).get_data(as_text=True)
    assert "代表者は参加者に含めてください。" in html
    console.post(
        f"/console/teams/{team.id}",
        data={"decision": "adjusted", "keep_member": keep, "reason": "会場の都合"},
    )
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert team.status == "adjusted" and [m.id for m in team.active_members] == keep
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "team_decision")
    ).one()
    assert mail.to_addr == team.representative.email and "会場の都合" in mail.body


def test_resend_a_mail(client, staff, db, event, make_registration):
    make_registration("youtube")
    message = db.session.scalars(select(OutboxMessage)).one()
    message.status = "sent"
    db.session.commit()
    staff(client).post(f"/console/outbox/{message.id}/resend")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "pending"


def test_exports_neutralise_formulas_and_csv_has_a_bom(
    client, staff, db, event, make_registration, make_team
):
    make_registration(
        "youtube", category="other", organisation='=HYPERLINK("http://x")', department="@SUM(A1)"
    )
    make_team(size=2)
    console = staff(client)
    sheet = load_workbook(io.BytesIO(console.get("/console/export/registrations.xlsx").data)).active
    # as typed, in text cells with Excel's quote prefix (never a formula, even when edited)
    cells = {c.value: c for c in sheet[2]}
    for typed in ('=HYPERLINK("http://x")', "@SUM(A1)"):
        assert (cells[typed].data_type, cells[typed].quotePrefix) == ("s", True)
    assert all(c.data_type != "f" for c in sheet[2])
    body = console.get("/console/export/registrations.csv").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][3] == "氏名" and "'@SUM(A1)" in rows[1]
    teams = load_workbook(io.BytesIO(console.get("/console/export/teams.xlsx").data)).active
    assert teams.max_row == 3 and teams["E2"].value == "北海道札幌市"


def _sheet(rows, headers=None):
    from app.registration.exports import IMPORT_HEADERS

    wb = Workbook()
    ws = wb.active
    ws.append(headers or IMPORT_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _row(n, channel="ウェビナー参加", category="市町村担当者", code="011002", org=""):
    return [
        channel,
        f"取込 太郎{n}",
        "とりこみ たろう",
        f"import{n}@city.example.jp",
        "",
        category,
        "",
        code,
        org,
        "高齢福祉課",
        "事務職",
    ]


def test_import_is_all_or_nothing_with_row_numbered_errors(client, staff, db, event):
    console = staff(client)
    bad = _sheet(
        [
            _row(1),
            _row(2, category="コーディネーター", code="", org="センター"),
            _row(3, channel="電話"),
        ]
    )
    html = console.post(
        "/console/import", data={"file": (bad, "申込.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "4行目：参加方法「電話」は選択肢にありません。" in html
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    bad = _sheet([_row(1), _row(2, category="コーディネーター", code="", org="センター")])
    html = console.post(
        "/console/import", data={"file": (bad, "申込.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "3行目：ウェビナー参加は都道府県（及び保健所）担当者、市町村担当者のみ" in html
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    good = _sheet(
        [
            _row(1),
            _row(
                2,
                channel="YouTubeライブ配信による参加",
                category="コーディネーター",
                code="",
                org="センター",
            ),
        ]
    )
    response = console.post(
        "/console/import", data={"file": (good, "申込.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


def test_import_applies_the_capacity(client, staff, db, event):
    event.channel("webinar").capacity = 1
    db.session.commit()
    html = (
        staff(client)
        .post(
            "/console/import",
            data={"file": (_sheet([_row(1), _row(2)]), "a.xlsx")},
            content_type="multipart/form-data",
        )
        .get_data(as_text=True)
    )
    assert "3行目：ウェビナー参加は定員（1名）に達しました。" in html
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_import_refuses_a_foreign_file(client, staff, db, event):
    console = staff(client)
    html = console.post(
        "/console/import",
        data={"file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Excelファイル（.xlsx）として読み込めません" in html
    html = console.post(
        "/console/import",
        data={"file": (_sheet([["a"]], headers=["名前"]), "x.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1行目：列「参加方法」" in html
