"""What a person enters, and the checks every registration and team member shares.

Used by ``individual`` (研修会議Ⅰ) and ``teams`` (研修会議Ⅱ); no transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.models import Municipality
from app.core.text import (
    as_typed,
    normalise_email,
    normalise_phone,
    normalise_text,
    search_key,
    to_katakana,
)
from app.events.models import Event
from app.extensions import db
from app.registration import rules
from app.registration.models import Registration
from app.registration.rules import DuplicateError, RegistrationError


@dataclass
class PersonData:
    """What a registrant or team member enters (decisions.md 9), before normalisation."""

    name: str
    kana: str
    email: str
    category: str
    prefecture_code: str = ""
    municipality_code: str = ""
    organisation: str = ""
    department: str = ""
    occupation: str = ""
    phone: str = ""
    category_other: str = ""

    def normalised(self) -> PersonData:
        """Names and 所属 as typed (``as_typed``: 塚 U+FA10, the full-width space and （） kept),
        kana to katakana, e-mail NFKC without spaces, phone digits and hyphens (issue 9 §5)."""
        return PersonData(
            name=as_typed(self.name),
            kana=to_katakana(self.kana),
            email=normalise_text(self.email).replace(" ", ""),
            category=self.category,
            prefecture_code=(self.prefecture_code or "").strip(),
            municipality_code=(self.municipality_code or "").strip(),
            organisation=as_typed(self.organisation),
            department=as_typed(self.department),
            occupation=as_typed(self.occupation),
            phone=normalise_phone(self.phone),
            category_other=as_typed(self.category_other),
        )


def check_person(data: PersonData) -> Municipality | None:
    """Category and 所属 rules; returns the municipality when one is chosen."""
    if data.category not in rules.CATEGORY_LABELS:
        raise RegistrationError("参加区分を選択してください。", field="category")
    rules.check_affiliation(data.category, data.municipality_code or None, data.organisation)
    if not data.municipality_code:
        return None
    municipality = db.session.get(Municipality, data.municipality_code)
    if municipality is None:
        raise RegistrationError("所属の自治体が一覧にありません。", field="municipality")
    return municipality


def apply_person(target, data: PersonData, municipality: Municipality | None) -> None:
    for f in fields(PersonData):
        if f.name != "municipality_code":
            setattr(target, f.name, getattr(data, f.name))
    target.email_normalized = normalise_email(data.email)
    target.search_key = person_search_key(data)
    target.municipality_code = municipality.code if municipality else None
    if municipality:
        target.prefecture_code = municipality.prefecture_code


def person_search_key(data) -> str:
    """The matching key of a person (``core.text.search_key``): 氏名, ふりがな, メール, 所属,
    部署名 — what the console's searches look in."""
    return search_key(data.name, data.kana, data.email, data.organisation, data.department)


def refuse_duplicate_email(event: Event, email: str, exclude_id: int | None = None) -> None:
    stmt = select(Registration.id).where(
        Registration.event_id == event.id,
        Registration.email_normalized == normalise_email(email),
        Registration.status == "active",
    )
    if exclude_id is not None:
        stmt = stmt.where(Registration.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise DuplicateError(
            "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。"
            "お申込み内容の確認・変更は、受付メールに記載の個人ページから行ってください。",
            field="email",
        )


def flush_or_duplicate() -> None:
    """Flush; a unique index that fires (a concurrent twin) becomes a DuplicateError."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        text = str(exc.orig)
        if "municipality" in text:
            raise DuplicateError(
                "この自治体からは既に研修会議Ⅱへの申込みがあります（１自治体１団体）。",
                field="municipality",
            ) from None
        raise DuplicateError(
            "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。", field="email"
        ) from None
