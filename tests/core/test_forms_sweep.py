"""Within one <form>, no two different controls share a name: the browser would send both and the
view would keep only one of them (the paper entry screen once lost its 問1-1-1 comments that way).

The sweep GETs every page of the app (public pages, the personal and team pages with real tokens,
the console logged in as 管理者), built from ``app.url_map`` with every URL argument filled from
created objects; an argument it does not know how to fill fails the test, so a page added later
is swept without anyone remembering. Radio and checkbox groups of one name are one control; so are
submit buttons of one name (only the one pressed is sent); the hidden csrf_token is fine.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from app.core.auth import create_account
from app.core.jpdates import now_utc
from app.groupwork.assignments.services import store_team_file
from app.groupwork.tables.services import allocate_tables, attach_sheet_photo
from app.mailing.services import RecipientFilter, send_campaign
from app.registration.services.materials import add_material
from tests.groupwork.tables.test_services import (  # noqa: F401
    municipalities,
    tokyo_teams,
    venue_of,
)

# A file, not a page: a download named by its extension (no <form> in a PDF or a workbook).
FILE_RULE = re.compile(r"\.(\w+|<[^>]+>)$")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Controls of which several of one name are one control.
GROUPED_TYPES = {"radio", "checkbox", "submit"}


class _Forms(HTMLParser):
    """Every <form> of a page: its controls as (name, type) in page order."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and self._form is not None:
            if attrs.get("name") is None:
                return
            default = {"input": "text", "button": "submit"}.get(tag, tag)
            kind = (attrs.get("type") or default).lower()
            self._form.append((attrs["name"], kind))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def clashes(controls: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Names carried by two different controls of one form → the types of those controls."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for name, kind in controls:
        by_name[name].append(kind)
    out = {}
    for name, kinds in by_name.items():
        if len(kinds) < 2 or (name == "csrf_token" and set(kinds) == {"hidden"}):
            continue
        if len(set(kinds)) == 1 and kinds[0] in GROUPED_TYPES:
            continue
        out[name] = kinds
    return out


def test_clashes_tells_a_radio_group_from_two_boxes_of_one_name():
    assert clashes([("F1", "radio"), ("F1", "radio"), ("F2", "checkbox"), ("F2", "checkbox")]) == {}
    assert clashes([("go", "submit"), ("go", "submit"), ("csrf_token", "hidden")]) == {}
    assert clashes([("Q1_1_1", "text"), ("Q1_1_1", "text")]) == {"Q1_1_1": ["text", "text"]}
    assert clashes([("a", "radio"), ("a", "text")]) == {"a": ["radio", "text"]}


@pytest.fixture
def everything(db, event, make_registration, make_team, tokyo_teams):  # noqa: F811
    """Objects behind every URL argument: a registrant, teams with 資料２ and an upload, an
    allocation with a photo, a material, the questionnaire open."""
    registration = make_registration(channel="webinar")
    team = tokyo_teams[0]
    member = team.active_members[1]
    team_file = store_team_file(team, "overview", "概要.pdf", PDF, staff=True)
    public = add_material(event, "開催要綱", "開催要綱.pdf", PDF, registrants_only=False)
    archived = add_material(event, "当日資料", "当日資料.pdf", PDF, registrants_only=True)
    allocation = allocate_tables(venue_of(event), time_limit=5)
    table = allocation.tables[0]
    attach_sheet_photo(table, "sheet.png", PNG)
    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=14)
    db.session.commit()
    _, reset_token = create_account("reset-sweep", "再設定 花子", "secretariat")
    campaign = send_campaign(
        event,
        RecipientFilter(channels=("webinar",)),
        "〔氏名〕様 明日のご案内",
        "〔個人ページURL〕",
        staff_id=None,
        expected_count=1,
    )
    from app.core import jobs

    job_id = jobs.start("surveys.texts_pdf", str(event.id), ("secretariat",), event_id=event.id)
    return {
        "job_id": job_id,
        "token": {
            "/r/": registration.token,
            "/archive/": registration.token,
            "/t/": team.representative.token,
            "/gw/": table.token,
            "/staff/reset/": reset_token,
        },
        "rid": registration.id,
        "tid": team.id,
        "team_id": team.id,
        "member_id": member.id,
        "file_id": team_file.id,
        "material_id": {"/materials/": public.id, "/archive/": archived.id},
        "code": venue_of(event).code,
        "venue_code": venue_of(event).code,
        "number": table.number,
        "slug": event.slug,
        "event_id": event.id,
        "channel_id": event.channel("t2_tokyo").id,
        "venue_id": venue_of(event).id,
        "campaign_id": campaign.id,
        "message_id": campaign_message_id(db, campaign),
        "training_id": event.training("t1").id,
        "item_id": event.training("t1").programme[1].id,
    }


def campaign_message_id(db, campaign) -> int:
    from sqlalchemy import select

    from app.mailing.models import CampaignRecipient

    return db.session.scalar(
        select(CampaignRecipient.message_id).where(CampaignRecipient.campaign_id == campaign.id)
    )


def _fill(rule, values) -> str:
    path = rule.rule
    for arg in sorted(rule.arguments):
        value = values.get(arg)
        if isinstance(value, dict):  # one name, several kinds of object: by the URL's prefix
            value = next((v for prefix, v in value.items() if path.startswith(prefix)), None)
        assert value is not None, f"the sweep does not know how to fill <{arg}> of {rule.rule}"
        path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
    return path


def html_pages(app, client, staff, everything):
    """(path, html) of every page of the app: public and personal pages anonymously, the
    console as 管理者."""
    anonymous = app.test_client()
    staff(client, role="admin")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or FILE_RULE.search(rule.rule):
            continue
        path = _fill(rule, everything)
        console = rule.rule.startswith("/console") and rule.endpoint != "core.login"
        response = (client if console else anonymous).get(path)
        assert response.status_code in (200, 302), f"{path}: {response.status_code}"
        if response.status_code == 200 and response.mimetype == "text/html":
            yield path, response.get_data(as_text=True)


def test_no_form_of_any_page_has_two_controls_of_one_name(app, client, staff, everything):
    pages = forms = 0
    failures = []
    for path, html in html_pages(app, client, staff, everything):
        pages += 1
        parser = _Forms()
        parser.feed(html)
        for i, controls in enumerate(parser.forms, 1):
            forms += 1
            if clashes(controls):
                failures.append(f"{path} form {i}: {clashes(controls)}")
    assert failures == []
    assert pages >= 40 and forms >= 80, (pages, forms)


class _Inline(HTMLParser):
    """What a Content-Security-Policy without 'unsafe-inline' blocks: inline scripts, <style>
    blocks, style attributes and on… handler attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")


def test_no_page_needs_inline_scripts_or_styles(app, client, staff, everything):
    """The Content-Security-Policy allows only the app's own files: a page with an inline
    script, style or handler would silently lose it in the browser."""
    failures, pages = [], 0
    for path, html in html_pages(app, client, staff, everything):
        pages += 1
        parser = _Inline()
        parser.feed(html)
        if parser.found:
            failures.append(f"{path}: {sorted(set(parser.found))}")
    assert failures == []
    assert pages >= 40


class _FileForms(HTMLParser):
    """The action of every form that sends a file."""

    def __init__(self):
        super().__init__()
        self.actions: list[str] = []
        self._action: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = attrs.get("action") or ""
        elif tag == "input" and attrs.get("type") == "file" and self._action is not None:
            self.actions.append(self._action)
            self._action = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


def test_every_form_that_sends_a_file_posts_to_a_view_that_declares_its_limit(
    app, client, staff, everything
):
    """Plain requests are capped at about 1 MB; a view that takes files must say how much it
    takes (core.uploads.accepts_upload), or every real upload would be refused."""
    adapter = app.url_map.bind("localhost")
    checked = set()
    for path, html in html_pages(app, client, staff, everything):
        parser = _FileForms()
        parser.feed(html)
        for action in parser.actions:
            target = (action or path).split("?")[0]
            endpoint, _ = adapter.match(target, method="POST")
            view = app.view_functions[endpoint]
            assert getattr(view, "upload_limit_mb", None), f"{path} posts a file to {endpoint}"
            checked.add(endpoint)
    assert len(checked) >= 5, checked


class _FormsToFill(HTMLParser):
    """Every form of a page with what a browser would send: (method, action, controls) where a
    control is (name, type, value, options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "controls": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            kind = (
                attrs.get("type") or {"input": "text", "button": "submit"}.get(tag, tag)
            ).lower()
            control = [attrs["name"], kind, attrs.get("value") or "", []]
            self._form["controls"].append(control)
            if tag == "select":
                self._select = control[3]
        elif tag == "option" and self._select is not None:
            self._select.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# Tables that record requests, not what a person entered: the one-time submission keys keep the
# answer a refused form redirected to (core.idempotency).
BOOKKEEPING = {"submission_key"}
TEXT_TYPES = {"text", "textarea", "email", "tel", "search", "url", "password"}
HOSTILE_TEXT = "入力\x00NUL\x01" + "長" * 5000
HOSTILE_NUMBER = "9" * 400


def _fill_hostile(controls, unknown_choices: bool = False) -> dict | None:
    """The form's data with a hostile value in every text and number box (and, with
    ``unknown_choices``, a value no select or radio offers); None when the form has no box to
    type in and no choice to make (a button: pressing it is an action, not input)."""
    data: dict[str, list[str]] = {}
    typed = False
    for name, kind, value, options in controls:
        if kind in TEXT_TYPES:
            data.setdefault(name, []).append(HOSTILE_TEXT)
            typed = True
        elif kind == "number":
            data.setdefault(name, []).append(HOSTILE_NUMBER)
            typed = True
        elif kind == "select":
            choice = "no-such-choice" if unknown_choices else next((o for o in options if o), "")
            data.setdefault(name, []).append(choice)
            typed = typed or unknown_choices
        elif kind in ("radio", "checkbox"):
            data.setdefault(name, ["no-such-choice" if unknown_choices else (value or "y")])
            typed = typed or unknown_choices
        elif kind == "hidden":
            data.setdefault(name, []).append(value)
    return data if typed else None


def _everything_stored(db) -> dict[str, str]:
    """A digest of every row of each table: equal digests, nothing stored or changed."""
    import hashlib

    from sqlalchemy import text as sql

    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        rows = db.session.execute(sql(f'SELECT * FROM "{table.name}" ORDER BY 1')).all()
        digests[table.name] = hashlib.sha256(
            repr([tuple(map(str, r)) for r in rows]).encode()
        ).hexdigest()
    return digests


def test_every_form_refuses_hostile_input_without_an_error_page_and_stores_nothing(
    app, client, staff, db, everything
):
    """NUL and control characters, 5,000-character text and 400-digit numbers in every box of
    every form: a Japanese message or a refusal, never HTTP 500, and not one row changed."""
    pages = list(html_pages(app, client, staff, everything))
    anonymous = app.test_client()
    before = _everything_stored(db)
    submitted = 0
    for (path, html), unknown_choices in itertools.product(pages, (False, True)):
        parser = _FormsToFill()
        parser.feed(html)
        for form in parser.forms:
            data = _fill_hostile(form["controls"], unknown_choices)
            if data is None or "logout" in form["action"]:
                continue
            target = form["action"] or path
            console = target.startswith("/console")
            who = client if console else anonymous
            if form["method"] == "post":
                response = who.post(target, data=data)
            else:
                response = who.get(target, query_string=data)
            assert response.status_code < 500, (path, target, response.status_code)
            db.session.rollback()
            submitted += 1
    after = _everything_stored(db)
    assert [t for t in before if before[t] != after[t]] == []
    assert submitted >= 50, submitted
