"""The event kept by each worker for the public forms (app.events.snapshot, issue 12): a change
saved anywhere — in this process or by another worker — is what the next form shows and
decides by; only the small id-and-revision SELECT runs while nothing changed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app import create_app
from app.config import TestConfig
from app.events.models import Channel, Event, Training, Venue
from app.events.snapshot import revision
from app.extensions import db as _db
from app.registration.models import Registration
from tests.preview.conftest import person_form


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _form(n: int) -> dict:
    return person_form(f"佐藤　花子{n}", f"snap{n}@pref.example.jp")


class Statements:
    """The SQL one request sends (engine events), for asserting what was not asked."""

    def __init__(self, engine):
        self.engine, self.sql = engine, []

    def _record(self, conn, cursor, statement, *args):
        self.sql.append(" ".join(statement.split()))

    def __enter__(self):
        sa_event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa_event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def other_worker(database_url):
    """other_worker(change) runs ``change(session)`` in another app on the same database and
    commits: what a second gunicorn worker, or the console served by one, does."""

    def run(change) -> None:
        other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
        with other.app_context():
            change(_db.session)
            _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()
        # The test client's requests share the test's app context, and so its session: end it
        # as every served request ends its own, so that only this worker's kept copy remains.
        _db.session.remove()

    return run


def test_while_nothing_changes_the_form_reads_only_the_events_id_and_revision(client, db, event):
    client.get("/register")  # this worker keeps the event
    db.session.remove()
    with Statements(db.engine) as seen:
        page = client.get("/register")
    assert page.status_code == 200
    joined = [s for s in seen.sql if "JOIN channel" in s or "JOIN training" in s]
    assert joined == [], seen.sql
    assert any("event_revision.token" in s for s in seen.sql), seen.sql
    # The kept event renders the same page as a freshly loaded one.
    assert _text(page) == _text(client.get("/register"))


def test_texts_changed_by_another_worker_show_on_the_next_form(client, event, other_worker):
    page = _text(client.get("/register"))
    assert "オンライン開催（試行）" not in page and "定員377名" not in page

    def edit(session):
        session.scalar(
            select(Training).where(Training.code == "t1")
        ).format_label = "オンライン開催（試行）"
        session.scalar(select(Channel).where(Channel.code == "webinar")).capacity = 377

    other_worker(edit)
    page = _text(client.get("/register"))
    assert "研修会議Ⅰ（オンライン開催（試行））" in page and "定員377名" in page


def test_seats_cut_by_another_worker_refuse_the_next_registration(client, db, event, other_worker):
    assert client.post("/register", data=_form(1)).status_code == 302

    def cut(session):
        session.scalar(select(Channel).where(Channel.code == "webinar")).capacity = 1

    other_worker(cut)
    refused = client.post("/register", data=_form(2))
    assert refused.status_code == 200
    assert "定員（1名）に達しました" in _text(refused)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_a_deadline_moved_by_another_worker_closes_the_form(client, db, event, other_worker):
    from datetime import timedelta

    from app.core.jpdates import now_utc

    client.get("/register")

    def close(session):
        channel = session.scalar(select(Channel).where(Channel.code == "webinar"))
        channel.closes_at = now_utc() - timedelta(minutes=1)

    other_worker(close)
    refused = client.post("/register", data=_form(3))
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_an_accepted_post_checks_the_kept_event_in_its_first_statement(client, db, event):
    """Issue 12: no SELECT of the event's revision of its own; the duplicate check reads the
    current event's key in passing, and nothing else reads the event."""
    client.get("/register")  # this worker keeps the event
    db.session.remove()
    with Statements(db.engine) as seen:
        assert client.post("/register", data=_form(11)).status_code == 302
    db.session.remove()
    revisions = [s for s in seen.sql if "event_revision" in s]
    assert len(revisions) == 1 and "registration.email_normalized" in revisions[0], seen.sql


def test_a_form_error_after_another_worker_changed_the_event_shows_the_current_one(
    client, event, other_worker
):
    client.get("/register")  # this worker keeps the event

    def edit(session):
        session.scalar(select(Channel).where(Channel.code == "webinar")).capacity = 377

    other_worker(edit)
    page = client.post("/register", data=dict(_form(12), name=""))  # refused before any SQL
    assert page.status_code == 200
    assert "定員377名" in _text(page) and "氏名" in _text(page)


def test_a_team_after_another_worker_closed_its_venue_is_refused(client, db, event, other_worker):
    from datetime import timedelta

    from app.core.jpdates import now_utc
    from app.registration.models import Team
    from tests.registration.test_views import _member, _team_form

    client.get("/team/apply")  # this worker keeps the event

    def close(session):
        channel = session.scalar(select(Channel).where(Channel.code == "t2_tokyo"))
        channel.closes_at = now_utc() - timedelta(minutes=1)

    other_worker(close)
    refused = client.post("/team/apply", data=_team_form([_member(1)]))
    assert refused.status_code == 200 and "申込受付は締め切りました" in _text(refused)
    assert db.session.scalar(select(func.count()).select_from(Team)) == 0
    # …and once it is open again, the next application is accepted on the same worker.
    reopened = now_utc() + timedelta(days=7)
    other_worker(lambda session: setattr(_channel(session, "t2_tokyo"), "closes_at", reopened))
    assert client.post("/team/apply", data=_team_form([_member(1)])).status_code == 302


def _channel(session, code: str) -> Channel:
    return session.scalar(select(Channel).where(Channel.code == code))


@pytest.mark.parametrize(
    "change",
    [
        lambda e: setattr(e, "theme", "新しいテーマ"),
        lambda e: setattr(e.channel("youtube"), "capacity", 99),
        lambda e: setattr(e.venues[0], "room", "大会議室Ｂ"),
        lambda e: setattr(e.training("t2"), "focus", "演習を中心"),
    ],
    ids=["event", "channel", "venue", "training"],
)
def test_every_change_to_the_graph_renews_the_revision(db, event, change):
    before = revision(event.id)
    assert before is not None  # the event got its revision when it was created
    change(event)
    db.session.commit()
    assert revision(event.id) != before


def test_a_registration_or_an_unchanged_save_keeps_the_revision(
    client, db, event, make_registration
):
    before = revision(event.id)
    make_registration()
    assert client.post("/register", data=_form(4)).status_code == 302
    event = db.session.get(Event, event.id)
    event.theme = event.theme  # set, not changed
    db.session.get(Venue, event.venues[0].id)
    db.session.get(Training, event.trainings[0].id)
    db.session.commit()
    assert revision(event.id) == before


def test_the_kept_graph_stays_out_of_every_session_and_unchanged(
    app, client, db, event, make_person
):
    """The form pages read the kept graph itself (snapshot.current_event_to_read): it is shared
    by every request of the process, so no request may attach it to its session or change
    it, whether its page is kept, written anew, or a POST is accepted or refused."""
    from sqlalchemy import inspect as sa_inspect

    from app.events.snapshot import _STORE

    client.get("/register")
    db.session.remove()
    (kept,) = app.extensions[_STORE].values()
    graph = [kept, *kept.channels, *kept.trainings, *(c.venue for c in kept.channels if c.venue)]
    before = [{k: v for k, v in vars(obj).items() if not k.startswith("_")} for obj in graph]

    def unchanged() -> None:
        assert app.extensions[_STORE] == {next(iter(app.extensions[_STORE])): kept}
        for obj, values in zip(graph, before, strict=True):
            assert sa_inspect(obj).detached, obj
            assert {k: v for k, v in vars(obj).items() if not k.startswith("_")} == values

    page = client.get("/register")  # the kept page
    assert page.status_code == 200
    assert not any(isinstance(o, Event) for o in db.session.identity_map.values())
    db.session.remove()
    unchanged()
    assert client.get("/register?channel=youtube").status_code == 200  # a page written anew
    assert client.get("/team/apply").status_code == 200
    db.session.remove()
    unchanged()
    youtube = person_form("佐藤　花子9", "snap9@pref.example.jp", channel="youtube")
    # Accepted on the webinar (PostgreSQL: the one statement), refused as the same e-mail,
    # accepted on YouTube (no seat: the row joins the session with its event and channel).
    for data in (_form(1), _form(1), youtube):
        client.post("/register", data=data)
        db.session.remove()
        unchanged()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    registered = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [r.channel.code for r in registered] == ["webinar", "youtube"]
