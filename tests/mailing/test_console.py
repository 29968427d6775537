"""The 一斉メール console: preview writes nothing, an unknown placeholder is refused, sending
queues one mail per address with its history and progress, 分析担当 sees links masked."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.core.mail import queue_mail, send_pending
from app.core.models import AuditLog, OutboxMessage
from app.mailing.models import Campaign, CampaignRecipient

SUBJECT = "【研修会議】明日のご案内（〔氏名〕様）"
BODY = "〔氏名〕様\n\nウェビナー参加URL：〔ウェビナーURL〕\n個人ページ：〔個人ページURL〕\n"


def _outbox(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _webinar(**extra):
    return {"channels": ["webinar"], "subject": SUBJECT, "body": BODY, **extra}


def test_preview_shows_the_group_and_one_persons_mail_and_queues_nothing(
    client, staff, db, event, population
):
    staff(client)
    before = _outbox(db)
    first, second = population.webinar
    response = client.post("/console/mailing/new", data=_webinar())
    html = _text(response)
    assert response.status_code == 200
    assert "送信先：2名" in html and "2名に送信する" in html
    assert f"{first.name}様" in html and event.webinar_url in html
    assert f"/r/{first.token}" in html
    # Choosing another recipient shows his or her mail.
    html = _text(client.post("/console/mailing/new", data=_webinar(preview_for=f"r{second.id}")))
    assert f"{second.name} 様に届くメール" in html and f"/r/{second.token}" in html
    assert _outbox(db) == before
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_an_unknown_placeholder_is_refused_next_to_its_field_and_nothing_is_queued(
    client, staff, db, event, population
):
    staff(client)
    before = _outbox(db)
    for extra in ({}, {"send": "1", "expected_count": "2"}):
        data = _webinar(body="〔名前〕様\n〔会場〕にお越しください。", **extra)
        html = _text(client.post("/console/mailing/new", data=data))
        assert "使えない差し込み項目があります：〔名前〕" in html
        assert "送信先：" not in html
    assert _outbox(db) == before


def test_send_queues_one_mail_per_address_and_the_history_lists_them(
    client, staff, db, event, population
):
    staff(client)
    before = _outbox(db)
    # Everyone: 研修 一郎 is both a webinar registrant and a member of the 東京 team.
    preview = _text(client.post("/console/mailing/new", data={"subject": SUBJECT, "body": BODY}))
    count = int(re.search(r"送信先：(\d+)名", preview)[1])
    assert count == 6
    response = client.post(
        "/console/mailing/new",
        data={"subject": SUBJECT, "body": BODY, "send": "1", "expected_count": str(count)},
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/console/mailing/{campaign.id}")
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "campaign").order_by(OutboxMessage.id)
    ).all()
    assert _outbox(db) == before + count == before + len(mails)
    assert len({m.to_addr.lower() for m in mails}) == count
    first = population.webinar[0]
    mine = next(m for m in mails if m.to_addr == first.email)
    assert mine.subject == f"【研修会議】明日のご案内（{first.name}様）"
    assert f"/r/{first.token}" in mine.body and event.webinar_url in mine.body
    assert event.contact_email in mine.body  # the campaign template's footer
    osaka_rep = population.osaka.representative
    theirs = next(m for m in mails if m.to_addr == osaka_rep.email)
    assert f"{osaka_rep.name}様" in theirs.body and f"/t/{osaka_rep.token}" in theirs.body
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "mailing.send"))
    page = _text(client.get(f"/console/mailing/{campaign.id}"))
    assert "送信待ち：6件" in page
    for m in mails:
        assert m.to_addr in page
    send_pending()
    page = _text(client.get(f"/console/mailing/{campaign.id}"))
    assert "ログ出力のみ（SMTP未設定）：6件" in page and "送信待ち：0件" in page
    index = _text(client.get("/console/mailing/"))
    assert SUBJECT in index and "参加方法・会場：すべて" in index


def test_sending_to_a_group_that_changed_since_the_preview_is_refused(
    client, staff, db, event, population, make_registration
):
    staff(client)
    make_registration("webinar")  # a third webinar registrant after a preview of two
    before = _outbox(db)
    html = _text(client.post("/console/mailing/new", data=_webinar(send="1", expected_count="2")))
    assert "確認した後に送信先が変わりました（3名）" in html
    assert _outbox(db) == before
    html = _text(client.post("/console/mailing/new", data=_webinar(send="1")))
    assert "確認した後に送信先が変わりました" in html and _outbox(db) == before


def test_a_double_submission_sends_once(client, staff, db, event, population):
    staff(client)
    data = _webinar(send="1", expected_count="2", _submission="k" * 32)
    client.post("/console/mailing/new", data=data)
    client.post("/console/mailing/new", data=data)
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1


@pytest.fixture
def sent(client, staff, db, event, population):
    staff(client)
    client.post("/console/mailing/new", data=_webinar(send="1", expected_count="2"))
    client.post("/console/logout")
    return db.session.scalar(select(Campaign))


def test_analysts_see_mail_bodies_with_personal_links_masked(client, staff, db, sent, population):
    first = population.webinar[0]
    recipient = db.session.scalar(
        select(CampaignRecipient).where(CampaignRecipient.email == first.email)
    )
    staff(client, "analyst")
    assert client.get(f"/console/mailing/{sent.id}").status_code == 200
    html = _text(client.get(f"/console/mailing/messages/{recipient.message_id}"))
    assert first.token not in html and "/r/***" in html and first.name in html
    # The 参加決定 mail of a team, outside any campaign: masked too.
    decision = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "team"))
    html = _text(client.get(f"/console/mailing/messages/{decision.id}"))
    assert "/t/***" in html
    assert client.get("/console/mailing/new").status_code == 403
    client.post("/console/logout")
    staff(client, "secretariat")
    html = _text(client.get(f"/console/mailing/messages/{recipient.message_id}"))
    assert f"/r/{first.token}" in html


def _statements(db, call) -> int:
    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", counter)
    try:
        call()
    finally:
        sa_event.remove(engine, "before_cursor_execute", counter)
    return count


def test_outbox_and_campaign_pages_take_as_many_statements_for_many_rows_as_for_few(
    client, staff, db, sent
):
    staff(client)
    few_outbox = _statements(db, lambda: client.get("/console/outbox"))
    few_campaign = _statements(db, lambda: client.get(f"/console/mailing/{sent.id}"))
    for n in range(150):
        queue_mail(f"bulk{n}@example.jp", f"件名{n}", "本文", event_id=sent.event_id)
    db.session.commit()
    assert _statements(db, lambda: client.get("/console/outbox")) == few_outbox
    assert _statements(db, lambda: client.get(f"/console/mailing/{sent.id}")) == few_campaign


def test_outbox_pages_and_searches_by_address_and_subject(client, staff, db, event, population):
    staff(client)
    for n in range(130):
        queue_mail(f"bulk{n}@example.jp", f"まとめて{n}", "本文", event_id=event.id)
    db.session.commit()
    total = _outbox(db)
    first = _text(client.get("/console/outbox"))
    assert f"{total}件" in first and "次へ" in first
    assert first.count("<tr>") == 101  # a header and 100 rows
    second = _text(client.get("/console/outbox?page=2"))
    assert second.count("<tr>") == 1 + total - 100 and "前へ" in second
    person = population.webinar[1]
    mine = _text(client.get("/console/outbox", query_string={"q": person.email}))
    assert mine.count("<tr>") == 1 + db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_addr == person.email)
    )
    assert "bulk1@" not in mine
    words = _text(client.get("/console/outbox", query_string={"q": "まとめて12"}))
    assert "まとめて12" in words and "まとめて13" not in words
    assert (
        client.get("/console/outbox", query_string={"q": "%", "page": "99999"}).status_code == 200
    )


def test_the_outbox_address_is_indexed(db):
    indexes = {ix.name: [c.name for c in ix.columns] for ix in OutboxMessage.__table__.indexes}
    assert indexes.get("ix_outbox_message_to_addr") == ["to_addr"]
    from sqlalchemy import inspect

    found = inspect(db.engine).get_indexes("outbox_message")
    assert any(ix["column_names"] == ["to_addr"] for ix in found)
