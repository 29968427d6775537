"""An attack on the tenth pass (issue 12): the kept event graph read without a copy
(events.snapshot.current_event_to_read), the accepted webinar registration writing its row by
the ids (seats.insert_with_seat), and the blank form pages' state reused for
FORM_STATE_MAX_AGE seconds (core.blank_page.recent).

Every request path that reads the kept graph must leave it detached, out of every session and
unchanged; the cached state must never decide a POST, nor leak into a page it does not make;
mails must be what ``render_mail`` writes for the same rows, answering to the event's 事務局 as
it is now."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app.core import blank_page, idempotency
from app.core.jpdates import now_utc
from app.core.mail import render_mail, render_text
from app.core.models import OutboxMessage
from app.events.models import Channel, Event
from app.events.snapshot import _STORE
from app.registration.models import Registration, Team
from app.registration.services import individual
from tests.events.test_snapshot import Statements
from tests.preview.conftest import person_form, team_form


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _form(n: int, **overrides) -> dict:
    data = person_form(f"佐藤　花子{n}", f"atk{n}@pref.example.jp")
    data.update(overrides)
    return data


class Guard:
    """The process's kept graph as it is now: ``check()`` asserts that no request attached
    one of its objects to a session (``before_attach``), and that it is still the kept copy,
    detached, with the same loaded values and no pending change."""

    def __init__(self, app):
        self.app = app
        (self.kept,) = app.extensions[_STORE].values()
        kept = self.kept
        self.graph = [
            kept,
            *kept.channels,
            *kept.trainings,
            *(c.venue for c in kept.channels if c.venue is not None),
        ]
        self.ids = {id(o) for o in self.graph}
        self.before = [self._values(o) for o in self.graph]
        self.attached: list = []
        sa_event.listen(Session, "before_attach", self._on_attach)

    @staticmethod
    def _values(obj) -> dict:
        """The loaded values, deep-copied (a list or dict column changed in place shows), a
        related object or collection by identity."""

        def frozen(value):
            if hasattr(value, "_sa_instance_state"):
                return ("object", id(value))
            if isinstance(value, list) and any(hasattr(v, "_sa_instance_state") for v in value):
                return ("collection", tuple(id(v) for v in value))
            return copy.deepcopy(value)

        return {k: frozen(v) for k, v in vars(obj).items() if not k.startswith("_")}

    def _on_attach(self, session, instance) -> None:
        if id(instance) in self.ids:
            self.attached.append(repr(instance))

    def close(self) -> None:
        sa_event.remove(Session, "before_attach", self._on_attach)

    def check(self, still_kept: bool = True) -> None:
        assert self.attached == [], f"kept objects attached to a session: {self.attached}"
        if still_kept:
            assert list(self.app.extensions[_STORE].values()) == [self.kept]
        for obj, values in zip(self.graph, self.before, strict=True):
            state = sa_inspect(obj)
            assert state.detached, obj
            assert state.session_id is None, obj
            assert not state.committed_state, (obj, state.committed_state)
            assert not state.expired_attributes, (obj, state.expired_attributes)
            assert not getattr(state, "_pending_mutations", None), obj
            assert self._values(obj) == values, obj


@pytest.fixture
def guard(app, client, db):
    """guard() → a Guard of the kept graph, primed by a GET of /register (call it after the
    test's own changes of the event: a change gives a new kept graph)."""
    made: list[Guard] = []

    def prime() -> Guard:
        db.session.remove()
        assert client.get("/register").status_code == 200
        db.session.remove()
        g = Guard(app)
        made.append(g)
        return g

    yield prime
    for g in made:
        g.close()


@pytest.fixture
def previewing(app, staff):
    """previewing() → a logged-in 事務局's client with preview mode on (as tests/preview)."""

    def make():
        staff_client = staff(app.test_client())
        assert staff_client.post("/console/preview/on").status_code == 302
        return staff_client

    return make


def _done(db, g: Guard, response, status=(200, 302, 303)) -> None:
    assert response.status_code in status, (response.status_code, _text(response)[:500])
    db.session.remove()
    g.check()


def _channel(db, code: str) -> Channel:
    return db.session.scalar(select(Channel).where(Channel.code == code))


def _count(db, model=Registration) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- the kept graph, every path


def test_every_get_and_head_of_the_forms_leaves_the_kept_graph_alone(client, db, event, guard):
    g = guard()
    for path in (
        "/register",
        "/register?channel=youtube",
        "/register?channel=webinar",
        "/register?channel=t2_tokyo",  # a venue: no preselection
        "/register?channel=%00nonsense",
        "/team/apply",
    ):
        _done(db, g, client.get(path), status=(200,))
        head = client.head(path)
        _done(db, g, head, status=(200,))
        assert head.get_data() == b""


def test_a_validation_error_and_correct_leave_the_kept_graph_alone(client, db, event, guard):
    g = guard()
    blank = client.post("/register", data=_form(1, name=""))
    assert "氏名" in _text(blank)
    _done(db, g, blank, status=(200,))
    # An unknown channel, a venue channel (refused by the rule, not the form), an ineligible
    # category: each shows the form again.
    for data in (
        _form(2, channel="nonsense"),
        _form(3, channel="t2_tokyo"),
        _form(4, email_confirm="other@example.jp"),
    ):
        _done(db, g, client.post("/register", data=data), status=(200,))
    corrected = client.post("/register", data={**_form(5), "_correct": "1"})
    assert "佐藤　花子5" in corrected.get_data(as_text=True)
    _done(db, g, corrected, status=(200,))
    assert _count(db) == 0


def test_accepted_duplicate_and_repeated_key_leave_the_kept_graph_alone(client, db, event, guard):
    g = guard()
    page = client.get("/register").get_data(as_text=True)
    key = blank_page._KEY_INPUT.search(page).group(1)
    first = client.post("/register", data={**_form(1), idempotency.FIELD: key})
    assert first.status_code == 302
    _done(db, g, first)
    # The same submission again: the first answer, not a duplicate page.
    again = client.post("/register", data={**_form(1), idempotency.FIELD: key})
    assert again.status_code in (302, 303) and again.location == first.location
    _done(db, g, again)
    # The same e-mail in a new submission: the duplicate page.
    duplicate = client.post("/register", data=_form(1))
    assert "既に研修会議Ⅰにお申込み" in _text(duplicate)
    _done(db, g, duplicate, status=(200,))
    # The same e-mail on YouTube: also a duplicate (the session path).
    _done(db, g, client.post("/register", data=_form(1, channel="youtube")), status=(200,))
    assert _count(db) == 1


def test_full_waitlist_and_closed_pages_leave_the_kept_graph_alone(client, db, event, guard):
    event.channel("webinar").capacity = 1
    db.session.commit()
    g = guard()
    _done(db, g, client.post("/register", data=_form(1)))  # the last seat
    full = client.post("/register", data=_form(2))
    assert "定員（1名）に達しました" in _text(full)
    _done(db, g, full, status=(200,))
    # The 満席 page's one click: YouTube with the waiting list ticked.
    queued = client.post("/register", data=_form(2, channel="youtube", join_waitlist="y"))
    assert queued.status_code == 302
    _done(db, g, queued)
    # 「入力内容を修正する」 while full: the whole form with the waiting-list tick.
    corrected = client.post("/register", data={**_form(3), "_correct": "1"})
    _done(db, g, corrected, status=(200,))
    assert client.get("/register").status_code == 200
    _done(db, g, client.get("/register"), status=(200,))
    assert _count(db) == 2


def test_a_closed_channel_leaves_the_kept_graph_alone(client, db, event, guard):
    event.channel("webinar").closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    g = guard()
    closed = client.post("/register", data=_form(1))
    assert closed.status_code == 200 and "受付" in _text(closed)
    _done(db, g, closed, status=(200,))
    _done(db, g, client.post("/register", data=_form(1, channel="youtube")))


def test_full_after_the_lock_rolls_back_and_leaves_the_kept_graph_alone(
    client, db, event, guard, monkeypatch
):
    """The first look counts no seat taken (a seat freed a moment before), the count under
    the lock finds the channel full: the refusal after the lock (PostgreSQL: the one
    statement's None, a rollback; SQLite: take_seat)."""
    event.channel("webinar").capacity = 1
    db.session.commit()
    g = guard()
    _done(db, g, client.post("/register", data=_form(1)))
    real = individual.refuse_duplicate_and_count
    monkeypatch.setattr(
        individual,
        "refuse_duplicate_and_count",
        lambda event, email, channel_id, now: (real(event, email, channel_id, now), 0)[1],
    )
    late = client.post("/register", data=_form(2))
    assert late.status_code == 200 and "定員（1名）に達しました" in _text(late), _text(late)[:400]
    _done(db, g, late, status=(200,))
    assert _count(db) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    # The next request in this process still serves from the same kept graph.
    _done(db, g, client.post("/register", data=_form(3, channel="youtube")))


def test_a_duplicate_found_by_the_unique_index_leaves_the_kept_graph_alone(
    client, db, event, guard, monkeypatch
):
    """A twin committed between the first look and the INSERT: the unique index refuses it
    (IntegrityError → DuplicateError, rolled back)."""
    g = guard()
    _done(db, g, client.post("/register", data=_form(1)))
    real = individual.refuse_duplicate_and_count
    monkeypatch.setattr(
        individual,
        "refuse_duplicate_and_count",
        lambda event, email, channel_id, now: real(
            event, "nobody@nowhere.example.jp", channel_id, now
        ),
    )
    for channel in ("webinar", "youtube"):
        twin = client.post("/register", data=_form(1, channel=channel))
        assert twin.status_code == 200, _text(twin)[:400]
        assert "既に研修会議Ⅰにお申込み" in _text(twin)
        _done(db, g, twin, status=(200,))
    assert _count(db) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_team_paths_leave_the_kept_graph_alone(client, db, event, guard):
    g = guard()
    data = team_form("鈴木　一郎", "team1@city.example.jp")
    _done(db, g, client.post("/team/apply", data={**data, "add_row": "1"}), status=(200,))
    _done(db, g, client.post("/team/apply", data={**data, "_correct": "1"}), status=(200,))
    _done(db, g, client.post("/team/apply", data={**data, "members-0-name": ""}), status=(200,))
    accepted = client.post("/team/apply", data=data)
    assert accepted.status_code == 302, _text(accepted)[:400]
    _done(db, g, accepted)
    twin = client.post("/team/apply", data=team_form("鈴木　二郎", "team2@city.example.jp"))
    assert "１自治体１団体" in _text(twin)
    _done(db, g, twin, status=(200,))
    _done(db, g, client.get("/team/apply"), status=(200,))
    assert _count(db, Team) == 1


def test_a_logged_in_staff_member_and_the_console_leave_the_kept_graph_alone(
    app, client, db, event, guard, staff
):
    g = guard()
    staffed = staff(app.test_client())
    _done(db, g, staffed.get("/register"), status=(200,))
    _done(db, g, staffed.post("/register", data=_form(1)))
    _done(db, g, staffed.get("/console/registrations/new"), status=(200,))
    admitted = staffed.post("/console/registrations/new", data={**_form(2), "reason": ""})
    assert admitted.status_code == 302, _text(admitted)[:600]
    _done(db, g, admitted)
    over = staffed.post("/console/registrations/new", data={**_form(3), "reason": "来賓"})
    _done(db, g, over)
    assert _count(db) == 3
    assert {r.source for r in db.session.scalars(select(Registration))} == {"web", "console"}


def test_preview_mode_leaves_the_kept_graph_alone(app, client, db, event, guard, previewing):
    g = guard()
    staff_client = previewing()
    for path in ("/register", "/team/apply"):
        _done(db, g, staff_client.get(path), status=(200,))
    _done(db, g, staff_client.post("/register", data=_form(1)))
    _done(db, g, staff_client.post("/register", data=_form(1)), status=(200,))  # duplicate
    _done(
        db, g, staff_client.post("/team/apply", data=team_form("試験　一郎", "pv@city.example.jp"))
    )
    tests = db.session.scalars(select(Registration).execution_options(include_tests=True)).all()
    assert [r.is_test for r in tests] == [True]
    # The public page afterwards: from the same kept graph, no preview banner.
    public = client.get("/register")
    assert "プレビュー" not in _text(public)
    _done(db, g, public, status=(200,))


def test_a_console_change_gives_a_new_kept_graph_and_leaves_the_old_one_alone(
    client, db, event, guard
):
    g = guard()
    _done(db, g, client.post("/register", data=_form(1)))
    _channel(db, "webinar").capacity = 999
    db.session.commit()
    db.session.remove()
    page = client.get("/register")
    assert "定員999名" in _text(page)
    g.check(still_kept=False)  # the old graph, no longer kept, was not touched either
    g2 = Guard(client.application)
    try:
        assert g2.kept is not g.kept
        _done(db, g2, client.post("/register", data=_form(2)))
        _done(db, g2, client.get("/register"), status=(200,))
    finally:
        g2.close()


def test_forget_keeps_serving_the_same_graph(app, client, db, event, guard):
    g = guard()
    blank_page.forget()
    _done(db, g, client.get("/register"), status=(200,))
    _done(db, g, client.get("/team/apply"), status=(200,))
    _done(db, g, client.post("/register", data=_form(1)))


# ---------------------------------------------------------------- FORM_STATE_MAX_AGE on


def _checked_channel(response) -> str | None:
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<input[^>]*name=\"channel\"[^>]*>", html):
        if re.search(r"\bchecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_with_the_age_on_the_channel_query_does_not_leak(client, db, event, max_age):
    assert _checked_channel(client.get("/register?channel=youtube")) == "youtube"
    assert _checked_channel(client.get("/register")) is None
    assert _checked_channel(client.get("/register?channel=webinar")) == "webinar"
    assert _checked_channel(client.get("/register?channel=youtube")) == "youtube"
    assert _checked_channel(client.get("/register?channel=t2_tokyo")) is None


def test_with_the_age_on_a_preview_page_is_never_cached_nor_served_from_the_cache(
    client, db, event, max_age, previewing
):
    public = client.get("/register")
    assert public.status_code == 200
    staff_client = previewing()
    previewed = staff_client.get("/register")
    assert "プレビュー" in _text(previewed)
    previewed_team = staff_client.get("/team/apply")
    assert "プレビュー" in _text(previewed_team)
    db.session.remove()
    assert "プレビュー" not in _text(client.get("/register"))
    assert "プレビュー" not in _text(client.get("/team/apply"))
    # A preview POST within the age: decided as a preview (a test row), not by the cache.
    assert staff_client.post("/register", data=_form(1)).status_code == 302
    assert _count(db) == 0


def test_with_the_age_on_a_flashed_message_is_shown(client, db, event, max_age):
    client.get("/register")
    client.get("/team/apply")
    for path in ("/register", "/team/apply"):
        with client.session_transaction() as s:
            s["_flashes"] = [("error", "攻撃メッセージ")]
        page = client.get(path)
        assert "攻撃メッセージ" in _text(page)
        assert "攻撃メッセージ" not in _text(client.get(path))


def test_with_the_age_on_a_post_is_decided_by_the_current_state(client, db, event, max_age):
    """The cache read before a deadline passed and before the capacity was cut: the POSTs
    within the age are refused by the state as it is."""
    client.get("/register")
    client.get("/team/apply")
    webinar = _channel(db, "webinar")
    webinar.capacity = 0
    _channel(db, "t2_tokyo").closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    db.session.remove()
    assert "満席" not in _text(client.get("/register"))  # the cached page
    refused = client.post("/register", data=_form(1))
    assert refused.status_code == 200
    assert "満席" in _text(refused) or "定員" in _text(refused)
    team = client.post("/team/apply", data=team_form("鈴木　一郎", "t1@city.example.jp"))
    assert team.status_code == 200, team.status_code
    assert _count(db) == 0 and _count(db, Team) == 0


def test_with_the_age_on_a_new_current_event_shows_after_the_age_and_posts_go_to_it(
    client, db, event, max_age
):
    from app.events.services import clone_event, set_current

    set_current(event)
    first = client.get("/register")
    assert "令和５年度" in _text(first)
    new = clone_event(event, 2024, "fy2024-attack")
    # The copy's dates are a year later: open its webinar now.
    for channel in new.channels:
        channel.opens_at = now_utc() - timedelta(days=1)
        channel.closes_at = now_utc() + timedelta(days=30)
    new.short_name = "令和６年度の研修会議"
    new.contact_email = "fy2024-desk@example.go.jp"
    db.session.commit()
    set_current(new)
    new_id = new.id
    db.session.remove()
    # Within the age the blank page may be the old event's…
    client.get("/register")
    # …but the POST registers for the event current now.
    accepted = client.post("/register", data=_form(1))
    assert accepted.status_code == 302, _text(accepted)[:400]
    db.session.remove()
    (registration,) = db.session.scalars(select(Registration)).all()
    assert registration.event_id == new_id
    (mail,) = _mails(db)
    assert (mail.event_id, mail.reply_to) == (new_id, "fy2024-desk@example.go.jp")
    assert "fy2024-desk@example.go.jp" in mail.body
    max_age.later(61)
    assert "令和６年度" in _text(client.get("/register"))
    team_page = client.get("/team/apply")
    assert "令和６年度" in _text(team_page)


def test_with_the_age_on_the_cache_refreshes_every_age(client, db, event, max_age):
    for capacity in (701, 702, 703):
        _channel(db, "webinar").capacity = capacity
        db.session.commit()
        db.session.remove()
        max_age.later(61)
        assert f"定員{capacity}名" in _text(client.get("/register"))
        db.session.remove()
        with Statements(db.engine) as seen:
            client.get("/register")
            client.head("/register")
        assert seen.sql == []


def test_with_the_age_on_a_head_and_a_get_agree(client, db, event, max_age):
    get = client.get("/register")
    head = client.head("/register")
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == len(get.get_data())


# ---------------------------------------------------------------- mails


def _mails(db) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.mark.parametrize("channel", ["webinar", "youtube"])
def test_the_registration_mail_is_what_render_mail_writes(client, db, event, channel):
    client.get("/register")
    assert client.post("/register", data=_form(1, channel=channel)).status_code == 302
    db.session.remove()
    (mail,) = _mails(db)
    registration = db.session.scalar(select(Registration))
    subject, body = render_mail(
        "registration_received.txt", registration=registration, position=None
    )
    assert (mail.subject, mail.body) == (subject, body)
    assert mail.reply_to == db.session.scalar(select(Event)).contact_email
    assert mail.to_addr == registration.email


def test_the_queued_registration_mail_is_what_render_mail_writes(client, db, event):
    from app.registration.services.waitlist import waitlist_position

    event.channel("webinar").capacity = 0
    db.session.commit()
    client.get("/register")
    queued = client.post("/register", data=_form(1, channel="youtube", join_waitlist="y"))
    assert queued.status_code == 302
    db.session.remove()
    (mail,) = _mails(db)
    registration = db.session.scalar(select(Registration))
    entry = registration.open_waitlist_entry
    assert entry is not None
    subject, body = render_mail(
        "registration_received.txt",
        registration=registration,
        position=waitlist_position(entry),
    )
    assert (mail.subject, mail.body) == (subject, body)


def test_the_team_mails_are_what_render_mail_writes(client, db, event):
    data = team_form("鈴木　一郎", "lead@city.example.jp")
    data["member_count"] = "2"
    for key, value in {
        "name": "鈴木　二郎",
        "kana": "すずき じろう",
        "email": "second@city.example.jp",
        "phone": "",
        "category": "kankei_dantai",
        "municipality": "",
        "organisation": "地域包括支援センター",
        "department": "相談係",
        "occupation": "社会福祉士",
        "category_other": "",
    }.items():
        data[f"members-1-{key}"] = value
    accepted = client.post("/team/apply", data=data)
    assert accepted.status_code == 302, _text(accepted)[:600]
    db.session.remove()
    mails = _mails(db)
    team = db.session.scalar(select(Team))
    assert len(mails) == len(team.active_members) == 2
    for mail, member in zip(mails, team.active_members, strict=True):
        assert mail.to_addr == member.email
        subject, body = render_mail("team_received.txt", team=team, member=member)
        assert (mail.subject, mail.body) == (subject, body)
        summary = render_text("_team_summary.txt", team=team)
        written = render_mail("team_received.txt", team=team, member=member, team_summary=summary)
        assert written == (subject, body)


def test_the_team_mails_answer_to_the_events_desk_and_belong_to_the_event(client, db, event):
    """teams.apply_team writes its mails before the team is flushed: the team carries its
    event_id from the start, so the outbox rows have their event and the Reply-To of its 事務局
    (found by the tenth pass's attack session; broken since 7592fb0)."""
    accepted = client.post("/team/apply", data=team_form("鈴木　一郎", "lead@city.example.jp"))
    assert accepted.status_code == 302
    db.session.remove()
    team = db.session.scalar(select(Team))
    mails = _mails(db)
    assert [(m.kind, m.event_id, m.reply_to) for m in mails] == [
        ("team", team.event_id, team.event.contact_email)
    ]


def test_the_reply_to_follows_a_contact_changed_in_the_console(
    app, client, db, event, staff, max_age
):
    """The contact e-mail changed through the console's event form: the next registration's
    mail answers to the new address, within the age of the cached blank page too."""
    from app.events.services import update_event

    client.get("/register")
    client.get("/team/apply")
    assert client.post("/register", data=_form(1)).status_code == 302
    update_event(db.session.scalar(select(Event)), {"contact_email": "new-desk@example.go.jp"})
    db.session.remove()
    client.get("/register")  # the cached page, the old key noted on this request
    assert client.post("/register", data=_form(2)).status_code == 302
    assert client.post("/register", data=_form(3, channel="youtube")).status_code == 302
    db.session.remove()
    mails = _mails(db)
    assert [m.reply_to for m in mails] == [
        "fri-homecare-seminar@dl.jp.fujitsu.com",
        "new-desk@example.go.jp",
        "new-desk@example.go.jp",
    ]
    for mail in mails[1:]:
        assert "new-desk@example.go.jp" in mail.body


def test_the_reply_to_of_another_event_is_not_the_kept_ones(client, db, event):
    """A mail of another event sent in a request that read the current event: its own
    事務局."""
    from app.core.mail import queue_mail
    from app.events.services import clone_event

    other = clone_event(event, 2024, "fy2024-other")
    other.contact_email = "other-desk@example.go.jp"
    db.session.commit()
    other_id = other.id
    db.session.remove()
    client.get("/register")
    with client.application.test_request_context("/register", method="POST"):
        from app.events.snapshot import current_event_to_read

        kept = current_event_to_read()
        assert kept.id != other_id or kept.contact_email == "other-desk@example.go.jp"
        message = queue_mail("x@example.jp", "s", "b", event_id=other_id)
        assert message.reply_to == "other-desk@example.go.jp"
        message2 = queue_mail("x@example.jp", "s", "b", event_id=kept.id)
        assert message2.reply_to == db.session.get(Event, kept.id).contact_email
        db.session.rollback()


@pytest.mark.csrf
@pytest.mark.parametrize("age", [0, 60])
def test_a_csrf_failure_shows_the_typing_again_and_leaves_the_kept_graph_alone(
    app, client, db, event, guard, age
):
    """A POST whose session was lost (no CSRF token): the view runs again in recovery mode,
    the form comes back with what was typed; the kept graph is not attached nor changed, and
    nothing is stored; with the age on, the blank page after it is not the recovery page."""
    app.config["FORM_STATE_MAX_AGE"] = age
    blank_page.forget()
    g = guard()
    lost = client.post("/register", data=_form(1))
    assert lost.status_code in (200, 400), lost.status_code
    assert "佐藤　花子1" in lost.get_data(as_text=True)
    _done(db, g, lost, status=(200, 400))
    team = client.post("/team/apply", data=team_form("鈴木　一郎", "lost@city.example.jp"))
    assert "鈴木　一郎" in team.get_data(as_text=True)
    _done(db, g, team, status=(200, 400))
    fresh = client.get("/register")
    assert "佐藤　花子1" not in fresh.get_data(as_text=True)
    _done(db, g, fresh, status=(200,))
    assert _count(db) == 0 and _count(db, Team) == 0


@pytest.mark.parametrize("age", [0, 60])
def test_an_event_without_a_revision_is_read_and_never_kept(client, db, event, age, app):
    """An event written by hand-written SQL (no revision row): every page and POST reads it,
    nothing of it is kept, nothing fails."""
    from app.events.models import event_revision

    app.config["FORM_STATE_MAX_AGE"] = age
    blank_page.forget()
    db.session.execute(event_revision.delete())
    db.session.commit()
    db.session.remove()
    for _ in range(2):
        for path in ("/register", "/team/apply", "/register?channel=youtube"):
            assert client.get(path).status_code == 200
            assert client.head(path).status_code == 200
    assert app.extensions.get(_STORE, {}) == {}
    assert app.extensions.get("blank_page_reads", {}) == {}
    assert client.post("/register", data=_form(1)).status_code == 302
    assert client.post("/register", data=_form(1)).status_code == 200  # duplicate
    db.session.remove()
    (mail,) = _mails(db)
    assert mail.reply_to == "fri-homecare-seminar@dl.jp.fujitsu.com"
    assert (mail.subject, mail.body) == render_mail(
        "registration_received.txt", registration=db.session.scalar(select(Registration))
    )


def test_youtube_with_the_waitlist_ticked_while_seats_remain(client, db, event, guard):
    """The tick sent while the webinar still has seats (a stale 満席 page): no 500, the kept
    graph alone, one registration."""
    g = guard()
    ticked = client.post("/register", data=_form(1, channel="youtube", join_waitlist="y"))
    _done(db, g, ticked, status=(200, 302))
    assert _count(db) == 1


@pytest.mark.postgres_only
def test_concurrent_requests_in_threads_share_the_kept_graph_safely(app, db, event, live_server):
    """A threaded server: GETs and POSTs of both forms at once on one process's kept graph.
    No 500, exactly the capacity accepted, the kept graph attached to no session."""
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    _channel(db, "webinar").capacity = 5
    db.session.commit()
    db.session.remove()
    with urllib.request.urlopen(f"{live_server}/register") as r:
        assert r.status == 200
    g = Guard(app)
    statuses: list[int] = []
    lock = threading.Lock()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def hit(n: int) -> None:
        try:
            if n % 3 == 0:
                request = urllib.request.Request(f"{live_server}/register")
            elif n % 3 == 1:
                request = urllib.request.Request(
                    f"{live_server}/register",
                    data=urllib.parse.urlencode(_form(100 + n)).encode(),
                )
            else:
                request = urllib.request.Request(f"{live_server}/team/apply")
            with opener.open(request, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with lock:
            statuses.append(status)

    try:
        threads = [threading.Thread(target=hit, args=(n,)) for n in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        assert len(statuses) == 30
        assert all(s in (200, 302, 303) for s in statuses), statuses
        db.session.remove()
        assert _count(db) == 5
        g.check()
    finally:
        g.close()


def test_no_event_at_all_is_a_404_on_every_path(client, db, app):
    """No event yet: 404, never a 500, with the age on or off."""
    for age in (0, 60):
        app.config["FORM_STATE_MAX_AGE"] = age
        blank_page.forget()
        for path in ("/register", "/team/apply", "/register?channel=webinar"):
            assert client.get(path).status_code == 404
            assert client.head(path).status_code == 404
        assert client.post("/register", data=_form(1)).status_code == 404
        assert (
            client.post(
                "/team/apply", data=team_form("鈴木　一郎", "n@city.example.jp")
            ).status_code
            == 404
        )


def test_the_kept_channels_read_as_documented_without_a_session(client, db, event, guard):
    """What current_event_to_read promises readable on the kept graph: columns, channels,
    trainings, Channel.venue, Channel.training (no DetachedInstanceError). The training is
    loaded before the copy is made (found by the tenth pass's attack session: the copy had
    none, and ``Channel.heading`` raised on it)."""
    g = guard()
    for channel in g.kept.channels:
        assert channel.training is not None
        assert channel.training in g.kept.trainings
        channel.venue  # noqa: B018
        channel.label  # noqa: B018
        channel.heading  # noqa: B018
    assert g.kept.individual_channels and g.kept.venue_channels
    g.check()


def test_the_duplicate_pages_resend_button_mails_the_links_with_the_desks_reply_to(
    client, db, event, guard
):
    """The 研修会議Ⅰ duplicate page's one click (mailing.resend_link) for a person who is also a
    team member: the links mail answers to the event's desk and is what render_mail writes;
    the kept graph is left alone."""
    g = guard()
    _done(db, g, client.post("/register", data=_form(1)))
    team = team_form("鈴木　一郎", "atk1@pref.example.jp")
    _done(db, g, client.post("/team/apply", data=team))
    duplicate = client.post("/register", data=_form(1))
    assert "個人ページのURL" in _text(duplicate)
    _done(db, g, duplicate, status=(200,))
    sent = client.post("/resend-link", data={"email": "atk1@pref.example.jp"})
    _done(db, g, sent, status=(302, 303))
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "personal_links"))
    assert mail.reply_to == "fri-homecare-seminar@dl.jp.fujitsu.com"
    current = db.session.scalar(select(Event))
    registrations = db.session.scalars(select(Registration)).all()
    members = db.session.scalars(select(Team)).one().active_members
    assert (mail.subject, mail.body) == render_mail(
        "personal_links.txt",
        event=current,
        registrations=registrations,
        members=[m for m in members if m.email == "atk1@pref.example.jp"],
    )


@pytest.mark.parametrize("channel", ["webinar", "youtube"])
def test_a_contact_changed_by_another_worker_is_the_next_mails_reply_to(
    client, db, event, database_url, max_age, channel
):
    """This worker keeps the event (and a blank page's state within the age); another worker
    saves a new contact address: the next registration's mail answers to it."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db as _db

    client.get("/register")
    assert client.post("/register", data=_form(1, channel=channel)).status_code == 302
    db.session.remove()
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with other.app_context():
        _db.session.scalar(select(Event)).contact_email = "moved-desk@example.go.jp"
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    db.session.remove()
    client.get("/register")  # within the age: the page of before
    assert client.post("/register", data=_form(2, channel=channel)).status_code == 302
    db.session.remove()
    assert [m.reply_to for m in _mails(db)] == [
        "fri-homecare-seminar@dl.jp.fujitsu.com",
        "moved-desk@example.go.jp",
    ]
    assert "moved-desk@example.go.jp" in _mails(db)[1].body
