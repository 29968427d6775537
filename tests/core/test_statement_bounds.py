"""Issue 12: every console page runs a bounded number of SQL statements whatever the number of
rows, and pages what grows.

The sweep is built from ``app.url_map``: every console GET route is requested, logged in as 管理者,
once with data of size N and once with 4 N (registrants, waiting list, teams with members and
their 資料, table allocations, attendance, questionnaire answers with comments, audit rows, mails),
counting the statements of each request with a ``before_cursor_execute`` listener. A page added
later is covered without being listed: it fails here if it runs a query per row.

Downloads are left out only where they stream or are files (PDF, xlsx/CSV, uploaded files and
photos: another sweep and the export tests cover them); everything else must hold its count.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app.core import audit
from app.core.mail import send_pending
from app.core.models import AuditLog
from app.extensions import db as sqla
from app.groupwork.assignments.services import save_scene_choice
from app.groupwork.tables.models import GroupTable, TableAllocation
from app.groupwork.tables.services import allocate_tables
from app.reception import services as reception
from app.registration.models import Registration, Team
from app.registration.services import waitlist
from app.surveys.services import submit_response
from tests.groupwork.tables.test_services import municipalities, venue_of
from tests.surveys.conftest import web_answer

# Files, not pages: PDFs, spreadsheets, uploaded files and photos (their own sweeps).
NOT_A_PAGE = re.compile(r"\.(pdf|xlsx|csv)$|/files/|/photo$")
PAGE_SIZE = 5  # small pages in the sweep, so that N already fills more than one page
N = 6

# Pages that show a whole venue by design, bounded by the venue's seats rather than by the
# number of registrants: their statements are bounded, their size follows the venue.
WHOLE_VENUE = {
    "groupwork_tables.venue",  # the allocation of one venue: every table of the room
    "reception_console.paper",  # 受付名簿 to print: everyone expected at that venue
}

# Lists that show more with a filter or a search: requested once more with it.
VARIANTS = {
    "registration_console.registrations": ["?status=", "?q=example&status=", "?waitlist=open"],
    "registration_console.teams": ["?status=received"],
    "registration_console.audit_log": ["?target=example.jp"],
    "reception_console.desk": ["?q=山田"],  # every made-up person is a 山田
    "groupwork_assignments_console.reminders": ["?item=assignment"],
    "surveys_console.texts": ["?q=Q8"],
}
# Pages that another change of issue 12 pages (the 一斉メール work owns the outbox view): their
# statements are swept like any page; their size is checked once the line is removed here.

COMMENT = "グループワークでは他の自治体の取組を具体的に聞くことができ、大変参考になりました。" * 2


@contextmanager
def counting(engine):
    """Yields a list that receives every SQL statement run on ``engine`` meanwhile."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)


class Population:
    """Grows the FY2023 event by ``k`` of everything the console lists, as people make it."""

    def __init__(self, db, event, make_registration, make_team):
        self.db, self.event = db, event
        self.make_registration, self.make_team = make_registration, make_team
        self.codes = iter(municipalities(db, 400))
        self.grown = 0
        event.channel("webinar").capacity = 1
        for venue in ("t2_tokyo", "t2_osaka"):  # every team is 受付済 (none 選定中)
            event.channel(venue).capacity = 10_000
        from datetime import timedelta

        from app.core.jpdates import now_utc

        event.survey_opens_at = now_utc() - timedelta(days=1)
        event.survey_closes_at = now_utc() + timedelta(days=14)
        db.session.commit()

    def grow(self, k: int) -> None:
        first = self.grown == 0
        self.grown += k
        for i in range(k):
            self.make_registration("webinar" if first and i == 0 else "youtube", category="pref")
            waiting = self.make_registration("youtube", category="pref", municipality_code="270008")
            waitlist.join_waitlist(waiting)
            for venue in ("t2_tokyo", "t2_osaka"):
                team = self.make_team(size=3, channel=venue, municipality=next(self.codes))
                save_scene_choice(team, 1 + i % 4, 1 + (i + 1) % 4, staff=True)
                if venue == "t2_tokyo":
                    for member in team.members:
                        reception.check_in_member(
                            self.event, team.channel, member.id, "search", None
                        )
            submit_response(self.event, "web", web_answer(Q8=f"{COMMENT}{i}", Q1_1_1=COMMENT))
            audit.record("resend_mail", f"person{i}@example.jp", "監査の行", self.event.id)
        self.db.session.commit()
        send_pending()
        for code in ("tokyo", "osaka"):
            allocate_tables(venue_of(self.event, code), time_limit=5)


def _values(event) -> dict:
    """Real rows for the URL arguments: the latest of each kind, and a 一斉メール to everyone
    (its recipients grow with the data)."""
    from app.mailing.models import CampaignRecipient
    from app.mailing.services import RecipientFilter, preview, send_campaign
    from app.surveys.jobs import start_texts_pdf

    everyone = RecipientFilter()
    count = len(preview(event, everyone, "件名", "〔氏名〕様", "").recipients)
    campaign = send_campaign(
        event, everyone, "件名", "〔氏名〕様", staff_id=None, expected_count=count
    )
    team = sqla.session.scalar(select(Team).order_by(Team.id))
    table = sqla.session.scalar(
        select(GroupTable)
        .join(TableAllocation)
        .where(TableAllocation.venue_id == team.channel.venue_id)
        .order_by(GroupTable.number)
    )
    return {
        "rid": sqla.session.scalar(select(Registration.id).order_by(Registration.id)),
        "tid": team.id,
        "team_id": team.id,
        "member_id": team.members[0].id,
        "event_id": event.id,
        "channel_id": team.channel_id,
        "venue_id": team.channel.venue_id,
        "code": "tokyo",
        "venue_code": "tokyo",
        "number": table.number,
        "training_id": event.training("t1").id,
        "item_id": event.training("t1").programme[1].id,
        "campaign_id": campaign.id,
        "job_id": start_texts_pdf(event),
        "message_id": sqla.session.scalar(
            select(CampaignRecipient.message_id).where(CampaignRecipient.campaign_id == campaign.id)
        ),
    }


def console_pages(app) -> list:
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/console")
        and "GET" in r.methods
        and r.endpoint != "core.login"
        and not NOT_A_PAGE.search(r.rule)
        and "fmt" not in r.arguments
    ]
    return sorted(rules, key=lambda r: r.rule)


def _path(rule, values) -> str:
    path = rule.rule
    for arg in rule.arguments:
        assert arg in values, f"the sweep does not know how to fill <{arg}> of {rule.rule}"
        converter = rule._converters[arg]
        assert isinstance(converter, IntegerConverter) or isinstance(values[arg], str), arg
        path = re.sub(rf"<(?:\w+:)?{arg}>", str(values[arg]), path)
    return path


def measure(app, client, event) -> dict[str, tuple[int, int]]:
    """{endpoint (+ query): (statements, bytes of HTML)} of one GET of every console page."""
    values = _values(event)
    engine = sqla.engine
    out = {}
    for rule in console_pages(app):
        path = _path(rule, values)
        for query in ["", *VARIANTS.get(rule.endpoint, [])]:
            sqla.session.expire_all()
            with counting(engine) as statements:
                response = client.get(path + query)
            assert response.status_code == 200, (path + query, response.status_code)
            out[rule.endpoint + query] = (len(statements), len(response.get_data()))
    return out


@pytest.fixture
def population(app, db, event, make_registration, make_team):
    app.config["CONSOLE_PAGE_SIZE"] = PAGE_SIZE
    return Population(db, event, make_registration, make_team)


def test_every_console_page_runs_as_many_statements_at_4n_as_at_n(
    app, client, staff, event, population
):
    staff(client, role="admin")
    population.grow(N)
    measure(app, client, event)  # warm-up: the first visit may create the survey etc.
    small = measure(app, client, event)
    population.grow(3 * N)
    assert sqla.session.scalar(select(sqla.func.count()).select_from(Team)) == 8 * N
    assert sqla.session.scalar(select(sqla.func.count()).select_from(AuditLog)) > 4 * N
    large = measure(app, client, event)
    assert len(small) >= 25
    report = {e: (small[e][0], large[e][0]) for e in small}
    print(*(f"{e}: {small[e]} → {large[e]}" for e in sorted(report)), sep="\n")
    grown = {e: counts for e, counts in report.items() if counts[1] > counts[0]}
    assert grown == {}, f"statements (N, 4N) that grow with the rows: {grown}"
    sizes = {
        e: (small[e][1], large[e][1])
        for e in small
        if e.split("?")[0] not in WHOLE_VENUE and large[e][1] > small[e][1] * 1.3 + 2000
    }
    assert sizes == {}, f"pages whose HTML grows with the rows (N, 4N bytes): {sizes}"
