"""Attacks on the questionnaire's kept blank page (app/surveys/views.py ``_blank_answer_page``,
app/core/blank_page.py): every change a visitor can see must give a new page, tokens must stay
each visitor's own, and a kept page must post once and replay on a second send."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import blank_page
from app.core.jpdates import now_utc
from app.events import services as event_services
from app.events.models import ProgrammeItem, Venue
from app.surveys import services as surveys
from app.surveys.models import Survey, SurveyResponse
from tests.core.test_blank_page import Renders, get, masked
from tests.surveys.conftest import web_answer

pytestmark = pytest.mark.csrf  # without CSRF the questionnaire has no key and is never kept

_logins = iter(range(1, 10**6))
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_KEY = re.compile(r'name="_submission" value="([^"]+)"')


def path_of(event, query: str = "") -> str:
    return f"/survey/{event.slug}{query}"


def staff_client(app, role: str = "secretariat", preview: bool = False):
    """A logged-in staff member's client, CSRF on (its tokens read from the pages)."""
    from app.core.auth import create_staff

    login_id = f"attack-{role}-{next(_logins)}"
    create_staff(login_id, f"事務局 {role}", role, "correct horse battery")
    client = app.test_client()
    token = _CSRF.search(get(app, "/console/login", client)).group(1)
    login = {"login": login_id, "password": "correct horse battery", "csrf_token": token}
    assert client.post("/console/login", data=login).status_code == 302
    if preview:
        token = _CSRF.search(get(app, "/console/preview", client)).group(1)
        assert client.post("/console/preview/on", data={"csrf_token": token}).status_code == 302
    return client


def kept_then_fresh(app, path: str) -> tuple[str, str]:
    """The page a visitor gets now (kept, if its key did not change) and a fresh rendering."""
    kept = get(app, path)
    blank_page.forget()
    fresh = get(app, path)
    return masked(kept), masked(fresh)


def keep(app, path: str) -> str:
    """GET twice: the second is the kept page (no template rendered)."""
    get(app, path)
    with Renders(app) as renders:
        html = get(app, path)
    assert not renders.names, "the second GET was not served from the kept page"
    return html


def rated_rows(event, code: str = "t1") -> list[ProgrammeItem]:
    training = event.training(code)
    return sorted((p for p in training.programme if p.survey_label), key=lambda p: p.position)


# ------------------------------------------------------------------ dates and the closed page


def test_closing_the_survey_after_a_kept_page_shows_the_closed_page(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    open_event.survey_closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 403
    assert 'name="_submission"' not in response.get_data(as_text=True)


def test_a_survey_reaching_its_deadline_by_time_alone_is_closed(app, db, open_event, monkeypatch):
    """No change of any row: only the clock passes the deadline. The key has no time in it,
    but ``survey_is_open`` runs before the kept page is looked up."""
    path = path_of(open_event)
    keep(app, path)
    later = open_event.survey_closes_at + timedelta(minutes=1)
    monkeypatch.setattr("app.surveys.services.now_utc", lambda: later)
    assert app.test_client().get(path).status_code == 403


def test_a_new_deadline_is_shown_at_once(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    open_event.survey_closes_at = open_event.survey_closes_at + timedelta(days=3)
    db.session.commit()
    kept, fresh = kept_then_fresh(app, path)
    assert kept == fresh


def test_a_not_yet_open_survey_is_never_served_from_a_kept_page(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    open_event.survey_opens_at = now_utc() + timedelta(days=2)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 403
    assert "公開前" in response.get_data(as_text=True)


# ------------------------------------------------------------------ who is asking


def test_a_staff_member_logged_in_gets_the_public_page(app, open_event):
    path = path_of(open_event)
    public = keep(app, path)
    client = staff_client(app)
    get(app, "/console/", client)  # the login's flash shown (and gone)
    with Renders(app) as renders:
        html = get(app, path, client)
    assert not renders.names  # a logged-in staff member out of preview: the kept page
    assert masked(html) == masked(public)


def test_preview_mode_never_gets_nor_leaves_a_kept_page(app, db, open_event):
    path = path_of(open_event)
    public = keep(app, path)
    client = staff_client(app, preview=True)
    previewed = get(app, path, client)
    assert "プレビュー中" in previewed
    assert "プレビュー中" not in get(app, path)
    assert masked(get(app, path)) == masked(public)


def test_preview_mode_opens_a_closed_survey_but_the_public_still_gets_it_closed(
    app, db, open_event
):
    open_event.survey_closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    client = staff_client(app, preview=True)
    assert "プレビュー中" in get(app, path_of(open_event), client)
    assert app.test_client().get(path_of(open_event)).status_code == 403


def test_a_flashed_message_is_shown_and_not_kept(app, open_event):
    path = path_of(open_event)
    keep(app, path)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("error", "アタック確認のフラッシュ")]
    assert "アタック確認のフラッシュ" in get(app, path, client)
    assert "アタック確認のフラッシュ" not in get(app, path)


# ------------------------------------------------------------------ the survey and its event


def test_the_survey_changed_directly_gives_a_new_page(app, db, open_event):
    """A change of the stored questionnaire itself (as the console's services make it), once
    answers exist (before them the questionnaire is rebuilt from the programme)."""
    path = path_of(open_event)
    keep(app, path)
    surveys.submit_response(open_event, "qr", web_answer())
    keep(app, path)
    survey = db.session.scalar(select(Survey).where(Survey.event_id == open_event.id))
    data = dict(survey.definition_data)
    data["closing"] = "アタックで変えた結びの言葉です。"
    survey.definition_data = data
    db.session.commit()
    assert "アタックで変えた結びの言葉です。" in get(app, path)


def test_a_programme_row_added_deleted_and_moved_is_shown(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    training = open_event.training("t1")
    event_services.add_programme_item(
        training,
        {"time_label": "", "title": "追加の講義", "speaker": "", "survey_label": "追加の評価行"},
        answered=False,
    )
    assert "追加の評価行" in get(app, path)
    kept, fresh = kept_then_fresh(app, path)
    assert kept == fresh

    keep(app, path)
    first, second = rated_rows(open_event)[:2]
    event_services.move_programme_item(second, -1, answered=False)
    html = get(app, path)
    assert html.index(second.survey_label) < html.index(first.survey_label)

    keep(app, path)
    added = next(p for p in open_event.training("t1").programme if p.title == "追加の講義")
    event_services.delete_programme_item(added, answered=False)
    assert "追加の評価行" not in get(app, path)
    kept, fresh = kept_then_fresh(app, path)
    assert kept == fresh


def test_a_venue_renamed_before_any_answer_is_shown(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    venue = open_event.venues[0]
    venue.name = "改名会場（アタック）"
    db.session.commit()
    assert "改名会場（アタック）" in get(app, path)


def test_answers_deleted_give_the_fresh_page(app, db, open_event):
    """The first answer, a venue added (appended), the answers deleted (rebuilt again)."""
    path = path_of(open_event)
    keep(app, path)
    surveys.submit_response(open_event, "qr", web_answer())
    keep(app, path)
    open_event.venues.append(Venue(code="kyushu", name="九州会場（攻撃）", position=9))
    db.session.commit()
    keep(app, path)
    db.session.execute(SurveyResponse.__table__.delete())
    db.session.commit()
    kept, fresh = kept_then_fresh(app, path)
    assert kept == fresh
    assert "九州会場（攻撃）" in kept


def test_a_preview_answer_does_not_make_the_public_page_stale(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    client = staff_client(app, preview=True)
    html = get(app, path, client)
    data = dict(
        web_answer(),
        _submission=_KEY.search(html).group(1),
        csrf_token=_CSRF.search(html).group(1),
    )
    assert client.post(path + "?ch=chat", data=data).status_code == 302
    kept, fresh = kept_then_fresh(app, path)
    assert kept == fresh


def test_another_events_slug_gets_its_own_page(app, db, open_event, make_event):
    other = make_event(weeks=0)
    other.short_name = "別の研修会議（アタック）"
    other.survey_opens_at = now_utc() - timedelta(days=1)
    other.survey_closes_at = now_utc() + timedelta(days=5)
    db.session.commit()
    keep(app, path_of(open_event))
    html = get(app, path_of(other))
    assert "別の研修会議（アタック）" in html
    assert f'action="/survey/{other.slug}?ch=chat"' in html
    assert "別の研修会議（アタック）" not in get(app, path_of(open_event))


# ------------------------------------------------------------------ the request


@pytest.mark.parametrize("ch", ["", "?ch=", "?ch=bogus", "?ch=%3Cscript%3E", "?ch=chat&ch=qr"])
def test_an_unknown_channel_is_the_chat_page(app, open_event, ch):
    keep(app, path_of(open_event, "?ch=qr"))
    html = get(app, path_of(open_event, ch))
    assert 'name="ch" value="chat"' in html
    assert "<script>" not in html


def test_each_channel_has_its_own_page(app, open_event):
    for ch in ("qr", "mail", "excel", "paper", "chat"):
        keep(app, path_of(open_event, f"?ch={ch}"))
    for ch in ("qr", "mail", "excel", "paper", "chat"):
        assert f'name="ch" value="{ch}"' in get(app, path_of(open_event, f"?ch={ch}"))


def test_head_answers_with_the_gets_length(app, open_event):
    path = path_of(open_event)
    keep(app, path)
    head = app.test_client().head(path)
    got = app.test_client().get(path)
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(got.data)


def test_another_host_sees_no_other_host(app, open_event):
    path = path_of(open_event)
    keep(app, path)
    html = app.test_client().get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "localhost" not in html and "evil.example" not in html


def test_tokens_are_never_shared_between_visitors(app, open_event):
    path = path_of(open_event)
    clients = [app.test_client() for _ in range(4)]
    pages = [get(app, path, c) for c in clients] + [get(app, path, clients[0])]
    tokens = [_CSRF.search(p).group(1) for p in pages[:4]]
    keys = [k for p in pages for k in _KEY.findall(p)]
    assert len(set(tokens)) == 4
    assert len(set(keys)) == len(keys) == 5
    assert all(len(_CSRF.findall(p)) == 1 for p in pages)


def test_a_kept_page_posts_once_and_a_second_send_replays(app, db, open_event):
    path = path_of(open_event)
    keep(app, path)
    client = app.test_client()
    html = get(app, path, client)
    data = dict(
        web_answer(),
        csrf_token=_CSRF.search(html).group(1),
        _submission=_KEY.search(html).group(1),
        ch="qr",
    )
    first = client.post(path + "?ch=qr", data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith("/thanks")
    second = client.post(path + "?ch=qr", data=data)
    assert second.status_code in (302, 303)
    assert second.headers["Location"].endswith("/thanks")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    # Another visitor's token is refused with the kept page's key of this one.
    other = app.test_client()
    other_html = get(app, path, other)
    stolen = dict(data, _submission=_KEY.search(other_html).group(1))
    refused = other.post(path + "?ch=qr", data=stolen)
    assert refused.status_code in (200, 400)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
