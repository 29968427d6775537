"""Issue 10 §2: staff open every participant page before it opens, with the banner; what they
send is a test (held mails, no seats, no blocking of real rows) and can be deleted."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import preview
from app.core.mail import send_pending
from app.core.models import AuditLog, OutboxMessage
from app.groupwork.assignments.models import TeamFile
from app.registration.models import Registration, Team, TeamMember
from app.surveys.models import SurveyResponse
from tests.core.test_access_sweep import _fill
from tests.preview.conftest import REAL_NAME, TEST_NAME, person_form, team_form, webinar_of
from tests.surveys.conftest import web_answer

BANNER = "この画面での送信はテストとして扱われ、集計・出力に含まれません"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _count(db, model, tests: bool = False) -> int:
    statement = select(func.count()).select_from(model)
    if tests:
        statement = statement.where(model.is_test.is_(True)).execution_options(include_tests=True)
    return db.session.scalar(statement)


def test_before_opening_the_public_is_refused_and_preview_opens_every_form(
    client, db, not_yet_open, previewing
):
    refused = client.post("/register", data=person_form(REAL_NAME, "real@example.jp"))
    assert refused.status_code == 200 and _count(db, Registration) == 0
    survey = client.get(f"/survey/{not_yet_open.slug}?ch=qr")
    assert survey.status_code == 403
    assert "公開前です" in survey.get_data(as_text=True)
    assert "プレビューで開く" not in survey.get_data(as_text=True)

    staff = previewing()
    assert staff.post("/register", data=person_form(TEST_NAME, "t1@example.jp")).status_code == 302
    assert staff.post("/team/apply", data=team_form(TEST_NAME, "t2@example.jp")).status_code == 302
    form = staff.get(f"/survey/{not_yet_open.slug}?ch=qr")
    assert form.status_code == 200 and BANNER in form.get_data(as_text=True)
    answer = staff.post(f"/survey/{not_yet_open.slug}?ch=qr", data=web_answer())
    assert answer.status_code == 302
    assert (_count(db, Registration, True), _count(db, Team, True)) == (1, 1)
    assert _count(db, SurveyResponse, True) == 1
    assert (_count(db, Registration), _count(db, Team), _count(db, SurveyResponse)) == (0, 0, 0)


def test_banner_on_every_participant_page_in_preview_and_never_for_the_public(
    app, client, db, event, previewing
):
    staff = previewing()
    assert staff.post("/register", data=person_form(TEST_NAME, "t1@example.jp")).status_code == 302
    assert staff.post("/team/apply", data=team_form(TEST_NAME, "t2@example.jp")).status_code == 302
    registration = db.session.scalar(select(Registration).execution_options(include_tests=True))
    member = db.session.scalar(select(TeamMember).execution_options(include_tests=True))
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/console", "/static", "/staff")):
            continue
        token = member.token if rule.rule.startswith(("/t/", "/gw/")) else registration.token
        path = _fill(rule, {"token": token, "member_id": member.id})
        db.session.expunge_all()
        response = staff.get(path)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        assert BANNER in response.get_data(as_text=True), path
        assert BANNER not in client.get(path).get_data(as_text=True), path
        pages += 1
    assert pages >= 10
    # The test rows' own pages open only in preview.
    assert client.get(f"/r/{registration.token}").status_code == 404
    assert client.get(f"/t/{member.token}").status_code == 404


def test_the_flag_without_a_logged_in_secretariat_does_nothing(
    app, client, db, not_yet_open, staff
):
    # A copied cookie with the flag but no staff login: public as ever.
    with client.session_transaction() as session:
        session[preview.PREVIEW_KEY] = not_yet_open.id
    page = client.get("/register").get_data(as_text=True)
    assert BANNER not in page
    client.post("/register", data=person_form(TEST_NAME, "t1@example.jp"))
    assert _count(db, Registration, True) == 0 and _count(db, Registration) == 0
    assert client.get(f"/survey/{not_yet_open.slug}").status_code == 403
    # 分析担当 may not switch preview on; logging out ends it.
    analyst = staff(app.test_client(), "analyst")
    assert analyst.post("/console/preview/on").status_code == 403
    secretariat = staff(app.test_client())
    secretariat.post("/console/preview/on")
    assert BANNER in secretariat.get("/register").get_data(as_text=True)
    secretariat.post("/console/logout")
    assert BANNER not in secretariat.get("/register").get_data(as_text=True)


def test_switching_on_and_off_is_audited_and_the_banner_button_ends_it(db, event, previewing):
    staff = previewing()
    assert BANNER in staff.get("/").get_data(as_text=True)
    off = staff.post("/console/preview/off", follow_redirects=True)
    assert "プレビューを終了しました。" in off.get_data(as_text=True)
    assert BANNER not in staff.get("/").get_data(as_text=True)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["preview.on", "preview.off"]
    log = staff.get("/console/audit").get_data(as_text=True)
    assert "プレビューの開始" in log and "プレビューの終了" in log


def test_the_questionnaire_qr_and_short_url_before_the_opening_day(
    app, client, db, not_yet_open, staff
):
    slug = not_yet_open.slug
    short = client.get(f"/q/{slug}", follow_redirects=True)
    assert short.status_code == 403 and "公開前です" in short.get_data(as_text=True)
    assert "令和" in short.get_data(as_text=True)  # 「公開前です（令和…から…）」
    # A logged-in 事務局 following the same QR code gets a button that opens it in preview.
    secretariat = staff(app.test_client())
    closed = secretariat.get(f"/q/{slug}", follow_redirects=True).get_data(as_text=True)
    assert "プレビューで開く" in closed
    nxt = re.search(r'name="next" value="([^"]+)"', closed)[1].replace("&amp;", "&")
    opened = secretariat.post("/console/preview/on", data={"next": nxt})
    assert opened.headers["Location"].endswith(f"/survey/{slug}?ch=qr")
    form = secretariat.get(opened.headers["Location"])
    assert form.status_code == 200 and BANNER in form.get_data(as_text=True)
    # The QR image encodes the questionnaire's address, whoever asks.
    assert client.get(f"/survey/{slug}/qr-qr.png").mimetype == "image/png"
    # Only a page of this site is followed after switching on.
    away = secretariat.post("/console/preview/on", data={"next": "https://evil.example/"})
    assert away.headers["Location"].endswith("/console/preview")


def test_a_test_registration_takes_no_real_seat_and_blocks_no_real_address(
    client, db, event, previewing, make_registration
):
    webinar_of(db, event, 2)
    staff = previewing()
    shared = "same.person@example.jp"
    assert staff.post("/register", data=person_form(TEST_NAME, shared)).status_code == 302
    assert staff.post("/register", data=person_form(TEST_NAME, "t2@example.jp")).status_code == 302
    # Seats left as the public and the preview itself see them: still two of two.
    assert "（残り2名）" in client.get("/").get_data(as_text=True)
    assert "（残り2名）" in staff.get("/").get_data(as_text=True)
    # The real person with the same address registers; two real seats remain to be taken.
    assert client.post("/register", data=person_form(REAL_NAME, shared)).status_code == 302
    make_registration(channel="webinar")
    assert _count(db, Registration) == 2 and _count(db, Registration, True) == 2
    # A test team never blocks the municipality's real team.
    assert staff.post("/team/apply", data=team_form(TEST_NAME, "t3@example.jp")).status_code == 302
    real = client.post("/team/apply", data=team_form(REAL_NAME, "r3@example.jp"))
    assert real.status_code == 302 and _count(db, Team) == 1


def test_tests_that_fill_the_seats_never_refuse_the_next_test_as_full(
    client, db, event, previewing
):
    """A test never takes a real seat, in the first look at the seats too: the staff member
    trying the form a third time on a webinar of two seats is not told 満席 by the two tests
    before (the look before the lock counted them while previewing; the count under the lock
    did not), and the public still sees two seats left."""
    webinar_of(db, event, 2)
    staff = previewing()
    for n in range(3):
        response = staff.post("/register", data=person_form(TEST_NAME, f"t{n}@example.jp"))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _count(db, Registration, True) == 3 and _count(db, Registration) == 0
    assert "（残り2名）" in client.get("/").get_data(as_text=True)


def _register_then_try_in_preview(client, staff, db, shared):
    assert client.post("/register", data=person_form(REAL_NAME, shared)).status_code == 302
    return staff.post("/register", data=person_form(TEST_NAME, shared))


def _apply_then_try_in_preview(client, staff, db, shared):
    assert client.post("/team/apply", data=team_form(REAL_NAME, shared)).status_code == 302
    return staff.post("/team/apply", data=team_form(TEST_NAME, "test." + shared))


def _edit_a_test_to_a_real_address(client, staff, db, shared):
    assert client.post("/register", data=person_form(REAL_NAME, shared)).status_code == 302
    assert staff.post("/register", data=person_form(TEST_NAME, "t@example.jp")).status_code == 302
    test_row = db.session.scalar(
        select(Registration)
        .where(Registration.is_test.is_(True))
        .execution_options(include_tests=True)
    )
    edit = person_form(TEST_NAME, shared)
    for key in ("channel", "email_confirm", "consent"):
        edit.pop(key)
    return staff.post(f"/r/{test_row.token}/edit", data=edit)


# Each unique index that keeps real rows and tests apart, with the attempts below that try the
# app's own checks of its rule (a form refuses before the index would).
KEPT_APART = {
    "uq_registration_event_email_active": (
        _register_then_try_in_preview,
        _edit_a_test_to_a_real_address,
    ),
    "uq_team_event_municipality_live": (_apply_then_try_in_preview,),
}


def test_every_index_that_keeps_tests_apart_has_its_checks_tried(db):
    """A unique index added later with ``is_test`` in it fails here until its form's check is
    tried below: the kind of fault (a check that looks at both kinds of rows) stays covered."""
    found = {
        index.name
        for table in db.Model.metadata.tables.values()
        for index in table.indexes
        if index.unique and "is_test" in {column.name for column in index.columns}
    }
    assert found == set(KEPT_APART)


@pytest.mark.parametrize(
    "attempt",
    [attempt for attempts in KEPT_APART.values() for attempt in attempts],
    ids=lambda attempt: attempt.__name__.strip("_"),
)
def test_a_real_row_never_refuses_a_test_with_the_same_address_or_municipality(
    client, db, event, previewing, attempt
):
    """Every rule of one per address or per municipality keeps real rows and tests apart, as
    its unique index does: a 事務局 member registered for real (or whose municipality applied)
    tries the same form in preview with the same address (or municipality) and makes a test,
    not 「既に…お申込み」 (the attack on 8679fab found the registration's; the team's and the
    personal page's checks had the same fault). The real row stays the only real one."""
    staff = previewing()
    response = attempt(client, staff, db, "staff.member@example.jp")
    body = response.get_data(as_text=True)
    assert "既に" not in body, body[:500]
    assert response.status_code == 302
    real = _count(db, Registration) + _count(db, Team)
    assert real == 1


def test_mails_of_test_submissions_are_held_and_shown_on_the_test_page(db, event, previewing):
    staff = previewing()
    assert staff.post("/register", data=person_form(TEST_NAME, "t1@example.jp")).status_code == 302
    held = db.session.scalar(select(OutboxMessage).execution_options(include_tests=True))
    assert held.is_test and held.to_addr == "t1@example.jp"
    assert send_pending() == {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    db.session.refresh(held)
    assert held.status == "pending"
    page = staff.get("/console/preview").get_data(as_text=True)
    assert held.subject in page and "メール本文" in page
    assert "t1@example.jp" not in staff.get("/console/outbox").get_data(as_text=True)


def test_deleting_removes_every_test_row_its_mails_and_files_and_keeps_real_ones(
    app, client, db, event, previewing, make_registration
):
    real_id = make_registration(channel="webinar", name=REAL_NAME).id
    staff = previewing()
    staff.post(
        "/register",
        data=person_form(TEST_NAME, "t1@example.jp", channel="youtube", join_waitlist="y"),
    )
    staff.post("/team/apply", data=team_form(TEST_NAME, "t2@example.jp"))
    member = db.session.scalar(select(TeamMember).execution_options(include_tests=True))
    upload = staff.post(
        f"/t/{member.token}/assignments/files",
        data={"file": (io.BytesIO(PDF), "試験.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    stored = db.session.scalar(select(TeamFile).execution_options(include_tests=True))
    path = Path(app.config["UPLOAD_FOLDER"]) / "team_files" / stored.stored_name
    assert path.exists()
    before_real = _count(db, OutboxMessage)
    # Refused without the confirmation: nothing deleted.
    refused = staff.post("/console/preview/tests/delete", data={})
    assert "テスト送信の削除" in refused.get_data(as_text=True)  # the confirmation page
    assert 'name="confirmed"' in refused.get_data(as_text=True)
    assert _count(db, Registration, True) == 1
    done = staff.post(
        "/console/preview/tests/delete", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "テスト送信を削除しました" in done.get_data(as_text=True)
    assert "テスト送信はありません。" in done.get_data(as_text=True)
    for model in preview.test_models():
        assert _count(db, model, True) == 0, model
    assert not path.exists()
    assert _count(db, Registration) == 1 and db.session.get(Registration, real_id)
    assert _count(db, OutboxMessage) == before_real
    assert "テスト送信の削除" in staff.get("/console/audit").get_data(as_text=True)


@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_the_preview_page_opens_for_the_secretariat_and_admin(app, staff, event, role):
    page = staff(app.test_client(), role).get("/console/preview")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for label in (
        "プレビューを開始する",
        "申込トップページ",
        "研修会議Ⅰ 申込フォーム",
        f"/q/{event.slug}",
    ):
        assert label in text


def test_a_real_teams_page_opened_in_preview_saves_real_rows(db, event, previewing, make_team):
    """A row under a real participant's row stays real (else its owner could never see it,
    nor save another: one 資料２ per team)."""
    from app.groupwork.assignments.models import SceneChoice

    team = make_team(size=2)
    token = team.representative.token
    staff = previewing()
    data = {"first_scene": "1", "second_scene": "2", "note": ""}
    assert staff.post(f"/t/{token}/assignments/scenes", data=data).status_code == 302
    choice = db.session.scalar(select(SceneChoice).execution_options(include_tests=True))
    assert choice.is_test is False
    assert _count(db, SceneChoice) == 1


def test_the_survey_console_opens_the_questionnaire_in_preview(app, staff, not_yet_open):
    secretariat = staff(app.test_client())
    page = secretariat.get("/console/surveys/").get_data(as_text=True)
    assert "アンケートをプレビューで開く" in page
    nxt = re.search(r'name="next" value="([^"]+)"', page)[1].replace("&amp;", "&")
    opened = secretariat.post("/console/preview/on", data={"next": nxt}, follow_redirects=True)
    assert opened.status_code == 200 and BANNER in opened.get_data(as_text=True)
    assert "参加者アンケート" in opened.get_data(as_text=True)
    analyst = staff(app.test_client(), "analyst")
    assert "アンケートをプレビューで開く" not in analyst.get("/console/surveys/").get_data(
        as_text=True
    )


def test_a_held_mail_is_sent_only_when_the_secretariat_asks(db, event, previewing):
    staff = previewing()
    assert staff.post("/register", data=person_form(TEST_NAME, "me@example.jp")).status_code == 302
    held = db.session.scalar(select(OutboxMessage).execution_options(include_tests=True))
    assert "このアドレスに送信する" in staff.get("/console/preview").get_data(as_text=True)
    sent = staff.post(f"/console/preview/mails/{held.id}/send", follow_redirects=True)
    assert "me@example.jp 宛てのメールを送信待ちにしました。" in sent.get_data(as_text=True)
    assert send_pending()["logged"] == 1  # no SMTP in tests: «logged» is the sender's «sent»
    assert "me@example.jp" in staff.get("/console/outbox").get_data(as_text=True)
    assert "テスト送信のメールを送信" in staff.get("/console/audit").get_data(as_text=True)
    # A real mail cannot be pushed through this button.
    assert staff.post(f"/console/preview/mails/{held.id}/send").status_code == 404
