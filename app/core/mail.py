"""Mail through the outbox: queued in the caller's transaction, sent by ``flask send-mail``.

Several senders (processes, machines) may run against one PostgreSQL: each claims a batch with
``FOR UPDATE SKIP LOCKED`` and marks it ``sending`` before talking to SMTP, so no message is
sent twice. A message whose SMTP delivery fails stays ``pending`` with an exponential back-off;
nothing is ever deleted.

Every word a participant reads in a mail is in a template under ``app/templates/mail/``: a
service chooses the template and passes the objects (``send_mail``); the template sets
``subject`` and writes the body.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import or_, select

from app.core.jpdates import now_utc, to_jst
from app.core.models import OutboxAttachment, OutboxMessage
from app.core.urls import external_url
from app.extensions import db

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a sender that died.
STALE_CLAIM = timedelta(minutes=10)


# Set by the app factory: the 事務局 address of an event, the Reply-To of its mails.
reply_to_of_event = None


def queue_mail(
    to: str,
    subject: str,
    body: str,
    *,
    event_id: int | None = None,
    kind: str = "",
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (the caller commits).

    Replies go to the event's 事務局 contact (``reply_to_of_event``), not to the sender.
    """
    message = queue_values(outbox_values(to, subject, body, event_id=event_id, kind=kind))
    for filename, content_type, data in attachments or []:
        message.attachments.append(
            OutboxAttachment(filename=filename, content_type=content_type, data=data)
        )
    return message


def queue_values(values: dict) -> OutboxMessage:
    """Add the message of ``outbox_values`` to the outbox in the current transaction."""
    message = OutboxMessage(**values)
    db.session.add(message)
    return message


def outbox_values(
    to: str, subject: str, body: str, *, event_id: int | None = None, kind: str = ""
) -> dict:
    """The columns a message is queued with (``queue_mail``), as plain values: ``to_addr``,
    ``subject``, ``body``, ``event_id``, ``kind``, ``status`` (pending) and ``reply_to`` (the
    event's 事務局 contact, ``reply_to_of_event``). The rest take their columns' defaults.
    For a row written without an ORM object (the team's one statement, issue 12)."""
    reply_to = reply_to_of_event(event_id) if event_id and reply_to_of_event else ""
    return {
        "to_addr": to,
        "subject": subject,
        "body": body,
        "event_id": event_id,
        "kind": kind,
        "status": "pending",
        "reply_to": reply_to or "",
    }


def mail_values(
    to: str, template: str, *, event_id: int | None = None, kind: str = "", **context
) -> dict:
    """A mail template rendered (``render_mail``) into the columns it is queued with
    (``outbox_values``), not queued: for a row written without an ORM object (the surge's one
    statements, issue 12) or queued later (``queue_values``)."""
    return outbox_values(to, *render_mail(template, **context), event_id=event_id, kind=kind)


def _mail_environment():
    """The app's Jinja environment for plain-text mail: no HTML escaping, a tag alone on its line
    leaves no line, the final newline kept; ``external_url`` builds the links."""
    env = current_app.extensions.get("mail_jinja_env")
    if env is None:
        env = current_app.jinja_env.overlay(
            autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
        )
        env.globals = {**env.globals, "external_url": external_url}
        current_app.extensions["mail_jinja_env"] = env
    return env


def render_mail(template: str, **context) -> tuple[str, str]:
    """``(subject, body)`` of ``app/templates/mail/<template>``.

    The template sets ``subject`` (``{% set subject %}…{% endset %}``, one line, surrounding
    whitespace dropped); everything else it writes is the body. Raises
    ``jinja2.TemplateNotFound`` for an unknown template.
    """
    module = _mail_environment().get_template(f"mail/{template}").make_module(context)
    return str(module.subject).strip(), str(module)


def render_text(template: str, **context) -> str:
    """A part of several mails (``app/templates/mail/<template>``, e.g. a team's summary),
    written once as text and passed to each mail's template. Raises
    ``jinja2.TemplateNotFound`` for an unknown template."""
    return _mail_environment().get_template(f"mail/{template}").render(context)


def send_mail(
    to: str,
    template: str,
    *,
    event_id: int | None = None,
    kind: str = "",
    attachments: list[tuple[str, str, bytes]] | None = None,
    **context,
) -> OutboxMessage:
    """Render a mail template and add it to the outbox (the caller commits)."""
    subject, body = render_mail(template, **context)
    return queue_mail(to, subject, body, event_id=event_id, kind=kind, attachments=attachments)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim_batch(limit: int, worker: str) -> list[int]:
    """Claim due messages for this worker and commit the claim; returns their ids."""
    now = now_utc()
    due = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending")
                & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list(db.session.scalars(due))
    for message in messages:
        message.status = "sending"
        message.claimed_at = now
        message.claimed_by = worker
    ids = [m.id for m in messages]
    db.session.commit()
    return ids


def _build(message: OutboxMessage) -> EmailMessage:
    """The mail as sent: Date, a Message-ID in the sender's domain, Reply-To the 事務局."""
    sender = current_app.config["MAIL_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_addr
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(to_jst(now_utc()))
    mail["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    mail.set_content(message.body)
    for att in message.attachments:
        maintype, _, subtype = att.content_type.partition("/")
        mail.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    return mail


def send_pending(limit: int = 100) -> dict[str, int]:
    """Send (or, without MAIL_SERVER, log) one batch of due messages. Returns counts."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    ids = claim_batch(limit, worker)
    counts = {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    if not ids:
        return counts
    config = current_app.config
    smtp = None
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if not config.get("MAIL_SERVER"):
            # The body holds personal links: it stays in the outbox, never in the log.
            log.info(
                "mail kept in the outbox (no SMTP configured): id=%s to=%s subject=%s",
                message.id,
                message.to_addr,
                message.subject,
            )
            message.status = "logged"
            counts["logged"] += 1
            db.session.commit()
            continue
        try:
            if smtp is None:
                smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(_build(message))
        except (OSError, smtplib.SMTPException) as exc:
            smtp = None
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.status = "failed"
                counts["failed"] += 1
            else:
                message.status = "pending"
                message.next_attempt_at = now_utc() + backoff(message.attempts)
                counts["retry"] += 1
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now_utc()
            counts["sent"] += 1
        db.session.commit()
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return counts


def requeue(message: OutboxMessage) -> None:
    """Put a sent, logged or failed message back in the queue (the caller commits)."""
    message.status = "pending"
    message.next_attempt_at = now_utc()
    message.attempts = 0
    message.last_error = ""
