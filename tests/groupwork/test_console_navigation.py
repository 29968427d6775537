"""Every groupwork console page other than the lists links back to its parent page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import url_for
from sqlalchemy import select

from app.groupwork.tables.models import TableAllocation
from app.groupwork.tables.services import allocate_tables
from tests.groupwork.tables.test_services import tokyo_teams, venue_of  # noqa: F401

NOT_HTML = re.compile(r"\.pdf$|/files/|/photo$")

# endpoint → its parent page (endpoint and the arguments taken from the page's own).
PARENTS = {
    "groupwork_assignments_console.console_team": ("groupwork_assignments_console.tracker", ()),
    "groupwork_assignments_console.console_scene_choice": (
        "groupwork_assignments_console.console_team",
        ("team_id",),
    ),
    "groupwork_assignments_console.console_pre_assignment": (
        "groupwork_assignments_console.console_team",
        ("team_id",),
    ),
    "groupwork_assignments_console.reminders": ("groupwork_assignments_console.tracker", ()),
    "groupwork_tables.venue": ("groupwork_tables.index", ()),
    "groupwork_tables.table": ("groupwork_tables.venue", ("code",)),
}


class _UpLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("rel") == "up":
            self._href = a.get("href")
            self.links.append((self._href, ""))

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def test_every_groupwork_console_page_but_the_lists_links_to_its_parent(
    app,
    client,
    staff,
    db,
    event,
    tokyo_teams,  # noqa: F811
):
    allocate_tables(venue_of(event), time_limit=5)
    allocation = db.session.scalar(select(TableAllocation))
    team = allocation.tables[0].seats[0].team
    values = {
        "team_id": team.id,
        "member_id": team.active_members[0].id,
        "code": "tokyo",
        "number": allocation.tables[0].number,
    }
    staff(client)
    lists = {endpoint for _, endpoint, _ in app.extensions["console_nav"]}
    swept = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("groupwork_") or not rule.rule.startswith("/console"):
            continue
        if "GET" not in rule.methods or NOT_HTML.search(rule.rule) or rule.endpoint in lists:
            continue
        assert rule.endpoint in PARENTS, f"{rule.rule}: which page is its parent?"
        with app.test_request_context():
            path = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
            parent, keys = PARENTS[rule.endpoint]
            up = url_for(parent, **{k: values[k] for k in keys})
        page = client.get(path)
        assert page.status_code == 200, path
        parser = _UpLinks()
        parser.feed(page.get_data(as_text=True))
        assert len(parser.links) == 1, f"{path}: {parser.links}"
        href, label = parser.links[0]
        assert href.split("?")[0] == up, f"{path} goes up to {href}, not {up}"
        assert label.strip().startswith("←") and label.strip().endswith("に戻る"), label
        swept.add(rule.endpoint)
    assert swept == set(PARENTS)
