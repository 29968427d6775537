"""Mails tried as a new secretariat member would (issue 10 §4, attack session): what the
analyst sees of a mail with a personal link in its subject, and the wording of the mails a
team's people receive."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from app.core.models import OutboxMessage
from app.mailing.models import Campaign, CampaignRecipient
from app.registration.services.teams import cancel_team


def test_a_personal_link_in_the_subject_is_masked_for_analysts_too(
    client, staff, db, event, population
):
    """〔個人ページURL〕 is offered for the subject as for the body; the body was masked for
    分析担当 but the subject above it showed the whole link."""
    staff(client)
    client.post(
        "/console/mailing/new",
        data={
            "channels": ["webinar"],
            "subject": "個人ページ：〔個人ページURL〕",
            "body": "〔氏名〕様",
            "send": "1",
            "expected_count": "2",
        },
    )
    client.post("/console/logout")
    first = population.webinar[0]
    recipient = db.session.scalar(
        select(CampaignRecipient).where(CampaignRecipient.email == first.email)
    )
    staff(client, "analyst")
    page = unescape(
        client.get(f"/console/mailing/messages/{recipient.message_id}").get_data(as_text=True)
    )
    assert first.name in page
    assert first.token not in page
    assert "個人ページ：http://localhost/r/***" in page


def test_the_cancellation_mail_names_the_venue_once(db, event, make_team):
    """「研修会議Ⅱ（研修会議Ⅱ（東京会場））のお申込みを取り消しました」: the channel's label
    already says 研修会議Ⅱ and the venue."""
    team = make_team(2, "t2_tokyo")
    cancel_team(team, by_staff=True, reason="電話で取消")
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "cancel")).all()
    assert mails
    for mail in mails:
        assert "研修会議Ⅱ（研修会議Ⅱ" not in mail.body
        assert "研修会議Ⅱ（東京会場）のお申込みを取り消しました" in mail.body


def test_the_personal_links_mail_names_the_venue_once(client, db, event, make_team):
    team = make_team(2, "t2_osaka")
    address = team.representative.email
    client.post("/resend-link", data={"email": address})
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "personal_links"))
    assert mail is not None and mail.to_addr == address
    assert "研修会議Ⅱ（研修会議Ⅱ" not in mail.body
    assert "研修会議Ⅱ（大阪会場）" in mail.body


def test_a_text_edited_after_the_preview_is_not_sent_unseen(client, staff, db, event, population):
    """The preview page keeps the form editable next to 「N名に送信する」: a body changed after
    「送信先と文面を確認」 (same group, same count) went out without anyone having seen it."""
    staff(client)
    data = {"channels": ["webinar"], "subject": "明日のご案内", "body": "〔氏名〕様 明日10時から"}
    preview = client.post("/console/mailing/new", data={**data, "check": "1"})
    page = preview.get_data(as_text=True)
    hidden = dict(
        re.findall(r'<input[^>]*name="(expected_count|previewed)"[^>]*value="([^"]*)"', page)
    )
    hidden |= {
        name: value
        for value, name in re.findall(
            r'<input[^>]*value="([^"]*)"[^>]*name="(expected_count|previewed)"', page
        )
    }
    assert hidden.get("expected_count") == "2"
    edited = {**data, "body": "〔氏名〕様 明日9時から（未確認の文面）", **hidden, "send": "1"}
    response = client.post("/console/mailing/new", data=edited)
    assert response.status_code == 200
    assert "もう一度「送信先と文面を確認」" in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Campaign.id))) == 0
    # Sent as previewed, it goes.
    response = client.post("/console/mailing/new", data={**data, **hidden, "send": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(Campaign.body)) == data["body"]


def test_the_team_mails_put_the_venue_on_a_line_of_its_own(db, event, make_team):
    """「10:30～16:30（10時00分受付）■ 会場：TKP…」: the reception note's closing tag ate the
    line break, so the venue ran on after the time in every team mail (受付, 参加決定 …)."""
    make_team(2, "t2_tokyo")
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert "）\n■ 会場：" in mail.body, mail.body


def test_the_recipient_list_names_the_venue_once(client, staff, db, event, population):
    """The 区分 column read 「研修会議Ⅱ 研修会議Ⅱ（東京会場） 北海道札幌市（代表者）」."""
    staff(client)
    response = client.post(
        "/console/mailing/new",
        data={"channels": ["t2_tokyo"], "subject": "s", "body": "〔氏名〕様", "check": "1"},
    )
    page = unescape(response.get_data(as_text=True))
    assert "研修会議Ⅱ（東京会場） 北海道札幌市（代表者）" in page
    assert "研修会議Ⅱ 研修会議Ⅱ" not in page
