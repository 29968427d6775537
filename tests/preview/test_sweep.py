"""Issue 10 §2: what a preview sends is in no count, list, export or tabulation.

Built from the model registry (every model with ``is_test``) and from ``app.url_map`` (every
console page and export), so a table or page added later is covered without being listed.
Test rows are made through the real preview flows, next to real rows made by participants.
"""

from __future__ import annotations

import io
import mimetypes
import re
import zipfile
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from app.core import preview
from app.groupwork.assignments.models import TeamFile
from app.registration.models import Registration, Team, TeamMember
from app.surveys.models import SurveyResponse
from tests.preview.conftest import TEST_NAME, person_form, team_form
from tests.surveys.conftest import web_answer

# What only the test rows contain: part of the name, the e-mail, the free text, the file.
TEST_EMAIL = "preview-test@example.jp"
TEST_TEXT = "試験用プレビューの自由記述"
TEST_FILE = "試験プレビュー資料.pdf"
NEEDLES = ("プレビュー太郎", "preview-test", TEST_TEXT, "試験プレビュー資料")
REAL_TEXT = "本番の自由記述"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Tables no preview flow writes to (a participant page never creates their rows).
NOT_FROM_A_PARTICIPANT_PAGE: set[str] = {"audit_log"}


def _all(model):
    return select(model).execution_options(**{preview.INCLUDE_TESTS: True})


@pytest.fixture
def both(app, db, event, make_registration, make_team, previewing, client):
    """Real rows (participants, no preview) and test rows (a 事務局 in preview) of every kind:
    returns the previewing client and the real and test rows."""
    real_registration = make_registration(channel="webinar", name="本番　申込花子")
    real_team = make_team(size=2, municipality="011002")
    event.survey_opens_at = None
    event.survey_closes_at = None
    db.session.commit()
    assert (
        client.post(f"/survey/{event.slug}?ch=qr", data=web_answer(Q1_1_1=REAL_TEXT)).status_code
        == 302
    )

    staff = previewing("admin")
    form = person_form(TEST_NAME, TEST_EMAIL, channel="youtube", join_waitlist="y")
    assert staff.post("/register", data=form).status_code == 302
    apply = staff.post(
        "/team/apply", data=team_form(TEST_NAME, "preview-test2@example.jp", "012025")
    )
    assert apply.status_code == 302, apply.get_data(as_text=True)
    test_team = db.session.scalar(_all(Team).where(Team.is_test.is_(True)))
    member = test_team.representative
    base = f"/t/{member.token}/assignments"
    assert (
        staff.post(
            f"{base}/scenes", data={"first_scene": "1", "second_scene": "2", "note": TEST_TEXT}
        ).status_code
        == 302
    )
    grid = {
        f"s{no}_{key}": "" for no in range(1, 5) for key in ("goal", "current", "actions", "issues")
    }
    grid.update(s1_goal=TEST_TEXT, name=member.name, strengths=TEST_TEXT, save_draft="下書き保存")
    assert staff.post(f"{base}/pre", data=grid).status_code == 302
    upload = staff.post(
        f"{base}/files",
        data={"file": (io.BytesIO(PDF), TEST_FILE)},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, upload.get_data(as_text=True)
    answer = staff.post(f"/survey/{event.slug}?ch=qr", data=web_answer(Q1_1_1=TEST_TEXT))
    assert answer.status_code == 302
    test_registration = db.session.scalar(_all(Registration).where(Registration.is_test.is_(True)))
    return {
        "staff": staff,
        "real_registration": real_registration,
        "real_team": real_team,
        "test_team": test_team,
        "test_registration": test_registration,
        "test_file": db.session.scalar(_all(TeamFile).where(TeamFile.is_test.is_(True))),
    }


def test_every_table_with_is_test_gets_test_rows_from_the_preview_flows_and_only_them(db, both):
    made = set()
    for model in preview.test_models():
        rows = db.session.scalars(_all(model)).all()
        tests = [r for r in rows if r.is_test]
        if tests:
            made.add(model.__tablename__)
        # No real row was marked, and the participants' rows are all there.
        assert all(r.is_test is False for r in db.session.scalars(select(model)).all())
        assert model.TEST_LABEL, f"{model.__name__} has no label for the テスト送信 page"
    expected = {m.__tablename__ for m in preview.test_models()} - NOT_FROM_A_PARTICIPANT_PAGE
    assert made == expected
    # The real rows are real.
    assert not both["real_registration"].is_test and not both["real_team"].is_test


def _text_of(response) -> str:
    """What a person can read in the response: HTML/CSV text, every cell of a workbook, the
    text of a PDF."""
    kind = response.mimetype
    data = response.data
    header = unquote(response.headers.get("Content-Disposition", ""))
    return header + "\n" + _body_text(kind, data)


def _kind_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "text/plain"


def _body_text(kind: str, data: bytes) -> str:
    if "spreadsheet" in kind:
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(v)
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v
        )
    if kind == "application/pdf":
        try:
            pages = PdfReader(io.BytesIO(data)).pages
        except PdfReadError:  # not a PDF we made (an upload): its bytes as they are
            return data.decode("latin-1")
        return "\n".join(page.extract_text() or "" for page in pages)
    if kind == "application/zip":  # a background job's bundle: every file in it
        bundle = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(
            name + "\n" + _body_text(_kind_of(name), bundle.read(name))
            for name in bundle.namelist()
        )
    if kind.startswith("image/"):
        return ""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"cannot read {kind}")


def _paths(app, values: dict) -> list[str]:
    """Every console GET page and export, its arguments filled from ``values`` (an ``any``
    argument: each of its choices)."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/console") or "GET" not in rule.methods:
            continue
        if rule.endpoint in ("core.login", "preview.index"):
            continue
        filled = [rule.rule]
        for arg in rule.arguments:
            converter = rule._converters[arg]
            if isinstance(converter, AnyConverter):
                choices = [
                    c for c in re.search(rf"any\(([^)]*)\):{arg}>", rule.rule)[1].split(", ")
                ]
            elif isinstance(converter, IntegerConverter):
                choices = [values.get(arg, 1)]
            else:
                assert arg in values, f"the sweep does not know how to fill <{arg}> of {rule.rule}"
                choices = values[arg] if isinstance(values[arg], list) else [values[arg]]
            pattern = rf"<(?:[\w]+(?:\([^)]*\))?:)?{arg}>"
            filled = [re.sub(pattern, str(c), p) for p in filled for c in choices]
        paths += filled
    return paths


def test_no_console_page_or_export_shows_a_test_row_but_the_test_page(app, db, event, both):
    from app.groupwork.tables.pdf import start_booklets
    from app.groupwork.tables.services import allocate_tables
    from app.surveys.jobs import start_texts_pdf

    allocation = allocate_tables(event.channel("t2_tokyo").venue, time_limit=5)
    staff = both["staff"]  # preview is on for this session: the console excludes tests anyway
    real_member = both["real_team"].representative
    test_member = both["test_team"].representative
    common = {
        "event_id": event.id,
        "channel_id": event.channel("t2_tokyo").id,
        "venue_id": event.channel("t2_tokyo").venue_id,
        "code": "tokyo",
        "venue_code": "tokyo",
        "kind": ["seatplan", "namecards", "worksheets", "matome"],
        "number": 1,
        # Background reports (run at once in the tests): their pages and downloads.
        "job_id": [start_texts_pdf(event), start_booklets(allocation)],
    }
    real = {
        **common,
        "rid": both["real_registration"].id,
        "tid": both["real_team"].id,
        "team_id": both["real_team"].id,
        "member_id": real_member.id,
    }
    tests = {
        **common,
        "rid": both["test_registration"].id,
        "tid": both["test_team"].id,
        "team_id": both["test_team"].id,
        "member_id": test_member.id,
        "file_id": both["test_file"].id,
    }
    # Searches (the query is shown back in its field: look for the rest of the row).
    searches = {
        "/console/registrations?q=プレビュー太郎": ("preview-test",),
        "/console/registrations?q=preview-test": ("プレビュー太郎",),
        "/console/teams?q=プレビュー太郎": ("preview-test", "012025"),
    }
    seen = 0
    for values in (real, tests):
        for path in _paths(app, values) + list(searches):
            db.session.expunge_all()  # each request its own rows, as when served
            response = staff.get(path)
            assert response.status_code < 500, path
            text = _text_of(response)
            leaks = [n for n in searches.get(path, NEEDLES) if n in text]
            assert leaks == [], f"{path} shows the test row: {leaks}"
            seen += response.status_code == 200
    assert seen >= 60
    # The real rows do reach the console (the filter hides tests, not everything).
    assert "本番　申込花子" in staff.get("/console/registrations").get_data(as_text=True)
    # …and the one page that lists tests shows them.
    page = staff.get("/console/preview").get_data(as_text=True)
    for needle in ("プレビュー太郎", TEST_EMAIL, TEST_FILE):
        assert needle in page


def test_counts_and_tabulations_leave_tests_out(app, db, event, both):
    from app.registration import reports
    from app.registration.services.seats import channel_overview
    from app.surveys import services as surveys

    assert surveys.response_count(event) == 1
    records = surveys.answer_records(event)
    assert len(records) == 1 and TEST_TEXT not in str(records)
    assert TEST_TEXT not in str(surveys.tabulate_event(event))
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.scalar(select(func.count()).select_from(TeamMember)) == 2
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    table = str(reports.applicants_table(event)) + str(reports.teams_by_state(event))
    table += str(reports.waitlist_counts(event)) + str(reports.stages_table(event))
    assert "プレビュー太郎" not in table
    assert not any(reports.waitlist_counts(event).values())  # only the test one is waiting
    rows = {r["channel"].code: r for r in channel_overview(event)}
    assert rows["webinar"]["registered"] == 1 and rows["youtube"]["registered"] == 0
    assert rows["t2_tokyo"]["registered"] == 2  # the real team's two; not the test team's one
