"""The questionnaire mail: one outbox message per distinct registrant with QR code and sheet."""

import io

import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from app.core.models import OutboxMessage
from app.surveys import services


def survey_mails(db):
    return db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "survey_invite")
    ).all()


def test_one_mail_per_distinct_registrant_with_attachments(
    client, staff, db, open_event, make_registration, make_team
):
    make_registration("webinar", email="same@city.example.jp")
    make_registration("youtube", "kankei_dantai", organisation="医師会")
    team = make_team(size=2)
    team.members[1].email = "SAME@city.example.jp"
    team.members[1].email_normalized = "same@city.example.jp"
    db.session.commit()
    staff(client, "secretariat")
    response = client.post("/console/surveys/mail", data={"confirmed": "1"})
    assert response.status_code == 302
    mails = survey_mails(db)
    assert len(mails) == 3  # 2 registrations + 2 members, one address shared
    mail = mails[0]
    assert "参加者アンケート" in mail.subject
    assert f"http://localhost/survey/{open_event.slug}?ch=mail" in mail.body
    files = {a.filename: a for a in mail.attachments}
    png = files["survey_qr.png"].data
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [
        f"http://localhost/survey/{open_event.slug}?ch=mail"
    ]
    sheet = files[f"{open_event.slug}_アンケート.xlsx"].data
    assert load_workbook(io.BytesIO(sheet))["_meta"]["B2"].value == open_event.slug
    # a second run reaches nobody twice
    assert services.queue_survey_invitations(open_event) == 0
    page = client.get("/console/surveys/mail").text
    assert "送信待ち" in page and '<td class="num">3</td>' in page


def test_overview_links_for_the_secretariat_only(client, staff, open_event):
    staff(client, "analyst")
    page = client.get("/console/surveys/").text
    assert "集計結果（表・グラフ）" in page and "用紙の入力" not in page
    assert "アンケート" in page  # console navigation entry


def test_the_mail_asks_first_with_how_many_and_whether_the_period_has_begun(
    client, staff, db, event, make_registration
):
    """Issue 10 §5: a plain POST changes nothing; the confirmation says how many would be
    mailed and that the answering period has not begun (the fixture's opens on the day)."""
    make_registration("webinar")
    make_registration("youtube", "kankei_dantai", organisation="医師会")
    staff(client, "secretariat")
    page = client.post("/console/surveys/mail").get_data(as_text=True)
    assert "確認：アンケート依頼メールの一斉送信" in page
    assert "まだ送っていない申込者2名" in page and "2名にメールを送る" in page
    assert "回答期間がまだ始まっていません" in page
    assert survey_mails(db) == []
    assert client.post("/console/surveys/mail", data={"confirmed": "1"}).status_code == 302
    assert len(survey_mails(db)) == 2
    page = client.post("/console/surveys/mail").get_data(as_text=True)
    assert "2件は送信済みです" in page and "0名にメールを送る" in page
