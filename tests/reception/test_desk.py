"""The reception desk: by code, by search, double scan, wrong venue, not accepted, undo; the team
page's and the name cards' QR codes decoded back; the 受付名簿 PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.models import AuditLog
from app.groupwork.tables import pdf as tables_pdf
from app.groupwork.tables.services import allocate_tables
from app.reception import services
from app.reception.codes import read_code
from app.reception.models import Attendance
from app.registration.services.teams import cancel_team
from tests.groupwork.tables.test_services import municipalities, venue_of
from tests.reception.conftest import data_uri_png, decode_qr_png, rasterise


def scan(desk, channel, code):
    return desk.post(f"/console/reception/{channel.id}", data={"code": code}, follow_redirects=True)


def attendances(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Attendance))


def test_scanning_a_code_checks_the_person_in_with_time_and_staff(db, desk, tokyo, make_team):
    team = make_team(size=2)
    member = team.members[1]
    page = scan(desk, tokyo, services.checkin_code(member.id)).text
    assert f"{member.name}さん（北海道札幌市）を出席にしました" in page
    assert "出席 <strong>1</strong>名 ／ 参加予定 2名" in page
    row = db.session.scalar(select(Attendance))
    assert (row.team_member_id, row.source_label, row.staff.name) == (
        member.id,
        "受付（コード読取）",
        "事務局 secretariat",
    )
    assert "受付（コード読取）" in page and "事務局 secretariat" in page


def test_a_second_scan_says_already_checked_in_and_counts_once(db, desk, tokyo, make_team):
    member = make_team(size=2).members[0]
    code = services.checkin_code(member.id)
    scan(desk, tokyo, code)
    page = scan(desk, tokyo, code).text
    assert "は既に受付済みです" in page and "事務局 secretariat" in page
    assert attendances(db) == 1


def test_a_person_of_the_other_venue_is_not_checked_in(db, desk, tokyo, make_team):
    member = make_team(size=2, channel="t2_osaka", municipality="271004").members[0]
    page = scan(desk, tokyo, services.checkin_code(member.id)).text
    assert "大阪会場" in page and "の参加者です。この会場では受付できません。" in page
    assert attendances(db) == 0


def test_a_person_not_accepted_is_not_checked_in(db, desk, tokyo, make_team):
    team = make_team(size=2)
    cancel_team(team, by_staff=True)
    page = scan(desk, tokyo, services.checkin_code(team.members[0].id)).text
    assert "参加が決定していません（取消）" in page
    assert attendances(db) == 0


def test_a_forged_code_or_a_personal_link_is_refused(db, desk, tokyo, make_team):
    member = make_team(size=2).members[0]
    for text in (services.checkin_code(member.id)[:-1] + "A", member.token):
        page = scan(desk, tokyo, text).text
        assert "このコードは確認できません。もう一度読み取るか、氏名で検索してください。" in page
    assert attendances(db) == 0


def test_search_by_kana_then_check_in(db, desk, tokyo, make_team):
    team = make_team(size=2)
    member = team.members[1]
    member.kana = "サトウ ハナコ"
    db.session.commit()
    page = desk.get(f"/console/reception/{tokyo.id}?q=さとうはな").text
    assert "検索結果（1名）" in page and member.name in page
    response = desk.post(
        f"/console/reception/{tokyo.id}/member/{member.id}",
        data={"q": "さとうはな"},
        follow_redirects=True,
    )
    assert "を出席にしました" in response.text
    assert "受付済（" in desk.get(f"/console/reception/{tokyo.id}?q=サトウ").text
    assert db.session.scalar(select(Attendance)).source == "search"


def test_search_lists_people_of_the_other_venue_with_the_reason(desk, tokyo, make_team):
    member = make_team(size=1, channel="t2_osaka", municipality="271004").members[0]
    page = desk.get(f"/console/reception/{tokyo.id}", query_string={"q": member.name}).text
    assert "大阪会場" in page and "の参加者" in page and "出席にする" not in page


def test_undo_removes_the_attendance_and_is_audited(db, desk, tokyo, make_team):
    member = make_team(size=2).members[0]
    scan(desk, tokyo, services.checkin_code(member.id))
    row = db.session.scalar(select(Attendance))
    page = desk.post(
        f"/console/reception/attendance/{row.id}/undo",
        data={"reason": "別の方と取り違え"},
        follow_redirects=True,
    ).text
    assert "出席を取り消しました" in page
    assert attendances(db) == 0
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "reception.undo"))
    assert member.name in log.target and "別の方と取り違え" in log.detail
    audit_page = desk.get("/console/audit").text
    assert "当日受付の取消" in audit_page


def test_the_team_page_shows_a_qr_code_that_is_not_the_personal_link(client, make_team):
    member = make_team(size=2).members[1]
    html = client.get(f"/t/{member.token}").text
    assert "当日の受付用コード" in html
    texts = decode_qr_png(data_uri_png(html, "受付用QRコード"))
    assert texts == [services.checkin_code(member.id)]
    assert member.token not in texts[0]


@pytest.fixture
def allocation(db, event, make_team):
    for code in municipalities(db, 3):
        make_team(size=2, municipality=code)
    return allocate_tables(venue_of(event), time_limit=5)


def test_name_card_qr_decodes_from_the_rasterised_pdf(app, allocation, tmp_path):
    data = tables_pdf.name_cards_pdf(allocation)
    first = allocation.tables[0].members[0]
    (page,) = rasterise(data, tmp_path, dpi=150)
    texts = decode_qr_png(page)
    assert len(texts) == 1
    assert read_code(app.secret_key.encode(), texts[0]) == first.id


def test_roster_pdf_by_kana_and_by_table_with_check_boxes(db, desk, tokyo, allocation):
    members = [m for t in allocation.tables for m in t.members]
    for i, m in enumerate(members):
        m.kana = "アイウエオカキクケコ"[len(members) - 1 - i] + " タロウ"
    db.session.commit()
    services.check_in_member(allocation.event, tokyo, members[0].id, "scan", None)
    by_kana = desk.get(f"/console/reception/{tokyo.id}/roster.pdf?order=kana")
    assert by_kana.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(by_kana.data)).pages)
    compact = "".join(text.split())
    assert "受付名簿" in compact and "ふりがな順" in compact
    names = [compact.index("".join(m.name.split())) for m in reversed(members)]
    assert names == sorted(names)
    assert "済" in compact
    by_table = desk.get(f"/console/reception/{tokyo.id}/roster.pdf?order=table")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(by_table.data)).pages)
    compact = "".join(text.split())
    assert "卓順" in compact
    tables = [int(n) for n in re.findall(r"(\d+)卓", compact)]
    assert tables == sorted(tables) and tables


def test_paper_roster_entered_afterwards(db, desk, tokyo, make_team):
    member = make_team(size=2).members[1]
    page = desk.get(f"/console/reception/{tokyo.id}/roster").text
    assert member.name in page
    desk.post(
        f"/console/reception/{tokyo.id}/member/{member.id}",
        data={"source": "roster"},
        follow_redirects=True,
    )
    assert db.session.scalar(select(Attendance)).source_label == "受付名簿から入力"


def test_dashboard_shows_applied_decided_attended_side_by_side(db, desk, tokyo, make_team):
    from app.registration.services.teams import decide_team

    make_team(size=3)
    declined = make_team(size=2, municipality="012025")
    declined.status = "pending"
    db.session.commit()
    decide_team(declined, "declined")
    member = make_team(size=2, municipality="012033").members[0]
    scan(desk, tokyo, services.checkin_code(member.id))
    html = desk.get("/console/").text
    stages = html[html.index('id="stages-table"') :]
    stages = stages[: stages.index("</table>")]
    row = re.search(r"<th>研修会議Ⅱ（東京会場）</th>(.*?)</tr>", stages).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["7", "5", "1"]
    youtube = re.search(r"<th>[^<]*YouTube[^<]*</th>(.*?)</tr>", stages).group(1)
    assert "把握できません" in youtube
    attendance = html[html.index('id="attendance-table"') :]
    assert "研修会議Ⅱ（東京会場）" in attendance[: attendance.index("</table>")]


def test_a_very_long_name_is_checked_in_and_undone_with_the_audit_target_cut(
    db, desk, tokyo, make_team
):
    member = make_team(size=2).members[1]
    member.name = "長" * 100
    db.session.commit()
    page = scan(desk, tokyo, services.checkin_code(member.id)).text
    assert "を出席にしました" in page
    row = db.session.scalar(select(Attendance))
    desk.post(f"/console/reception/attendance/{row.id}/undo", data={"reason": ""})
    targets = db.session.scalars(select(AuditLog.target).where(AuditLog.action.like("reception.%")))
    assert all(len(t) <= 100 for t in targets)
    assert attendances(db) == 0
