"""What a person enters, and the checks every registration and team member shares.

Used by ``individual`` (研修会議Ⅰ) and ``teams`` (研修会議Ⅱ); no transaction of its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import NoReturn

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from app.core import preview
from app.core.db import limit_constant
from app.core.models import Municipality
from app.core.municipalities import grouped_choices
from app.core.text import (
    as_typed,
    normalise_email,
    normalise_phone,
    normalise_text,
    search_key,
    to_katakana,
)
from app.events.models import Event
from app.events.snapshot import check_current, current_key_columns
from app.extensions import db
from app.registration import rules
from app.registration.models import (
    PersonLabels,
    Registration,
    now_parameter,
    seats_held,
    state_code,
)
from app.registration.rules import DuplicateError, RegistrationError

# "groups": the master's grouped_choices() list, "rows": code → columns, "kept": code → the
# process's detached Municipality (``municipality_by_code(kept=True)``)
_master: dict = {}


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


def check_person(data: PersonData, *, kept: bool = False) -> Municipality | None:
    """Category and 所属 rules; returns the municipality when one is chosen (with ``kept``,
    the process's read-only copy: ``municipality_by_code``)."""
    if data.category not in rules.CATEGORY_LABELS:
        raise RegistrationError("参加区分を選択してください。", field="category")
    rules.check_affiliation(data.category, data.municipality_code or None, data.organisation)
    if not data.municipality_code:
        return None
    municipality = municipality_by_code(data.municipality_code, kept=kept)
    if municipality is None:
        raise RegistrationError("所属の自治体が一覧にありません。", field="municipality")
    return municipality


def municipality_by_code(code: str, *, kept: bool = False) -> Municipality | None:
    """The master's municipality of a 団体コード, in the session without a round trip.

    The master (1,788 rows) is read once per process and again only when it is loaded anew
    (``core.municipalities.load_master`` clears ``grouped_choices``, whose list this follows);
    the row comes into the session by ``merge(load=False)`` (issue 12: no SELECT per POST).
    With ``kept``, the process's own detached copy instead, never in a session and shared by
    every request (the merge was 3–5 % of an accepted registration's CPU): only to be read
    — a page, a mail — or by the plain new rows of the surge's one statement
    (``seats.one_statement``; ``individual.NewRegistration``, ``teams.NewTeam``).
    """
    groups = grouped_choices()
    if _master.get("groups") is not groups:
        rows = db.session.execute(select(Municipality.__table__)).mappings()
        _master.update(groups=groups, rows={row["code"]: dict(row) for row in rows}, kept={})
    row = _master["rows"].get(code or "")
    if row is None:
        return None
    if kept:
        municipality = _master["kept"].get(row["code"])
        if municipality is None:
            municipality = Municipality(**row)
            make_transient_to_detached(municipality)
            _master["kept"][row["code"]] = municipality
        return municipality
    known = db.session.identity_map.get((Municipality, (code,), None))
    if known is not None:
        return known
    municipality = Municipality(**row)
    make_transient_to_detached(municipality)
    return db.session.merge(municipality, load=False)


# What a person typed that a row keeps as it is (the municipality is set as the row's own).
_PERSON_FIELDS = tuple(f.name for f in fields(PersonData) if f.name != "municipality_code")


def person_values(data: PersonData, municipality: Municipality | None) -> dict:
    """The columns of a person's row from what was typed (normalised) and the 所属's
    municipality: ``{column: value}`` — the typed fields, ``email_normalized``,
    ``search_key``, ``municipality_code`` and, with a municipality, its ``prefecture_code``."""
    values = {name: getattr(data, name) for name in _PERSON_FIELDS}
    values["email_normalized"] = normalise_email(data.email)
    values["search_key"] = person_search_key(data)
    values["municipality_code"] = municipality.code if municipality else None
    if municipality:
        values["prefecture_code"] = municipality.prefecture_code
    return values


@dataclass
class NewPerson(PersonLabels):
    """A new person's row as plain values, for the surge's one statement and the templates:
    what was typed (``data``, normalised) and its municipality, read as a row's columns
    (``name``, ``kana``, ``email``, …) and labels (``category_label``, ``affiliation``).
    Subclassed by ``individual.NewRegistration`` and ``teams.NewMember``."""

    data: PersonData
    municipality: Municipality | None

    def __getattr__(self, name: str):  # name, kana, email, category, department …
        if name in _TYPED:
            return getattr(self.data, name)
        raise AttributeError(name)

    @property
    def municipality_code(self) -> str | None:
        """As stored (``person_values``): the chosen municipality's code, else None."""
        return self.municipality.code if self.municipality else None

    @property
    def prefecture_code(self) -> str:
        """As stored (``person_values``): the municipality's prefecture when one is chosen."""
        return self.municipality.prefecture_code if self.municipality else self.data.prefecture_code

    def person_row(self) -> dict:
        """The person's columns (``person_values``)."""
        return person_values(self.data, self.municipality)


# What was typed that a row stores as it is (``person_values``; the two codes are above).
_TYPED = frozenset(_PERSON_FIELDS) - {"prefecture_code"}


def apply_person(target, data: PersonData, municipality: Municipality | None) -> None:
    """Set a row's person columns (``person_values``) and its ``municipality``."""
    for name, value in person_values(data, municipality).items():
        setattr(target, name, value)
    target.municipality = municipality  # for a mail written before the row is inserted


def person_search_key(data) -> str:
    """The matching key of a person (``core.text.search_key``): 氏名, ふりがな, メール, 所属,
    部署名 — what the console's searches look in."""
    return search_key(data.name, data.kana, data.email, data.organisation, data.department)


DUPLICATE_MESSAGE = (
    "このメールアドレスでは既に研修会議Ⅰにお申込みいただいています。"
    "お申込み内容の確認・変更は、受付メールに記載の個人ページから行ってください。"
)


def _address_in_use(event_id, email, is_test):
    """Where an active registration of the event has the (normalised) address, among rows of
    one kind (``is_test``: a test's duplicate is another test, a real registration's a real
    one, as the unique index of an address keeps them; docs/preview.md). ``event_id`` and
    ``email`` are values or bound parameters."""
    return (
        Registration.event_id == event_id,
        Registration.email_normalized == email,
        Registration.status == state_code("active"),
        Registration.is_test.is_(is_test),
    )


def refuse_duplicate_email(
    event: Event, email: str, exclude_id: int | None = None, *, is_test: bool = False
) -> None:
    """Raises DuplicateError when another active registration of the event, of the same kind
    (``is_test``), has the address (``_address_in_use``)."""
    stmt = select(Registration.id).where(
        *_address_in_use(event.id, normalise_email(email), is_test)
    )
    if exclude_id is not None:
        stmt = stmt.where(Registration.id != exclude_id)
    stmt = stmt.limit(1).execution_options(**{preview.INCLUDE_TESTS: True})  # kinds: above
    if db.session.scalar(stmt) is not None:
        raise DuplicateError(DUPLICATE_MESSAGE, field="email")


@functools.cache
def _duplicate_and_seats(with_seats: bool, previewing: bool):
    """The statement of ``refuse_duplicate_and_count``, built once per process (bound values):
    the address in use among rows of the page's kind (a staff member registered for real may
    try the form in preview with the same address), and the seats held (``seats_held``: a
    test never takes a seat)."""
    duplicate = (
        select(Registration.id)
        .where(*_address_in_use(bindparam("event_id"), bindparam("email"), previewing))
        .limit(limit_constant(1))
        .scalar_subquery()
    )
    # The current event's key last: a request on a kept event checks it in passing
    # (snapshot.check_current; issue 12: one round trip fewer).
    if not with_seats:
        return select(duplicate, *current_key_columns())
    channel_id = bindparam("channel_id", type_=Registration.__table__.c.channel_id.type)
    return select(duplicate, *seats_held(channel_id, now_parameter()), *current_key_columns())


def refuse_duplicate_and_count(event: Event, email: str, channel_id: int | None, now) -> int:
    """The duplicate check and, for a capped channel, its seats taken as they stand (active
    registrations + live offers, tests left out), in one SELECT without any lock (issue 12: a
    refusal never waits for nor holds the seat lock). Raises DuplicateError; returns the seats
    (0 uncapped). The count is a first look: the seat is taken under the lock
    (``seats.take_seat``). Runs on the session's connection (``preview.execute_as_written``):
    nothing the caller has pending is flushed first, and the caller has nothing pending."""
    params = {"event_id": event.id, "email": normalise_email(email)}
    if channel_id is not None:
        params.update(channel_id=channel_id, now=now)
    statement = _duplicate_and_seats(channel_id is not None, preview.is_on())
    row = preview.execute_as_written(statement, params).one()
    check_current(*row[-2:])  # StaleEvent: decided again with the current event
    if row[0] is not None:
        raise DuplicateError(DUPLICATE_MESSAGE, field="email")
    return sum(row[1:-2]) if channel_id is not None else 0


def flush_or_duplicate() -> None:
    """Flush; a unique index that fires (a concurrent twin) becomes a DuplicateError."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise_duplicate(exc)


def raise_duplicate(exc: IntegrityError) -> NoReturn:
    """Roll back and raise the DuplicateError a unique index's refusal means."""
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
