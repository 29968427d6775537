"""The audit log: every console action, written in the action's own transaction."""

from flask_login import current_user

from app.core.models import AuditLog
from app.extensions import db


def record(action: str, target: str = "", detail: str = "", event_id: int | None = None) -> None:
    """Add an audit row for the logged-in staff member (the caller commits)."""
    staff_id = current_user.id if getattr(current_user, "is_authenticated", False) else None
    db.session.add(
        AuditLog(event_id=event_id, staff_id=staff_id, action=action, target=target, detail=detail)
    )
