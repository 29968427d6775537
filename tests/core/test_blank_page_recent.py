"""What a blank form page is made of, reused for FORM_STATE_MAX_AGE seconds (core.blank_page.recent,
issue 12): in a surge the form's GETs ask the database nothing; the page shows the seats of at
most that long ago; every POST decides by the seats as they are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import blank_page
from app.core.jpdates import now_utc
from app.events.models import Channel
from app.registration.models import Registration
from tests.events.test_snapshot import Statements, _form, _text

# Every view that keeps its blank page (``blank_page.uses_blank_page``): its path.
KEPT_PAGES = {
    "registration.register": lambda slug: "/register",
    "registration.apply_team": lambda slug: "/team/apply",
    "surveys.answer": lambda slug: f"/survey/{slug}?ch=qr",
}


def test_every_kept_page_is_swept(app):
    kept = {e for e, view in app.view_functions.items() if getattr(view, "_blank_page", False)}
    assert kept == set(KEPT_PAGES), kept ^ set(KEPT_PAGES)


@pytest.mark.parametrize("endpoint", sorted(KEPT_PAGES))
def test_a_form_page_read_again_within_the_age_asks_the_database_nothing(
    app, client, db, event, max_age, endpoint, monkeypatch
):
    # As served: with CSRF on, every form's page carries its submission key (the
    # questionnaire's renders it with its CSRF field), so every page is kept.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    path = KEPT_PAGES[endpoint](event.slug)
    client.get(path)  # the questionnaire's first page generates it: a state read again once
    max_age.later(61)
    first = client.get(path)
    db.session.remove()
    with Statements(db.engine) as seen:
        again = client.get(path)
    assert again.status_code == 200
    assert seen.sql == []
    # Still a page of its own: its own one-time submission key.
    assert blank_page._KEY_INPUT.search(first.get_data(as_text=True)).group(1) != (
        blank_page._KEY_INPUT.search(again.get_data(as_text=True)).group(1)
    )
    max_age.later(61)
    db.session.remove()
    with Statements(db.engine) as seen:
        assert client.get(path).status_code == 200
    assert any("event_revision" in s for s in seen.sql), seen.sql


def test_the_page_may_show_a_state_a_moment_old_but_the_post_decides_by_the_current_one(
    client, db, event, max_age
):
    webinar = db.session.scalar(select(Channel).where(Channel.code == "webinar"))
    webinar.capacity = 1
    db.session.commit()
    blank_page.forget()
    assert "満席" not in _text(client.get("/register"))
    assert client.post("/register", data=_form(1)).status_code == 302  # the last seat
    db.session.remove()
    # Within the age the page is made of what was read before the seat went…
    assert "満席" not in _text(client.get("/register"))
    # …but the next person's POST is refused by the seats as they are, and nothing is written.
    refused = client.post("/register", data=_form(2))
    assert refused.status_code == 200 and "定員（1名）に達しました" in _text(refused)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    db.session.remove()
    max_age.later(61)
    assert "満席" in _text(client.get("/register"))


def test_a_setting_changed_meanwhile_shows_once_the_age_has_passed(client, db, event, max_age):
    assert "定員777名" not in _text(client.get("/register"))
    db.session.scalar(select(Channel).where(Channel.code == "webinar")).capacity = 777
    db.session.commit()  # a new revision of the event, as the console's save gives it
    db.session.remove()
    assert "定員777名" not in _text(client.get("/register"))
    max_age.later(61)
    assert "定員777名" in _text(client.get("/register"))
