"""Mail through the outbox, delivered to a real SMTP server (aiosmtpd) on loopback.

The outbox row is written in the registration's own transaction; ``send_pending`` (and
``flask send-mail``) delivers it through SMTP, keeps it pending with a back-off while the server
is down, prints it to the log when no server is configured, and several senders at once on
PostgreSQL deliver every message exactly once.
"""

from __future__ import annotations

import email.utils
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.core.mail import backoff, queue_mail, requeue, send_pending
from app.core.models import OutboxMessage
from app.registration.models import Registration
from app.registration.rules import CapacityFullError, DuplicateError, RowsRefusedError
from app.registration.services.individual import register_for_training1, register_many

SUBJECT_RECEIVED = "【都道府県・市町村担当者等研修会議】お申込みを受け付けました"


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- delivery through SMTP


def test_registration_mail_arrives_with_details_and_personal_link(
    db, event, make_registration, smtp_server
):
    registration = make_registration(
        "webinar", name="佐藤 花子", kana="さとう はなこ", email="hanako@city.example.jp"
    )

    assert send_pending() == {"sent": 1, "logged": 0, "retry": 0, "failed": 0}

    [mail] = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["hanako@city.example.jp"]
    assert mail["To"] == "hanako@city.example.jp"
    assert mail["Subject"] == SUBJECT_RECEIVED
    assert mail.get_content_charset() == "utf-8"
    # Date, a Message-ID in the sender's domain, replies to the event's 事務局.
    assert email.utils.parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail["Message-ID"].endswith("@example.jp>")
    assert mail["Reply-To"] == event.contact_email
    body = mail.get_content()
    for line in (
        "佐藤 花子 様",
        "■ 参加方法：ウェビナー参加",
        "■ 氏名：佐藤 花子（サトウ ハナコ）",
        "■ 参加区分：市町村担当者",
        "■ 所属：東京都千代田区",
        "■ 部署名：高齢福祉課",
        "■ 職種：保健師",
        "■ メールアドレス：hanako@city.example.jp",
        "■ ウェビナー参加URL：https://webinar.example.jp/j/kenshu2023",
        f"http://localhost/r/{registration.token}",
    ):
        assert line in body
    [row] = outbox(db)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.sent_at is not None


def test_youtube_mail_carries_the_stream_link(db, event, make_registration, smtp_server):
    registration = make_registration("youtube", category="senmonshoku")

    send_pending()

    body = smtp_server.messages[0].get_content()
    assert "■ 参加方法：YouTubeライブ配信による参加" in body
    assert "■ 所属：東京都医師会" in body
    assert "■ YouTubeライブ配信URL：https://www.youtube.com/live/kenshu2023-demo" in body
    assert f"/r/{registration.token}" in body


def test_every_team_member_gets_the_team_and_an_own_link(db, event, make_team, smtp_server):
    team = make_team(size=3)

    send_pending()

    by_recipient = {m["To"]: m.get_content() for m in smtp_server.messages}
    assert set(by_recipient) == {m.email for m in team.members}
    for member in team.members:
        body = by_recipient[member.email]
        assert f"http://localhost/t/{member.token}" in body
        assert "■ 申込自治体：北海道札幌市" in body
        assert "研修会議Ⅱ（東京会場）" in body
        for other in team.members:  # the whole team is listed to each member
            assert other.name in body
        tokens_of_others = [o.token for o in team.members if o.id != member.id]
        assert not any(token in body for token in tokens_of_others)


# ---------------------------------------------------------------- server down, retries


def test_server_down_keeps_message_pending_until_it_is_due_and_back(
    db, event, make_registration, smtp_down
):
    registration = make_registration("webinar")

    assert send_pending()["retry"] == 1
    [row] = outbox(db)
    assert row.status == "pending"
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > now_utc() + timedelta(seconds=30)

    smtp_down.start()
    # Not due yet: the back-off is respected even though the server is back.
    assert send_pending() == {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    assert smtp_down.messages == []

    row.next_attempt_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert send_pending()["sent"] == 1

    [mail] = smtp_down.messages
    assert f"/r/{registration.token}" in mail.get_content()
    [row] = outbox(db)
    assert (row.status, row.attempts) == ("sent", 2)


def test_back_off_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == timedelta(hours=6)


def test_second_failure_waits_longer(app, db, event, make_registration, smtp_down):
    make_registration("webinar")
    send_pending()
    [row] = outbox(db)
    row.next_attempt_at = now_utc() - timedelta(seconds=1)
    db.session.commit()

    before = now_utc()
    send_pending()

    [row] = outbox(db)
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.next_attempt_at >= before + timedelta(minutes=2)


def test_given_up_message_is_kept_and_can_be_resent(app, db, event, make_registration, smtp_down):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    make_registration("webinar")
    for _ in range(2):
        for row in outbox(db):
            row.next_attempt_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
        send_pending()

    [row] = outbox(db)
    assert (row.status, row.attempts) == ("failed", 2)

    smtp_down.start()
    requeue(row)
    db.session.commit()
    assert send_pending()["sent"] == 1
    assert len(smtp_down.messages) == 1


# ---------------------------------------------------------------- default set-up: the log


def test_without_smtp_settings_messages_are_logged_and_kept(
    app, db, event, make_registration, caplog
):
    assert not app.config.get("MAIL_SERVER")
    caplog.set_level(logging.INFO, logger="app.core.mail")
    registration = make_registration("webinar", name="鈴木 一郎")

    assert send_pending()["logged"] == 1

    [row] = outbox(db)
    assert row.status == "logged"
    assert "鈴木 一郎 様" in row.body
    assert f"http://localhost/r/{registration.token}" in row.body
    # The log says the mail was kept, never its body: personal links stay out of logs.
    assert "mail kept in the outbox (no SMTP configured)" in caplog.text
    assert SUBJECT_RECEIVED in caplog.text
    assert "■ 氏名：鈴木 一郎" not in caplog.text
    assert registration.token not in caplog.text
    assert send_pending()["logged"] == 0  # logged once only


# ---------------------------------------------------------------- same transaction


def test_rolled_back_import_leaves_no_mail(db, event, make_person):
    good = make_person("muni")
    refused = make_person("muni", municipality_code="")  # 市町村担当者 without a municipality

    with pytest.raises(RowsRefusedError):
        register_many(event, [(2, "webinar", good), (3, "webinar", refused)], source="import")

    assert count(db, Registration) == 0
    assert outbox(db) == []


def test_refused_registrations_send_nothing(db, event, make_registration, make_person):
    first = make_registration("youtube", category="senmonshoku")
    event.channel("webinar").capacity = 0
    db.session.commit()

    with pytest.raises(CapacityFullError):
        register_for_training1(event, "webinar", make_person("muni"))
    with pytest.raises(DuplicateError):
        register_for_training1(event, "youtube", make_person("muni", email=first.email))

    assert [m.to_addr for m in outbox(db)] == [first.email]


def test_mail_is_kept_only_if_the_change_commits(db, event, make_person):
    queue_mail("someone@example.jp", "件名", "本文", event_id=event.id)
    db.session.rollback()
    assert outbox(db) == []


# ---------------------------------------------------------------- the command


def test_send_mail_command_delivers(db, event, make_registration, runner, smtp_server):
    make_registration("webinar")
    make_registration("youtube", category="senmonshoku")

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    assert len(smtp_server.messages) == 2
    assert {m.status for m in outbox(db)} == {"sent"}


def test_send_mail_command_logs_without_server(db, event, make_registration, runner):
    make_registration("webinar")

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "logged 1" in result.output
    assert [m.status for m in outbox(db)] == ["logged"]


# ---------------------------------------------------------------- several senders at once


@pytest.mark.postgres_only
def test_several_senders_deliver_each_message_exactly_once(app, db, event, smtp_server):
    total, senders = 60, 4
    for n in range(total):
        queue_mail(f"p{n}@example.jp", f"試験メール {n}", f"本文 {n}", event_id=event.id)
    db.session.commit()
    start = threading.Barrier(senders)
    sent_by: list[int] = [0] * senders
    errors: list[BaseException] = []

    def sender(index: int) -> None:
        try:
            with app.app_context():
                from app.extensions import db as thread_db

                start.wait(timeout=10)
                try:
                    while True:
                        counts = send_pending(limit=3)
                        if not any(counts.values()):
                            break
                        sent_by[index] += counts["sent"]
                finally:
                    thread_db.session.remove()
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    subjects = Counter(m["Subject"] for m in smtp_server.messages)
    assert subjects == Counter({f"試験メール {n}": 1 for n in range(total)})
    assert sum(sent_by) == total
    assert {m.status for m in outbox(db)} == {"sent"}


@pytest.mark.postgres_only
def test_several_send_mail_processes_deliver_each_message_exactly_once(app, db, event, smtp_server):
    """Three ``flask send-mail --loop`` processes, as on three machines, share one outbox."""
    total = 24
    for n in range(total):
        queue_mail(f"p{n}@example.jp", f"プロセス試験 {n}", f"本文 {n}", event_id=event.id)
    db.session.commit()
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSHU_")}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        KENSHU_MAIL_SERVER="127.0.0.1",
        KENSHU_MAIL_PORT=str(smtp_server.port),
        KENSHU_PUBLIC_BASE_URL="http://localhost",
        PYTHONPATH=str(root),
    )
    command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "send-mail"]
    command += ["--loop", "--interval", "0.2", "--batch", "2"]
    senders = [
        subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(3)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < total and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # give a duplicate, if there were one, the time to arrive
    finally:
        for process in senders:
            process.terminate()
        for process in senders:
            process.wait(timeout=20)

    subjects = Counter(m["Subject"] for m in smtp_server.messages)
    assert subjects == Counter({f"プロセス試験 {n}": 1 for n in range(total)})
    assert {m.status for m in outbox(db)} == {"sent"}
