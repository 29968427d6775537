"""Attacks on the event each worker keeps (app.events.snapshot): two apps on one database stand
in for two gunicorn workers — ``worker`` (the test's app) serves the participant forms with a
fresh session per request, as a served request has; ``console`` is a second app serving a
logged-in 事務局's console pages. Each change is made through the console page a person uses,
and the next participant request of the first worker must show and decide by it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.config import TestConfig
from app.core.jpdates import now_utc, to_jst
from app.events.models import Channel, Event
from app.events.snapshot import revision
from app.extensions import db as _db
from app.registration.models import Registration, Team
from app.registration.rules import CATEGORY_LABELS
from tests.events.test_console import _channel_data, _venue_data
from tests.preview.conftest import person_form
from tests.registration.test_views import _member, _team_form


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _local(value) -> str:
    return to_jst(value).strftime("%Y-%m-%dT%H:%M")


_n = iter(range(1, 10**6))


def _form(**overrides) -> dict:
    n = next(_n)
    return person_form(f"佐藤　花子{n}", f"attack{n}@pref.example.jp", **overrides)


class Worker:
    """The test client of the test's app, each request in a session of its own (a served
    request's session is removed at its end; the test client's requests share the test's)."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        _db.session.remove()
        try:
            return self.client.get(*args, **kwargs)
        finally:
            _db.session.remove()

    def post(self, *args, **kwargs):
        _db.session.remove()
        try:
            return self.client.post(*args, **kwargs)
        finally:
            _db.session.remove()


@pytest.fixture
def worker(client, event):
    _ = [(c.code, c.venue, c.training) for c in event.channels]  # loaded before any remove
    _ = [(t.code, v.name) for t in event.trainings for v in event.venues]
    w = Worker(client)
    assert w.get("/register").status_code == 200  # this worker keeps the event
    assert w.get("/team/apply").status_code == 200
    return w


@pytest.fixture
def console(database_url, staff, event):
    """A second app on the same database, serving a logged-in 事務局's console."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    client = staff(other.test_client(), "secretariat")
    yield client
    with other.app_context():
        _db.engine.dispose()


def _fresh(model, row_id):
    _db.session.remove()
    return _db.session.get(model, row_id)


def _current(event) -> Event:
    """The event (as the test fixture had it) loaded afresh."""
    return _fresh(Event, event.id)


def _registrations() -> int:
    _db.session.remove()
    return _db.session.scalar(select(func.count()).select_from(Registration))


def _revision(event_id) -> str:
    _db.session.remove()
    return revision(event_id)


# ---------------------------------------------------------------- console pages


def test_a_capacity_cut_on_the_console_page_refuses_the_next_registration(worker, console, event):
    assert worker.post("/register", data=_form()).status_code == 302
    webinar = _current(event).channel("webinar")
    url = f"/console/events/{event.id}/channels/{webinar.id}"
    response = console.post(url, data=_channel_data(webinar, capacity=1, reason="会場の都合"))
    assert response.status_code == 302, _text(response)
    refused = worker.post("/register", data=_form())
    assert refused.status_code == 200
    assert "定員（1名）に達しました" in _text(refused)
    assert _registrations() == 1
    assert "定員1名" in _text(worker.get("/register"))


def test_a_deadline_moved_back_on_the_console_page_reopens_the_form(worker, console, event):
    webinar = _current(event).channel("webinar")
    url = f"/console/events/{event.id}/channels/{webinar.id}"
    closed = now_utc() - timedelta(minutes=5)
    response = console.post(
        url,
        data=_channel_data(
            webinar,
            opens_at=_local(closed - timedelta(days=10)),
            closes_at=_local(closed),
        ),
    )
    assert response.status_code == 302, _text(response)
    assert worker.post("/register", data=_form()).status_code == 200
    assert _registrations() == 0
    webinar = _fresh(Channel, webinar.id)
    reopened = now_utc() + timedelta(days=1)
    response = console.post(url, data=_channel_data(webinar, closes_at=_local(reopened)))
    assert response.status_code == 302, _text(response)
    assert worker.post("/register", data=_form()).status_code == 302
    assert _registrations() == 1


def test_eligibility_saved_on_the_console_page_refuses_the_category(worker, console, event):
    webinar = _current(event).channel("webinar")
    before = _revision(event.id)
    url = f"/console/events/{event.id}/channels/{webinar.id}"
    response = console.post(
        url, data=_channel_data(webinar, eligible_categories=["muni"], eligibility_note="市町村")
    )
    assert response.status_code == 302, _text(response)
    assert _revision(event.id) != before
    refused = worker.post("/register", data=_form(category="pref"))
    assert refused.status_code == 200
    assert "市町村担当者のみお申込みいただけます" in _text(refused)
    # … and back to every category: accepted again.
    webinar = _fresh(Channel, webinar.id)
    response = console.post(
        url, data=_channel_data(webinar, eligible_categories=list(CATEGORY_LABELS))
    )
    assert response.status_code == 302, _text(response)
    assert worker.post("/register", data=_form(category="pref")).status_code == 302


def test_a_venue_renamed_and_its_access_list_edited_show_on_the_team_form(worker, console, event):
    tokyo = _current(event).venues[0]
    before = _revision(event.id)
    url = f"/console/events/{event.id}/venues/{tokyo.id}"
    response = console.post(
        url, data=_venue_data(tokyo, access="\n".join([*tokyo.access, "都営バス 攻撃前 下車"]))
    )
    assert response.status_code == 302, _text(response)
    assert _revision(event.id) != before
    before = _revision(event.id)
    response = console.post(url, data=_venue_data(tokyo, name="東京第二会場", room="大会議室Ｚ"))
    assert response.status_code == 302, _text(response)
    assert _revision(event.id) != before
    page = worker.get("/team/apply").get_data(as_text=True)
    assert "研修会議Ⅱ（東京第二会場）" in page and "研修会議Ⅱ（東京会場）" not in page
    response = worker.post("/team/apply", data=_team_form([_member(1)]))
    assert response.status_code == 302, _text(response)
    _db.session.remove()
    team = _db.session.scalars(select(Team)).one()
    assert team.channel.label == "研修会議Ⅱ（東京第二会場）"


def test_a_venue_added_on_the_console_is_offered_and_taken_by_the_next_team_form(
    worker, console, event
):
    from tests.events.test_venues import new_venue_data

    fresh = _current(event)
    response = console.post(f"/console/events/{event.id}/venues/new", data=new_venue_data(fresh))
    assert response.status_code == 302, _text(response)
    _db.session.remove()
    code = _db.session.get(Event, event.id).venue_channels[-1].code
    page = worker.get("/team/apply").get_data(as_text=True)
    assert re.search(rf'value="{code}"[^>]*>\s*研修会議Ⅱ（名古屋会場）', page)
    response = worker.post("/team/apply", data=_team_form([_member(1)], channel=code))
    assert response.status_code == 302, _text(response)


def test_a_venue_target_made_a_cap_decides_the_next_team(worker, console, event, make_team):
    tokyo = _current(event).channel("t2_tokyo")
    url = f"/console/events/{event.id}/channels/{tokyo.id}"
    data = _channel_data(tokyo, capacity="1")
    data.pop("capacity_is_target", None)
    response = console.post(url, data=data)
    assert response.status_code == 302, _text(response)
    # A cap of 1: a team of one is 受付済; a second is 選定中 (the head-count decides).
    assert worker.post("/team/apply", data=_team_form([_member(1)])).status_code == 302
    second = _team_form([_member(2)], team_municipality="012025")
    assert worker.post("/team/apply", data=second).status_code == 302
    _db.session.remove()
    statuses = sorted(t.status for t in _db.session.scalars(select(Team)))
    assert statuses == ["pending", "received"], statuses


def test_training_texts_and_event_settings_saved_on_the_console_show_on_the_forms(
    worker, console, event
):
    t1 = _current(event).training("t1")
    response = console.post(
        f"/console/events/{event.id}/trainings/{t1.id}/texts",
        data={"focus": t1.focus, "format_label": "オンライン（攻撃）", "note": t1.note},
    )
    assert response.status_code == 302, _text(response)
    assert "研修会議Ⅰ（オンライン（攻撃））" in _text(worker.get("/register"))


def test_programme_rows_added_on_the_console_show_on_the_next_form(worker, console, event):
    t1 = _current(event).training("t1")
    response = console.post(
        f"/console/events/{event.id}/trainings/{t1.id}/programme",
        data={"time_from": "16:00", "time_to": "16:30", "title": "攻撃の時間", "speaker": ""},
    )
    assert response.status_code == 302, _text(response)
    page = _text(worker.get("/register")) + _text(worker.get("/"))
    assert "攻撃の時間" in page


def test_a_capacity_raised_on_the_registrations_console_opens_seats_on_the_next_form(
    worker, console, event
):
    webinar_id = event.channel("webinar").id
    webinar = _fresh(Channel, webinar_id)
    webinar.capacity = 1
    _db.session.commit()
    assert worker.post("/register", data=_form()).status_code == 302
    assert worker.post("/register", data=_form()).status_code == 200  # full
    response = console.post(
        f"/console/channels/{webinar_id}/capacity", data={"capacity": "2", "reason": "増席"}
    )
    assert response.status_code == 302
    assert _fresh(Channel, webinar_id).capacity == 2
    assert worker.post("/register", data=_form()).status_code == 302
    assert worker.post("/register", data=_form()).status_code == 200
    assert _registrations() == 2


# ---------------------------------------------------------------- which event is on the site


def _clone(console, event, year=2024, slug="fy2024"):
    from app.events.services import training1_day

    day = training1_day(event) + timedelta(weeks=52 * (year - 2023))
    response = console.post(
        "/console/events/clone",
        data={
            "source": event.id,
            "fiscal_year": year,
            "slug": slug,
            "training1_date": day.isoformat(),
        },
    )
    assert response.status_code == 302, _text(response)
    _db.session.remove()
    return _db.session.scalar(select(Event).where(Event.slug == slug))


def test_switching_the_site_to_another_event_and_back_serves_each_in_turn(worker, console, event):
    fy2024 = _clone(console, event)
    assert event.name in _text(worker.get("/register"))  # still FY2023
    assert console.post(f"/console/events/{fy2024.id}/current").status_code == 302
    page = _text(worker.get("/register"))
    assert fy2024.name in page
    # FY2024 opens a year later: the form decides by FY2024's channels, not the kept FY2023.
    refused = worker.post("/register", data=_form())
    assert refused.status_code == 200 and "まだ始まっていません" in _text(refused)
    assert _registrations() == 0
    assert console.post(f"/console/events/{event.id}/current").status_code == 302
    assert event.name in _text(worker.get("/register"))
    assert worker.post("/register", data=_form()).status_code == 302
    _db.session.remove()
    assert _db.session.scalars(select(Registration.event_id)).all() == [event.id]


def test_a_clone_has_a_revision_of_its_own(worker, console, event):
    """「前年度から作成」 copied every column of the event — the revision was one of them, so
    FY2024 started with FY2023's token. The revision is a row of its own now
    (``models.event_revision``), written for the new event by the flush that creates it."""
    fy2024 = _clone(console, event)
    assert _revision(fy2024.id) not in (None, _revision(event.id))


# ---------------------------------------------------------------- preview


def test_preview_of_next_year_around_cached_requests(app, worker, console, event, staff):
    fy2024 = _clone(console, event)
    previewer = staff(app.test_client(), "secretariat")
    previewer = Worker(previewer)
    assert previewer.post("/console/preview/on", data={"event_id": fy2024.id}).status_code == 302
    assert fy2024.name in _text(previewer.get("/register"))
    # The public, served by the same worker, still sees and registers into FY2023 …
    assert event.name in _text(worker.get("/register"))
    assert worker.post("/register", data=_form()).status_code == 302
    # … the previewer's test registration goes to FY2024, then preview off: FY2023 again.
    sent = previewer.post("/register", data=_form())
    assert sent.status_code == 302, _text(sent)[-3000:]
    assert previewer.post("/console/preview/off").status_code == 302
    assert event.name in _text(previewer.get("/register"))
    _db.session.remove()
    query = select(Registration.event_id, Registration.is_test)
    rows = _db.session.execute(query.execution_options(include_tests=True)).all()
    assert sorted(rows) == sorted([(event.id, False), (fy2024.id, True)])


# ---------------------------------------------------------------- threads of one worker


def test_threads_of_one_worker_merge_the_kept_event_at_once(app, worker, event):
    """gthread: several threads of one process merge the same kept copy into their own
    sessions at the same moment; each gets a whole, correct graph and no error."""
    import threading

    from app.events.snapshot import current_event_with_channels

    errors, seen = [], []
    barrier = threading.Barrier(8)

    def run():
        try:
            with app.test_request_context("/register"):
                barrier.wait()
                for _ in range(50):
                    e = current_event_with_channels()
                    seen.append(
                        (
                            [c.code for c in e.channels],
                            [c.training.code for c in e.channels],
                            [c.venue.name for c in e.venue_channels],
                            e.channel("webinar").capacity,
                        )
                    )
                    _db.session.remove()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(map(repr, seen))) == 1 and len(seen) == 400


def test_threads_of_one_worker_while_another_worker_changes_the_event(
    app, worker, event, database_url
):
    """gthread: threads keep reading the event while another worker changes a capacity
    eleven times; no thread fails, and every read after the last change sees it."""
    import threading

    from app.events.snapshot import current_event_with_channels

    webinar_id = event.channel("webinar").id
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    errors, stop = [], threading.Event()

    def read():
        try:
            with app.test_request_context("/register"):
                while not stop.is_set():
                    e = current_event_with_channels()
                    assert e.channel("webinar").training.code == "t1"
                    assert all(c.venue is not None for c in e.venue_channels)
                    _db.session.remove()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for capacity in range(100, 111):
            with other.app_context():
                _db.session.get(Channel, webinar_id).capacity = capacity
                _db.session.commit()
                _db.session.remove()
    finally:
        stop.set()
        for t in threads:
            t.join()
        with other.app_context():
            _db.engine.dispose()
    assert errors == []
    with app.test_request_context("/register"):
        _db.session.remove()
        assert current_event_with_channels().channel("webinar").capacity == 110
        _db.session.remove()


# ---------------------------------------------------------------- a change during the request


@pytest.mark.postgres_only
def test_a_capacity_removed_while_the_seat_statement_runs_does_not_accept_a_phantom(
    app, db, worker, database_url, event, make_registration, monkeypatch
):
    """PostgreSQL's one-statement seat (``individual._register``): the statement refused by
    the capacity the request began with, the session was rolled back and ``check_capacity``
    re-read the channel — a cap the console removed meanwhile (上限なし) no longer raised, and
    the service returned a registration never inserted: a redirect to /r/<token>/done, a 404,
    no row, no mail. Fixed: the refusal uses the capacity the statement counted against. Not
    introduced by the kept event (the graph was loaded at the request's start before it too)."""
    event_id, webinar_id = event.id, event.channel("webinar").id
    make_registration("webinar")  # one seat of two taken
    webinar = _fresh(Channel, webinar_id)
    webinar.capacity = 2
    _db.session.commit()
    assert worker.get("/register").status_code == 200  # the worker keeps capacity 2
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    real_lock = Channel.lock

    def meanwhile(channel):
        """Between the request's count (1 of 2) and its seat lock: another worker's console
        removes the cap, and the second seat goes to someone else."""
        monkeypatch.setattr(Channel, "lock", real_lock)
        with other.app_context():
            from app.registration.services.individual import register_for_training1

            theirs = _db.session.get(Channel, webinar_id)
            theirs.capacity = None
            _db.session.commit()
            register_for_training1(
                _db.session.get(Event, event_id), "webinar", _person_data("other@pref.example.jp")
            )
            _db.session.remove()
            _db.engine.dispose()
        real_lock(channel)

    monkeypatch.setattr(Channel, "lock", meanwhile)
    form = _form()
    answer = worker.post("/register", data=form)
    _db.session.remove()
    mine = _db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.email == form["email"])
    )
    if answer.status_code == 302:  # told it was accepted: the row must exist
        assert mine == 1, answer.headers["Location"]
        assert worker.get(answer.headers["Location"]).status_code == 200
    else:  # refused (by the capacity it began with): nothing stored
        assert mine == 0


def _person_data(email: str):
    from app.registration.services.people import PersonData

    return PersonData(
        name="他の　参加者",
        kana="ほかの さんかしゃ",
        email=email,
        category="pref",
        municipality_code="130001",
        organisation="",
        department="福祉保健局",
        occupation="保健師",
    )


@pytest.mark.postgres_only
def test_two_console_pages_saving_one_channel_at_once_both_succeed(
    app, db, event, staff, console, database_url, monkeypatch
):
    """「定員変更」 on the registrations' dashboard (individual.raise_capacity) locks the channel
    first (Channel.lock), the channel page of 「研修会議の設定」 (services.update_channel) wrote
    the event's revision first: two staff saving one channel at once locked event and channel
    in opposite orders and PostgreSQL aborted one (DeadlockDetected, a 500). The revision is a
    row of its own, written after the flush's statements: every transaction locks it last."""
    import threading
    import time

    from app.registration.services import individual

    event_id, webinar_id = event.id, event.channel("webinar").id
    dashboard = staff(app.test_client(), "secretariat")
    locked, go = threading.Event(), threading.Event()
    real_seats_taken = individual.seats_taken

    def paused(channel, now=None):  # raise_capacity, the channel's lock held
        locked.set()
        go.wait(10)
        return real_seats_taken(channel, now)

    monkeypatch.setattr(individual, "seats_taken", paused)
    webinar = _fresh(Channel, webinar_id)
    settings_data = _channel_data(webinar, capacity=700, reason="会場変更")
    _db.session.remove()
    answers = {}

    def raise_on_dashboard():
        try:
            answers["dashboard"] = dashboard.post(
                f"/console/channels/{webinar_id}/capacity",
                data={"capacity": "600", "reason": "増席"},
            ).status_code
        except Exception as exc:  # the test client re-raises what a server answers with 500
            answers["dashboard"] = repr(exc)[:300]

    def save_on_settings():
        try:
            answers["settings"] = console.post(
                f"/console/events/{event_id}/channels/{webinar_id}", data=settings_data
            ).status_code
        except Exception as exc:
            answers["settings"] = repr(exc)[:300]

    first = threading.Thread(target=raise_on_dashboard)
    first.start()
    assert locked.wait(10)
    second = threading.Thread(target=save_on_settings)
    second.start()
    time.sleep(0.5)  # the settings page's flush waits for the channel's lock
    go.set()
    first.join(30)
    second.join(30)
    assert answers == {"dashboard": 302, "settings": 302}
    assert _fresh(Channel, webinar_id).capacity in (600, 700)
