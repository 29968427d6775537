"""Use cases of the preview page: switch preview mode on and off (audited), list the test rows,
delete them with everything that depends on them (outbox mails and uploads included)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app.core import audit, preview
from app.core.models import OutboxMessage
from app.events.models import Event
from app.extensions import db

AUDIT_ACTIONS = audit.actions(
    {
        "preview.on": "プレビューの開始",
        "preview.off": "プレビューの終了",
        "preview.delete_tests": "テスト送信の削除",
        "preview.send_mail": "テスト送信のメールを送信",
    }
)


def start_preview(event: Event) -> None:
    """Preview mode on for this session: participant pages open whatever their dates, with the
    banner, and what is sent there is a test."""
    preview.switch_on(event.id)
    audit.record("preview.on", event.name, "", event_id=event.id)
    db.session.commit()


def end_preview() -> None:
    event_id = preview.preview_event_id()
    preview.switch_off()
    audit.record("preview.off", "", "", event_id=event_id)
    db.session.commit()


@dataclass
class TestGroup:
    """The test rows of one table, with the table's Japanese label."""

    label: str
    rows: list = field(default_factory=list)


def test_groups() -> list[TestGroup]:
    """Every model with ``is_test`` (from the registry) and its test rows, newest first; only
    tables that hold some."""
    groups = []
    for model in preview.test_models():
        rows = db.session.scalars(
            select(model)
            .where(model.is_test.is_(True))
            .order_by(model.id.desc())
            .execution_options(**{preview.INCLUDE_TESTS: True})
        ).all()
        if rows:
            groups.append(TestGroup(model.TEST_LABEL, list(rows)))
    return groups


def send_held_mail(message_id: int) -> OutboxMessage | None:
    """Send one held mail of a test submission after all (a 事務局 who typed their own address
    wants to see it arrive): it becomes an ordinary outbox mail, sent by ``flask send-mail``
    like any other. None when there is no such held mail."""
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.is_test.is_(True))
        .execution_options(**{preview.INCLUDE_TESTS: True})
    )
    if message is None:
        return None
    message.is_test = False
    audit.record("preview.send_mail", message.to_addr, message.subject, event_id=message.event_id)
    db.session.commit()
    return message


def test_row_count() -> int:
    return sum(len(g.rows) for g in test_groups())


def delete_test_rows() -> int:
    """Delete every test row, dependants first (the tables' order from the metadata; rows of
    other tables that point at them go by their foreign keys' ON DELETE). Returns how many
    rows were deleted; uploads lose their files after the commit."""
    groups = test_groups()
    rows = [row for g in groups for row in g.rows]
    total = len(rows)
    cleanups = [c for c in (row.test_cleanup() for row in rows) if c is not None]
    tables = {m.__table__ for m in preview.test_models()}
    for table in reversed(db.metadata.sorted_tables):
        if table in tables:
            db.session.execute(delete(table).where(table.c.is_test.is_(True)))
    audit.record("preview.delete_tests", "テスト送信", f"{total}件")
    db.session.commit()
    db.session.expunge_all()
    for cleanup in cleanups:
        cleanup()
    return total
