"""Kept blank form pages (app/core/blank_page.py, issue 12).

A view marked ``uses_blank_page`` answers its GET with a page kept per process. The sweep
finds every such view in ``app.url_map`` (a page added later is covered) and checks, after each
change a page can see — the event renamed, a capacity cut, the seats filled, a channel
preselected, a flashed message, preview mode — that a visitor gets exactly the page a fresh
rendering writes, but for the tokens, and that the tokens are this visitor's own.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import template_rendered, url_for

from app.core import blank_page
from app.core.jpdates import now_utc
from app.events.models import Venue
from app.events.snapshot import revision
from app.surveys import services as surveys
from tests.surveys.conftest import web_answer

pytestmark = pytest.mark.csrf

_TOKENS = re.compile(r'(name="(?:csrf_token|_submission)"[^>]*value=")[^"]*(")')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_KEY = re.compile(r'name="_submission" value="([^"]+)"')


def blank_page_paths(app, event) -> list[str]:
    """Every rule whose view serves its GET through ``blank_page.serve``, its arguments
    filled from ``event`` (a rule with an argument the sweep does not know fails here)."""
    arguments = {"slug": event.slug}
    paths = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "_blank_page", False):
            unknown = rule.arguments - arguments.keys()
            assert not unknown, f"{rule}: the sweep has no value for {unknown}"
            with app.test_request_context():
                paths.append(url_for(rule.endpoint, **{a: arguments[a] for a in rule.arguments}))
    return sorted(paths)


def open_survey(db, event) -> None:
    """The questionnaire open (its page is a kept page too): a change of the event."""
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()


def masked(html: str) -> str:
    return _TOKENS.sub(r"\1…\2", html)


class Renders:
    """Counts the templates Flask renders (a kept page renders none)."""

    def __init__(self, app):
        self.app, self.names = app, []

    def __enter__(self):
        template_rendered.connect(self._seen, self.app)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._seen, self.app)

    def _seen(self, _app, template, context, **_extra):
        self.names.append(template.name)


def get(app, path: str, client=None):
    response = (client or app.test_client()).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def check_kept_equals_fresh(app, path: str, client_factory=None) -> str:
    """After a change: GET (the page kept before the change, if the change did not show in its
    key), GET again (kept now), then GET after forgetting the kept pages (a fresh rendering):
    the three are the same page but for the tokens. Returns the second page when no template
    was rendered for it, else "". The pages are kept again for the next change."""
    make = client_factory or app.test_client
    first = get(app, path, make())
    with Renders(app) as renders:
        kept = get(app, path, make())
    blank_page.forget()
    fresh = get(app, path, make())
    assert masked(first) == masked(fresh), path
    assert masked(kept) == masked(fresh), path
    return kept if not renders.names else ""


def test_the_sweep_finds_the_public_forms(app, event):
    expected = {"/register", "/team/apply", f"/survey/{event.slug}"}
    assert expected <= set(blank_page_paths(app, event))


def test_a_kept_page_is_the_fresh_page_after_every_change(
    app, db, event, make_registration, make_team
):
    open_survey(db, event)
    paths = blank_page_paths(app, event)
    seen: dict[str, list[str]] = {p: [] for p in paths}

    def sweep(step: str, query: str = "", factory=None) -> None:
        for path in paths:
            kept = check_kept_equals_fresh(app, path + query, factory)
            seen[path].append(step)
            if factory is None:
                assert kept, f"{path} after {step}: the second GET rendered the page again"
        for path in paths:  # every page kept again (each check forgot all), for the next change
            get(app, path + query, (factory or app.test_client)())

    sweep("as seeded")
    assert "受付中" in get(app, "/register")

    # A preselected channel is part of the page.
    sweep("?channel=youtube", "?channel=youtube")
    youtube = re.search(r'<input[^>]*value="youtube"[^>]*>', get(app, "/register?channel=youtube"))
    assert "checked" in youtube.group(0)
    assert "checked" not in re.search(r'<input[^>]*value="youtube"[^>]*>', get(app, "/register"))[0]

    # The event renamed through the console's models: a new revision, a new page.
    before = revision(event.id)
    event.short_name = "令和９年度 研修会議（改名）"
    db.session.commit()
    assert revision(event.id) != before
    sweep("renamed")
    for path in paths:
        assert "令和９年度 研修会議（改名）" in get(app, path)

    # Capacities cut to one team or person, then filled: the states change without a revision.
    for channel in event.channels:
        if channel.capacity is not None:
            channel.capacity = 3 if channel.kind == "venue" else 1
    db.session.commit()
    sweep("capacities cut")
    full_revision = revision(event.id)
    make_registration("webinar")
    municipalities = iter(["011002", "012025", "012033", "012041"])
    for channel in event.channels:
        if channel.kind == "venue" and channel.capacity is not None:
            make_team(3, channel=channel.code, municipality=next(municipalities))
    assert revision(event.id) == full_revision
    sweep("seats taken")
    assert "満席" in get(app, "/register")

    # The questionnaire's channel is part of its page.
    survey = f"/survey/{event.slug}"
    sweep("?ch=mail", "?ch=mail")
    assert 'name="ch" value="mail"' in get(app, survey + "?ch=mail")
    assert 'name="ch" value="chat"' in get(app, survey)

    # Before any answer it follows the programme: a rated row renamed (a new revision).
    rated = next(p for t in event.trainings for p in t.programme if p.survey_label)
    rated.survey_label = "地域包括ケアの最新動向（改題）"
    db.session.commit()
    assert revision(event.id) != full_revision
    sweep("programme renamed")
    assert "地域包括ケアの最新動向（改題）" in get(app, survey)

    # Its first answer, then a venue added: appended to F3's options, not rebuilt.
    surveys.submit_response(event, "qr", web_answer())
    sweep("first answer")
    event.venues.append(Venue(code="kyushu", name="九州会場（追加）", position=9))
    db.session.commit()
    sweep("venue added")
    assert "九州会場（追加）" in get(app, survey)

    # A flashed message in the visitor's session is shown, never a kept page without it.
    def flashed_client():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_flashes"] = [("success", "フラッシュの確認メッセージ")]
        return client

    for path in paths:
        html = get(app, path, flashed_client())
        assert "フラッシュの確認メッセージ" in html
        assert "フラッシュの確認メッセージ" not in get(app, path)

    # Preview mode: the banner, on the previewing staff member's pages only.
    from app.core.auth import create_staff

    create_staff("blank-page-staff", "事務局 確認", "secretariat", "correct horse battery")

    staff_client = app.test_client()
    token = _CSRF.search(get(app, "/console/login", staff_client)).group(1)
    login = {"login": "blank-page-staff", "password": "correct horse battery"}
    response = staff_client.post("/console/login", data=dict(login, csrf_token=token))
    assert response.status_code == 302
    token = _CSRF.search(get(app, "/console/preview", staff_client)).group(1)  # the new session's
    response = staff_client.post("/console/preview/on", data={"csrf_token": token})
    assert response.status_code == 302
    previewing = staff_client.get_cookie("session").value

    def previewing_client():
        """A client of the staff member previewing (one login: the login form is rate-limited)."""
        client = app.test_client()
        client.set_cookie("session", previewing)
        return client

    sweep("preview", factory=previewing_client)
    for path in paths:
        assert "プレビュー中" in get(app, path, previewing_client())
        assert "プレビュー中" not in get(app, path)
    assert all(len(steps) == 10 for steps in seen.values()), seen


def test_each_visitor_gets_tokens_of_their_own_and_the_kept_page_posts(app, event, db):
    first, second = app.test_client(), app.test_client()
    page1, page2 = get(app, "/register", first), get(app, "/register", second)
    with Renders(app) as renders:
        page3 = get(app, "/register", second)
    assert not renders.names  # the kept page
    assert masked(page1) == masked(page2) == masked(page3)
    keys = [_KEY.findall(p) for p in (page1, page2, page3)]
    assert all(keys) and len({k for found in keys for k in found}) == sum(map(len, keys))
    tokens = [_CSRF.search(p).group(1) for p in (page1, page2)]
    assert tokens[0] != tokens[1]  # each session its own

    data = {
        "csrf_token": _CSRF.search(page3).group(1),
        "_submission": _KEY.search(page3).group(1),
        "channel": "webinar",
        "name": "保存 花子",
        "kana": "ほぞん はなこ",
        "email": "kept.page@city.example.jp",
        "email_confirm": "kept.page@city.example.jp",
        "category": "pref",
        "municipality": "130001",
        "department": "福祉保健局",
        "occupation": "保健師",
        "consent": "y",
    }
    response = second.post("/register", data=data)
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    # The token of another visitor's page is refused (the form again, nothing stored).
    refused = first.post(
        "/register",
        data=dict(
            data,
            csrf_token=tokens[1],
            email="other@city.example.jp",
            email_confirm="other@city.example.jp",
        ),
    )
    assert refused.status_code in (200, 400)
    from app.registration.models import Registration

    assert [r.email for r in db.session.query(Registration)] == ["kept.page@city.example.jp"]


def test_another_host_gets_the_page_a_fresh_rendering_gives_it(app, db, event):
    """The Host header is not in the key (anyone can make one up): the pages must not show it."""
    open_survey(db, event)
    for path in blank_page_paths(app, event):
        get(app, path)  # kept for localhost
        other = app.test_client().get(path, headers={"Host": "other.example.jp"})
        blank_page.forget()
        fresh = app.test_client().get(path, headers={"Host": "other.example.jp"})
        assert masked(other.get_data(as_text=True)) == masked(fresh.get_data(as_text=True))


def test_a_new_master_list_gives_a_new_page(app, event, monkeypatch):
    """The pickers' lists are kept by identity: a master loaded again is shown at once."""
    from app.core import municipalities
    from app.registration import views

    get(app, "/register")
    original = municipalities.grouped_choices()
    renamed = [(name, list(pairs)) for name, pairs in original]
    renamed[0] = (renamed[0][0], [(code, label + "（新）") for code, label in renamed[0][1]])
    monkeypatch.setattr(views, "grouped_choices", lambda: renamed)
    assert "（新）" in get(app, "/register")
