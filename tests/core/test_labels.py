"""Every state a person reads is in Japanese: each enum-like column carries its labels next to it,
every audit action is declared with a label, and no console page shows an internal value."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

import app as app_package
from app.core import audit
from app.core.mail import send_pending
from app.core.models import OutboxMessage
from app.extensions import db as sqla
from app.mailing.models import CampaignRecipient
from app.mailing.services import RecipientFilter, send_campaign
from app.registration.models import Registration, Team
from app.registration.services import individual, teams, waitlist
from tests.groupwork.tables.test_services import (  # noqa: F401
    municipalities,
    tokyo_teams,
    venue_of,
)

ROOT = Path(app_package.__file__).parent.parent
# Columns that hold one of a few internal values (states, origins).
STATE_COLUMNS = {"status": "STATUSES", "source": "SOURCES"}


def _state_columns():
    for mapper in sqla.Model.registry.mappers:
        cls = mapper.class_
        for column in mapper.columns:
            if column.key in STATE_COLUMNS:
                yield cls, column.key


def test_every_state_column_has_japanese_labels_next_to_it(app):
    found = list(_state_columns())
    assert len(found) >= 8  # registration ×2, waitlist, team, member, outbox, 資料３, allocation …
    for cls, key in found:
        labels = getattr(cls, STATE_COLUMNS[key], None)
        assert isinstance(labels, dict) and labels, f"{cls.__name__}.{key} has no labels"
        assert all(re.search(r"[ぁ-んァ-ヶ一-龠]", label) for label in labels.values()), cls
        instance = cls.__new__(cls)
        for value, label in labels.items():
            instance.__dict__[key] = value
            assert getattr(cls, f"{key}_label").fget(instance) == label


def _audit_actions_recorded_in_the_code() -> set[str]:
    """Every literal first argument of ``audit.record(...)`` anywhere in app/."""
    actions = set()
    for path in Path(app_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path}: audit action must be a literal"
                actions.add(first.value)
    return actions


def test_every_recorded_audit_action_is_declared_with_a_label(tmp_path):
    # In a fresh process that only builds the app, as a web worker does: the suite itself
    # imports every module, which would hide a declaration the app never loads.
    script = (
        "import json; from app import create_app; from app.config import TestConfig;"
        f"create_app(TestConfig, instance_path={str(tmp_path)!r});"
        "from app.core import audit; print(json.dumps(audit._LABELS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    declared = json.loads(result.stdout.strip().splitlines()[-1])
    recorded = _audit_actions_recorded_in_the_code()
    assert len(recorded) >= 20
    assert sorted(recorded - set(declared)) == []


def test_declaring_an_action_twice_with_another_label_is_refused():
    audit.actions({"test.same": "同じ"})
    audit.actions({"test.same": "同じ"})
    with pytest.raises(ValueError):
        audit.actions({"test.same": "別の名前"})


class _Text(HTMLParser):
    """The text a person reads: character data outside <script>/<style>, plus button values."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def _internal_values() -> set[str]:
    values = set(_audit_actions_recorded_in_the_code())
    for cls, key in _state_columns():
        values |= set(getattr(cls, STATE_COLUMNS[key]))
    from app.groupwork.tables.allocation import METHOD_LABELS, SETTING_LABELS, SOLVER_STATUS_LABELS

    values |= set(SOLVER_STATUS_LABELS) | set(METHOD_LABELS) | set(SETTING_LABELS)
    return values


@pytest.fixture
def every_state(db, event, make_registration, make_team, tokyo_teams):  # noqa: F811
    """Data in as many states as the console can show: cancelled, waiting, offered, logged mail,
    decided and adjusted teams with a removed member, an allocation, audit entries."""
    from app.groupwork.tables.services import allocate_tables

    webinar = event.channel("webinar")
    webinar.capacity = 1
    db.session.commit()
    first = make_registration(channel="webinar")
    waiting = make_registration(channel="youtube", category="pref")
    waitlist.join_waitlist(waiting)
    individual.cancel_registration(first, by_staff=True, reason="本人から連絡")
    team = make_team(size=3, municipality=municipalities(db, 8)[7])
    team.status = "pending"
    db.session.commit()
    teams.decide_team(
        team, "adjusted", keep_member_ids=[m.id for m in team.active_members[:2]], reason="調整"
    )
    campaign = send_campaign(
        event,
        RecipientFilter(team_statuses=("adjusted",)),
        "〔氏名〕様 資料２のお願い",
        "〔締切〕までに〔個人ページURL〕から",
        staff_id=None,
        expected_count=2,
    )
    send_pending()
    allocate_tables(venue_of(event), time_limit=5)
    return {
        "campaign_id": campaign.id,
        "message_id": sqla.session.scalar(
            select(CampaignRecipient.message_id).where(CampaignRecipient.campaign_id == campaign.id)
        ),
        "rid": waiting.id,
        "tid": team.id,
        "team_id": team.id,
        "member_id": 0,
        "channel_id": event.channel("t2_tokyo").id,
    }


# decisions.md: every date a person reads is written in 令和, by one helper.
SEIREKI_DATE = re.compile(r"(?<![0-9])20[0-9]{2}年[0-9]{1,2}月")
NOT_HTML = re.compile(r"\.(pdf|xlsx|csv)$|files/|/photo$|/download$")  # and every <fmt> rule


def _running_job() -> str:
    """A background job half done, as its progress page shows it (app.core.jobs)."""
    from app.core import jobs

    state = jobs.JobState(
        id="label-sweep-job", kind="surveys.texts_pdf", label="自由記載（PDF）", scope="0",
        roles=("secretariat",), state="running", done=1, total=3,
    )  # fmt: skip
    jobs._save(state)
    return state.id


TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def test_no_console_page_shows_an_internal_value(app, client, staff, every_state):
    staff(client, role="admin")
    registrations = sqla.session.scalars(select(Registration)).all()
    assert {r.status for r in registrations} >= {"active", "cancelled"}
    assert sqla.session.scalar(select(OutboxMessage.status).limit(1)) == "logged"
    team = sqla.session.get(Team, every_state["tid"])
    values = {
        **every_state,
        "member_id": team.active_members[0].id,
        "code": "tokyo",
        "number": 1,
        "event_id": team.event_id,
        "channel_id": every_state["channel_id"],
        "venue_id": team.channel.venue_id,
        "training_id": team.channel.training_id,
        "item_id": team.channel.training.programme[0].id,
        "job_id": _running_job(),
    }
    pattern = re.compile(
        r"(?<![A-Za-z_.:/@-])("
        + "|".join(sorted(map(re.escape, _internal_values()), key=len, reverse=True))
        + r")(?![A-Za-z_.@-])"
    )
    pages = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or "GET" not in rule.methods:
            continue
        if NOT_HTML.search(rule.rule) or "fmt" in rule.arguments or rule.endpoint == "core.login":
            continue
        path = rule.rule
        for arg in rule.arguments:
            assert arg in values, f"the sweep does not know how to fill <{arg}> of {rule.rule}"
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(values[arg]), path)
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        title = TITLE.search(html)
        assert title and "<" not in title[1] and len(title[1].strip()) < 120, (
            f"{path}: the window title is not a short name: {title and title[1][:200]!r}"
        )
        text = visible_text(html)
        leaks = sorted(set(pattern.findall(text)))
        assert leaks == [], f"{path} shows {leaks}"
        assert not SEIREKI_DATE.search(text), (
            f"{path} writes a date in 西暦: {SEIREKI_DATE.search(text)[0]}"
        )
        pages += 1
    assert pages >= 20


def test_participant_pages_and_mails_write_dates_in_reiwa(
    client, db, event, make_registration, make_team
):
    registration = make_registration(channel="webinar")
    team = make_team(size=2)
    pages = ["/", "/register", "/team/apply", f"/r/{registration.token}"]
    pages += [f"/t/{team.members[0].token}", f"/t/{team.members[0].token}/assignments"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.get_data(as_text=True))
        assert "令和" in text or path in ("/register", "/team/apply"), path
        assert not SEIREKI_DATE.search(text), f"{path}: {SEIREKI_DATE.search(text)[0]}"
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    assert bodies and all("令和" in body for body in bodies)
    assert not any(SEIREKI_DATE.search(body) for body in bodies)
