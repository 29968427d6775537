"""Races for the last webinar seats, for one e-mail and for one municipality, with real threads.

Each thread pushes its own app context, so it has its own scoped session and connection, as a
gunicorn worker would. The lock is then switched off to show that the race is real.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.events.models import Channel, Event
from app.registration.models import Registration, Team
from app.registration.rules import CapacityFullError, DuplicateError
from app.registration.services import individual, seats, teams


def race(app, jobs: list[Callable[[Event], object]], event_id: int) -> list[object]:
    """Run each job in a thread of its own, all released at once; returns each job's result
    or the exception it raised (in job order)."""
    start = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def worker(index: int, job) -> None:
        with app.app_context():
            from app.extensions import db

            try:
                event = db.session.get(Event, event_id)
                # Hand the connection back before the start: more threads than the pool
                # (5 + 10 overflow) then queue for connections instead of deadlocking.
                db.session.commit()
                start.wait(timeout=20)
                outcomes[index] = job(event)
            except BaseException as exc:
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return outcomes


def kinds(outcomes: list[object]) -> Counter:
    """Counter of outcome kinds: "ok" for a result, else the exception's class name."""
    return Counter("ok" if not isinstance(o, BaseException) else type(o).__name__ for o in outcomes)


def active_on(db, event, code: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.channel_id == event.channel(code).id,
            Registration.status == "active",
        )
    )


def register_job(channel: str, person) -> Callable[[Event], object]:
    return lambda event: individual.register_for_training1(event, channel, person).id


@pytest.fixture
def nearly_full_webinar(db, event, make_registration):
    """The webinar with capacity 5 and 3 seats taken."""
    event.channel("webinar").capacity = 5
    db.session.commit()
    for _ in range(3):
        make_registration("webinar")
    return event


# ---------------------------------------------------------------- the last webinar seats


@pytest.mark.postgres_only
def test_sixteen_clients_race_for_two_seats_on_postgresql(
    app, db, nearly_full_webinar, make_person, monkeypatch
):
    # Stretch the window between counting and inserting: only the lock keeps it closed.
    monkeypatch.setattr(seats, "_after_count_hook", lambda: time.sleep(0.02))
    jobs = [register_job("webinar", make_person("muni")) for _ in range(16)]

    outcomes = race(app, jobs, nearly_full_webinar.id)

    assert kinds(outcomes) == Counter({"ok": 2, "CapacityFullError": 14})
    assert active_on(db, nearly_full_webinar, "webinar") == 5


@pytest.mark.postgres_only
def test_without_the_lock_the_webinar_is_oversold(
    app, db, nearly_full_webinar, make_person, monkeypatch
):
    """Proof that the race is real: with ``Channel.lock`` a no-op, clients that all counted
    before anyone inserted (a barrier right after the count) all get a seat."""
    clients = 12  # within the connection pool (5 + 10 overflow), so every client can count
    counted = threading.Barrier(clients)
    monkeypatch.setattr(Channel, "lock", lambda self: None)
    monkeypatch.setattr(seats, "_after_count_hook", lambda: counted.wait(timeout=20))
    jobs = [register_job("webinar", make_person("muni")) for _ in range(clients)]

    outcomes = race(app, jobs, nearly_full_webinar.id)

    assert kinds(outcomes) == Counter({"ok": clients})
    assert active_on(db, nearly_full_webinar, "webinar") == 3 + clients  # capacity is 5


def test_locked_race_takes_exactly_the_capacity(
    app, db, backend, nearly_full_webinar, make_person, monkeypatch
):
    """On SQLite the lock is the database's write lock; the 30 s busy timeout makes writers
    queue instead of failing with "database is locked"."""
    monkeypatch.setattr(seats, "_after_count_hook", lambda: time.sleep(0.01))
    jobs = [register_job("webinar", make_person("pref")) for _ in range(8)]

    outcomes = race(app, jobs, nearly_full_webinar.id)

    assert kinds(outcomes) == Counter({"ok": 2, "CapacityFullError": 6}), outcomes
    assert active_on(db, nearly_full_webinar, "webinar") == 5
    refused = [o for o in outcomes if isinstance(o, CapacityFullError)]
    assert refused[0].message == "ウェビナー参加は定員（5名）に達しました。"


def test_switching_to_the_webinar_competes_for_the_same_seats(
    app, db, nearly_full_webinar, make_registration, make_person, monkeypatch
):
    """Two YouTube registrants switch while two others register: still exactly 5 seats."""
    monkeypatch.setattr(seats, "_after_count_hook", lambda: time.sleep(0.01))
    switchers = [make_registration("youtube", category="muni").id for _ in range(2)]

    def switch_job(registration_id: int):
        def job(event):
            from app.extensions import db as thread_db

            registration = thread_db.session.get(Registration, registration_id)
            return individual.switch_channel(registration, "webinar").id

        return job

    jobs = [switch_job(r) for r in switchers] + [
        register_job("webinar", make_person("muni")) for _ in range(2)
    ]
    outcomes = race(app, jobs, nearly_full_webinar.id)

    assert kinds(outcomes) == Counter({"ok": 2, "CapacityFullError": 2}), outcomes
    assert active_on(db, nearly_full_webinar, "webinar") == 5


# ---------------------------------------------------------------- one e-mail, one municipality


@pytest.mark.parametrize("precheck", ["with_precheck", "index_only"])
def test_same_email_twice_at_once_gives_one_registration(
    app, db, event, make_person, monkeypatch, precheck
):
    """YouTube has no capacity lock: the partial unique index alone must refuse the twin."""
    if precheck == "index_only":
        # The duplicate check before the lock (with the seats): no duplicate seen, no seats.
        monkeypatch.setattr(individual, "refuse_duplicate_and_count", lambda *a, **k: 0)
    jobs = [
        register_job("youtube", make_person("senmonshoku", email="twin@example.jp")),
        register_job("youtube", make_person("senmonshoku", email="Twin@Example.jp")),
    ]

    outcomes = race(app, jobs, event.id)

    assert kinds(outcomes) == Counter({"ok": 1, "DuplicateError": 1}), outcomes
    assert active_on(db, event, "youtube") == 1
    refused = next(o for o in outcomes if isinstance(o, DuplicateError))
    assert refused.field == "email"


@pytest.mark.parametrize("venues", [("t2_tokyo", "t2_tokyo"), ("t2_tokyo", "t2_osaka")])
def test_two_teams_of_one_municipality_at_once_give_one_team(app, db, event, make_person, venues):
    def team_job(channel: str):
        members = [make_person("muni", municipality_code="011002"), make_person("kankei_dantai")]
        return lambda ev: teams.apply_team(ev, channel, "011002", members).id

    outcomes = race(app, [team_job(v) for v in venues], event.id)

    assert kinds(outcomes) == Counter({"ok": 1, "DuplicateError": 1}), outcomes
    refused = next(o for o in outcomes if isinstance(o, DuplicateError))
    assert refused.field == "municipality"
    assert "１自治体１団体" in refused.message
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1
