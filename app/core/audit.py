"""The audit log: every console action, written in the action's own transaction.

Each feature declares the actions it records with their Japanese labels (``actions``), next to
the code that records them; the 操作履歴 page shows ``action_label``. A test sweeps every
``record`` call of the app for a declared action.
"""

from flask_login import current_user

from app.core.models import AuditLog
from app.extensions import db

_LABELS: dict[str, str] = {}


def actions(labels: dict[str, str]) -> dict[str, str]:
    """Declare audit actions with their Japanese labels; returns ``labels``.

    Raises ValueError when an action is declared twice with another label.
    """
    for action, label in labels.items():
        if _LABELS.setdefault(action, label) != label:
            raise ValueError(f"audit action {action!r} declared twice")
    return labels


def declared_actions() -> dict[str, str]:
    """Every declared action with its label (the 操作履歴's choice of 操作)."""
    return dict(_LABELS)


def action_label(action: str) -> str:
    """「定員の変更」 for ``change_capacity``; an undeclared action is shown as recorded."""
    return _LABELS.get(action, action)


def record(action: str, target: str = "", detail: str = "", event_id: int | None = None) -> None:
    """Add an audit row for the logged-in staff member (the caller commits)."""
    staff_id = current_user.id if getattr(current_user, "is_authenticated", False) else None
    db.session.add(
        AuditLog(event_id=event_id, staff_id=staff_id, action=action, target=target, detail=detail)
    )
