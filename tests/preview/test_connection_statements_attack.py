"""Attacks on commit 8679fab: the surge's hand-built statements (the duplicate check with the
first look at the seats, the seat counts, the seat and team INSERTs, the channel lock) run on
the session's connection (``preview.execute_as_written``): no preview filter, no autoflush.

Each test says what a user would notice; those marked 'held' are hypotheses that did not
find a fault.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.models import OutboxMessage
from app.events.models import Event
from app.registration.models import Registration
from app.registration.rules import DuplicateError, RowsRefusedError
from app.registration.services import individual
from app.registration.services.people import refuse_duplicate_and_count
from tests.preview.conftest import REAL_NAME, TEST_NAME, person_form, webinar_of


def _count(db, model, is_test=False, *where):
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.is_test.is_(is_test), *where)
        .execution_options(include_tests=True)
    )


def test_a_staff_members_own_real_address_can_be_tried_in_preview(client, db, event, previewing):
    """Found by the attack (it failed before, and at 8679fab^): a 事務局 member who registered
    for real with his own address, trying the form in preview with that address, was told
    「このメールアドレスでは既に研修会議Ⅰにお申込みいただいています」 instead of making a test.
    The unique index has ``is_test`` so that both rows can exist; while previewing the check
    looked at real rows too. It now looks at tests only, and the real row stays alone."""
    shared = "staff.member@example.jp"
    assert client.post("/register", data=person_form(REAL_NAME, shared)).status_code == 302
    staff = previewing()
    response = staff.post("/register", data=person_form(TEST_NAME, shared))
    body = response.get_data(as_text=True)
    assert "既に研修会議Ⅰにお申込み" not in body
    assert response.status_code == 302
    assert _count(db, Registration, True) == 1 and _count(db, Registration) == 1


def test_held_the_statement_of_each_flag_answers_as_its_own_page(client, db, event, previewing):
    """Held: the statement built once per process per (seats, previewing) flag pair does not
    leak from one page to the other, in either order: a test made first never refuses the
    real person's address; a second test with the test's address is refused as a duplicate
    (in Japanese, not a 500); the public still sees every seat left."""
    webinar_of(db, event, 3)
    staff = previewing()
    shared = "both@example.jp"
    assert staff.post("/register", data=person_form(TEST_NAME, shared)).status_code == 302
    assert client.post("/register", data=person_form(REAL_NAME, shared)).status_code == 302
    again = staff.post("/register", data=person_form(TEST_NAME, "t-again@example.jp"))
    assert again.status_code == 302
    twice = staff.post("/register", data=person_form(TEST_NAME, "t-again@example.jp"))
    assert twice.status_code == 200 and "既に" in twice.get_data(as_text=True)
    public_twice = client.post("/register", data=person_form(REAL_NAME, shared))
    assert public_twice.status_code == 200 and "既に" in public_twice.get_data(as_text=True)
    assert "（残り2名）" in client.get("/").get_data(as_text=True)
    assert "（残り2名）" in staff.get("/").get_data(as_text=True)
    assert _count(db, Registration) == 1 and _count(db, Registration, True) == 2


def test_held_an_import_with_one_address_twice_is_refused_without_autoflush(db, event, make_person):
    """Held: the console's import (``register_many``, one transaction) refuses a second row
    of the same address although the duplicate check no longer autoflushes: each row is
    flushed (or inserted) by ``_register`` before the next row is checked. Nothing stored."""
    person = make_person("pref")
    rows = [(2, "youtube", person), (3, "webinar", person)]
    with pytest.raises(RowsRefusedError) as refused:
        individual.register_many(event, rows, source="import")
    assert refused.value.errors and refused.value.errors[0].startswith("3行目：")
    assert "既に" in refused.value.errors[0]
    db.session.rollback()
    assert _count(db, Registration) == 0 and _count(db, OutboxMessage) == 0


def test_held_an_import_beyond_the_webinars_seats_is_refused_as_full(db, event, make_person):
    """Held: three webinar rows on a webinar of two seats: the third is refused 満席 by the
    first look (which sees the two rows inserted earlier in the same transaction, on the same
    connection), not admitted over capacity, not a 500. Nothing stored."""
    event.channel("webinar").capacity = 2
    db.session.commit()
    rows = [(n, "webinar", make_person("pref")) for n in (2, 3, 4)]
    with pytest.raises(RowsRefusedError) as refused:
        individual.register_many(event, rows, source="import")
    assert [e[:4] for e in refused.value.errors] == ["4行目："]
    assert "定員" in refused.value.errors[0]
    db.session.rollback()
    assert _count(db, Registration) == 0


def test_held_a_cancelled_registration_frees_the_address_and_the_seat(
    client, db, event, make_registration, make_person
):
    """Held: after a cancellation (committed) the same address registers again on the last
    seat: the duplicate check and the first look read only active rows."""
    event.channel("webinar").capacity = 1
    db.session.commit()
    first = make_registration("webinar", email="again@example.jp")
    individual.cancel_registration(first)
    person = make_person("muni", email="again@example.jp")
    again = individual.register_for_training1(event, "webinar", person)
    assert again.status == "active" and again.id != first.id


def test_held_a_test_offer_and_a_test_registration_take_no_seat_in_the_first_look(
    db, event, make_registration
):
    """Held: rows marked as tests (a preview's registration) are left out of the public's
    first look at the seats and of its duplicate check."""
    webinar = webinar_of(db, event, 5)
    test = make_registration("webinar", email="t@example.jp")
    test.is_test = True
    db.session.commit()
    make_registration("webinar")
    from app.core.jpdates import now_utc

    taken = refuse_duplicate_and_count(event, "t@example.jp", webinar.id, now_utc())
    assert taken == 1
    db.session.rollback()


def test_held_a_refused_duplicate_holds_no_lock_and_leaves_no_write(
    client, db, event, make_registration
):
    """Held: a duplicate refused at the first look writes nothing and leaves the channel's
    lock free: a second registration right after it (another request) is accepted."""
    event.channel("webinar").capacity = 5
    db.session.commit()
    make_registration("webinar", email="dup@example.jp")
    event_id = event.id
    db.session.remove()
    refused = client.post("/register", data=person_form(REAL_NAME, "dup@example.jp"))
    assert refused.status_code == 200 and "既に" in refused.get_data(as_text=True)
    assert (
        client.post("/register", data=person_form(REAL_NAME, "new@example.jp")).status_code == 302
    )
    db.session.remove()
    with pytest.raises(DuplicateError):
        refuse_duplicate_and_count(db.session.get(Event, event_id), "DUP@example.jp", None, None)
