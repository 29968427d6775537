"""Downloads of the 特設サイト: public materials and the registrants' archive (commits)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from app.core import audit
from app.events.models import Event, Material
from app.extensions import db
from app.registration.rules import RegistrationError

OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


AUDIT_ACTIONS = audit.actions({"add_material": "資料の掲載", "remove_material": "資料の削除"})


def add_material(event: Event, title: str, filename: str, data: bytes, registrants_only: bool):
    """A download for the 特設サイト (public) or the registrants' archive (commits).

    PDF or Office Open XML only, recognised by content; the name keeps only its last part.
    """
    name = PureWindowsPath(PurePosixPath(filename).name).name.strip() or "資料"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if data.startswith(b"%PDF-"):
        content_type = "application/pdf"
    elif data.startswith(b"PK\x03\x04") and suffix in OFFICE_TYPES:
        content_type = OFFICE_TYPES[suffix]
    else:
        raise RegistrationError(
            "PDF・Word・Excel・PowerPointのファイルを選択してください。", field="file"
        )
    if not title.strip():
        raise RegistrationError("資料名を入力してください。", field="title")
    position = len(event.materials)
    material = Material(
        event=event,
        title=title.strip(),
        filename=name,
        content_type=content_type,
        data=data,
        registrants_only=registrants_only,
        position=position,
    )
    db.session.add(material)
    audit.record("add_material", title, "登録者限定" if registrants_only else "公開", event.id)
    db.session.commit()
    return material


def remove_material(material) -> None:
    """Delete a download (commits)."""
    audit.record("remove_material", material.title, "", material.event_id)
    db.session.delete(material)
    db.session.commit()
