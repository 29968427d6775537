"""The secretariat's tracker, reminder mails (previewed, then sent) and the 資料１ PDF."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.jpdates import format_date, now_utc, to_jst
from app.core.models import OutboxMessage
from app.events.services import clone_event
from app.groupwork.assignments import services
from app.groupwork.assignments.pdf import venue_guide_pdf
from app.groupwork.scenes import GROUPWORK_STEPS

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def teams(make_team):
    return make_team(size=3), make_team(size=2, channel="t2_osaka", municipality="012025")


def _outbox(db, kind="assignment_reminder"):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_tracker_shows_each_material_with_missing_and_late_marked(db, teams, staff, app):
    tokyo, osaka = teams
    services.save_scene_choice(tokyo, 1, 2)
    member = tokyo.active_members[1]
    services.save_pre_assignment(member, services.PreAssignmentData(name=member.name), submit=True)
    services.store_team_file(tokyo, "overview", "a.pdf", PDF, member=tokyo.representative)
    osaka.channel.venue.scene_deadline = now_utc() - timedelta(minutes=1)
    db.session.commit()

    console = staff(app.test_client())
    html = console.get("/console/groupwork/assignments/").get_data(as_text=True)
    assert "北海道札幌市" in html and "北海道函館市" in html
    assert "提出済</span>（日常の療養支援／入退院支援）" in html
    assert "1/3名" in html and "0/2名" in html
    assert "1件" in html
    assert "未提出（期限切れ）" in html  # 大阪 資料２ after its deadline
    only_osaka = console.get("/console/groupwork/assignments/?venue=osaka").get_data(as_text=True)
    assert "北海道函館市" in only_osaka and "北海道札幌市" not in only_osaka


def test_pending_team_is_not_tracked(db, make_team, staff, app):
    team = make_team(size=2)
    team.status = "declined"
    db.session.commit()
    html = staff(app.test_client()).get("/console/groupwork/assignments/").get_data(as_text=True)
    assert "参加する団体はまだありません。" in html


def test_reminders_are_previewed_then_only_ticked_ones_are_sent(db, teams, staff, app):
    tokyo, osaka = teams
    done = tokyo.active_members[1]
    services.save_pre_assignment(done, services.PreAssignmentData(name=done.name), submit=True)
    console = staff(app.test_client())
    preview = console.get("/console/groupwork/assignments/reminders?item=assignment")
    html = preview.get_data(as_text=True)
    missing = [m for m in tokyo.active_members + osaka.active_members if m.id != done.id]
    for member in missing:
        assert member.email in html
    assert done.email not in html
    assert "資料３ 事前課題のご提出のお願い" in html
    assert f"/t/{missing[0].token}/assignments" in html
    assert _outbox(db) == []  # preview sends nothing

    keys = [f"assignment:assignment:{m.id}" for m in missing[:2]]
    response = console.post(
        "/console/groupwork/assignments/reminders",
        data={"item": "assignment", "venue": "", "keys": keys, "confirmed": "1"},
    )
    assert response.status_code == 302
    sent = _outbox(db)
    assert sorted(m.to_addr for m in sent) == sorted(m.email for m in missing[:2])
    assert "提出期限：" in sent[0].body


def test_scene_reminder_goes_to_the_representative_of_teams_missing_it(db, teams, staff, app):
    tokyo, osaka = teams
    services.save_scene_choice(tokyo, 3, 4)
    console = staff(app.test_client())
    html = console.get("/console/groupwork/assignments/reminders?item=scene").get_data(as_text=True)
    assert osaka.representative.email in html
    assert tokyo.representative.email not in html
    assert osaka.active_members[1].email not in html
    console.post(
        "/console/groupwork/assignments/reminders",
        data={
            "item": "scene",
            "keys": [f"scene:scene:{osaka.representative.id}"],
            "confirmed": "1",
        },
    )
    assert [m.to_addr for m in _outbox(db)] == [osaka.representative.email]


def test_sending_nothing_ticked_is_refused(db, teams, staff, app):
    console = staff(app.test_client())
    response = console.post(
        "/console/groupwork/assignments/reminders",
        data={"item": "overview", "keys": [], "confirmed": "1"},
        follow_redirects=True,
    )
    assert "送信する宛先を選択してください。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 5  # sign-up mails


def test_console_needs_the_secretariat_role(client, teams, staff, app):
    assert client.get("/console/groupwork/assignments/").status_code == 302
    analyst = staff(app.test_client(), role="analyst")
    assert analyst.get("/console/groupwork/assignments/").status_code == 403


def _pdf_text(data: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(descriptor["/FontName"]))
    return text, fonts


def test_guide_pdf_holds_venue_address_and_the_eight_steps(client, teams):
    tokyo, _ = teams
    response = client.get(f"/t/{tokyo.active_members[1].token}/assignments/guide.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, fonts = _pdf_text(response.data)
    flat = text.replace("\n", "").replace(" ", "")
    venue = tokyo.channel.venue
    assert "資料１" in text
    assert "TKP新橋カンファレンスセンター" in flat and "ホール14D" in flat
    assert "東京都千代田区内幸町1-3-1幸ビルディング14階" in flat
    assert "都営三田線「内幸町駅」A5出口徒歩1分" in flat
    for step in GROUPWORK_STEPS:
        assert step.replace(" ", "") in flat, step
    assert "グループワーク～地域の実情に応じた事業マネジメントの検討～" in flat
    assert "参加者においては写真撮影、ビデオ撮影、録音はできません。" in flat
    assert venue.name in flat
    assert any("Noto-Sans-CJK-JP" in name for name in fonts), fonts


def test_guide_pdf_of_osaka_has_its_own_address(db, teams, staff, app):
    console = staff(app.test_client())
    response = console.get("/console/groupwork/assignments/guide/osaka.pdf")
    text, _ = _pdf_text(response.data)
    flat = text.replace("\n", "").replace(" ", "")
    assert "大阪府大阪市北区茶屋町1-27ABC-MART梅田ビル8階" in flat
    assert "東京都千代田区" not in flat


def test_guide_pdf_of_a_cloned_event_dates_everything_from_the_new_year(db, make_event):
    """資料１ after clone-event: the emergency contact's hours carry the new day of the venue
    (written in 令和 by the one helper) and no date of the old year is left anywhere."""
    source = make_event(weeks=0)  # FY2023 as published
    old_days = {
        d for c in source.channels for d in (c.opens_at, c.closes_at, c.starts_at, c.ends_at)
    } | {d for v in source.venues for d in (v.scene_deadline, v.assignment_deadline)}
    clone = clone_event(source, 2024, "fy2024")
    for venue in clone.venues:
        text, _ = _pdf_text(venue_guide_pdf(clone, venue))
        flat = text.replace("\n", "").replace(" ", "")
        day = clone.channel(f"t2_{venue.code}").starts_at
        assert to_jst(day).year == 2024
        assert f"（※対応時間{format_date(day)}8：30～17：00）" in flat, venue.name
        assert "TEL:070-3159-6309" in flat
        for old in old_days:
            local = to_jst(old)
            assert format_date(old) not in flat
            assert f"{local.month}月{local.day}日" not in flat, f"{venue.name}: {old}"
        assert "令和5年" not in flat and "令和５年" not in flat
        assert "令和６年度在宅医療・介護連携推進支援事業" in flat


def test_an_extension_with_a_day_typed_wrong_says_how_to_type_it(db, teams, staff, app):
    """A day typed wrong was answered 「日付を入力してください。」 (as if nothing was typed)."""
    tokyo, _ = teams
    console = staff(app.test_client())
    response = console.post(
        f"/console/groupwork/assignments/teams/{tokyo.id}/extend",
        data={"item": "scene", "deadline_date": "2027-13-45", "deadline_time": "12:00"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "日付を入力してください" not in page
    assert "日付は「2024-04-01」の形で入力してください。" in page
