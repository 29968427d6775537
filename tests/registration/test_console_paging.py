"""Issue 12: the console's growing lists are paged (100 a page, 「前へ」「n / N ページ」「次へ」, the
filters kept in the links, plain links that work without JavaScript), and the 操作履歴 is searched
by 操作者, 対象, 操作 and days."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

from app.core.jpdates import jst
from app.core.models import AuditLog, StaffUser
from app.registration.services import waitlist


def _links(page: str) -> dict[str, str]:
    """The pager's links by their text (前へ / 次へ), unescaped."""
    nav = page[page.index('class="pager"') :]
    nav = nav[: nav.index("</nav>")]
    return {
        text.strip(" «»"): html_lib.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    }


def test_the_101st_registration_is_on_page_2_and_the_filters_stay_in_the_links(
    client, staff, event, make_registration
):
    people = [make_registration("youtube", category="pref") for _ in range(101)]
    make_registration("youtube", category="muni")  # filtered out below
    staff(client)
    first = client.get("/console/registrations?category=pref&status=active").get_data(as_text=True)
    assert "1 / 2 ページ" in first and "全101件中 1〜100" in first
    assert people[99].email in first and people[100].email not in first
    following = _links(first)["次へ"]
    assert "category=pref" in following and "status=active" in following
    assert "page=2" in following and "前へ" not in _links(first)
    second = client.get(following).get_data(as_text=True)
    assert "2 / 2 ページ" in second and "全101件中 101〜101" in second
    assert people[100].email in second and people[0].email not in second
    assert "category=pref" in _links(second)["前へ"] and "page=" not in _links(second)["前へ"]


def test_a_page_past_the_end_shows_the_last_page_with_a_note_and_nonsense_shows_the_first(
    app, client, staff, event, make_registration
):
    app.config["CONSOLE_PAGE_SIZE"] = 2
    people = [make_registration("youtube", category="pref") for _ in range(5)]
    staff(client)
    page = client.get("/console/registrations?page=40").get_data(as_text=True)
    assert "40ページ目はありません。最後のページ（3ページ目）を表示しています。" in page
    assert "3 / 3 ページ" in page and people[4].email in page
    for nonsense in ("abc", "-1", "0", "1e3", "", "1%00", "²", "%EF%BC%92x"):
        response = client.get(f"/console/registrations?page={nonsense}")
        assert response.status_code == 200, nonsense
        assert "1 / 3 ページ" in response.get_data(as_text=True), nonsense
    huge = client.get("/console/registrations?page=99999999999999999999999")
    assert huge.status_code == 200 and "3 / 3 ページ" in huge.get_data(as_text=True)


def test_the_waiting_list_is_listed_in_its_order(app, client, staff, db, event, make_registration):
    event.channel("webinar").capacity = 1
    db.session.commit()
    make_registration("webinar")
    app.config["CONSOLE_PAGE_SIZE"] = 2
    waiting = [make_registration("youtube", category="pref") for _ in range(3)]
    for registration in reversed(waiting):  # joined last to first
        waitlist.join_waitlist(registration)
    make_registration("youtube", category="pref")  # not on the list
    staff(client)
    first = client.get("/console/registrations?waitlist=open&status=").get_data(as_text=True)
    assert "全3件中 1〜2" in first and "<th>順番</th>" in first
    assert first.index(waiting[2].email) < first.index(waiting[1].email)
    assert waiting[0].email not in first
    second = client.get(_links(first)["次へ"]).get_data(as_text=True)
    assert waiting[0].email in second and 'class="num">3</td>' in second


def test_teams_are_paged(app, client, staff, event, make_team):
    from tests.groupwork.tables.test_services import municipalities

    app.config["CONSOLE_PAGE_SIZE"] = 2
    codes = municipalities(__import__("app.extensions", fromlist=["db"]).db, 3)
    teams = [make_team(size=2, municipality=code) for code in codes]
    staff(client)
    first = client.get("/console/teams?channel=t2_tokyo").get_data(as_text=True)
    assert "全3団体中 1〜2" in first and "1 / 2 ページ" in first
    assert teams[2].municipality.full_name not in first
    following = _links(first)["次へ"]
    assert "channel=t2_tokyo" in following
    assert teams[2].municipality.full_name in client.get(following).get_data(as_text=True)


def _audit(db, event, staff_user, action, target, when):
    db.session.add(
        AuditLog(
            event_id=event.id,
            staff_id=staff_user.id if staff_user else None,
            action=action,
            target=target,
            detail="",
            created_at=when,
        )
    )


def test_audit_log_is_searched_by_staff_target_action_and_days(client, staff, db, event):
    from app.core.auth import create_staff

    create_staff("sato", "佐藤 花子", "secretariat", "correct horse battery")
    create_staff("suzuki", "鈴木 一郎", "secretariat", "correct horse battery")
    sato = db.session.query(StaffUser).filter_by(login="sato").one()
    suzuki = db.session.query(StaffUser).filter_by(login="suzuki").one()
    _audit(db, event, sato, "resend_mail", "sato-target@example.jp", jst(2023, 9, 1, 10))
    _audit(db, event, suzuki, "resend_mail", "suzuki-target@example.jp", jst(2023, 9, 2, 23, 59))
    _audit(db, event, suzuki, "change_capacity", "capacity-target", jst(2023, 9, 3, 0, 0))
    db.session.commit()
    staff(client)

    def shown(query: str) -> set[str]:
        page = client.get(f"/console/audit{query}").get_data(as_text=True)
        return {t for t in ("sato-target", "suzuki-target", "capacity-target") if t in page}

    assert shown("") == {"sato-target", "suzuki-target", "capacity-target"}
    assert shown("?staff=佐藤") == {"sato-target"}
    assert shown("?staff=suzuki") == {"suzuki-target", "capacity-target"}
    assert shown("?target=suzuki-target") == {"suzuki-target"}
    assert shown("?action=change_capacity") == {"capacity-target"}
    # Days in JST: 9月2日 23:59 is on the 2nd, 9月3日 0:00 on the 3rd.
    assert shown("?date_from=2023-09-02&date_to=2023-09-02") == {"suzuki-target"}
    assert shown("?date_from=2023-09-03") == {"capacity-target"}
    assert shown("?staff=佐藤&date_from=2023-09-02") == set()
    page = client.get("/console/audit?staff=佐藤").get_data(as_text=True)
    assert "操作者" in page and "全1件" in page


def test_audit_log_refuses_a_bad_day_in_japanese_and_pages_its_rows(app, client, staff, db, event):
    app.config["CONSOLE_PAGE_SIZE"] = 3
    for day in range(1, 8):
        _audit(db, event, None, "resend_mail", f"row{day}@example.jp", jst(2023, 9, day, 12))
    db.session.commit()
    staff(client)
    response = client.get("/console/audit?date_from=2023-13-45")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "日付は「2024-04-01」の形で入力してください。" in page
    response = client.get("/console/audit?date_from=2023-09-05&date_to=2023-09-01")
    assert "期間の終わりは始めより後の日にしてください。" in response.get_data(as_text=True)
    first = client.get("/console/audit?target=example.jp").get_data(as_text=True)
    assert "row7@" in first and "row4@" not in first  # newest first
    assert "1 / 3 ページ" in first
    third = client.get(_links(first)["次へ"].replace("page=2", "page=3")).get_data(as_text=True)
    assert "row1@" in third and "target=example.jp" in _links(third)["前へ"]


def test_free_texts_are_paged_per_question(app, client, staff, db, event):
    from app.core.jpdates import now_utc
    from app.surveys.services import submit_response
    from tests.surveys.conftest import web_answer

    event.survey_opens_at = now_utc() - timedelta(days=1)
    event.survey_closes_at = now_utc() + timedelta(days=1)
    db.session.commit()
    app.config["CONSOLE_PAGE_SIZE"] = 2
    for n in range(5):
        submit_response(event, "web", web_answer(Q8=f"感想その{n}です。"))
    staff(client, "analyst")
    first = client.get("/console/surveys/texts?q=Q8").get_data(as_text=True)
    assert "全5件中 1〜2" in first and "感想その0" in first and "感想その2" not in first
    assert re.search(r"設問ごと：.*（5件）", first)
    following = _links(first)["次へ"]
    assert "q=Q8" in following
    last = client.get(following.replace("page=2", "page=3")).get_data(as_text=True)
    assert "感想その4" in last and "3 / 3 ページ" in last
